/**
 * Reports of a conformance run: text for people (one line per vector, the
 * worst verdict over its variants), JSON and JUnit XML for machines (one entry
 * per run).
 *
 * @module
 */

import { type CaseResult, summarize, type Summary, type Verdict, worstVerdict } from "./verdict.ts";

/** What a report is about. */
export interface ReportHeader {
  /** `server`, `client` or `codec`. */
  readonly mode: string;
  /** The server, adapter or implementation under test. */
  readonly subject: string;
}

/**
 * The worst verdict per vector, with the runs that had it, in vector order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { byVector } from "./report.ts";
 * import { caseResult } from "./verdict.ts";
 * const v = { id: "server.x", kind: "server" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const [x] = byVector([
 *   caseResult(v, { variant: "whole", verdict: "PASS", reasons: [], durationMs: 1 }),
 *   caseResult(v, { variant: "bytewise", verdict: "FAIL", reasons: ["lost a byte"], durationMs: 1 }),
 * ]);
 * assertEquals([x.id, x.verdict, x.runs.length, x.worst.map((r) => r.variant)], ["server.x", "FAIL", 2, ["bytewise"]]);
 * ```
 */
export function byVector(
  results: readonly CaseResult[],
): { id: string; verdict: Verdict; runs: CaseResult[]; worst: CaseResult[] }[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) groups.set(r.id, [...(groups.get(r.id) ?? []), r]);
  return [...groups].map(([id, runs]) => {
    const effective = (r: CaseResult): Verdict => (r.expectedFail && r.verdict === "FAIL" ? "SKIP" : r.verdict);
    const verdict = worstVerdict(runs.map(effective));
    return { id, verdict, runs, worst: runs.filter((r) => effective(r) === verdict) };
  });
}

/**
 * The text report.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { textReport } from "./report.ts";
 * import { caseResult } from "./verdict.ts";
 * const v = { id: "codec.x", kind: "codec" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const results = [caseResult(v, { variant: "whole", verdict: "PASS", reasons: [], durationMs: 1 })];
 * assertEquals(
 *   textReport({ mode: "codec", subject: "protocol/" }, results, false),
 *   "netspawn conformance: codec — protocol/\nPASS       codec.x\n\n1 vector, one run each: 1 PASS, 0 NON-STRICT, 0 FAIL, 0 SKIP, 0 ERROR\n",
 * );
 * ```
 */
export function textReport(header: ReportHeader, results: readonly CaseResult[], verbose: boolean): string {
  const lines = [`netspawn conformance: ${header.mode} — ${header.subject}`];
  if (verbose) {
    for (const r of results) lines.push(..._lines(r.verdict, `${r.id} [${r.variant}]`, r));
  } else {
    for (const g of byVector(results)) {
      const runs = g.runs.length > 1
        ? ` (${g.worst.length === g.runs.length ? "all" : g.worst.length} of ${g.runs.length} runs)`
        : "";
      const first = g.worst[0];
      const label = g.verdict === "PASS" || g.verdict === "SKIP" && !first.expectedFail
        ? `${g.id}${runs}`
        : `${g.id}${runs}: ${g.worst.map((r) => r.variant).slice(0, 4).join(", ")}`;
      lines.push(..._lines(g.verdict, label, first));
    }
  }
  lines.push("", summaryLine(summarize(results)));
  return lines.join("\n") + "\n";
}

function _lines(verdict: Verdict, label: string, r: CaseResult): string[] {
  const tag = r.expectedFail ? (verdict === "FAIL" || verdict === "SKIP" ? "XFAIL" : "XPASS") : verdict;
  const out = [`${tag.padEnd(10)} ${label}`];
  if (verdict !== "PASS" || r.expectedFail) {
    for (const reason of r.reasons) out.push(`           - ${reason}`);
    if (r.expectedFail && (verdict === "PASS" || verdict === "NON-STRICT")) {
      out.push("           - listed in --expect-fail but passed");
    }
    if (r.observed && verdict !== "SKIP") out.push(`           observed: ${r.observed}`);
  }
  return out;
}

/**
 * One line with the counts: of vectors (each with the worst verdict over its
 * runs), then of runs (a vector runs whole, and again with its sends split),
 * unless every vector ran once.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { summaryLine } from "./report.ts";
 * import { caseResult, summarize } from "./verdict.ts";
 * const v = { id: "server.x", kind: "server" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const s = summarize([
 *   caseResult(v, { variant: "whole", verdict: "PASS", reasons: [], durationMs: 1 }),
 *   caseResult(v, { variant: "bytewise", verdict: "FAIL", reasons: ["lost a byte"], durationMs: 1 }),
 * ]);
 * assertEquals(
 *   summaryLine(s),
 *   "1 vector: 0 PASS, 0 NON-STRICT, 1 FAIL, 0 SKIP, 0 ERROR; 2 runs: 1 PASS, 0 NON-STRICT, 1 FAIL, 0 SKIP, 0 ERROR",
 * );
 * ```
 */
