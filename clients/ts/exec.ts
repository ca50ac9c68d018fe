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
 * import { exec } from "./exec.ts";
 * import { _startFakeServer } from "./_test_server.ts";
 * // A stand-in for a netspawn server: it runs nothing, it upper-cases stdin and exits 0.
 * await using server = await _startFakeServer(async (conn) => {
 *   const { stdin } = await conn.request();
 *   conn.reply([["stdout", new TextDecoder().decode(stdin).toUpperCase()]], { exitCode: 0, signal: null });
 * });
 * const result = await exec(server.address, ["tr", "a-z", "A-Z"], { stdin: "hello", encoding: "utf-8" });
 * console.assert(result.stdout === "HELLO" && result.exitCode === 0 && result.signal === null);
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
 * import { exec } from "./exec.ts";
 * import { _startFakeServer } from "./_test_server.ts";
 * await using server = await _startFakeServer(async (conn) => {
 *   await conn.request();
 *   conn.reply([["stderr", "oops\n"]], { exitCode: 3, signal: null });
 * });
 * const result = await exec(server.address, ["sh", "-c", "echo oops >&2; exit 3"]);
 * console.assert(result.exitCode === 3 && result.stderr.length === 5 && result.stdout.length === 0);
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
