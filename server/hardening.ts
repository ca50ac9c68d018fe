/**
 * What the command-line server does to its own process at start when FFI is
 * available (`--allow-ffi`): it makes itself non-dumpable, so that programs
 * of the same uid can no longer open its descriptors or read its environment
 * through `/proc/PID/` (they could read another client's stdin, or write into
 * its reply); and it raises its soft limit of open files to the hard limit
 * and works out how many connections that limit can carry.
 *
 * @module
 */

import { C, type Libc } from "./libc.ts";

/** Descriptors a connection can hold at once: its socket, three pipes, a pidfd, and the program's ends while it starts. */
export const FDS_PER_CONNECTION = 8;

/** Descriptors kept free beyond those open at start (listeners, the poller, logs, the inspector guard). */
const _RESERVE = 16;

/** What was done. */
export interface Hardening {
  /** Whether the process is now non-dumpable. */
  readonly nonDumpable: boolean;
  /** The soft limit of open files before and after, and the hard limit. */
  readonly nofile: { readonly before: number; readonly soft: number; readonly hard: number };
  /** Descriptors open at start. */
  readonly openAtStart: number;
  /** How many connections the open-files limit carries. */
  readonly connectionsCarried: number;
}

/**
 * Harden this process (see the module documentation). Call once, at start, before listening.
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * import { hardenProcess } from "./hardening.ts";
 * const { connectionsCarried } = hardenProcess(openLibc());
 * ```
 */
export function hardenProcess(c: Libc): Hardening {
  const nonDumpable = c.prctl(C.PR_SET_DUMPABLE, 0n, 0n, 0n, 0n) === 0;
  const limit = new BigUint64Array(2);
  c.getrlimit(C.RLIMIT_NOFILE, limit);
  const before = Number(limit[0]);
  const hard = Number(limit[1] > 1_048_576n ? 1_048_576n : limit[1]);
  if (before < hard) {
    limit[0] = BigInt(hard);
    c.setrlimit(C.RLIMIT_NOFILE, limit);
    c.getrlimit(C.RLIMIT_NOFILE, limit);
  }
  const soft = Number(limit[0] > 1_048_576n ? 1_048_576n : limit[0]);
  const openAtStart = _openDescriptors(c, Math.min(soft, 4096));
  const connectionsCarried = Math.max(1, Math.floor((soft - openAtStart - _RESERVE) / FDS_PER_CONNECTION));
  return { nonDumpable, nofile: { before, soft, hard }, openAtStart, connectionsCarried };
}

/** How many descriptors below `limit` are open (fcntl F_GETFD fails on the others). */
function _openDescriptors(c: Libc, limit: number): number {
  let open = 0;
  for (let fd = 0; fd < limit; fd++) if (c.fcntl(fd, C.F_GETFD, 0) >= 0) open++;
  return open;
}

/**
 * Whether SIGUSR1 is blocked in this thread (as the launcher leaves it for every thread).
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * import { sigusr1Blocked } from "./hardening.ts";
 * console.log(sigusr1Blocked(openLibc()));
 * ```
 */
export function sigusr1Blocked(c: Libc): boolean {
  const mask = new Uint8Array(128);
  c.pthread_sigmask(0, null, mask); // SIG_BLOCK with no set: only read the current mask
  return (mask[1] & 0x02) !== 0; // signal 10 is bit 9
}
