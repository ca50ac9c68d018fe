/**
 * netspawn: a server, clients and a conformance kit for the sockexec
 * netstring exec protocol. This entry point exports the TypeScript client
 * and the protocol core; the server is `./server/mod.ts`, the conformance
 * kit `./conformance/mod.ts`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { ConnectError, encodeRequest, exec } from "./mod.ts";
 * // The protocol core: the bytes of a request.
 * assertEquals(new TextDecoder().decode(encodeRequest({ argv: ["uname"] })), "1:1,5:uname,0:,");
 * // The client: run a program on a server (here, one that is not there).
 * await assertRejects(() => exec("unix:/nonexistent/netspawn.sock", ["uname"]), ConnectError, "no such socket");
 * ```
 *
 * @module
 */

export * from "./protocol/mod.ts";
export * from "./clients/ts/mod.ts";
