/**
 * The pairs of a response: `(type, value)` netstrings. Output pairs carry a
 * program's `stdout` or `stderr` bytes; status pairs carry its `exitcode`
 * (canonical decimal 0–255) or the `termsig` that killed it.
 *
 * @module
 */

import { _canonicalDecimal, _utf8 } from "./_bytes.ts";

/** Every response pair type, in the order the specification lists them. */
export const PAIR_TYPES = ["stdout", "stderr", "exitcode", "termsig"] as const;

/** A response pair type. */
export type PairType = (typeof PAIR_TYPES)[number];

/** The type of an output pair. */
export type OutputStream = "stdout" | "stderr";

/** The type of a status pair. */
export type StatusType = "exitcode" | "termsig";

/** How a program ended, as a status pair reports it. */
export type ExitStatus =
  /** It exited with this code (0–255). */
  | { readonly exitCode: number; readonly signal: null }
  /** A signal killed it; `signal` is the name without `SIG` (e.g. `TERM`). */
  | { readonly exitCode: null; readonly signal: string };

/** Longest termsig value a receiver accepts. */
export const MAX_TERMSIG_LENGTH = 16;

/** Longest exitcode value ("255"). */
export const MAX_EXITCODE_LENGTH = 3;

const _TYPE_BYTES: ReadonlyMap<string, PairType> = new Map(PAIR_TYPES.map((t) => [t, t]));

/** Longest pair type ("exitcode"). */
export const MAX_PAIR_TYPE_LENGTH = 8;

/**
 * The pair type named by a type netstring's payload, or undefined.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { pairTypeOf } from "./pairs.ts";
 * assert(pairTypeOf(new TextEncoder().encode("stdout")) === "stdout");
 * assert(pairTypeOf(new TextEncoder().encode("unknown")) === undefined);
 * ```
 */
export function pairTypeOf(payload: Uint8Array): PairType | undefined {
  if (payload.length > MAX_PAIR_TYPE_LENGTH) return undefined;
  return _TYPE_BYTES.get(String.fromCharCode(...payload));
}

/**
 * An exitcode value: a canonical decimal from 0 to 255, or undefined.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseExitCode } from "./pairs.ts";
 * assert(parseExitCode(new TextEncoder().encode("42")) === 42);
 * assert(parseExitCode(new TextEncoder().encode("042")) === undefined);
 * ```
 */
export function parseExitCode(payload: Uint8Array): number | undefined {
  return _canonicalDecimal(payload, 255);
}

/**
 * Whether a termsig value is well formed: 1–16 bytes of `A`–`Z`, `0`–`9` and
 * `+` starting with a letter, or `???`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isSignalNameValue } from "./pairs.ts";
 * assert(isSignalNameValue("TERM") && isSignalNameValue("???"));
 * assert(!isSignalNameValue("SIGTERM ") && !isSignalNameValue("15"));
 * ```
 */
export function isSignalNameValue(value: string): boolean {
  return value.length <= MAX_TERMSIG_LENGTH && /^(?:[A-Z][A-Z0-9+]*|\?\?\?)$/.test(value);
}

/**
 * The bytes of a status pair's value.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { statusValue } from "./pairs.ts";
 * assert(new TextDecoder().decode(statusValue({ exitCode: 3, signal: null })) === "3");
 * ```
 */
export function statusValue(status: ExitStatus): Uint8Array {
  return _utf8(status.signal === null ? String(status.exitCode) : status.signal);
}
