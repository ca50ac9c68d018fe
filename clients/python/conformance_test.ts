// The Python client against every client vector of the conformance kit, through its adapter:
// the blocking API over UNIX sockets and TCP, and the asyncio API (--aio) over both.

import { assertEquals } from "@std/assert";
import { adapterCommand, bundledAdapter, missingForAdapter } from "../../conformance/bundled_adapters.ts";
import { type ClientVector, loadVectors, runClientVectors } from "../../conformance/mod.ts";
import { _skipped } from "../_test_netspawn_server.ts";

const adapter = bundledAdapter("python")!;
const missing = missingForAdapter(adapter);

if (missing.length > 0) {
  _skipped("python: every client vector passes", missing.join("; "));
} else {
  Deno.test("python: every client vector passes, blocking and asyncio, over UNIX sockets and TCP", async () => {
    const vectors = (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
    const command = adapterCommand(adapter);
    for (const api of ["", " --aio"]) {
      for (const transport of ["unix", "tcp"] as const) {
        const results = await runClientVectors({ adapter: command + api, vectors, transport, jobs: 6 });
        const bad = results.filter((r) => r.verdict !== "PASS").map((r) =>
          `${r.id}: ${r.verdict} ${r.reasons.join(" / ")}`
        );
        assertEquals(bad, [], `${transport}${api}`);
        assertEquals(results.length, vectors.length);
      }
    }
  });
}
