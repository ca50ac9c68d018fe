/**
 * Verdicts and results of conformance cases, Autobahn style: PASS, NON-STRICT
 * (an accepted outcome short of the strict one, with the reason), FAIL (with
 * the reasons), SKIP, and ERROR (the harness could not run the case).
 *
 * @module
 */

import type { Level } from "./vector.ts";

/** The verdict of one case. */
export type Verdict = "PASS" | "NON-STRICT" | "FAIL" | "SKIP" | "ERROR";

/** The result of running one case (one variant of a vector). */
export interface CaseResult {
  /** The vector's id. */
  readonly id: string;
  /** How this run varied the vector (`whole`, `bytewise`, `split@12`, …). */
  readonly variant: string;
  /** The vector's kind. */
  readonly kind: "codec" | "server" | "client";
  /** The vector's title. */
  readonly title: string;
  /** The vector's level. */
  readonly level: Level;
  /** The requirement ids it checks. */
  readonly requirements: readonly string[];
  /** The verdict. */
  readonly verdict: Verdict;
  /** Why the verdict is not PASS (one line each). */
  readonly reasons: readonly string[];
  /** How long the case took. */
  readonly durationMs: number;
  /** What was observed, briefly, for reports. */
  readonly observed?: string;
  /** The case is listed in the --expect-fail file. */
  readonly expectedFail?: boolean;
}

/**
 * A result for a vector: its identity fields, plus what the run found.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { caseResult } from "./verdict.ts";
 * const v = { id: "codec.x", kind: "codec" as const, title: "t", level: "MUST" as const, requirements: ["ns.grammar"] };
 * const r = caseResult(v, { variant: "whole", verdict: "PASS", reasons: [], durationMs: 1 });
 * assertEquals([r.id, r.kind, r.variant, r.verdict], ["codec.x", "codec", "whole", "PASS"]);
 * ```
 */
export function caseResult(
  vector: Pick<CaseResult, "id" | "kind" | "title" | "level" | "requirements">,
  run: Pick<CaseResult, "variant" | "verdict" | "reasons" | "durationMs" | "observed">,
): CaseResult {
  const { id, kind, title, level, requirements } = vector;
  return { id, kind, title, level, requirements, ...run };
}

/** How bad each verdict is, worst first (SKIP only when every run was skipped). */
const _SEVERITY: readonly Verdict[] = ["ERROR", "FAIL", "NON-STRICT", "PASS", "SKIP"];

/**
 * The worst of a vector's verdicts (one per run): ERROR, then FAIL,
 * NON-STRICT, PASS; SKIP only when every run was skipped.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { worstVerdict } from "./verdict.ts";
 * assertEquals(worstVerdict(["PASS", "NON-STRICT", "PASS"]), "NON-STRICT");
 * assertEquals(worstVerdict(["SKIP", "PASS"]), "PASS");
 * assertEquals(worstVerdict([]), "PASS");
 * ```
 */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  return _SEVERITY.find((v) => verdicts.includes(v)) ?? "PASS";
}

/** Counts per verdict, of vectors and of runs, and the derived outcome. */
export interface Summary {
  /** How many vectors ran (each in one run or more: whole, split, …). */
  readonly vectors: number;
  /** Vectors per verdict: each counted once, with the worst verdict over its runs. */
  readonly vectorCounts: Readonly<Record<Verdict, number>>;
  /** How many runs there were. */
  readonly runs: number;
  /** Runs per verdict. */
  readonly counts: Readonly<Record<Verdict, number>>;
  /** FAIL verdicts on cases listed as expected failures. */
  readonly expectedFailures: number;
  /** Listed expected failures that did not fail. */
  readonly unexpectedPasses: number;
  /** Failures that count: FAIL not listed, plus unexpected passes. */
  readonly failures: number;
  /** ERROR verdicts. */
  readonly errors: number;
}

/**
 * Count the verdicts of the runs, and of the vectors they ran.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { caseResult, summarize } from "./verdict.ts";
 * const v = { id: "server.x", kind: "server" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const s = summarize([
 *   caseResult(v, { variant: "whole", verdict: "PASS", reasons: [], durationMs: 1 }),
 *   caseResult(v, { variant: "bytewise", verdict: "FAIL", reasons: ["lost a byte"], durationMs: 1 }),
 * ]);
 * assertEquals([s.vectors, s.vectorCounts.FAIL, s.runs, s.counts.PASS, s.counts.FAIL], [1, 1, 2, 1, 1]);
 * assertEquals(s.failures, 1);
 * ```
 */
