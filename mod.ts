/**
 * netspawn: a server, clients and a conformance kit for the sockexec
 * netstring exec protocol. This entry point exports the TypeScript client
 * and the protocol core; the server is `./server/mod.ts`, the conformance
 * kit `./conformance/mod.ts`.
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./mod.ts";
 * const bytes = encodeRequest({ argv: ["uname"] });
 * console.assert(new TextDecoder().decode(bytes) === "1:1,5:uname,0:,");
 * ```
 *
 * @module
 */

export * from "./protocol/mod.ts";
export * from "./clients/ts/mod.ts";
