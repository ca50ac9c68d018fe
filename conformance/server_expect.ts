/**
 * Judging what a server did against what a vector expects. Pure: the
 * observation is gathered elsewhere.
 *
 * @module
 */

import { type ExitStatus, ResponseParser } from "../protocol/mod.ts";
import { bytesEqual, bytesOf, type BytesSpec, showBytes } from "./bytes.ts";
import type { DecodedResponse } from "./recorder.ts";
import type { Findings } from "./verdict.ts";
import type { BytesMatch, ExpectedStatus, ServerExpectation } from "./vector.ts";

/** Everything observed in one run of a server case. */
export interface ServerObservation {
  /** Every byte the server sent. */
  readonly bytes: Uint8Array;
  /** Those bytes decoded. */
  readonly decoded: DecodedResponse;
  /** When the server ended the stream (ms after connecting), or null if it never did. */
  readonly closedAt: number | null;
  /** The script itself closed the connection, so the server's close could not be observed. */
  readonly closedByClient?: boolean;
  /** When the script's last step finished (ms after connecting). */
  readonly lastStepAt: number;
  /** Steps that could not be carried out (an await that saw nothing, a failed connect). */
  readonly stepProblems: readonly string[];
  /** Final content of each expected file (by its path as the vector writes it), null if missing. */
  readonly files: ReadonlyMap<string, Uint8Array | null>;
  /** For each pid file: undefined if the process is gone, else what is wrong. */
  readonly pids: ReadonlyMap<string, string | undefined>;
}

/**
 * Whether bytes match a {@linkcode BytesMatch}; undefined if they do, else why not.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mismatch } from "./server_expect.ts";
 * const hi = new TextEncoder().encode("hi\n");
 * assertEquals(mismatch({ contains: "hi" }, hi), undefined);
 * assertEquals(mismatch({ length: 3 }, hi), undefined);
 * assertEquals(typeof mismatch("hello", hi), "string"); // what is wrong, for the report
 * ```
 */
export function mismatch(match: BytesMatch, actual: Uint8Array): string | undefined {
  if (typeof match === "object" && !Array.isArray(match)) {
    if ("contains" in match) {
      const needle = bytesOf(match.contains);
      return _indexOf(actual, needle) >= 0
        ? undefined
        : `"${showBytes(actual)}" does not contain "${showBytes(needle)}"`;
    }
    if ("match" in match) {
      const text = String.fromCharCode(...actual.subarray(0, 1 << 16));
      return new RegExp(match.match).test(text) ? undefined : `"${showBytes(actual)}" does not match /${match.match}/`;
    }
    if ("length" in match) {
      return actual.length === match.length ? undefined : `${actual.length} bytes instead of ${match.length}`;
    }
  }
  const wanted = bytesOf(match as BytesSpec);
  return bytesEqual(actual, wanted) ? undefined : `"${showBytes(actual)}" instead of "${showBytes(wanted)}"`;
}

/**
 * What an observation misses of an expectation. Checks tied to a SHOULD
 * requirement of the profile (the status pair last) land in `should`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluateServer } from "./server_expect.ts";
 * const findings = evaluateServer({ nothingSent: true }, {
 *   bytes: new Uint8Array(0), closedAt: 3, lastStepAt: 1, stepProblems: [], files: new Map(), pids: new Map(),
 *   decoded: { stdout: new Uint8Array(0), stderr: new Uint8Array(0), statuses: [], outputAfterStatus: false },
 * });
 * assertEquals(findings, { must: [], should: [] });
 * ```
 */
