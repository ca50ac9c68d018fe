// The Lua client under lua5.4 and LuaJIT (LuaSocket): its unit tests on the
// conformance kit's codec vectors, its end-to-end tests against netspawn's
// server (in this process, on a UNIX socket and on 127.0.0.1), and every
// client vector through conformance/adapters/lua.lua, for the netspawn API
// and for the lua-resty-exec drop-in interface.
import { assert, assertEquals } from "@std/assert";
import { type ClientVector, loadVectors, runClientVectors } from "../../conformance/mod.ts";
import {
  _luaMissing,
  _run,
  _startTestServer,
  _summary,
  _testNeeding,
  _vectorsAsLua,
  INTERPRETERS,
  ROOT,
} from "./_test_util.ts";

async function _clientVectors(): Promise<ClientVector[]> {
  return (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
}

function _assertAllPassed(ran: { code: number; stdout: string; stderr: string }, what: string): void {
  const summary = _summary(ran.stdout);
  const failures = ran.stdout.split("\n").filter((l) => !l.startsWith("ok   ")).join("\n");
  if (summary === undefined) {
    throw new Error(`${what}: no summary line (exit ${ran.code})\n${ran.stdout}\n${ran.stderr}`);
  }
  assertEquals({ failed: summary.failed, skipped: summary.skipped, code: ran.code }, {
    failed: 0,
    skipped: 0,
    code: 0,
  }, `${what}:\n${failures}\n${ran.stderr}`);
  assert(summary.passed > 0, `${what}: no test ran`);
}

for (const lua of INTERPRETERS) {
  const missing = await _luaMissing(lua);

  _testNeeding(`lua client: unit tests and codec vectors (${lua})`, missing, async () => {
    const dir = await Deno.makeTempDir({ prefix: "netspawn-lua-vectors-" });
    try {
      await Deno.writeTextFile(`${dir}/vectors.lua`, await _vectorsAsLua());
      const ran = await _run(lua, [`${ROOT}clients/lua/test/unit_test.lua`], {
        env: { NETSPAWN_LUA_VECTORS: `${dir}/vectors.lua` },
        deadlineMs: 60_000,
      });
      _assertAllPassed(ran, `${lua} unit_test.lua`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  _testNeeding(`lua client: end to end against netspawn's server, UNIX and TCP (${lua})`, missing, async () => {
    const test = await _startTestServer();
    try {
      const ran = await _run(lua, [`${ROOT}clients/lua/test/live_test.lua`], {
        env: { NETSPAWN_TEST_ADDRESSES: test.addresses.join(" ") },
        deadlineMs: 120_000,
      });
      _assertAllPassed(ran, `${lua} live_test.lua`);
    } finally {
      await test.close();
    }
  });

  _testNeeding(`lua client: every client vector through conformance/adapters/lua.lua (${lua})`, missing, async () => {
    const vectors = await _clientVectors();
    const runs = [
      { adapter: `${lua} ${ROOT}conformance/adapters/lua.lua`, transport: "unix" as const },
      { adapter: `${lua} ${ROOT}conformance/adapters/lua.lua`, transport: "tcp" as const },
      { adapter: `${lua} ${ROOT}conformance/adapters/lua.lua --dropin netspawn`, transport: "unix" as const },
    ];
    for (const { adapter, transport } of runs) {
      const results = await runClientVectors({ adapter, vectors, transport, jobs: 4 });
      const bad = results.filter((r) => r.verdict !== "PASS").map((r) =>
        `${r.id}: ${r.verdict} ${r.reasons.join(" / ")}`
      );
      assertEquals(bad, [], `${adapter} over ${transport}`);
      assertEquals(results.length, vectors.length);
    }
  });
}
