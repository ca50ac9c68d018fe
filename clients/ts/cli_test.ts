import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cliHelp, parseCliArgs } from "./cli_args.ts";
import { _startFakeServer } from "./_test_server.ts";
import { _within } from "./_test_wait.ts";
import { _VERSION } from "./_version.ts";

// The CLI as a user runs it: `deno run cli.ts` from the sources, `node cli.js` in the built npm package.
const _COMPILED = import.meta.url.endsWith(".js");
const _CLI = fileURLToPath(new URL(_COMPILED ? "./cli.js" : "./cli.ts", import.meta.url));
const _COMMAND = _COMPILED ? [_CLI] : ["run", "--allow-net", "--allow-read", "--allow-write", _CLI];
// What users type to run it, as its help and usage errors must say.
const _NAME = _COMPILED ? "netspawn exec" : "deno task exec";

interface _Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI process, fed and read by the test. */
function _start(args: readonly string[]) {
  const proc = spawnProcess(process.execPath, [..._COMMAND, ...args], { stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  let onStdout: () => void = () => {};
  proc.stdout.on("data", (d: Uint8Array) => {
    stdout += new TextDecoder().decode(d);
    onStdout();
  });
  proc.stderr.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
  const done = new Promise<_Run>((resolve, reject) => {
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const stdoutHas = (text: string) =>
    new Promise<void>((resolve) => {
      onStdout = () => stdout.includes(text) && resolve();
      onStdout();
    });
  return { proc, done: _within(done, 30_000, "the CLI exiting"), stdoutHas };
}

function _run(args: readonly string[], input = ""): Promise<_Run> {
  const run = _start(args);
  run.proc.stdin.end(input);
  return run.done;
}

test("parseCliArgs: options, ADDRESS, optional --, and PROGRAM arguments kept verbatim", () => {
  assert.deepEqual(parseCliArgs(["exec", "unix:/s", "--", "ls", "-l", "--", "-n"]), {
    kind: "exec",
    address: "unix:/s",
    argv: ["ls", "-l", "--", "-n"],
    noStdin: false,
    timeout: undefined,
  });
  assert.deepEqual(parseCliArgs(["exec", "-n", "--timeout=1.5", "/s", "true"]), {
    kind: "exec",
    address: "/s",
    argv: ["true"],
    noStdin: true,
    timeout: 1500,
  });
  assert.deepEqual(parseCliArgs(["exec", "-t", "2", "--", "/s", "true"]).kind, "exec");
  // Options may also come after ADDRESS: anywhere before PROGRAM or --.
  assert.deepEqual(parseCliArgs(["exec", "/s", "-n", "--", "true"]), {
    kind: "exec",
    address: "/s",
    argv: ["true"],
    noStdin: true,
    timeout: undefined,
  });
  assert.deepEqual(parseCliArgs(["exec", "/s", "-t", "1", "-n", "sh", "-n", "-t"]), {
    kind: "exec",
    address: "/s",
    argv: ["sh", "-n", "-t"],
    noStdin: true,
    timeout: 1000,
  });
  assert.deepEqual(
    parseCliArgs(["exec", "/s", "--", "-n"]).kind === "exec" && parseCliArgs(["exec", "/s", "--", "-n"]),
    {
      kind: "exec",
      address: "/s",
      argv: ["-n"],
      noStdin: false,
      timeout: undefined,
    },
  );
  assert.deepEqual(parseCliArgs(["exec", "/s", "--help", "true"]), { kind: "help" });
  assert.deepEqual(parseCliArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parseCliArgs(["exec", "-h"]), { kind: "help" });
  assert.deepEqual(parseCliArgs(["-V"]), { kind: "version" });
});

test("parseCliArgs: usage errors name the problem", () => {
  const cases: [string[], RegExp][] = [
    [[], /missing command/],
    [["run"], /unknown command "run"/],
    [["exec"], /missing ADDRESS/],
    [["exec", "/s"], /missing PROGRAM/],
    [["exec", "/s", "--"], /missing PROGRAM/],
    [["exec", "-x", "/s", "true"], /: unknown option "-x"$/],
    [["exec", "/s", "-x", "true"], /: unknown option "-x" \(put -- before PROGRAM\)$/],
    [["exec", "-t"], /--timeout needs a positive number of seconds, got nothing/],
    [["exec", "-t", "0", "/s", "true"], /got "0"/],
    [["exec", "--timeout=abc", "/s", "true"], /got "abc"/],
    [["exec", "-t", "9999999", "/s", "true"], /at most 2147483 seconds/],
  ];
  for (const [args, why] of cases) assert.throws(() => parseCliArgs(args), why, args.join(" "));
});

test("netspawn exec streams stdin and output, and exits with the remote exit code", async () => {
  await using server = await _startFakeServer(async (conn) => {
    assert.deepEqual(await conn.argv(), ["sh", "-c", "tr a-z A-Z; exit 3", "ü"]);
    await conn.output("stdout", "ready\n");
    const { bytes } = await conn.stdin();
    await conn.output("stderr", "log\n");
    await conn.reply([["stdout", new TextDecoder().decode(bytes).toUpperCase()]], { exitCode: 3, signal: null });
  });
  const run = _start(["exec", server.address, "--", "sh", "-c", "tr a-z A-Z; exit 3", "ü"]);
  await _within(run.stdoutHas("ready\n"), 30_000, "output before stdin ends"); // streamed as it arrives
  run.proc.stdin.write("hello ");
  run.proc.stdin.end("world");
  assert.deepEqual(await run.done, { code: 3, stdout: "ready\nHELLO WORLD", stderr: "log\n" });
});

test("netspawn exec -n sends no stdin; a signal exits 128+N", async () => {
  await using server = await _startFakeServer(async (conn) => {
    const request = await conn.request();
    assert.deepEqual([request.stdin.length, request.end], [0, "marker"]);
    await conn.reply([], { exitCode: null, signal: "TERM" });
  });
  assert.deepEqual(await _run(["exec", "-n", server.address, "sleep", "9"], "ignored"), {
    code: 143,
    stdout: "",
    stderr: "",
  });
});

test("netspawn exec: a server that cannot start the program exits 127 with its one line", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.reply([["stderr", "netspawn: cannot run nope: program not found\n"]], { exitCode: 127, signal: null });
  });
  assert.deepEqual(await _run(["exec", server.address, "nope"]), {
    code: 127,
    stdout: "",
    stderr: "netspawn: cannot run nope: program not found\n",
  });
});

test("netspawn exec: failed calls exit 255 with one clear line", async () => {
  assert.deepEqual(await _run(["exec", "unix:/nonexistent/x.sock", "true"]), {
    code: 255,
    stdout: "",
    stderr: "netspawn: cannot connect to unix:/nonexistent/x.sock: no such socket (ENOENT)\n",
  });
  await using silent = await _startFakeServer(async (conn) => {
    await conn.argv();
    conn.end();
  });
  assert.deepEqual(await _run(["exec", silent.address, "/nonexistent/prog"]), {
    code: 255,
    stdout: "",
    stderr:
      "netspawn: the server closed the connection before sending a status (it sent nothing); the server's log has the reason\n",
  });
  await using hanging = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.closed;
  });
  assert.deepEqual(await _run(["exec", "-t", "0.2", hanging.address, "sleep", "60"]), {
    code: 255,
    stdout: "",
    stderr: "netspawn: timed out after 200 ms\n",
  });
  await using garbled = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.write("8:exitcode,2:x1,");
    conn.end();
  });
  const bad = await _run(["exec", garbled.address, "true"]);
  assert.equal(bad.code, 255);
  assert.match(bad.stderr, /^netspawn: the server's reply broke the protocol: BAD_EXITCODE at byte 11: .*\n$/);
});

