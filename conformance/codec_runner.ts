/**
 * Running codec vectors against netspawn's protocol core. Every decode
 * vector runs on the whole input, one byte at a time, and split at every
 * byte boundary; all must give the expected outcome.
 *
 * @module
 */

import {
  encodeNetstrings,
  NetstringDecoder,
  type ParseOutcome,
  type ProtocolError,
  RequestParser,
  RequestWriter,
  ResponseParser,
  ResponseWriter,
  runParser,
  UsageError,
} from "../protocol/mod.ts";
import { bytesOf, concatBytes, showBytes } from "./bytes.ts";
import { type CaseResult, caseResult } from "./verdict.ts";
import type { CodecDecodeVector, CodecEncodeVector, CodecEvent, CodecVector, EncodeValue } from "./vector.ts";

/** Inputs longer than this are split at a sample of points, not at every one. */
export const EVERY_SPLIT_LIMIT = 4096;

/**
 * Where to split an input: every boundary for short inputs; for longer ones
 * the first and last 64 boundaries and 128 spread evenly between.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { splitPoints } from "./codec_runner.ts";
 * assertEquals(splitPoints(4), [1, 2, 3]);
 * assertEquals(splitPoints(100_000).length, 256); // long inputs: the first and last 64 boundaries, 128 between
 * ```
 */
export function splitPoints(length: number): number[] {
  if (length <= EVERY_SPLIT_LIMIT) return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
  const points = new Set<number>();
  for (let i = 1; i <= 64; i++) {
    points.add(i);
    points.add(length - i);
  }
  for (let i = 1; i <= 128; i++) points.add(Math.floor((length * i) / 129));
  return [...points].sort((a, b) => a - b);
}

/** Ways of cutting an input, each with a name for reports. */
function* _chunkings(input: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ["whole", [input]];
  if (input.length <= EVERY_SPLIT_LIMIT) yield ["bytewise", Array.from(input, (_, i) => input.subarray(i, i + 1))];
  for (const at of splitPoints(input.length)) yield [`split@${at}`, [input.subarray(0, at), input.subarray(at)]];
}

/**
 * Run one codec vector; a FAIL names the first chunking that differs.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runCodecVector } from "./codec_runner.ts";
 * const result = runCodecVector({
 *   id: "codec.ns.example", title: "one netstring", kind: "codec", codec: "netstring", direction: "decode",
 *   requirements: ["ns.grammar"], level: "MUST", tags: [], profile: "sockexec/1",
 *   input: "5:hello,", expect: { values: ["hello"] },
 * });
 * assertEquals([result.verdict, result.reasons], ["PASS", []]);
 * ```
 */
export function runCodecVector(vector: CodecVector): CaseResult {
  const started = performance.now();
  let reasons: string[];
  try {
    reasons = vector.direction === "encode" ? _checkEncode(vector) : _checkDecode(vector);
  } catch (error) {
    return _result(vector, started, "ERROR", [`harness: ${(error as Error).message}`]);
  }
  return _result(vector, started, reasons.length === 0 ? "PASS" : "FAIL", reasons);
}

function _result(vector: CodecVector, started: number, verdict: CaseResult["verdict"], reasons: string[]): CaseResult {
  const variant = vector.direction === "encode" ? "encode" : "all-splits";
  return caseResult(vector, { variant, verdict, reasons, durationMs: performance.now() - started });
}

function _checkDecode(vector: CodecDecodeVector): string[] {
  const input = bytesOf(vector.input);
  const wanted = _expectedDecode(vector);
  for (const [name, chunks] of _chunkings(input)) {
    const got = _decode(vector, chunks);
    if (got !== wanted) return [`${name}: got ${got}`, `expected ${wanted}`];
  }
  return [];
}

/** The expected outcome in the rendering `_decode` produces. */
function _expectedDecode(vector: CodecDecodeVector): string {
  const parts: string[] = [];
  if (vector.codec === "netstring") {
    parts.push(...(vector.expect.values ?? []).map((v) => `"${_render(bytesOf(v))}"`));
  } else {
    parts.push(...(vector.expect.events ?? []).map(_renderExpectedEvent));
  }
  const e = vector.expect.error;
  if (e) parts.push(e.offset === undefined ? `error ${e.code}` : `error ${e.code} at ${e.offset}`);
  return `[${parts.join(", ")}]`;
}

