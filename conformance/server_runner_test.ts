// The server runner proven against deliberately broken servers.
import { assert, assertEquals } from "@std/assert";
import { _fake, _vectors, _verdicts } from "./_test_util.ts";
import { runServerVectors, variantsOf } from "./server_runner.ts";
import { RequestParser } from "../protocol/mod.ts";
import { fixedTarget, type ServerTarget, spawnTarget, TargetError } from "./target.ts";
import type { ServerVector } from "./vector.ts";

const canned = (args: string) => spawnTarget(_fake("canned_server.ts", `${args} {socket}`));
const reply = (bytes: string) => canned(`--mode reply --reply '${JSON.stringify(bytes)}'`);
const ECHO = ["server.exec.echo"];

Deno.test("a correct reply passes, whole and with its sends split", async () => {
  const vectors = await _vectors("server", ECHO);
  const results = await runServerVectors({
    target: reply("6:stdout,6:hello\n,8:exitcode,1:0,"),
    vectors,
    split: "random:3",
  });
  assertEquals(results.map((r) => r.verdict), ["PASS", "PASS", "PASS", "PASS"]);
  assertEquals(results[0].variant, "whole");
  assert(results.slice(1).every((r) => r.variant.startsWith("split@")));
});

Deno.test("status before output is NON-STRICT, with the reason", async () => {
  const vectors = await _vectors("server", ECHO);
  const [r] = await runServerVectors({ target: reply("8:exitcode,1:0,6:stdout,6:hello\n,"), vectors, split: "none" });
  assertEquals([r.verdict, r.reasons], ["NON-STRICT", [
    "an output pair came after the status pair (resp.status.last)",
  ]]);
});

Deno.test("wrong bytes, a hang, a silent close and a crash FAIL, with reasons", async () => {
  const vectors = await _vectors("server", ECHO);
  const run = async (target: ReturnType<typeof canned>) =>
    (await runServerVectors({ target, vectors, split: "none", caseTimeoutMs: 2000 }))[0];
  const wrong = await run(reply("6:stdout,5:hello\n,8:exitcode,1:0,"));
  assertEquals(wrong.verdict, "FAIL");
  assert(wrong.reasons[0].startsWith("the response breaks the protocol: MISSING_COMMA at byte 16"), wrong.reasons[0]);
  const hang = await run(canned("--mode hang"));
  assertEquals([hang.verdict, hang.reasons[0]], ["FAIL", "the server never closed the connection"]);
  const silent = await run(canned("--mode silent"));
  assertEquals([silent.verdict, silent.reasons[1]], ["FAIL", "expected exitcode 0, got no status"]);
  const crash = await run(canned("--mode crash"));
  assertEquals([crash.verdict, crash.reasons[0]], [
    "FAIL",
    "the server was killed by SIGKILL during this case (run alone)",
  ]);
});

Deno.test("a crash is pinned on the case that caused it, not on cases running beside it", async () => {
  // The canned crash server dies on any complete request; a case that sends nothing complete survives.
  const vectors = await _vectors("server", ["server.exec.echo", "server.request.no-bytes", "server.exec.uname"]);
  const results = await runServerVectors({ target: canned("--mode crash"), vectors, split: "none", jobs: 3 });
  assertEquals(_verdicts(results), {
    "server.exec.echo [whole]": "FAIL",
    "server.request.no-bytes [whole]": "PASS",
    "server.exec.uname [whole]": "FAIL",
  });
});

Deno.test("--fresh: every case on its own server, so a crash cannot touch the others", async () => {
  const vectors = await _vectors("server", ["server.exec.echo", "server.request.no-bytes"]);
  const results = await runServerVectors({ target: canned("--mode crash"), vectors, split: "none", fresh: true });
  assertEquals(results.map((r) => [r.id, r.verdict, r.reasons[0]]), [
    ["server.exec.echo", "FAIL", "the server was killed by SIGKILL during this case (run alone)"],
    ["server.request.no-bytes", "PASS", undefined],
  ]);
});

