// The Perl client against every client vector of the conformance kit, through its adapter,
// over UNIX sockets and TCP.

import { assertEquals } from "@std/assert";
import { adapterCommand, bundledAdapter, missingForAdapter } from "../../conformance/bundled_adapters.ts";
import { type ClientVector, loadVectors, runClientVectors } from "../../conformance/mod.ts";
import { _skipped } from "../_test_netspawn_server.ts";

const adapter = bundledAdapter("perl")!;
const missing = missingForAdapter(adapter);

if (missing.length > 0) {
  _skipped("perl: every client vector passes", missing.join("; "));
} else {
  Deno.test("perl: every client vector passes, over UNIX sockets and TCP", async () => {
    const vectors = (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
    for (const transport of ["unix", "tcp"] as const) {
      const results = await runClientVectors({ adapter: adapterCommand(adapter), vectors, transport, jobs: 6 });
      const bad = results.filter((r) => r.verdict !== "PASS").map((r) =>
        `${r.id}: ${r.verdict} ${r.reasons.join(" / ")}`
      );
      assertEquals(bad, [], transport);
      assertEquals(results.length, vectors.length);
    }
  });
}
