/**
 * Signal names as the protocol carries them: the name without the `SIG`
 * prefix (`TERM`, `KILL`), as sockexec sends them in a `termsig` pair.
 * Numbers follow Linux's generic numbering (x86-64, arm64).
 *
 * @module
 */

const _NAMES: readonly string[] = [
  "",
  "HUP",
  "INT",
  "QUIT",
  "ILL",
  "TRAP",
  "ABRT",
  "BUS",
  "FPE",
  "KILL",
  "USR1",
  "SEGV",
  "USR2",
  "PIPE",
  "ALRM",
  "TERM",
  "STKFLT",
  "CHLD",
  "CONT",
  "STOP",
  "TSTP",
  "TTIN",
  "TTOU",
  "URG",
  "XCPU",
  "XFSZ",
  "VTALRM",
  "PROF",
  "WINCH",
  "IO",
  "PWR",
  "SYS",
];

/** First real-time signal number available to programs under glibc (SIGRTMIN). */
const _RTMIN = 34;
/** Last signal number (SIGRTMAX). */
const _RTMAX = 64;

/** The name sockexec sends for a signal it has no name for. */
export const UNKNOWN_SIGNAL_NAME = "???";

/**
 * The protocol name of a signal number: `TERM` for 15, `RTMIN+6` for 40 (as
 * bash's `kill -l` names it), {@linkcode UNKNOWN_SIGNAL_NAME} for numbers
 * with no name.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { signalName } from "./signals.ts";
 * assert(signalName(9) === "KILL" && signalName(40) === "RTMIN+6");
 * ```
 */
export function signalName(signo: number): string {
  if (Number.isInteger(signo) && signo >= 1 && signo < _NAMES.length) return _NAMES[signo];
  if (Number.isInteger(signo) && signo >= _RTMIN && signo <= _RTMAX) {
    return signo === _RTMIN ? "RTMIN" : `RTMIN+${signo - _RTMIN}`;
  }
  return UNKNOWN_SIGNAL_NAME;
}

/**
 * The number of a protocol signal name (with or without `SIG`), or
 * undefined when it has none (including `???`).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { signalNumber } from "./signals.ts";
 * assert(signalNumber("TERM") === 15 && signalNumber("SIGKILL") === 9);
 * assert(signalNumber("???") === undefined);
 * ```
 */
export function signalNumber(name: string): number | undefined {
  const bare = name.startsWith("SIG") ? name.slice(3) : name;
  const index = _NAMES.indexOf(bare);
  if (index > 0) return index;
  const rt = /^RTMIN(?:\+([1-9][0-9]?))?$/.exec(bare);
  if (rt === null) return undefined;
  const signo = _RTMIN + (rt[1] === undefined ? 0 : Number(rt[1]));
  return signo <= _RTMAX ? signo : undefined;
}
