/**
 * The netspawn conformance kit as a library: load the language-neutral
 * vectors, run them against any server (an address, a spawned command, or a
 * {@linkcode ServerTarget} of your own) or any client library (through an
 * adapter command), and report PASS, NON-STRICT, FAIL, SKIP or ERROR.
 * `deno task conformance --help` is the command-line front end.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type CodecVector, loadVectors, runCodecVector, summarize } from "./mod.ts";
 * const codec = (await loadVectors()).map((l) => l.vector).filter((v): v is CodecVector => v.kind === "codec");
 * const summary = summarize(codec.map(runCodecVector));
 * assertEquals([summary.vectors, summary.counts.PASS, summary.failures], [codec.length, codec.length, 0]);
 * ```
 *
 * @module
 */

export * from "./adapter.ts";
export * from "./address.ts";
export * from "./bytes.ts";
export * from "./bundled_adapters.ts";
export * from "./client_runner.ts";
export * from "./codec_runner.ts";
export * from "./load.ts";
export * from "./report.ts";
export * from "./select.ts";
export * from "./server_case.ts";
export * from "./server_expect.ts";
export * from "./server_runner.ts";
export * from "./recorder.ts";
export * from "./target.ts";
export * from "./vector.ts";
export * from "./verdict.ts";
export * from "../protocol/errors.ts";
export type { ExitStatus } from "../protocol/pairs.ts";
export type { Address } from "../protocol/address.ts";