Deno.test("a silent close is right for malformed requests; vectors needing options or this machine are skipped on a fixed target", async () => {
  const malformed = await _vectors("server", ["server.malformed.argc-zero", "server.malformed.http"]);
  const results = await runServerVectors({ target: canned("--mode silent"), vectors: malformed, split: "bytes" });
  assertEquals(results.map((r) => r.verdict), ["PASS", "PASS", "PASS", "PASS"]);
  const needy = await _vectors("server", ["server.deadline.term", "server.disconnect.term"]);
  const remote = fixedTarget({ transport: "tcp", hostname: "192.0.2.1", port: 9 });
  const skipped = await runServerVectors({ target: remote, vectors: needy, split: "none" });
  assertEquals(skipped.map((r) => [r.verdict, r.reasons[0]]), [
    ["SKIP", "needs a server started with -t 1 (use --spawn)"],
    ["SKIP", "needs the server on this machine (files, pids)"],
  ]);
});

Deno.test("a server that cannot start is a harness ERROR for its cases", async () => {
  const vectors = await _vectors("server", ECHO);
  const [r] = await runServerVectors({ target: spawnTarget("sh -c 'exit 3' {socket}"), vectors, split: "none" });
  assertEquals(r.verdict, "ERROR");
  assert(r.reasons[0].includes("exited with code 3"), r.reasons[0]);
  assert(new TargetError("x") instanceof Error);
});

Deno.test("split variants: none, bytewise, every boundary, reproducible random points", async () => {
  const [echo] = await _vectors("server", ECHO); // "1:2,4:echo,5:hello,0:," is 22 bytes
  assertEquals(variantsOf(echo, "none", 1, "/r").map((v) => v.name), ["whole"]);
  assertEquals(variantsOf(echo, "bytes", 1, "/r").map((v) => v.name), ["whole", "bytewise"]);
  assertEquals(variantsOf(echo, "every", 1, "/r").length, 1 + 21);
  assertEquals(variantsOf(echo, "random:5", 7, "/r"), variantsOf(echo, "random:5", 7, "/r"));
  assertEquals(variantsOf(echo, "bytes", 1, "/r").map((v) => v.tmp), ["/r/000000", "/r/000001"]);
  const [timing] = await _vectors("server", ["server.deadline.term"]);
  assertEquals(variantsOf(timing, "every", 1, "/r").map((v) => v.name), ["whole"]);
});

/** A server in this process that records how many bytes each request had, and replies exit code 0. */
async function _recordingTarget(): Promise<{ target: ServerTarget; lengths: number[]; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-conf-test-" });
  const listener = Deno.listen({ transport: "unix", path: `${dir}/s.sock` });
  const lengths: number[] = [];
  const serve = async (conn: Deno.Conn) => {
    const parser = new RequestParser();
    const buffer = new Uint8Array(65536);
    let length = 0;
    for (let done = false; !done;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      length += n;
      parser.push(buffer.subarray(0, n));
      for (let e = parser.next(); e !== undefined; e = parser.next()) done ||= e.type === "stdin-end";
    }
    lengths.push(length);
    await conn.write(new TextEncoder().encode("8:exitcode,1:0,"));
    conn.close();
  };
  const accepting = (async () => {
    for await (const conn of listener) serve(conn).catch(() => conn.close());
  })();
  const address = { transport: "unix" as const, path: `${dir}/s.sock` };
  const instance = { address, exited: () => undefined, output: () => "", stop: () => Promise.resolve() };
  const target: ServerTarget = {
    description: "recording",
    local: true,
    cannotStart: () => undefined,
    start: () => Promise.resolve(instance),
  };
  const close = async () => {
    listener.close();
    await accepting.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  };
  return { target, lengths, close };
}

Deno.test("split points fall in the bytes actually sent when a request names {tmp}", async () => {
  const [echo] = await _vectors("server", ECHO);
  const vector: ServerVector = {
    ...echo,
    id: "server.test.tmp-argv",
    steps: [{ request: { argv: ["touch", "{tmp}/file"] } }],
    expect: { status: { exitcode: 0 } },
  };
  const recording = await _recordingTarget();
  try {
    const results = await runServerVectors({ target: recording.target, vectors: [vector], split: "every", jobs: 2 });
    assertEquals(results.filter((r) => r.verdict !== "PASS"), []);
    // Every run sent a request of one length, and there is a split run at every boundary inside it.
    const total = recording.lengths[0];
    assertEquals(recording.lengths, Array(total).fill(total));
    assertEquals(results.map((r) => r.variant), [
      "whole",
      ...Array.from({ length: total - 1 }, (_, i) => `split@${i + 1}`),
    ]);
  } finally {
    await recording.close();
  }
});