export function summarize(results: readonly CaseResult[]): Summary {
  const counts: Record<Verdict, number> = { "PASS": 0, "NON-STRICT": 0, "FAIL": 0, "SKIP": 0, "ERROR": 0 };
  const vectorCounts: Record<Verdict, number> = { ...counts };
  const perVector = new Map<string, Verdict[]>();
  let expectedFailures = 0;
  let unexpectedPasses = 0;
  for (const r of results) {
    counts[r.verdict]++;
    perVector.set(r.id, [...(perVector.get(r.id) ?? []), r.verdict]);
    if (r.expectedFail && r.verdict === "FAIL") expectedFailures++;
    if (r.expectedFail && (r.verdict === "PASS" || r.verdict === "NON-STRICT")) unexpectedPasses++;
  }
  for (const verdicts of perVector.values()) vectorCounts[worstVerdict(verdicts)]++;
  return {
    vectors: perVector.size,
    vectorCounts,
    runs: results.length,
    counts,
    expectedFailures,
    unexpectedPasses,
    failures: counts.FAIL - expectedFailures + unexpectedPasses,
    errors: counts.ERROR,
  };
}

/**
 * The runner's exit status: 0 when every case passed (PASS, NON-STRICT, SKIP
 * or an expected failure), 1 when a case failed or an expected failure passed,
 * 2 when the harness could not run a case.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { caseResult, exitCodeOf, summarize } from "./verdict.ts";
 * const v = { id: "server.x", kind: "server" as const, title: "t", level: "MUST" as const, requirements: [] };
 * const run = (verdict: "PASS" | "FAIL" | "ERROR") => caseResult(v, { variant: "whole", verdict, reasons: [], durationMs: 1 });
 * assertEquals([exitCodeOf(summarize([run("PASS")])), exitCodeOf(summarize([run("FAIL")]))], [0, 1]);
 * assertEquals(exitCodeOf(summarize([run("FAIL"), run("ERROR")])), 2);
 * ```
 */
export function exitCodeOf(summary: Summary): 0 | 1 | 2 {
  if (summary.errors > 0) return 2;
  return summary.failures > 0 ? 1 : 0;
}

/**
 * Judge one outcome: PASS when nothing is wrong; otherwise NON-STRICT when an
 * accepted alternative matches, or only SHOULD-level checks missed (of the
 * strict expectation or of an alternative); else FAIL.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { judge } from "./verdict.ts";
 * assertEquals(judge({ must: [], should: [] }, []), { verdict: "PASS", reasons: [] });
 * assertEquals(judge({ must: ["wrong status"], should: [] }, []), { verdict: "FAIL", reasons: ["wrong status"] });
 * const sockexecLike = { reason: "closes without a byte, as sockexec does", findings: { must: [], should: [] } };
 * assertEquals(judge({ must: ["no status"], should: [] }, [sockexecLike]), {
 *   verdict: "NON-STRICT",
 *   reasons: ["closes without a byte, as sockexec does"],
 * });
 * ```
 */
export function judge(
  strict: Findings,
  alternatives: readonly { readonly reason: string; readonly findings: Findings }[],
): { verdict: Verdict; reasons: string[] } {
  if (strict.must.length === 0 && strict.should.length === 0) return { verdict: "PASS", reasons: [] };
  for (const alt of alternatives) {
    if (alt.findings.must.length === 0 && alt.findings.should.length === 0) {
      return { verdict: "NON-STRICT", reasons: [alt.reason] };
    }
  }
  if (strict.must.length === 0) return { verdict: "NON-STRICT", reasons: [...strict.should] };
  // An accepted outcome that also misses a SHOULD-level check (the status not last) is still NON-STRICT.
  for (const alt of alternatives) {
    if (alt.findings.must.length === 0) return { verdict: "NON-STRICT", reasons: [alt.reason, ...alt.findings.should] };
  }
  return { verdict: "FAIL", reasons: [...strict.must, ...strict.should] };
}

/** What an expectation check found wrong, by severity. */
export interface Findings {
  /** Misses that fail the case. */
  readonly must: string[];
  /** Misses of SHOULD-level checks: alone, they make the case NON-STRICT. */
  readonly should: string[];
}
