/**
 * Options of a call: what `exec`, `spawn` and a `Client`'s defaults accept.
 *
 * @module
 */

/**
 * The program's stdin, when the library sends it for you: a string (sent as
 * UTF-8), bytes, a `ReadableStream` of bytes, or any (async) iterable of
 * bytes or strings — a Node.js `Readable` such as `process.stdin` is one.
 * Streams are read only as fast as the server accepts the data.
 */
export type StdinSource =
  | string
  | Uint8Array
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/** Options every call accepts; a `Client` takes them as defaults. */
export interface CallOptions {
  /**
   * Milliseconds the whole call may take: connecting, running, and reading
   * the reply to its end. When it expires the connection is closed (the
   * server terminates the program) and the call fails with `TIMEOUT`.
   * Default: no timeout. At most 2147483647.
   */
  readonly timeout?: number;
  /**
   * Cancels the call when it fires: the connection is closed (the server
   * terminates the program) and the call fails with `ABORTED`, carrying the
   * signal's reason. A `Client`'s default signal and a call's signal both apply.
   */
  readonly signal?: AbortSignal;
  /**
   * Most bytes of output (stdout and stderr together) the call accepts.
   * One byte more fails the call with `OUTPUT_LIMIT` and closes the
   * connection (the server terminates the program). `Infinity` for no limit.
   * Default: {@linkcode DEFAULT_EXEC_MAX_OUTPUT} for `exec`, which keeps the
   * output in memory; no limit for `spawn`, which streams it.
   */
  readonly maxOutput?: number;
}

/** Options of `spawn`. */
export interface SpawnOptions extends CallOptions {
  /**
   * The program's stdin. `"piped"` (the default): write it through
   * `child.stdin` (`source.pipeTo(child.stdin)` for a stream), and close that
   * stream to end it. `"null"`: no stdin; it is ended at once, and
   * `child.stdin` is already closed.
   */
  readonly stdin?: "piped" | "null";
}

/** How `exec` returns output: `"bytes"` (the default) as `Uint8Array`, `"utf-8"` as strings. */
export type OutputEncoding = "bytes" | "utf-8";

/** Options of `exec`. */
export interface ExecOptions extends CallOptions {
  /** The program's stdin; default none (stdin is ended at once). */
  readonly stdin?: StdinSource;
  /**
   * `"utf-8"` to get `stdout` and `stderr` as strings (invalid UTF-8 becomes
   * U+FFFD), `"bytes"` (the default) for `Uint8Array`.
   */
  readonly encoding?: OutputEncoding;
}

/**
 * The default `maxOutput` of `exec`: 64 MiB of stdout and stderr together.
 * `spawn` streams output and has no default limit.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DEFAULT_EXEC_MAX_OUTPUT } from "./options.ts";
 * assertEquals(DEFAULT_EXEC_MAX_OUTPUT, 64 * 1024 * 1024);
 * ```
 */
export const DEFAULT_EXEC_MAX_OUTPUT: number = 64 * 1024 * 1024;
