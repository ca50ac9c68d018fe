// Helpers for the protocol tests (not part of the public API).
import { _utf8 } from "./_bytes.ts";
import { concatBytes } from "./bytes.ts";
import { type ParseOutcome, type PullParser, runParser } from "./drive.ts";
import type { RequestEvent } from "./request_parser.ts";
import type { ResponseEvent } from "./response_parser.ts";

/** Bytes of a string, one byte per UTF-16 code unit below 256 (so "\xff" is byte 255). */
export function _latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export { _utf8 as utf8, concatBytes as concat };

/** The input cut at the given offsets. */
export function _splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => Math.max(0, Math.min(bytes.length, p))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(last, cut));
    last = cut;
  }
  return out;
}

/** The input one byte per chunk. */
export function _bytewise(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** A chunking-independent rendering of request events: adjacent stdin data merged. */
export function _normalRequest(outcome: ParseOutcome<RequestEvent>): string {
  return _normal(outcome, (e) => (e.type === "stdin" ? ["stdin", e.data] : undefined));
}

/** A chunking-independent rendering of response events: adjacent output of one stream merged. */
export function _normalResponse(outcome: ParseOutcome<ResponseEvent>): string {
  return _normal(outcome, (e) => (e.type === "stdout" || e.type === "stderr" ? [e.type, e.data] : undefined));
}

function _normal<E>(outcome: ParseOutcome<E>, data: (e: E) => [string, Uint8Array] | undefined): string {
  const parts: string[] = [];
  let run: { type: string; chunks: Uint8Array[] } | undefined;
  const flush = () => {
    if (run) parts.push(`${run.type}(${Array.from(concatBytes(run.chunks)).join(".")})`);
    run = undefined;
  };
  for (const e of outcome.events) {
    const d = data(e);
    if (d !== undefined) {
      if (run?.type !== d[0]) flush();
      run ??= { type: d[0], chunks: [] };
      run.chunks.push(d[1]);
      continue;
    }
    flush();
    parts.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? Array.from(v).join(".") : v)));
  }
  flush();
  if (outcome.error) parts.push(`error:${outcome.error.code}@${outcome.error.offset}`);
  return parts.join(" ");
}

/** Run a fresh parser over the chunks. */
export function _run<E>(make: () => PullParser<E>, chunks: Uint8Array[]): ParseOutcome<E> {
  return runParser(make(), chunks);
}
