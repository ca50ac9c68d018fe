import { assert, assertEquals } from "@std/assert";
import { jsonReport, junitReport, textReport } from "./report.ts";
import type { CaseResult } from "./verdict.ts";

const base = {
  kind: "server" as const,
  title: "t",
  level: "MUST" as const,
  requirements: ["srv.status"],
  durationMs: 12,
};
const results: CaseResult[] = [
  { ...base, id: "server.a", variant: "whole", verdict: "PASS", reasons: [] },
  {
    ...base,
    id: "server.a",
    variant: "bytewise",
    verdict: "FAIL",
    reasons: ['stdout <wrong> & "bad"'],
    observed: "5 bytes",
  },
  { ...base, id: "server.b", variant: "whole", verdict: "NON-STRICT", reasons: ["like sockexec"] },
  { ...base, id: "server.c", variant: "whole", verdict: "SKIP", reasons: ["needs -t 1"] },
  { ...base, id: "server.d", variant: "whole", verdict: "FAIL", reasons: ["known"], expectedFail: true },
];
const header = { mode: "server", subject: "unit" };

Deno.test("the text report: the worst verdict per vector, reasons under it, one summary line", () => {
  const text = textReport(header, results, false);
  assert(text.includes("FAIL       server.a (1 of 2 runs): bytewise\n           - stdout <wrong>"), text);
  assert(text.includes("NON-STRICT server.b: whole\n           - like sockexec"), text);
  assert(text.includes("XFAIL      server.d"), text);
  assert(
    text.endsWith(
      "\n4 vectors: 0 PASS, 1 NON-STRICT, 2 FAIL, 1 SKIP, 0 ERROR; 5 runs: 1 PASS, 1 NON-STRICT, 2 FAIL, 1 SKIP, 0 ERROR (1 expected failure)\n",
    ),
    text,
  );
  assertEquals(textReport(header, results, true).split("\n").filter((l) => /^[A-Z]/.test(l)).length, 5);
});

Deno.test("the JSON report carries every run and the summary", () => {
  const data = JSON.parse(jsonReport(header, results));
  assertEquals(data.results.length, 5);
  assertEquals([data.summary.failures, data.summary.expectedFailures, data.mode], [1, 1, "server"]);
});

Deno.test("the JUnit report is well formed and maps verdicts", () => {
  const xml = junitReport(header, results);
  assert(xml.includes('tests="5" failures="1" errors="0" skipped="2"'), xml);
  assert(xml.includes('<failure message="stdout &lt;wrong&gt; &amp; &quot;bad&quot;">5 bytes</failure>'), xml);
  assert(xml.includes("<system-out>NON-STRICT: like sockexec</system-out>"), xml);
  assert(xml.includes('<skipped message="expected failure: known"/>'), xml);
  const opened = (xml.match(/<testcase /g) ?? []).length;
  const closed = (xml.match(/<\/testcase>|<testcase [^>]*\/>/g) ?? []).length;
  assertEquals([opened, closed], [5, 5]);
});
