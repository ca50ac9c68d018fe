// The pure parts of judging: selection, verdicts, server and client evaluation.
import { assert, assertEquals } from "@std/assert";
import { evaluateRequest, evaluateResult } from "./client_expect.ts";
import { isSelected, parseExpectFail } from "./select.ts";
import { evaluateServer, mismatch, type ServerObservation } from "./server_expect.ts";
import { exitCodeOf, judge, summarize } from "./verdict.ts";
import { ResponseRecorder } from "./recorder.ts";
import { processState } from "./server_case.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function observe(bytes: string, extra: Partial<ServerObservation> = {}): ServerObservation {
  const r = new ResponseRecorder(performance.now());
  r.add(enc(bytes));
  if (!extra.closedByClient) r.close(false);
  return {
    bytes: r.bytes(),
    decoded: r.decoded(),
    closedAt: 10,
    lastStepAt: 5,
    stepProblems: [],
    files: new Map(),
    pids: new Map(),
    ...extra,
  };
}

Deno.test("server evaluation: each expectation, passing and failing", () => {
  const ok = observe("6:stdout,3:hi\n,8:exitcode,1:0,");
  assertEquals(evaluateServer({ stdout: "hi\n", stderr: "", status: { exitcode: 0 } }, ok), { must: [], should: [] });
  assertEquals(evaluateServer({ stdout: "ho\n" }, ok).must, ['stdout: "hi\\n" instead of "ho\\n"']);
  assertEquals(evaluateServer({ status: { exitcode: [1, 2] } }, ok).must, ["expected exitcode 1 or 2, got exitcode 0"]);
  assertEquals(evaluateServer({ status: { termsig: "TERM" } }, ok).must, ["expected termsig TERM, got exitcode 0"]);
  assertEquals(evaluateServer({ status: null }, ok).must, ["expected no status, got exitcode 0"]);
  assertEquals(evaluateServer({ nothingSent: true }, ok).must.length, 1);
  assertEquals(evaluateServer({ closeWithinMs: 4 }, ok).must, ["closed 5 ms after the last step, not within 4 ms"]);
  assertEquals(evaluateServer({ closeNotBeforeMs: 6 }, ok).must, ["closed 5 ms after the last step, before 6 ms"]);
  assertEquals(evaluateServer({}, { ...ok, closedAt: null }).must, ["the server never closed the connection"]);
  assertEquals(evaluateServer({}, { ...ok, closedAt: null, closedByClient: true }).must, []);
});

Deno.test("server evaluation: status last is a SHOULD, a broken response a MUST", () => {
  const late = observe("8:exitcode,1:0,6:stdout,1:x,");
  assertEquals(evaluateServer({ stdout: "x" }, late), {
    must: [],
    should: ["an output pair came after the status pair (resp.status.last)"],
  });
  assertEquals(evaluateServer({ statusLast: false }, late), { must: [], should: [] });
  const broken = observe("6:stdout,9:x,");
  assert(evaluateServer({}, broken).must[0].startsWith("the response breaks the protocol: EOF_IN_PAYLOAD"));
  assertEquals(evaluateServer({ status: null, nothingSent: true }, observe("")).must, []);
});

Deno.test("server evaluation: files and pids", () => {
  const files = new Map([["{tmp}/a", enc("TERM\n")], ["{tmp}/b", null]]);
  const pids = new Map([["{tmp}/p", undefined], ["{tmp}/q", "process 7 still running after 10 ms"]]);
  const obs = observe("", { files, pids, closedByClient: true, closedAt: null });
  assertEquals(evaluateServer({ files: [{ path: "{tmp}/a", content: "TERM\n", withinMs: 1 }] }, obs).must, []);
  assertEquals(evaluateServer({ files: [{ path: "{tmp}/b", content: "x", withinMs: 1 }] }, obs).must, [
    "file {tmp}/b does not exist",
  ]);
  assertEquals(evaluateServer({ pidsGone: [{ pidFile: "{tmp}/p", withinMs: 1 }] }, obs).must, []);
  assertEquals(evaluateServer({ pidsGone: [{ pidFile: "{tmp}/q", withinMs: 1 }] }, obs).must, [
    "{tmp}/q: process 7 still running after 10 ms",
  ]);
});

Deno.test("byte matches", () => {
  const hi = enc("hello\n");
  assertEquals(mismatch({ contains: "ell" }, hi), undefined);
  assertEquals(mismatch({ match: "^h.*o\\n$" }, hi), undefined);
  assertEquals(mismatch({ length: 6 }, hi), undefined);
  assertEquals(mismatch({ length: 5 }, hi), "6 bytes instead of 5");
  assertEquals(mismatch(["hel", { utf8: "lo\n" }], hi), undefined);
});

