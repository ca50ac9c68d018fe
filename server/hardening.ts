/**
 * What the command-line server does to its own process at start when FFI is
 * available (`--allow-ffi`): it makes itself non-dumpable, so that programs
 * of the same uid can no longer open its descriptors or read its environment
 * through `/proc/PID/` (they could read another client's stdin, or write into
 * its reply); and it raises its soft limit of open files to the hard limit
 * and works out how many descriptors connections may use (see {@link fitToDescriptors}).
 *
 * @module
 */

import { C, type Libc } from "./libc.ts";

/** Descriptors a running program costs the server besides its connection's socket: three pipes (both ends while it starts) and a pidfd. */
export const FDS_PER_PROGRAM = 7;

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
  /** Descriptors left for connections: the open-files limit less those open at start and a reserve. */
  readonly descriptorBudget: number;
}

/**
 * Harden this process (see the module documentation). Call once, at start, before listening.
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * import { hardenProcess } from "./hardening.ts";
 * const { descriptorBudget } = hardenProcess(openLibc());
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
  const descriptorBudget = Math.max(0, soft - openAtStart - _RESERVE);
  return { nonDumpable, nofile: { before, soft, hard }, openAtStart, descriptorBudget };
}

/** The two connection limits, as asked or as fitted to the descriptor budget. */
export interface ConnectionLimits {
  /** Programs running at once (`-m`); each costs {@link FDS_PER_PROGRAM} descriptors at most. */
  readonly maxConnections: number;
  /** Connections open at once (`--max-open`); one descriptor each. */
  readonly maxOpen: number;
}

/**
 * Fit the connection limits to a descriptor budget, so that a full server
 * still accepts and never fails a spawn with EMFILE: open connections keep at
 * least a quarter of the budget (and at least 4), the programs get what is
 * left (at least 1), and open connections then whatever the programs leave.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fitToDescriptors } from "./hardening.ts";
 * assertEquals(fitToDescriptors(1_000_000, { maxConnections: 100, maxOpen: 1024 }), {
 *   maxConnections: 100,
 *   maxOpen: 1024,
 * });
 * // 28 descriptors: 3 programs (21) and 7 connections.
 * assertEquals(fitToDescriptors(28, { maxConnections: 100, maxOpen: 1024 }), { maxConnections: 3, maxOpen: 7 });
 * ```
 */
export function fitToDescriptors(budget: number, asked: ConnectionLimits): ConnectionLimits {
  const openFloor = Math.min(asked.maxOpen, Math.max(4, Math.floor(budget / 4)));
  const programRoom = Math.max(1, Math.floor((budget - openFloor) / FDS_PER_PROGRAM));
  const maxConnections = Math.min(asked.maxConnections, programRoom);
  const maxOpen = Math.min(asked.maxOpen, Math.max(1, budget - maxConnections * FDS_PER_PROGRAM));
  return { maxConnections, maxOpen };
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
