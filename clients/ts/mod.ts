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
 * import { assertEquals } from "@std/assert";
 * import { startServer } from "../../server/mod.ts";
 * import { exec, formatAddress } from "./mod.ts";
 * // A netspawn server in this process, on a free loopback port; any server's address works the same.
 * await using server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 * const address = formatAddress(server.addresses[0]); // "tcp://127.0.0.1:PORT"
 *
 * const { stdout, exitCode } = await exec(address, ["uname", "-s"], { encoding: "utf-8" });
 * assertEquals([stdout, exitCode], ["Linux\n", 0]);
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
