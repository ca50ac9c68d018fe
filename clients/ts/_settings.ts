// Checking and merging call options (private).

import { UsageError } from "../../protocol/mod.ts";
import type { CallOptions, OutputEncoding, StdinSource } from "./options.ts";

/** Longest timeout a timer can express, in milliseconds. */
const _MAX_TIMEOUT = 2147483647;

/** Where a call's stdin comes from. */
export type _StdinPlan =
  | { readonly kind: "piped" }
  | { readonly kind: "null" }
  | { readonly kind: "source"; readonly source: StdinSource };

/** A call's options, checked, with defaults applied. */
export interface _Settings {
  /** Milliseconds, or Infinity for none. */
  readonly timeout: number;
  /** Every signal that cancels the call. */
  readonly signals: readonly AbortSignal[];
  /** Bytes, or Infinity for none. */
  readonly maxOutput: number;
  /** Where stdin comes from. */
  readonly stdin: _StdinPlan;
}

/**
 * Merge a call's options over a client's defaults and check them.
 * @throws {UsageError} `INVALID_ARGUMENT` naming the bad option.
 */
export function _resolveSettings(
  options: CallOptions,
  defaults: CallOptions,
  stdin: _StdinPlan,
  defaultMaxOutput: number,
): _Settings {
  const timeout = options.timeout ?? defaults.timeout ?? Infinity;
  if (typeof timeout !== "number" || !(timeout > 0) || (timeout > _MAX_TIMEOUT && timeout !== Infinity)) {
    throw new UsageError("INVALID_ARGUMENT", `timeout must be a number of milliseconds from 1 to ${_MAX_TIMEOUT}`);
  }
  const maxOutput = options.maxOutput ?? defaults.maxOutput ?? defaultMaxOutput;
  if (
    typeof maxOutput !== "number" || !(maxOutput >= 0) || (!Number.isSafeInteger(maxOutput) && maxOutput !== Infinity)
  ) {
    throw new UsageError("INVALID_ARGUMENT", "maxOutput must be a non-negative integer number of bytes, or Infinity");
  }
  const signals = [defaults.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
  for (const signal of signals) {
    if (typeof signal.addEventListener !== "function" || typeof signal.aborted !== "boolean") {
      throw new UsageError("INVALID_ARGUMENT", "signal must be an AbortSignal");
    }
  }
  if (stdin.kind === "source") _checkStdinSource(stdin.source);
  return { timeout, signals, maxOutput, stdin };
}

/**
 * Check an `encoding` option.
 * @throws {UsageError} `INVALID_ARGUMENT` for anything but "bytes" and "utf-8".
 */
export function _checkEncoding(encoding: unknown): OutputEncoding {
  if (encoding === undefined || encoding === "bytes") return "bytes";
  if (encoding === "utf-8" || encoding === "utf8") return "utf-8";
  throw new UsageError("INVALID_ARGUMENT", `encoding must be "bytes" or "utf-8", got ${JSON.stringify(encoding)}`);
}

/**
 * Check a spawn `stdin` option.
 * @throws {UsageError} `INVALID_ARGUMENT` for anything but "piped" and "null".
 */
export function _checkStdinMode(stdin: unknown): _StdinPlan {
  if (stdin === undefined || stdin === "piped") return { kind: "piped" };
  if (stdin === "null") return { kind: "null" };
  throw new UsageError("INVALID_ARGUMENT", `spawn's stdin must be "piped" or "null", got ${JSON.stringify(stdin)}`);
}

function _checkStdinSource(stdin: unknown): void {
  if (typeof stdin === "string" || stdin instanceof Uint8Array) return;
  if (typeof stdin === "object" && stdin !== null) {
    if (typeof (stdin as ReadableStream).getReader === "function") return;
    if (Symbol.asyncIterator in stdin || Symbol.iterator in stdin) return;
  }
  throw new UsageError(
    "INVALID_ARGUMENT",
    "stdin must be a string, a Uint8Array, a ReadableStream, or an iterable of chunks",
  );
}
