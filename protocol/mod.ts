/**
 * The sans-I/O core of netspawn: the sockexec netstring exec protocol as
 * code. Netstring codec, request and response state machines for both
 * roles, limits, error codes, and the formal specification as data. Nothing
 * here performs I/O; servers, clients, fuzzers and the conformance runner
 * all drive these machines.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodeRequest, RequestParser } from "./mod.ts";
 * const parser = new RequestParser();
 * parser.push(encodeRequest({ argv: ["echo", "hi"] }));
 * const event = parser.next();
 * assert(event?.type === "argv");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./address.ts";
export * from "./bytes.ts";
export * from "./drive.ts";
export * from "./examples.ts";
export * from "./pairs.ts";
export * from "./grammar.ts";
export * from "./limits.ts";
export * from "./machine.ts";
export * from "./netstring.ts";
export * from "./output_budget.ts";
export * from "./profiles.ts";
export * from "./request_parser.ts";
export * from "./request_writer.ts";
export * from "./requirements.ts";
export * from "./response_parser.ts";
export * from "./response_writer.ts";
export * from "./server_exchange.ts";
export * from "./signals.ts";
export * from "./spec.ts";
export * from "./spec_markdown.ts";
