// The Python client's own suite, run from `deno task test`: mypy --strict, and pytest (codec vectors,
// call semantics against fake servers, end to end against netspawn's server started here).

import { assert, assertEquals } from "@std/assert";
import { CLIENT_ERROR_CODES } from "../ts/errors.ts";
import { _run, _skipped, _startTestServer, _works } from "../_test_netspawn_server.ts";

const DIR = new URL(".", import.meta.url).pathname;
const QUIET = { PYTHONDONTWRITEBYTECODE: "1" };

const python = await _works("python3", ["--version"]);
const pytest = python && await _works("python3", ["-m", "pytest", "--version"]);
const mypy = python && await _works("python3", ["-m", "mypy", "--version"]);

if (!pytest) {
  _skipped("python: pytest", python ? "pytest not installed: pip install pytest" : "python3 not installed");
} else {
  Deno.test("python: pytest (codec vectors, fake servers, end to end over UNIX and TCP)", async () => {
    await using server = await _startTestServer();
    // -X dev: asyncio's debug checks, and every ResourceWarning shown (pyproject.toml makes them errors).
    const ran = await _run("python3", ["-X", "dev", "-m", "pytest", "-q", "-rs"], {
      cwd: DIR,
      env: { ...QUIET, NETSPAWN_TEST_UNIX: server.unix, NETSPAWN_TEST_TCP: server.tcp },
      ms: 120_000,
    });
    const summary = ran.output.trim().split("\n").at(-1) ?? "";
    console.log(`pytest: ${summary}`);
    assertEquals(ran.code, 0, ran.output);
    assert(/^\d+ passed in /.test(summary), `nothing may be skipped or fail: ${summary}\n${ran.output}`);
  });

  Deno.test("python: the error codes are the TypeScript client's", async () => {
    const ran = await _run("python3", [
      "-c",
      "import json, netspawn; print(json.dumps(sorted(netspawn.CLIENT_ERROR_CODES)))",
    ], {
      cwd: DIR,
      env: { ...QUIET, PYTHONPATH: `${DIR}src` },
      ms: 30_000,
    });
    assertEquals(ran.code, 0, ran.output);
    assertEquals(JSON.parse(ran.output), Object.keys(CLIENT_ERROR_CODES).sort());
  });
}

if (!mypy) {
  _skipped("python: mypy --strict", python ? "mypy not installed: pip install mypy" : "python3 not installed");
} else {
  Deno.test("python: mypy --strict on the package, its tests and the conformance adapter", async () => {
    const ran = await _run("python3", ["-m", "mypy", "--strict", "--cache-dir=/dev/null"], { cwd: DIR, ms: 120_000 });
    assertEquals(ran.code, 0, ran.output);
    assert(ran.output.startsWith("Success: no issues found"), ran.output);
  });
}
