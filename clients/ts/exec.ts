/**
 * `exec`: run a program on a server and collect its output.
 *
 * @module
 */

import { type Arg, concatBytes, type ExitStatus } from "../../protocol/mod.ts";
import { type Address, toAddress } from "../../protocol/mod.ts";
import { type CallOptions, DEFAULT_EXEC_MAX_OUTPUT, type ExecOptions } from "./options.ts";
import { _Call } from "./_call.ts";
import { _checkEncoding, _resolveSettings } from "./_settings.ts";

/**
 * What a program did: everything it wrote to stdout and stderr (bytes, or
 * strings with `encoding: "utf-8"`), and how it ended — `exitCode` (0–255)
 * or `signal` (the name without `SIG`, e.g. `"TERM"`), the other one `null`.
 */
export type ExecResult<T extends Uint8Array | string = Uint8Array> =
  & {
    /** Everything the program wrote to stdout. */
    readonly stdout: T;
    /** Everything the program wrote to stderr. */
    readonly stderr: T;
  }
  & ExitStatus;

/**
 * Run `argv` on the server at `address`, send `stdin`, and collect the
 * output until the reply is complete. A non-zero exit code or a signal is
 * a result, not an error; the promise rejects with a `NetspawnError` when
 * the call fails: `CONNECT_FAILED`, `PROTOCOL_ERROR`, `TIMEOUT`, `ABORTED`,
 * `CLOSED_WITHOUT_STATUS`, `SPAWN_FAILED` (the server could not start the
 * program) or `OUTPUT_LIMIT`; or with a `UsageError` for a bad address,
 * argv or option. Output is held in memory, up to `maxOutput`
 * ({@linkcode DEFAULT_EXEC_MAX_OUTPUT} by default); use `spawn` to stream.
 *
 * @param address `unix:/path`, a bare path, `tcp://host:port`, `[::1]:port`, or a parsed {@linkcode Address}.
 * @param argv The program and its arguments (strings are sent as UTF-8; no NUL bytes). Never run through a shell.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatAddress } from "../../protocol/mod.ts";
 * import { startServer } from "../../server/mod.ts";
 * import { exec } from "./exec.ts";
 * // A netspawn server in this process, on a free loopback port.
 * await using server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 * const address = formatAddress(server.addresses[0]); // "tcp://127.0.0.1:PORT"
 *
 * const result = await exec(address, ["tr", "a-z", "A-Z"], { stdin: "hello", encoding: "utf-8" });
 * assertEquals(result, { stdout: "HELLO", stderr: "", exitCode: 0, signal: null });
 * ```
 */
export function exec(
  address: string | Address,
  argv: readonly Arg[],
  options: ExecOptions & { readonly encoding: "utf-8" },
): Promise<ExecResult<string>>;
/**
 * Run `argv` on the server at `address` and collect its output as bytes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startServer } from "../../server/mod.ts";
 * import { exec } from "./exec.ts";
 * // A netspawn server in this process, on a free loopback port.
 * await using server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 *
 * const result = await exec(server.addresses[0], ["sh", "-c", "printf 'oops\\n' >&2; exit 3"]);
 * assertEquals(result.stderr, new TextEncoder().encode("oops\n"));
 * assertEquals([result.stdout.length, result.exitCode, result.signal], [0, 3, null]);
 * ```
 */
export function exec(
  address: string | Address,
  argv: readonly Arg[],
  options?: ExecOptions,
): Promise<ExecResult<Uint8Array>>;
export function exec(
  address: string | Address,
  argv: readonly Arg[],
  options: ExecOptions = {},
): Promise<ExecResult<Uint8Array> | ExecResult<string>> {
  return _exec(address, argv, options, {});
}

/** exec with a client's defaults under the call's options. */
export async function _exec(
  address: string | Address,
  argv: readonly Arg[],
  options: ExecOptions,
  defaults: CallOptions,
): Promise<ExecResult<Uint8Array> | ExecResult<string>> {
  const encoding = _checkEncoding(options.encoding);
  const stdin = options.stdin === undefined
    ? { kind: "null" as const }
    : { kind: "source" as const, source: options.stdin };
  const settings = _resolveSettings(options, defaults, stdin, DEFAULT_EXEC_MAX_OUTPUT);
  const call = new _Call(toAddress(address), argv, settings);
  const [stdout, stderr, status] = await Promise.all([_collect(call.stdout), _collect(call.stderr), call.status]);
  if (encoding === "bytes") return { stdout, stderr, ...status };
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { stdout: decode(stdout), stderr: decode(stderr), ...status };
}

async function _collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}
