/**
 * Signalling a program's whole process group: TERM, then KILL after a grace
 * period if the group is still there.
 *
 * @module
 */

/**
 * The process group a program leads (its pgid is its pid).
 *
 * @example
 * ```ts ignore
 * import { ProcessGroup } from "./process_group.ts";
 * const child = new Deno.Command("sleep", { args: ["10"], detached: true }).spawn();
 * const group = new ProcessGroup(child.pid);
 * group.terminate(1);
 * await child.status;
 * group.dispose();
 * ```
 */
export class ProcessGroup {
  /** The group id (the leader's pid). */
  readonly pgid: number;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #terminating = false;
  #leaderGone = false;

  /** Track the group led by `pgid`. */
  constructor(pgid: number) {
    this.pgid = pgid;
  }

  /** Whether {@linkcode ProcessGroup.terminate} was called. */
  get terminating(): boolean {
    return this.#terminating;
  }

  /** Record that the leader was reaped: only the group is signalled from now on. */
  leaderExited(): void {
    this.#leaderGone = true;
  }

  /**
   * Send a signal to the group. If the group does not exist yet (the
   * leader has not called setsid), the leader is signalled instead.
   * Returns false when nothing was signalled.
   */
  signal(signal: Deno.Signal): boolean {
    try {
      Deno.kill(-this.pgid, signal);
      return true;
    } catch {
      if (this.#leaderGone) return false;
    }
    try {
      Deno.kill(this.pgid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** TERM now, KILL after `graceSeconds` (unless disposed first). Idempotent. */
  terminate(graceSeconds: number): void {
    if (this.#terminating) return;
    this.#terminating = true;
    this.signal("SIGTERM");
    const timer = setTimeout(() => {
      this.#killTimer = undefined;
      this.signal("SIGKILL");
    }, graceSeconds * 1000);
    // A pending KILL must not keep a finished server's process alive.
    Deno.unrefTimer(Number(timer));
    this.#killTimer = timer;
  }

  /** KILL now, cancelling a pending delayed KILL. */
  kill(): void {
    this.#terminating = true;
    this.#clearTimer();
    this.signal("SIGKILL");
  }

  /** Forget the group: no delayed KILL will be sent. */
  dispose(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#killTimer !== undefined) clearTimeout(this.#killTimer);
    this.#killTimer = undefined;
  }
}
