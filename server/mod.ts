/**
 * The netspawn server: a drop-in replacement for sockexec that runs programs
 * for clients of the sockexec netstring exec protocol over UNIX and TCP
 * sockets. Start one in-process with {@linkcode startServer}, or run
 * `server/main.ts` with sockexec's command line.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { startServer } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const server = await startServer({ listen: [{ transport: "unix", path: `${dir}/netspawn.sock` }] });
 * assert(server.addresses.length === 1);
 * await server.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./options.ts";
export * from "./server.ts";
export { checkExposure, type TcpAddress } from "./tcp_listener.ts";
export * from "./cli.ts";
export * from "./logging.ts";
export type { SessionSnapshot } from "./session.ts";
export type { BackendName } from "./program.ts";
export type { CodecLimits } from "../protocol/mod.ts";