function _renderExpectedEvent(event: CodecEvent): string {
  const [key, value] = Object.entries(event)[0];
  if (key === "argv") {
    return `argv(${(value as Parameters<typeof bytesOf>[0][]).map((a) => `"${_render(bytesOf(a))}"`).join(" ")})`;
  }
  if (key === "stdin" || key === "stdout" || key === "stderr") return `${key}("${_render(bytesOf(value))}")`;
  if (key === "closed" || key === "end") return key;
  return `${key}(${value})`;
}

function _decode(vector: CodecDecodeVector, chunks: Uint8Array[]): string {
  const limits = vector.limits ?? {};
  const withOffset = vector.expect.error?.offset !== undefined;
  const error = (e: ProtocolError) => (withOffset ? `error ${e.code} at ${e.offset}` : `error ${e.code}`);
  if (vector.codec === "netstring") {
    const outcome = runParser(new NetstringDecoder({ limits }), chunks);
    const parts = outcome.events.map((p) => `"${_render(p)}"`);
    if (outcome.error) parts.push(error(outcome.error));
    return `[${parts.join(", ")}]`;
  }
  const outcome: ParseOutcome<{ type: string }> = vector.codec === "request"
    ? runParser(new RequestParser({ limits }), chunks)
    : runParser(new ResponseParser({ limits }), chunks);
  const parts = _mergeEvents(outcome.events);
  if (outcome.error) parts.push(error(outcome.error));
  return `[${parts.join(", ")}]`;
}

/** Render parser events, merging adjacent data of one stream. */
function _mergeEvents(events: readonly { type: string }[]): string[] {
  const out: string[] = [];
  let run: { type: string; data: Uint8Array[] } | undefined;
  const flush = () => {
    if (run) out.push(`${run.type}("${_render(concatBytes(run.data))}")`);
    run = undefined;
  };
  for (const e of events) {
    if ("data" in e) {
      if (run?.type !== e.type) flush();
      run ??= { type: e.type, data: [] };
      run.data.push(e.data as Uint8Array);
      continue;
    }
    flush();
    out.push(_renderEvent(e));
  }
  flush();
  return out;
}

function _renderEvent(e: { type: string }): string {
  const event = e as Record<string, unknown>;
  switch (e.type) {
    case "argv":
      return `argv(${(event.argv as Uint8Array[]).map((a) => `"${_render(a)}"`).join(" ")})`;
    case "stdin-end":
      return `stdinEnd(${event.cause})`;
    case "status": {
      const s = event.status as { exitCode: number | null; signal: string | null };
      return s.signal === null ? `exitcode(${s.exitCode})` : `termsig(${s.signal})`;
    }
    default:
      return e.type;
  }
}

/** Bytes for comparison and reports: in full up to 256 bytes, else length, hash and head. */
function _render(bytes: Uint8Array): string {
  if (bytes.length <= 256) return showBytes(bytes, 256);
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return `${showBytes(bytes.subarray(0, 24), 24)}… (${bytes.length} bytes, fnv1a ${hash.toString(16)})`;
}

function _checkEncode(vector: CodecEncodeVector): string[] {
  let got: string;
  try {
    got = `bytes "${_render(_encode(vector.value))}"`;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    got = `error ${error.code}`;
  }
  const wanted = "bytes" in vector.expect
    ? `bytes "${_render(bytesOf(vector.expect.bytes))}"`
    : `error ${vector.expect.error.code}`;
  return got === wanted ? [] : [`got ${got}`, `expected ${wanted}`];
}

function _encode(value: EncodeValue): Uint8Array {
  if ("payloads" in value) return encodeNetstrings(value.payloads.map(bytesOf));
  if ("argv" in value) {
    const w = new RequestWriter();
    const parts = [w.argv(value.argv.map(bytesOf)), ...(value.stdin ?? []).flatMap((c) => w.stdin(bytesOf(c)))];
    if (value.end ?? true) parts.push(w.stdinEnd());
    return concatBytes(parts);
  }
  const w = new ResponseWriter();
  const parts = value.output.flatMap((o) => w.output(o.stream, bytesOf(o.data)));
  const s = value.status;
  parts.push(
    w.status("exitcode" in s ? { exitCode: s.exitcode, signal: null } : { exitCode: null, signal: s.termsig }),
  );
  return concatBytes(parts);
}