Deno.test("judging: PASS, NON-STRICT by alternative or by SHOULD only, FAIL", () => {
  assertEquals(judge({ must: [], should: [] }, []), { verdict: "PASS", reasons: [] });
  assertEquals(judge({ must: ["x"], should: [] }, [{ reason: "like sockexec", findings: { must: [], should: [] } }]), {
    verdict: "NON-STRICT",
    reasons: ["like sockexec"],
  });
  assertEquals(judge({ must: [], should: ["late"] }, []), { verdict: "NON-STRICT", reasons: ["late"] });
  assertEquals(judge({ must: ["x"], should: ["late"] }, [{ reason: "r", findings: { must: ["y"], should: [] } }]), {
    verdict: "FAIL",
    reasons: ["x", "late"],
  });
  // An accepted outcome that also sends the status first is still NON-STRICT, with both reasons.
  assertEquals(
    judge({ must: ["x"], should: [] }, [{ reason: "like sockexec", findings: { must: [], should: ["late"] } }]),
    {
      verdict: "NON-STRICT",
      reasons: ["like sockexec", "late"],
    },
  );
});

Deno.test("summaries and exit codes, with expected failures", () => {
  const r = (verdict: "PASS" | "FAIL" | "ERROR" | "NON-STRICT", expectedFail = false) => ({
    id: "x",
    variant: "whole",
    kind: "server" as const,
    title: "",
    level: "MUST" as const,
    requirements: [],
    verdict,
    reasons: [],
    durationMs: 0,
    expectedFail,
  });
  assertEquals(exitCodeOf(summarize([r("PASS"), r("NON-STRICT")])), 0);
  assertEquals(exitCodeOf(summarize([r("PASS"), r("FAIL")])), 1);
  assertEquals(exitCodeOf(summarize([r("FAIL", true)])), 0);
  assertEquals(summarize([r("PASS", true)]).unexpectedPasses, 1);
  assertEquals(exitCodeOf(summarize([r("PASS", true)])), 1);
  assertEquals(exitCodeOf(summarize([r("FAIL"), r("ERROR")])), 2);
});

Deno.test("selection by id and tag globs, and expect-fail files", () => {
  const v = { id: "server.exec.echo", tags: ["exec", "timing"] };
  assert(isSelected(v, {}));
  assert(isSelected(v, { run: ["server.exec.*"] }));
  assert(isSelected(v, { run: ["nope", "tag:exec"] }));
  assert(!isSelected(v, { run: ["server.exec.echo?"] }));
  assert(!isSelected(v, { skip: ["tag:timing"] }));
  assertEquals(parseExpectFail("a.b # why\n  \n# only a comment\nc.*\n"), ["a.b", "c.*"]);
});

Deno.test("client evaluation: results, errors, SPAWN_FAILED for 127, and what was sent", () => {
  const result = { ok: true as const, stdout: enc("hi\n"), stderr: enc(""), exitCode: 0, signal: null };
  const want = { result: { stdout: "hi\n", stderr: "", exitCode: 0, signal: null } };
  assertEquals(evaluateResult(want, result).must, []);
  assertEquals(evaluateResult({ result: { ...want.result, exitCode: 1 } }, result).must.length, 1);
  assertEquals(
    evaluateResult({ error: ["TIMEOUT", "PROTOCOL_ERROR"] }, { ok: false, error: "PROTOCOL_ERROR" }).must,
    [],
  );
  assertEquals(evaluateResult({ error: "TIMEOUT" }, result).must.length, 1);
  const spawn127 = {
    result: { stdout: "", stderr: "netspawn: cannot run x: program not found\n", exitCode: 127, signal: null },
  };
  assertEquals(evaluateResult(spawn127, { ok: false, error: "SPAWN_FAILED" }).must, []);
  assertEquals(evaluateResult(want, { ok: false, error: "SPAWN_FAILED" }).must.length, 1);
  const sent = { argv: [enc("cat")], stdin: enc("x"), end: "marker" as const, error: null, connections: 1 };
  assertEquals(evaluateRequest({ argv: ["cat"], stdin: "x" }, sent), []);
  assertEquals(evaluateRequest({ argv: ["cat"], stdin: "y" }, sent), ['the client sent stdin "x" instead of "y"']);
  assertEquals(evaluateRequest({ argv: ["cat"], stdin: "x" }, { ...sent, end: null }), [
    "the client never ended stdin",
  ]);
  assertEquals(evaluateRequest({ argv: ["cat"], stdin: "x" }, { ...sent, connections: 2 }), [
    "the client opened 2 connections",
  ]);
});

Deno.test("process states: running, zombie or gone; never a false 'gone'", async () => {
  const state = await processState(Deno.pid);
  assert(state === "R" || state === "S", `own state ${JSON.stringify(state)}`);
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const sleeping = await processState(child.pid);
  assert(sleeping === "R" || sleeping === "S", `child state ${JSON.stringify(sleeping)}`);
  child.kill("SIGKILL");
  await child.status;
  assertEquals(await processState(child.pid), null);
  assertEquals(await processState(2 ** 22 + 1), null); // above pid_max
});
