/**
 * Reports of a conformance run: text for people (one line per vector, the
 * worst verdict over its variants), JSON and JUnit XML for machines (one entry
 * per run).
 *
 * @module
 */

import { type CaseResult, summarize, type Summary, type Verdict } from "./verdict.ts";

/** What a report is about. */
export interface ReportHeader {
  /** `server`, `client` or `codec`. */
  readonly mode: string;
  /** The server, adapter or implementation under test. */
  readonly subject: string;
}

const _SEVERITY: Verdict[] = ["ERROR", "FAIL", "NON-STRICT", "PASS", "SKIP"];

/**
 * The worst verdict per vector, with the runs that had it, in vector order.
 *
 * @example
 * ```ts
 * import { byVector } from "./report.ts";
 * console.assert(byVector([]).length === 0);
 * ```
 */
export function byVector(
  results: readonly CaseResult[],
): { id: string; verdict: Verdict; runs: CaseResult[]; worst: CaseResult[] }[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) groups.set(r.id, [...(groups.get(r.id) ?? []), r]);
  return [...groups].map(([id, runs]) => {
    const effective = (r: CaseResult): Verdict => (r.expectedFail && r.verdict === "FAIL" ? "SKIP" : r.verdict);
    const verdict = _SEVERITY.find((v) => runs.some((r) => effective(r) === v)) ?? "PASS";
    return { id, verdict, runs, worst: runs.filter((r) => effective(r) === verdict) };
  });
}

/**
 * The text report.
 *
 * @example
 * ```ts
 * import { textReport } from "./report.ts";
 * console.assert(textReport({ mode: "codec", subject: "x" }, [], false).includes("0 cases"));
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
 * One line with the counts.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./report.ts";
 * import { summarize } from "./verdict.ts";
 * console.assert(summaryLine(summarize([])).startsWith("0 cases"));
 * ```
 */
export function summaryLine(s: Summary): string {
  const c = s.counts;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const extra = [
    s.expectedFailures ? `${s.expectedFailures} expected failures` : "",
    s.unexpectedPasses ? `${s.unexpectedPasses} unexpected passes` : "",
  ].filter((x) => x);
  return `${total} cases: ${c.PASS} PASS, ${
    c["NON-STRICT"]
  } NON-STRICT, ${c.FAIL} FAIL, ${c.SKIP} SKIP, ${c.ERROR} ERROR` +
    (extra.length ? ` (${extra.join(", ")})` : "");
}

/**
 * The JSON report.
 *
 * @example
 * ```ts
 * import { jsonReport } from "./report.ts";
 * console.assert(JSON.parse(jsonReport({ mode: "codec", subject: "x" }, [])).summary.failures === 0);
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
 * import { junitReport } from "./report.ts";
 * console.assert(junitReport({ mode: "codec", subject: "x" }, []).includes("<testsuites"));
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
