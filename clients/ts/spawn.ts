/**
 * `spawn`: run a program on a server and stream its stdin, stdout and
 * stderr as Web Streams.
 *
 * @module
 */

import type { Arg, ExitStatus } from "../../protocol/mod.ts";
import { type Address, toAddress } from "../../protocol/mod.ts";
import type { CallOptions, SpawnOptions } from "./options.ts";
import { _Call } from "./_call.ts";
import { _checkStdinMode, _resolveSettings } from "./_settings.ts";

/**
 * A program running on a server. Backpressure holds end to end: a reader
 * that falls behind on `stdout` or `stderr` stops the client reading the
 * socket, which stalls the server and then the program; a program that does
 * not read its stdin makes `stdin` writes wait.
 *
 * Read both `stdout` and `stderr` (or cancel the one you do not want: its
 * output is then discarded), or a program that fills one of them stalls.
 */
export interface Child {
  /**
   * The program's stdin. Chunks are sent as they are written (a large chunk
   * in pieces of 64 KiB); closing the stream ends the program's stdin;
   * aborting it cancels the call. Writes reject with `STDIN_CLOSED` once the
   * reply is complete (the program exited without reading everything).
   */
  readonly stdin: WritableStream<Uint8Array>;
  /** The program's stdout, as the server sends it. Ends when the reply is complete; errors when the call fails. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The program's stderr, as the server sends it. Ends when the reply is complete; errors when the call fails. */
  readonly stderr: ReadableStream<Uint8Array>;
  /**
   * How the program ended: `exitCode` or `signal` (the name without `SIG`,
   * e.g. `"TERM"`), the other one `null`. Resolves when the reply is
   * complete (output may follow the status), and rejects with a
   * `NetspawnError` when the call fails, including `SPAWN_FAILED` when the
   * server could not start the program.
   */
  readonly status: Promise<ExitStatus>;
  /**
   * Cancel the call: close the connection, so the server terminates the
   * program. The streams error and `status` rejects with `ABORTED` carrying
   * `reason`. Does nothing once the call has ended.
   */
  abort(reason?: unknown): void;
}

/**
 * Run `argv` on the server at `address`, streaming. The connection is opened
 * at once; argv is sent first, then whatever is written to `child.stdin`.
 *
 * @param address `unix:/path`, a bare path, `tcp://host:port`, `[::1]:port`, or a parsed {@linkcode Address}.
 * @param argv The program and its arguments (strings are sent as UTF-8; no NUL bytes). Never run through a shell.
 * @throws {UsageError} `INVALID_ARGUMENT` at once for a bad address, argv or option.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startServer } from "../../server/mod.ts";
 * import { spawn } from "./spawn.ts";
 * // A netspawn server in this process, on a free loopback port.
 * await using server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 *
 * const child = spawn(server.addresses[0], ["wc", "-c"]);
 * const counted = new Response(child.stdout).text(); // read while writing: backpressure both ways
 * await child.stderr.cancel();
 * const writer = child.stdin.getWriter();
 * for (let i = 0; i < 4; i++) await writer.write(new Uint8Array(65536));
 * await writer.close();
 * assertEquals((await counted).trim(), "262144");
 * assertEquals(await child.status, { exitCode: 0, signal: null });
 * ```
 */
export function spawn(address: string | Address, argv: readonly Arg[], options: SpawnOptions = {}): Child {
  return _spawn(address, argv, options, {});
}

/** spawn with a client's defaults under the call's options. */
export function _spawn(
  address: string | Address,
  argv: readonly Arg[],
  options: SpawnOptions,
  defaults: CallOptions,
): Child {
  const settings = _resolveSettings(options, defaults, _checkStdinMode(options.stdin), Infinity);
  return new _Call(toAddress(address), argv, settings);
}
