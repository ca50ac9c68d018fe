/**
 * The netspawn client for TypeScript: run programs on a netspawn or sockexec
 * server over a UNIX or TCP socket. Runs unchanged in Deno, Node.js (≥ 18)
 * and Bun: it uses `node:net`, Web Streams and the sans-I/O protocol core.
 *
 * - {@linkcode exec}: run a program, send it stdin, get its output and status.
 * - {@linkcode spawn}: the same with Web Streams, with backpressure end to end.
 * - {@linkcode Client}: both, for one server, with shared defaults.
 *
 * Every failure is a {@linkcode NetspawnError} with a stable `code`; invalid
 * arguments are the protocol core's `UsageError`.
 *
 * @example
 * ```ts
 * import { exec } from "./mod.ts";
 * import { _startFakeServer } from "./_test_server.ts";
 * // A stand-in for a netspawn server: it runs nothing, it replies "Linux\n" and exit code 0.
 * await using server = await _startFakeServer(async (conn) => {
 *   await conn.request();
 *   conn.reply([["stdout", "Linux\n"]], { exitCode: 0, signal: null });
 * });
 * const { stdout, exitCode } = await exec(server.address, ["uname"], { encoding: "utf-8" });
 * console.assert(stdout === "Linux\n" && exitCode === 0);
 * ```
 *
 * @module
 */

export { type Address, formatAddress, parseAddress, toAddress } from "../../protocol/mod.ts";
export * from "./client.ts";
export * from "./errors.ts";
export * from "./options.ts";
export { exec, type ExecResult } from "./exec.ts";
export { type Child, spawn } from "./spawn.ts";
// From the protocol core: the types in this API, and its errors (UsageError, and ProtocolError as a `cause`).
export type { Arg, ExitStatus } from "../../protocol/mod.ts";
export * from "../../protocol/errors.ts";
