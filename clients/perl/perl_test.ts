// The Perl client's own suite, run from `deno task test`: prove (codec vectors, call semantics
// against fake servers, end to end against netspawn's server started here), and its POD.

import { assert, assertEquals } from "@std/assert";
import { CLIENT_ERROR_CODES } from "../ts/errors.ts";
import { _run, _skipped, _startTestServer, _works } from "../_test_netspawn_server.ts";

const DIR = new URL(".", import.meta.url).pathname;

const perl = await _works("perl", ["-v"]);
const prove = perl && await _works("prove", ["--version"]);

if (!prove) {
  _skipped("perl: prove", perl ? "prove not installed: apt-get install perl" : "perl not installed");
} else {
  Deno.test("perl: prove (codec vectors, fake servers, end to end over UNIX and TCP)", async () => {
    await using server = await _startTestServer();
    const ran = await _run("prove", ["-l", "t/"], {
      cwd: DIR,
      env: { NETSPAWN_TEST_UNIX: server.unix, NETSPAWN_TEST_TCP: server.tcp },
      ms: 120_000,
    });
    console.log(`prove: ${ran.output.trim().split("\n").slice(-2).join(" | ")}`);
    assertEquals(ran.code, 0, ran.output);
    assert(!/skipped/i.test(ran.output), `nothing may be skipped:\n${ran.output}`);
  });

  Deno.test("perl: the error codes are the TypeScript client's (and INVALID_ARGUMENT)", async () => {
    const ran = await _run("perl", [
      "-Ilib",
      "-MNetspawn::Client",
      "-e",
      'print join ",", sort keys %Netspawn::Client::Error::CODES',
    ], {
      cwd: DIR,
      ms: 30_000,
    });
    assertEquals(ran.code, 0, ran.output);
    assertEquals(ran.output.split(","), [...Object.keys(CLIENT_ERROR_CODES), "INVALID_ARGUMENT"].sort());
  });

  Deno.test("perl: every module compiles with warnings on, and its POD is well formed", async () => {
    const modules = [
      "Client",
      "Client/Error",
      "Client/Address",
      "Client/NetstringReader",
      "Client/ResponseParser",
      "Client/RequestWriter",
    ]
      .map((m) => `lib/Netspawn/${m}.pm`);
    for (const module of modules) {
      const compiled = await _run("perl", ["-Ilib", "-wc", module], { cwd: DIR, ms: 30_000 });
      assertEquals([compiled.code, compiled.output.trim()], [0, `${module} syntax OK`], module);
    }
    const pod = await _run("podchecker", modules, { cwd: DIR, ms: 30_000 });
    assertEquals(pod.code, 0, pod.output);
    assert(!/WARNING|ERROR/.test(pod.output), pod.output);
  });
}
