// The Lua client inside a real nginx (Debian nginx + libnginx-mod-http-lua, on
// cosockets), against netspawn's server in this process: HTTP requests that run
// programs through lua-resty-exec's interface (small and 8 MiB outputs, 1 MiB
// and 8 MiB of stdin echoed by cat, streaming callbacks, a missing program, a
// signal, timeouts), 100 requests of 1 MiB each 4 at a time, all compared
// byte for byte; and every client vector through conformance/adapters/resty.sh.
import { assertEquals } from "@std/assert";
import { type ClientVector, loadVectors, runClientVectors } from "../../conformance/mod.ts";
import { _nginxMissing, _startNginx } from "./_nginx.ts";
import { _startTestServer, _testNeeding, ROOT } from "./_test_util.ts";

const missing = await _nginxMissing();

/** `n` bytes of what `yes 0123456789abcdef | head -c n` prints. */
function _expectedBig(n: number): Uint8Array<ArrayBuffer> {
  const line = new TextEncoder().encode("0123456789abcdef\n");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += line.length) out.set(line.subarray(0, Math.min(line.length, n - i)), i);
  return out;
}

async function _sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function _get(url: string, init?: RequestInit): Promise<{ status: number; body: Uint8Array<ArrayBuffer> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

const _text = (b: Uint8Array) => new TextDecoder().decode(b);

_testNeeding("lua client in nginx: programs run through netspawn from HTTP requests", missing, async () => {
  const netspawn = await _startTestServer();
  const nginx = await _startNginx(netspawn.addresses[0], 'require("nginx_app").handle()');
  try {
    const u = nginx.url;
    let r = await _get(`${u}/transport`);
    assertEquals(_text(r.body), "cosocket", "the client must use cosockets inside nginx");

    r = await _get(`${u}/small`);
    assertEquals([r.status, _text(r.body)], [200, "hello from netspawn\n"]);

    const big = _expectedBig(8 * 1024 * 1024);
    r = await _get(`${u}/big?bytes=${big.length}`);
    assertEquals(r.status, 200, _text(r.body.subarray(0, 200)));
    assertEquals(r.body.length, big.length);
    assertEquals(await _sha256(r.body), await _sha256(big), "8 MiB output");

    for (const size of [1024 * 1024, 8 * 1024 * 1024]) {
      const stdin = new Uint8Array(size);
      for (let i = 0; i < size; i++) stdin[i] = (i * 7 + (i >> 12)) & 0xff;
      r = await _get(`${u}/cat`, { method: "POST", body: stdin });
      assertEquals(r.status, 200, _text(r.body.subarray(0, 200)));
      assertEquals(r.body.length, size);
      assertEquals(await _sha256(r.body), await _sha256(stdin), `${size} bytes echoed by cat`);
    }

    const streamed = await fetch(`${u}/stream`);
    const reader = streamed.body!.getReader();
    const first = await reader.read();
    assertEquals(_text(first.value ?? new Uint8Array()), "one\n", "the first line arrives before the program ends");
    let rest = "";
    for (let c = await reader.read(); !c.done; c = await reader.read()) rest += _text(c.value);
    assertEquals(rest, "two\nexitcode=0 stdout=0\n");

    r = await _get(`${u}/missing`);
    assertEquals(
      _text(r.body),
      "exitcode=127 termsig=nil stdout=0 stderr=netspawn: cannot run /nonexistent/cmd: program not found\n\n",
    );
    r = await _get(`${u}/native/missing`);
    assertEquals(_text(r.body), "SPAWN_FAILED netspawn: cannot run /nonexistent/cmd: program not found\n");
    r = await _get(`${u}/signal`);
    assertEquals(_text(r.body), "exitcode=nil termsig=TERM stdout=0 stderr=\n");
    r = await _get(`${u}/timeout`);
    assertEquals(_text(r.body), "timeout\n");
    r = await _get(`${u}/native/timeout`);
    assertEquals(_text(r.body), "TIMEOUT timed out after 300 ms\n");
    // cosockets log a read timeout at error level (lua_socket_log_errors): the two timeouts above
    const errors = (await nginx.errorLog()).match(/\[(error|crit|alert|emerg)\].*/g) ?? [];
    assertEquals(errors.filter((e) => !/lua tcp socket read timed out.*GET \/(native\/)?timeout /.test(e)), []);
  } finally {
    await nginx.stop();
    await netspawn.close();
  }
});

_testNeeding(
  "lua client in nginx: 100 requests with 1 MiB of output each, 4 at a time, all correct",
  missing,
  async () => {
    const netspawn = await _startTestServer();
    const nginx = await _startNginx(netspawn.addresses[0], 'require("nginx_app").handle()');
    try {
      const size = 1024 * 1024;
      const expected = await _sha256(_expectedBig(size));
      const outcomes: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < 100) {
          const i = next++;
          const r = await _get(`${nginx.url}/big?bytes=${size}`);
          const digest = r.status === 200 && r.body.length === size ? await _sha256(r.body) : "";
          outcomes[i] = digest === expected ? "ok" : `#${i}: status ${r.status}, ${r.body.length} bytes`;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      assertEquals(outcomes.filter((o) => o !== "ok"), []);
      assertEquals(outcomes.length, 100);
    } finally {
      await nginx.stop();
      await netspawn.close();
    }
  },
);

_testNeeding("lua client in nginx: every client vector through conformance/adapters/resty.sh", missing, async () => {
  const vectors = (await loadVectors()).map((l) => l.vector).filter((v): v is ClientVector => v.kind === "client");
  const runs = [
    { adapter: `sh ${ROOT}conformance/adapters/resty.sh`, transport: "unix" as const },
    { adapter: `sh ${ROOT}conformance/adapters/resty.sh`, transport: "tcp" as const },
    { adapter: `sh ${ROOT}conformance/adapters/resty.sh --dropin netspawn`, transport: "unix" as const },
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
