/**
 * Terminating a program's whole process group: TERM, then KILL after a grace
 * period if the group is still there.
 *
 * @module
 */

import type { Program } from "./program.ts";

/**
 * The process group a program leads (its pgid is its pid).
 *
 * @example
 * ```ts ignore
 * import { ProcessGroup } from "./process_group.ts";
 * const group = new ProcessGroup(program);
 * group.terminate(1); // TERM now, KILL in a second unless disposed
 * ```
 */
export class ProcessGroup {
  readonly #program: Pick<Program, "pid" | "signal">;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #terminating = false;

  /** Track the group led by `program`. */
  constructor(program: Pick<Program, "pid" | "signal">) {
    this.#program = program;
  }

  /** The group id (the leader's pid). */
  get pgid(): number {
    return this.#program.pid;
  }

  /** Whether {@linkcode ProcessGroup.terminate} was called. */
  get terminating(): boolean {
    return this.#terminating;
  }

  /** Whether a delayed KILL is still due. */
  get killPending(): boolean {
    return this.#killTimer !== undefined;
  }

  /** TERM now, KILL after `graceSeconds` (unless disposed first, or nothing was there to TERM). Idempotent. */
  terminate(graceSeconds: number): void {
    if (this.#terminating) return;
    this.#terminating = true;
    if (!this.#program.signal("SIGTERM")) return; // the group is empty: nothing to wait for
    this.#program.signal("SIGCONT"); // a stopped program must run to see its TERM
    const timer = setTimeout(() => {
      this.#killTimer = undefined;
      this.#program.signal("SIGKILL");
    }, graceSeconds * 1000);
    // A pending KILL must not keep a finished server's process alive.
    Deno.unrefTimer(Number(timer));
    this.#killTimer = timer;
  }

  /** KILL now, cancelling a pending delayed KILL. */
  kill(): void {
    this.#terminating = true;
    this.#clearTimer();
    this.#program.signal("SIGKILL");
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