test("netspawn exec: output closed early (| head -1) exits 141 quietly, and the remote program is stopped", async () => {
  let stopped: () => void = () => {};
  const connectionClosed = new Promise<void>((resolve) => stopped = resolve);
  await using server = await _startFakeServer(async (conn) => {
    assert.deepEqual(await conn.argv(), ["yes"]);
    const lines = new TextEncoder().encode("y\n".repeat(8192));
    try {
      while (!conn.socket.destroyed) await conn.output("stdout", lines); // until the client goes away
    } catch {
      // the write failed: the client closed the connection
    }
    await conn.closed;
    stopped();
  });
  // A real pipeline, as a user types it; bash reports the CLI's own exit status.
  const script = '"$@" | head -1; echo "status ${PIPESTATUS[0]}" >&2';
  const pipeline = spawnProcess("bash", [
    "-c",
    script,
    "bash",
    process.execPath,
    ..._COMMAND,
    "exec",
    "-n",
    server.address,
    "--",
    "yes",
  ], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  pipeline.stdout.on("data", (d: Uint8Array) => stdout += new TextDecoder().decode(d));
  pipeline.stderr.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
  const code = await _within(new Promise((resolve) => pipeline.on("close", resolve)), 30_000, "the pipeline ending");
  assert.deepEqual({ code, stdout, stderr }, { code: 0, stdout: "y\n", stderr: "status 141\n" });
  await _within(connectionClosed, 30_000, "the CLI closing the connection");
});

test("netspawn exec: every TCP form the server prints works; HOST:PORT without tcp:// gets a hint", async () => {
  const script = async (conn: Parameters<Parameters<typeof _startFakeServer>[0]>[0]) => {
    await conn.request();
    await conn.reply([["stdout", "ok\n"]], { exitCode: 0, signal: null });
  };
  await using v4 = await _startFakeServer(script, { transport: "tcp" });
  await using v6 = await _startFakeServer(script, { transport: "tcp6" });
  const port4 = v4.address.slice(v4.address.lastIndexOf(":") + 1);
  for (const address of [v4.address, v6.address, v6.address.slice("tcp://".length)]) {
    assert.deepEqual(
      await _run(["exec", address, "-n", "--", "true"]),
      { code: 0, stdout: "ok\n", stderr: "" },
      address,
    );
  }
  assert.deepEqual(await _run(["exec", `127.0.0.1:${port4}`, "--", "true"]), {
    code: 255,
    stdout: "",
    stderr:
      `netspawn: cannot connect to unix:127.0.0.1:${port4}: no such socket (ENOENT); for TCP, write tcp://127.0.0.1:${port4}\n`,
  });
});

test("cli: importing the module runs nothing (no exit), and it knows how users run it", async () => {
  const cli = await import(_COMPILED ? "./cli.js" : "./cli.ts");
  assert.equal(cli.cliCommandName(import.meta.url.replace(/_test\.(ts|js)$/, ".$1")), _NAME);
});

test("netspawn: usage errors exit 2; --help and --version exit 0", async () => {
  assert.deepEqual(await _run(["exec", "tcp://host:0", "true"]), {
    code: 2,
    stdout: "",
    stderr: 'netspawn: bad address "tcp://host:0": the port must be a number from 1 to 65535, got "0"\n',
  });
  assert.deepEqual(await _run(["exec"]), {
    code: 2,
    stdout: "",
    stderr: `netspawn: missing ADDRESS\nTry "${_NAME} --help".\n`,
  });
  assert.deepEqual(await _run(["exec", "/s", "-x", "true"]), {
    code: 2,
    stdout: "",
    stderr: `netspawn: unknown option "-x" (put -- before PROGRAM)\nTry "${_NAME} --help".\n`,
  });
  const help = await _run(["exec", "--help"]);
  assert.deepEqual(help, { code: 0, stdout: cliHelp(_NAME), stderr: "" });
  assert.ok(help.stdout.startsWith(`Usage: ${_NAME} [OPTIONS] ADDRESS [--] PROGRAM [ARG...]\n`));
  assert.deepEqual(await _run(["--version"]), { code: 0, stdout: `netspawn ${_VERSION}\n`, stderr: "" });
});
