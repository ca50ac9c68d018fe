import { assertEquals } from "@std/assert";
import { _vectors } from "./_test_util.ts";
import { runCodecVector } from "./codec_runner.ts";

Deno.test("every codec vector passes against the protocol core, whole, bytewise and split at every boundary", async () => {
  const vectors = await _vectors("codec");
  const failed = vectors.map(runCodecVector).filter((r) => r.verdict !== "PASS").map((r) =>
    `${r.id}: ${r.reasons.join(" / ")}`
  );
  assertEquals(failed, []);
});

Deno.test("a codec vector that does not hold fails with the chunking and both outcomes", () => {
  const result = runCodecVector({
    id: "codec.ns.wrong-on-purpose",
    title: "expects a leading zero to be accepted",
    kind: "codec",
    codec: "netstring",
    direction: "decode",
    requirements: ["ns.length.canonical"],
    level: "MUST",
    tags: [],
    profile: "sockexec/1",
    input: "01:a,",
    expect: { values: ["a"] },
  });
  assertEquals(result.verdict, "FAIL");
  assertEquals(result.reasons, ["whole: got [error LEADING_ZERO]", 'expected ["a"]']);
});