export function summaryLine(s: Summary): string {
  const counts = (c: Readonly<Record<Verdict, number>>) =>
    `${c.PASS} PASS, ${c["NON-STRICT"]} NON-STRICT, ${c.FAIL} FAIL, ${c.SKIP} SKIP, ${c.ERROR} ERROR`;
  const vectors = `${s.vectors} ${s.vectors === 1 ? "vector" : "vectors"}`;
  const runs = s.runs === s.vectors
    ? `${vectors}, one run each: ${counts(s.counts)}`
    : `${vectors}: ${counts(s.vectorCounts)}; ${s.runs} ${s.runs === 1 ? "run" : "runs"}: ${counts(s.counts)}`;
  const extra = [
    s.expectedFailures ? `${s.expectedFailures} expected ${s.expectedFailures === 1 ? "failure" : "failures"}` : "",
    s.unexpectedPasses ? `${s.unexpectedPasses} unexpected ${s.unexpectedPasses === 1 ? "pass" : "passes"}` : "",
  ].filter((x) => x);
  return runs + (extra.length ? ` (${extra.join(", ")})` : "");
}

/**
 * The JSON report.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { jsonReport } from "./report.ts";
 * import { caseResult } from "./verdict.ts";
 * const v = { id: "codec.x", kind: "codec" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const results = [caseResult(v, { variant: "whole", verdict: "FAIL", reasons: ["wrong value"], durationMs: 1 })];
 * const report = JSON.parse(jsonReport({ mode: "codec", subject: "protocol/" }, results));
 * assertEquals([report.tool, report.summary.failures, report.results[0].reasons], ["netspawn-conformance", 1, ["wrong value"]]);
 * ```
 */
export function jsonReport(header: ReportHeader, results: readonly CaseResult[]): string {
  return JSON.stringify({ tool: "netspawn-conformance", ...header, summary: summarize(results), results }, null, 2) +
    "\n";
}

/**
 * The JUnit XML report: FAIL is a failure, ERROR an error, SKIP and expected
 * failures are skipped, NON-STRICT passes with its reason in system-out.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { junitReport } from "./report.ts";
 * import { caseResult } from "./verdict.ts";
 * const v = { id: "codec.ns.x", kind: "codec" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const results = [caseResult(v, { variant: "whole", verdict: "FAIL", reasons: ["wrong value"], durationMs: 1 })];
 * const xml = junitReport({ mode: "codec", subject: "protocol/" }, results);
 * assertStringIncludes(xml, '<testcase classname="codec.ns" name="codec.ns.x [whole]" time="0.001">');
 * assertStringIncludes(xml, '<failure message="wrong value"></failure>');
 * ```
 */
export function junitReport(header: ReportHeader, results: readonly CaseResult[]): string {
  const s = summarize(results);
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const cases = results.map((r) => {
    const name = _xml(`${r.id} [${r.variant}]`);
    const open = `    <testcase classname="${_xml(r.id.split(".").slice(0, 2).join("."))}" name="${name}" time="${
      time(r.durationMs)
    }"`;
    const why = _xml(r.reasons.join("; "));
    if (r.expectedFail && r.verdict === "FAIL") {
      return `${open}>\n      <skipped message="expected failure: ${why}"/>\n    </testcase>`;
    }
    if (r.expectedFail && (r.verdict === "PASS" || r.verdict === "NON-STRICT")) {
      return `${open}>\n      <failure message="listed in --expect-fail but passed"/>\n    </testcase>`;
    }
    switch (r.verdict) {
      case "PASS":
        return `${open}/>`;
      case "NON-STRICT":
        return `${open}>\n      <system-out>NON-STRICT: ${why}</system-out>\n    </testcase>`;
      case "SKIP":
        return `${open}>\n      <skipped message="${why}"/>\n    </testcase>`;
      case "FAIL":
        return `${open}>\n      <failure message="${why}">${_xml(r.observed ?? "")}</failure>\n    </testcase>`;
      case "ERROR":
        return `${open}>\n      <error message="${why}"/>\n    </testcase>`;
    }
  });
  const total = results.reduce((n, r) => n + r.durationMs, 0);
  const skipped = s.counts.SKIP + s.expectedFailures;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netspawn-conformance" tests="${results.length}" failures="${s.failures}" errors="${s.errors}" skipped="${skipped}" time="${
      time(total)
    }">`,
    `  <testsuite name="${
      _xml(`${header.mode}: ${header.subject}`)
    }" tests="${results.length}" failures="${s.failures}" errors="${s.errors}" skipped="${skipped}" time="${
      time(total)
    }">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

function _xml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\ufffd");
}
