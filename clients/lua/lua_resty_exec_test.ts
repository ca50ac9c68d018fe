// The kit's verdict on the third-party lua-resty-exec 3.0.3 (unmodified, with
// netstring.lua 1.0.6), inside nginx: every client vector through
// conformance/adapters/resty.sh --dropin resty.exec, checked against
// conformance/expected/lua-resty-exec-3.0.3.txt. Its code is not in this
// repository: the test looks for a copy in $NETSPAWN_LUA_RESTY_EXEC, else in
// ~/.cache/netspawn/lua-resty-exec-3.0.3 (resty/exec.lua, resty/exec/socket.lua,
// netstring.lua; see clients/lua/README.md), and is skipped with a notice when
// there is none.
import { assertEquals } from "@std/assert";
import {
  type ClientVector,
  globMatcher,
  loadVectors,
  parseExpectFail,
  runClientVectors,
} from "../../conformance/mod.ts";
import { _nginxMissing } from "./_nginx.ts";
import { _testNeeding, ROOT } from "./_test_util.ts";

/** The files of the copy, with the SHA-256 of the published 3.0.3 and 1.0.6 sources. */
const FILES: Readonly<Record<string, string>> = {
  "resty/exec.lua": "8461dd8cee5349dbea9d4f3b095dec430c73a0af14d72328866df4ed6b3c60be",
  "resty/exec/socket.lua": "95554b790e36baaff8c59081bebc3df49d313b276ad9350579096aedfb170b3f",
  "netstring.lua": "ee922f0bd78320ab9080c5f79dd46e5d8c12db523f04b3413d961416d39188cd",
};

const EXPECTED = `${ROOT}conformance/expected/lua-resty-exec-3.0.3.txt`;

function _copyDir(): string {
  const home = Deno.env.get("HOME") ?? "/root";
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`;
  return Deno.env.get("NETSPAWN_LUA_RESTY_EXEC") ?? `${cache}/netspawn/lua-resty-exec-3.0.3`;
}

async function _sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Why the copy cannot be used: absent (a skip), or not the unmodified sources (a failure). */
async function _checkCopy(dir: string): Promise<{ absent?: string; modified?: string }> {
  for (const [file, digest] of Object.entries(FILES)) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(`${dir}/${file}`);
    } catch {
      return { absent: `no copy of lua-resty-exec 3.0.3 in ${dir} (set NETSPAWN_LUA_RESTY_EXEC)` };
    }
    const actual = await _sha256(bytes);
    if (actual !== digest) return { modified: `${dir}/${file} is not the published file (sha256 ${actual})` };
  }
  return {};
}

const dir = _copyDir();
const copy = await _checkCopy(dir);
const name = "lua-resty-exec 3.0.3 in nginx: its verdicts are conformance/expected/lua-resty-exec-3.0.3.txt";

if (copy.absent !== undefined) {
  // No copy can be fetched in CI (no internet): a visible skip there too.
  console.warn(`SKIP ${name}: ${copy.absent}`);
  Deno.test({ name: `${name} (skipped: ${copy.absent})`, ignore: true, fn() {} });
} else {
  _testNeeding(name, await _nginxMissing(), async () => {
    if (copy.modified !== undefined) throw new Error(copy.modified);
    const vectors = (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
    const listed = parseExpectFail(await Deno.readTextFile(EXPECTED)).map(globMatcher);
    const results = await runClientVectors({
      adapter: `sh ${ROOT}conformance/adapters/resty.sh --dropin resty.exec --lib ${dir}`,
      vectors,
      transport: "unix",
      jobs: 4,
      caseTimeoutMs: 10_000, // client.error.huge-length-open never returns: resty.sh ends it after 7 s
    });
    const isListed = (id: string) => listed.some((match) => match(id));
    // Every listed case fails, every time.
    const passedListed = results.filter((r) => isListed(r.id) && r.verdict === "PASS").map((r) => r.id);
    assertEquals(passedListed, [], "listed in the expected failures, but passed");
    // Any other failure must be one of the timing-dependent ones: a false TIMEOUT.
    const others = results.filter((r) => !isListed(r.id) && r.verdict !== "PASS");
    const unexplained = others.filter((r) => r.observed !== "error TIMEOUT").map((r) =>
      `${r.id}: ${r.verdict} ${r.reasons.join(" / ")}`
    );
    assertEquals(unexplained, [], "failures that the expected-failure list does not explain");
    if (others.length > 0) {
      console.warn(`lua-resty-exec's timing-dependent false timeouts this run: ${others.map((r) => r.id).join(", ")}`);
    }
    assertEquals(results.length, vectors.length);
  });
}
