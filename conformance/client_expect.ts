/**
 * Judging what a client library reported (through its adapter) and what it
 * sent, against what a client vector expects. Pure.
 *
 * @module
 */

import type { AdapterResult } from "./adapter.ts";
import { bytesEqual, bytesOf, showBytes } from "./bytes.ts";
import type { RecordedRequest } from "./fake_server.ts";
import type { Findings } from "./verdict.ts";
import type { ClientExpectation, ClientVector } from "./vector.ts";

/**
 * What a reported result misses of an expectation. A `SPAWN_FAILED` error
 * stands for an exit code 127 or 126 result (libraries may report the
 * server's spawn-failure reply as an error).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluateResult } from "./client_expect.ts";
 * assertEquals(evaluateResult({ error: "TIMEOUT" }, { ok: false, error: "TIMEOUT" }), { must: [], should: [] });
 * assertEquals(evaluateResult({ error: "TIMEOUT" }, { ok: false, error: "CLOSED_WITHOUT_STATUS" }).must.length, 1);
 * ```
 */
export function evaluateResult(exp: ClientExpectation, got: AdapterResult): Findings {
  const must: string[] = [];
  const shown = _show(got);
  if ("error" in exp) {
    const allowed = Array.isArray(exp.error) ? exp.error : [exp.error];
    if (got.ok || !allowed.includes(got.error)) must.push(`expected error ${allowed.join(" or ")}, got ${shown}`);
    return { must, should: [] };
  }
  const want = exp.result;
  if (!got.ok) {
    const spawnFailure = got.error === "SPAWN_FAILED" && (want.exitCode === 127 || want.exitCode === 126);
    if (!spawnFailure) must.push(`expected a result, got ${shown}`);
    return { must, should: [] };
  }
  for (const stream of ["stdout", "stderr"] as const) {
    const wanted = bytesOf(want[stream]);
    if (!bytesEqual(got[stream], wanted)) {
      must.push(`${stream} "${showBytes(got[stream])}" instead of "${showBytes(wanted)}"`);
    }
  }
  if (got.exitCode !== want.exitCode || got.signal !== want.signal) {
    must.push(
      `exitCode ${got.exitCode} signal ${got.signal} instead of exitCode ${want.exitCode} signal ${want.signal}`,
    );
  }
  return { must, should: [] };
}

/**
 * What the client sent wrong: a malformed request, another argv or stdin
 * than the call's, no end of stdin, or more than one connection.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { evaluateRequest } from "./client_expect.ts";
 * const problems = evaluateRequest(
 *   { argv: ["true"], stdin: "" },
 *   { argv: [new TextEncoder().encode("true")], stdin: new Uint8Array(0), end: "marker", error: null, connections: 1 },
 * );
 * assertEquals(problems, []);
 * ```
 */
export function evaluateRequest(
  want: NonNullable<NonNullable<ClientVector["server"]>["expectRequest"]>,
  got: RecordedRequest,
): string[] {
  const problems: string[] = [];
  if (got.error) problems.push(`the client sent a malformed request: ${got.error.message}`);
  if (got.connections > 1) problems.push(`the client opened ${got.connections} connections`);
  const argv = want.argv.map(bytesOf);
  if (got.argv === null) problems.push("the client never completed argv");
  else if (got.argv.length !== argv.length || got.argv.some((a, i) => !bytesEqual(a, argv[i]))) {
    problems.push(`the client sent argv [${got.argv.map((a) => `"${showBytes(a)}"`).join(", ")}]`);
  }
  const stdin = bytesOf(want.stdin);
  if (!bytesEqual(got.stdin, stdin)) {
    problems.push(`the client sent stdin "${showBytes(got.stdin)}" instead of "${showBytes(stdin)}"`);
  }
  if (got.argv !== null && got.end === null && got.error === null) problems.push("the client never ended stdin");
  return problems;
}

function _show(r: AdapterResult): string {
  if (!r.ok) return `error ${r.error}${r.detail ? ` (${r.detail})` : ""}`;
  const status = r.signal === null ? `exitCode ${r.exitCode}` : `signal ${r.signal}`;
  return `a result (${status}, stdout "${showBytes(r.stdout, 40)}", stderr "${showBytes(r.stderr, 40)}")`;
}
