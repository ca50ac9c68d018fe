/**
 * The SIGUSR1 inspector guard. Deno ≥ 2.9.2 opens a V8 inspector on
 * 127.0.0.1:9229 when the process receives SIGUSR1, whatever the flags; any
 * process of the server's user (a program the server runs, for one) could send
 * it and then run code inside the server. The guard listens on that port for
 * the server's whole life, so the inspector cannot bind it: Deno prints
 * "Failed to start inspector server" and goes on serving. Connections to the
 * guard are closed at once.
 *
 * It costs nothing per program, unlike blocking SIGUSR1 (see launch.pl),
 * which programs would inherit and which must be undone for each of them.
 *
 * @module
 */

/** Where Deno's inspector listens when SIGUSR1 arrives. */
export const INSPECTOR_PORT = 9229;

/** The guard, and what it could not hold. */
export interface InspectorGuard {
  /**
   * This process holds 127.0.0.1:9229, so no inspector can start there. A port another process holds does not
   * count: when that process goes, the inspector could start.
   */
  readonly protected: boolean;
  /** One line per address the guard could not hold itself, and why. */
  readonly problems: readonly string[];
  /** Stop listening. */
  close(): void;
}

/**
 * Hold the inspector port on 127.0.0.1 and ::1. Needs
 * `--allow-net=127.0.0.1:9229,[::1]:9229` (or a wider `--allow-net`).
 *
 * @example
 * ```ts ignore
 * import { guardInspectorPort } from "./inspector_guard.ts";
 * const guard = guardInspectorPort();
 * if (!guard.protected) console.warn(guard.problems.join("\n"));
 * guard.close();
 * ```
 */
export function guardInspectorPort(port: number = INSPECTOR_PORT): InspectorGuard {
  const listeners: Deno.Listener[] = [];
  const problems: string[] = [];
  let protectedV4 = false;
  for (const hostname of ["127.0.0.1", "::1"]) {
    try {
      const listener = Deno.listen({ hostname, port });
      listeners.push(listener);
      _refuse(listener);
      if (hostname === "127.0.0.1") protectedV4 = true;
    } catch (error) {
      const taken = error instanceof Deno.errors.AddrInUse;
      if (!(error instanceof Deno.errors.AddrNotAvailable)) {
        problems.push(`${hostname}:${port}: ${taken ? "held by another process" : (error as Error).message}`);
      }
    }
  }
  return {
    protected: protectedV4,
    problems,
    close: () => {
      for (const listener of listeners) {
        try {
          listener.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

/** Accept and close every connection, so nothing queues on the guard. */
async function _refuse(listener: Deno.Listener): Promise<void> {
  try {
    for await (const conn of listener) conn.close();
  } catch {
    // closed
  }
}