export function evaluateServer(exp: ServerExpectation, obs: ServerObservation): Findings {
  const must: string[] = [...obs.stepProblems];
  const should: string[] = [];
  const d = obs.decoded;
  if (obs.closedAt === null && !obs.closedByClient) must.push("the server never closed the connection");
  if (exp.nothingSent && obs.bytes.length > 0) must.push(`sent ${obs.bytes.length} bytes: "${showBytes(obs.bytes)}"`);
  if (d.error && obs.closedAt !== null && !_errorAllowed(exp, obs)) {
    must.push(
      `the response breaks the protocol: ${d.error.code} at byte ${d.error.offset} in "${showBytes(obs.bytes, 120)}"`,
    );
  }
  if (exp.status !== undefined) must.push(..._checkStatus(exp.status, d.statuses));
  for (const stream of ["stdout", "stderr"] as const) {
    const match = exp[stream];
    const why = match === undefined ? undefined : mismatch(match, d[stream]);
    if (why !== undefined) must.push(`${stream}: ${why}`);
  }
  if ((exp.statusLast ?? true) && d.outputAfterStatus) {
    should.push("an output pair came after the status pair (resp.status.last)");
  }
  if (obs.closedAt !== null) {
    const after = Math.round(obs.closedAt - obs.lastStepAt);
    if (exp.closeWithinMs !== undefined && after > exp.closeWithinMs) {
      must.push(`closed ${after} ms after the last step, not within ${exp.closeWithinMs} ms`);
    }
    if (exp.closeNotBeforeMs !== undefined && after < exp.closeNotBeforeMs) {
      must.push(`closed ${after} ms after the last step, before ${exp.closeNotBeforeMs} ms`);
    }
  }
  for (const f of exp.files ?? []) {
    const content = obs.files.get(f.path);
    if (content === undefined || content === null) must.push(`file ${f.path} does not exist`);
    else {
      const why = mismatch(f.content, content);
      if (why !== undefined) must.push(`file ${f.path}: ${why}`);
    }
  }
  for (const p of exp.pidsGone ?? []) {
    const problem = obs.pids.get(p.pidFile) ?? (obs.pids.has(p.pidFile) ? undefined : "not checked");
    if (problem !== undefined) must.push(`${p.pidFile}: ${problem}`);
  }
  if (exp.maxPairBytes !== undefined) {
    const largest = _largestPair(obs.bytes);
    if (largest > exp.maxPairBytes) {
      must.push(`an output pair carries ${largest} data bytes, more than ${exp.maxPairBytes}`);
    }
  }
  return { must, should };
}

/** The most data bytes in one output pair of a response (decoded whole, so each data event is one pair). */
function _largestPair(bytes: Uint8Array): number {
  const parser = new ResponseParser();
  parser.push(bytes);
  parser.end();
  let largest = 0;
  try {
    for (let e = parser.next(); e !== undefined; e = parser.next()) {
      if (e.type === "stdout" || e.type === "stderr") largest = Math.max(largest, e.data.length);
    }
  } catch {
    // a broken response is judged elsewhere
  }
  return largest;
}

/** A missing status is what `status: null` and `nothingSent` expect. */
function _errorAllowed(exp: ServerExpectation, obs: ServerObservation): boolean {
  const code = obs.decoded.error?.code;
  return code === "CLOSED_WITHOUT_STATUS" &&
    (exp.status === null || (exp.nothingSent === true && obs.bytes.length === 0));
}

function _checkStatus(want: ExpectedStatus | null, got: readonly ExitStatus[]): string[] {
  const seen = got.map(_showStatus).join(", ") || "no status";
  if (want === null) return got.length === 0 ? [] : [`expected no status, got ${seen}`];
  const ok = got.length === 1 &&
    ("exitcode" in want
      ? got[0].exitCode !== null && _oneOf(want.exitcode, got[0].exitCode)
      : got[0].signal !== null && _oneOf(want.termsig, got[0].signal));
  return ok ? [] : [`expected ${_showWanted(want)}, got ${seen}`];
}

function _oneOf<T>(want: T | readonly T[], got: T): boolean {
  return Array.isArray(want) ? want.includes(got) : want === got;
}

function _showStatus(s: ExitStatus): string {
  return s.signal === null ? `exitcode ${s.exitCode}` : `termsig ${s.signal}`;
}

function _showWanted(want: ExpectedStatus): string {
  const [key, value] = Object.entries(want)[0];
  return `${key} ${Array.isArray(value) ? value.join(" or ") : value}`;
}

function _indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
