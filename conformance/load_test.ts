import { assert, assertEquals, assertRejects } from "@std/assert";
import { SPEC } from "../protocol/mod.ts";
import { loadVectors, VectorLoadError } from "./load.ts";

Deno.test("the kit's vectors are schema-valid, tied to requirements, and at least 150", async () => {
  const loaded = await loadVectors();
  const kinds = Object.groupBy(loaded, (l) => l.vector.kind);
  assert(loaded.length >= 150, `${loaded.length} vectors`);
  for (const kind of ["codec", "server", "client"] as const) {
    assert((kinds[kind]?.length ?? 0) >= 40, `${kind}: ${kinds[kind]?.length}`);
  }
  const known = new Set(SPEC.requirements.map((r) => r.id));
  for (const { vector } of loaded) {
    assert(vector.requirements.length > 0 && vector.requirements.every((r) => known.has(r)), vector.id);
  }
});

Deno.test("every requirement a server or client can break is checked by some vector", async () => {
  const checked = new Set((await loadVectors()).flatMap((l) => l.vector.requirements));
  // srv.connections and srv.request-timeout need several connections or server-specific options:
  // the server's own integration tests cover them.
  const unchecked = SPEC.requirements.map((r) => r.id).filter((id) => !checked.has(id));
  assertEquals(unchecked, ["srv.request-timeout", "srv.connections"]);
});

async function loadFrom(files: Record<string, unknown>): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, content] of Object.entries(files)) {
      await Deno.mkdir(`${dir}/${name.split("/")[0]}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${name}`, typeof content === "string" ? content : JSON.stringify(content));
    }
    const error = await assertRejects(() => loadVectors(new URL(`file://${dir}/`)), VectorLoadError);
    return [...error.problems];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const good = {
  id: "codec.ns.x",
  title: "x",
  kind: "codec",
  codec: "netstring",
  direction: "decode",
  requirements: ["ns.grammar"],
  level: "MUST",
  tags: [],
  profile: "sockexec/1",
  input: "0:,",
  expect: { values: [""] },
};

Deno.test("the loader reports every problem: schema, requirements, level, ids, folders", async () => {
  const problems = await loadFrom({
    "codec/a.json": { vectors: [good, { ...good, id: "codec.ns.y", requirements: ["ns.nope"] }] },
    "codec/b.json": { vectors: [{ ...good }, { ...good, id: "codec.ns.z", level: "SHOULD" }] },
    "codec/c.json": { vectors: [{ ...good, id: "codec.ns.w", expect: { values: [1] } }] },
    "codec/d.json": "{ not json",
    "server/e.json": { vectors: [{ ...good, id: "codec.ns.v" }] },
  });
  const text = problems.join("\n");
  assert(text.includes('codec.ns.y: unknown requirement "ns.nope"'), text);
  assert(text.includes("codec.ns.z: level SHOULD, but its strongest requirement is MUST"), text);
  assert(text.includes("codec.ns.x: id also used in codec/a.json"), text);
  assert(text.includes("c.json: codec.ns.w: /vectors/0"), text);
  assert(text.includes("d.json: not JSON"), text);
  assert(text.includes("codec.ns.v: a codec vector must live in codec/"), text);
});
