// The TypeScript client against every client vector of the conformance kit, through its Deno
// adapter (the npm build runs the same vectors through the Node adapter on the built package).
import { assertEquals } from "@std/assert";
import { type ClientVector, loadVectors, runClientVectors } from "../../conformance/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("every client vector passes through the Deno adapter, over UNIX sockets and TCP", async () => {
  const vectors = (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
  const adapter = `${Deno.execPath()} run -A --config ${ROOT}deno.json ${ROOT}conformance/adapters/ts_deno.ts`;
  for (const transport of ["unix", "tcp"] as const) {
    const results = await runClientVectors({ adapter, vectors, transport, jobs: 6 });
    const bad = results.filter((r) => r.verdict !== "PASS").map((r) =>
      `${r.id}: ${r.verdict} ${r.reasons.join(" / ")}`
    );
    assertEquals(bad, [], transport);
  }
});
