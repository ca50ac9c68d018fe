/**
 * netspawn: a server, clients and a conformance kit for the sockexec
 * netstring exec protocol. This entry point exports the protocol core.
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
