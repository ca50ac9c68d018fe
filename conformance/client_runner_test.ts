// The client runner proven against a correct adapter and deliberately broken ones.
import { assert, assertEquals } from "@std/assert";
import { _fake, _vectors, _verdicts } from "./_test_util.ts";
import { runClientVectors } from "./client_runner.ts";

const adapter = (mode: string) => _fake("fake_adapter.ts", `--mode ${mode}`);

Deno.test("a correct adapter passes every client vector, over UNIX sockets and TCP", async () => {
  const vectors = await _vectors("client");
  for (const transport of ["unix", "tcp"] as const) {
    const results = await runClientVectors({ adapter: adapter("good"), vectors, transport, jobs: 6 });
    const bad = results.filter((r) => r.verdict !== "PASS").map((r) => `${r.id}: ${r.reasons.join(" / ")}`);
    assertEquals(bad, [], transport);
  }
});

const PICK = [
  "client.result.stdout",
  "client.error.unknown-type",
  "client.error.duplicate-status",
  "client.timeout.no-reply",
];

Deno.test("broken adapters get the verdicts they deserve", async () => {
  const vectors = await _vectors("client", PICK);
  const verdicts = async (mode: string) =>
    _verdicts(await runClientVectors({ adapter: adapter(mode), vectors, caseTimeoutMs: 3000 }));
  const all = (v: string) => Object.fromEntries(PICK.map((id) => [`${id} [adapter]`, v]));
  assertEquals(await verdicts("crash"), all("FAIL"));
  assertEquals(await verdicts("garbage"), all("FAIL"));
  assertEquals(await verdicts("hang"), all("FAIL"));
  assertEquals(await verdicts("lenient"), { ...all("PASS"), "client.error.duplicate-status [adapter]": "FAIL" });
  assertEquals(await verdicts("wrong"), { ...all("PASS"), "client.result.stdout [adapter]": "FAIL" });
  // Never ending stdin: the fake server waits for the request, the adapter for the reply.
  assertEquals((await verdicts("no-end"))["client.result.stdout [adapter]"], "FAIL");
});

Deno.test("the reasons name what went wrong", async () => {
  const vectors = await _vectors("client", ["client.result.stdout"]);
  const [crash] = await runClientVectors({ adapter: adapter("crash"), vectors });
  assertEquals(crash.reasons, ["the adapter exited with 3 (adapter stderr: fake adapter: crashing on purpose)"]);
  const [wrong] = await runClientVectors({ adapter: adapter("wrong"), vectors });
  assertEquals(wrong.reasons, ['stdout "Hello\\n" instead of "hello\\n"']);
  const [hang] = await runClientVectors({ adapter: adapter("hang"), vectors, caseTimeoutMs: 1500 });
  assert(hang.reasons[0].startsWith("the adapter did not finish within 1500 ms"), hang.reasons[0]);
  const [missing] = await runClientVectors({ adapter: "/nonexistent/adapter", vectors });
  assert(missing.reasons[0].startsWith("the adapter exited with 127"), missing.reasons[0]);
});
