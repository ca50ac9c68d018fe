// End-to-end tests against netspawn's own server, started in-process (Deno only).

import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type RunningServer, startServer } from "../../server/mod.ts";
import { Client } from "./client.ts";
import { AbortedError, ConnectError, OutputLimitError, SpawnError, TimeoutError } from "./errors.ts";
import { exec } from "./exec.ts";
import { spawn } from "./spawn.ts";
import { _stalled, _within } from "./_test_wait.ts";

interface _Fixture extends AsyncDisposable {
  readonly dir: string;
  readonly unix: string;
  readonly tcp: string;
  readonly server: RunningServer;
}

async function _serve(): Promise<_Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "netspawn-ts-e2e-"));
  const server = await startServer({
    listen: [{ transport: "unix", path: join(dir, "s.sock") }, { transport: "tcp", hostname: "127.0.0.1", port: 0 }],
    killGrace: 1,
  });
  const tcp = server.addresses.find((a) => a.transport === "tcp");
  assert.ok(tcp?.transport === "tcp");
  return {
    dir,
    unix: `unix:${join(dir, "s.sock")}`,
    tcp: `tcp://127.0.0.1:${tcp.port}`,
    server,
    [Symbol.asyncDispose]: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Wait until process `pid` is gone (reaped), failing after `ms`. */
async function _gone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`deadline: process ${pid} still exists after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Start `sh -c SCRIPT` remotely, where SCRIPT first prints its pid; returns the child and the pid. */
async function _startWithPid(
  address: string,
  script: string,
  options: Parameters<typeof spawn>[2] = {},
): Promise<{ child: ReturnType<typeof spawn>; pid: number; rest: ReadableStreamDefaultReader<Uint8Array> }> {
  const child = spawn(address, ["sh", "-c", `echo $$; ${script}`], options);
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await _within(reader.read(), 10_000, "the remote program's pid");
    if (done) throw new Error("no pid");
    text += new TextDecoder().decode(value);
  }
  const pid = Number(text.slice(0, text.indexOf("\n")));
  assert.ok(pid > 1 && existsSync(`/proc/${pid}`), `remote pid ${pid} is running`);
  return { child, pid, rest: reader };
}

test("e2e: exec over UNIX and TCP: output, exit codes, signals, binary stdin", async () => {
  await using fx = await _serve();
  for (const address of [fx.unix, fx.tcp]) {
    assert.deepEqual(await exec(address, ["echo", "hello"], { encoding: "utf-8" }), {
      stdout: "hello\n",
      stderr: "",
      exitCode: 0,
      signal: null,
    });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const echoed = await exec(address, ["cat"], { stdin: all });
    assert.deepEqual(echoed.stdout, all);
    const mixed = await exec(address, ["sh", "-c", "echo out; echo err >&2; exit 3"], { encoding: "utf-8" });
    assert.deepEqual(mixed, { stdout: "out\n", stderr: "err\n", exitCode: 3, signal: null });
    const killed = await exec(address, ["sh", "-c", "kill -TERM $$"]);
    assert.deepEqual([killed.exitCode, killed.signal], [null, "TERM"]);
    assert.deepEqual(
      (await exec(address, ["printf", "[%s]", "", "$(id)", "*"], { encoding: "utf-8" })).stdout,
      "[][$(id)][*]",
    );
  }
});

test("e2e: a Client with defaults", async () => {
  await using fx = await _serve();
  const client = new Client(fx.unix, { timeout: 10_000 });
  const { stdout } = await client.exec(["sh", "-c", "cat | tr a-z A-Z"], { stdin: "shout", encoding: "utf-8" });
  assert.equal(stdout, "SHOUT");
});

test("e2e: SPAWN_FAILED for a missing program (127) and a non-executable file (126)", async () => {
  await using fx = await _serve();
  await assert.rejects(exec(fx.unix, ["/nonexistent/cmd"]), (e: unknown) => {
    assert.ok(e instanceof SpawnError);
    assert.equal(e.exitCode, 127);
    assert.equal(e.message, "netspawn: cannot run /nonexistent/cmd: program not found");
    return true;
  });
  const file = join(fx.dir, "not-executable");
  await writeFile(file, "#!/bin/sh\n");
  await chmod(file, 0o644);
  await assert.rejects(exec(fx.unix, [file]), (e: unknown) => {
    assert.ok(e instanceof SpawnError);
    assert.equal(e.exitCode, 126);
    assert.match(e.message, /^netspawn: cannot run .*not-executable: /);
    return true;
  });
});

test("e2e: CONNECT_FAILED when nothing listens", async () => {
  await using fx = await _serve();
  await assert.rejects(exec(`unix:${join(fx.dir, "nobody.sock")}`, ["true"]), ConnectError);
});

test("e2e: 100 MB each way through cat, streamed with bounded memory", async () => {
  await using fx = await _serve();
  const total = 100 * 1024 * 1024;
  const piece = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 256);
  const child = spawn(fx.unix, ["cat"]);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    for (let sent = 0; sent < total; sent += piece.length) await writer.write(piece);
    await writer.close();
  })();
  let received = 0;
  let intact = true;
  for await (const chunk of child.stdout) {
    for (let i = 0; i < chunk.length; i += 4093) intact &&= chunk[i] === piece[(received + i) % piece.length];
    received += chunk.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  await writing;
  assert.deepEqual(await child.status, { exitCode: 0, signal: null });
  assert.equal(received, total);
  assert.ok(intact, "the bytes came back in order");
  // Client and server share this process; holding the data anywhere would add at least 100 MB.
  assert.ok(peak - baseline < 80 * 1024 * 1024, `RSS grew by ${((peak - baseline) / 1048576).toFixed(1)} MiB`);
});

test("e2e: a reader that stops reading stalls the remote program", async () => {
  await using fx = await _serve();
  // With stdin ended the server holds only a small window of output (while stdin is open it may hold more, so that a
  // client that writes all of stdin before reading cannot deadlock: LIMITS.outputBuffer).
  const { child, pid } = await _startWithPid(fx.unix, "exec head -c 200000000 /dev/zero", { stdin: "null" });
  const written = () => Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf-8"))?.[1] ?? -1);
  const stalledAt = await _stalled(written, 300, 20_000);
  assert.ok(stalledAt > 0 && stalledAt < 16 * 1024 * 1024, `the program wrote ${stalledAt} bytes with nobody reading`);
  child.abort("stop");
  await assert.rejects(child.status, AbortedError);
  await _gone(pid, 10_000);
});

// A netspawn server notices a gone client when a write to it fails (server/README.md, "Disconnect"),
// so these programs print a tick every 100 ms; see the silent-program case below.
const TICKING = "while :; do echo tick; sleep 0.1; done";

test("e2e: abort() closes the connection and the server kills the remote program", async () => {
  await using fx = await _serve();
  for (const address of [fx.unix, fx.tcp]) {
    const { child, pid } = await _startWithPid(address, TICKING);
    child.abort("cancelled by test");
    await assert.rejects(child.status, AbortedError);
    await _gone(pid, 10_000);
  }
});

test("e2e: an AbortSignal on exec kills the remote program", async () => {
  await using fx = await _serve();
  const controller = new AbortController();
  const pidFile = join(fx.dir, "pid");
  const script = `echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile} && ${TICKING}`;
  const call = exec(fx.tcp, ["sh", "-c", script], { signal: controller.signal });
  call.catch(() => {});
  const deadline = Date.now() + 10_000;
  while (!existsSync(pidFile)) {
    assert.ok(Date.now() < deadline, "the remote program wrote its pid file");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const pid = Number(readFileSync(pidFile, "utf-8").trim());
  controller.abort();
  await assert.rejects(call, AbortedError);
  await _gone(pid, 10_000);
});

test("e2e: TIMEOUT kills the remote program", async () => {
  await using fx = await _serve();
  const { child, pid } = await _startWithPid(fx.unix, TICKING, { timeout: 1000 });
  await assert.rejects(child.status, TimeoutError);
  await _gone(pid, 10_000);
});

for (const transport of ["tcp", "unix"] as const) {
  test(`e2e: cancelling a program that writes nothing kills it (${transport})`, async () => {
    await using fx = await _serve();
    const { child, pid } = await _startWithPid(fx[transport], "exec sleep 60");
    child.abort("cancelled by test");
    await assert.rejects(child.status, AbortedError);
    await _gone(pid, 5_000);
  });
}

test("e2e: OUTPUT_LIMIT kills the remote program", async () => {
  await using fx = await _serve();
  const { child, pid, rest } = await _startWithPid(fx.unix, "exec yes", { maxOutput: 1024 * 1024 });
  const draining = (async () => {
    while (!(await rest.read()).done);
  })();
  await assert.rejects(child.status, OutputLimitError);
  await assert.rejects(draining, OutputLimitError);
  await _gone(pid, 10_000);
});

test("e2e: netspawn exec CLI streams, passes the exit code, and maps signals to 128+N", async () => {
  await using fx = await _serve();
  const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
  const run = (args: string[], input: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const proc = spawnProcess(Deno.execPath(), ["run", "-A", cli, ...args], { stdio: "pipe" });
      let stdout = "";
      let stderr = "";
      proc.stdout.on("data", (d: Uint8Array) => stdout += new TextDecoder().decode(d));
      proc.stderr.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
      proc.on("error", reject);
      proc.on("close", (code) => resolve({ code, stdout, stderr }));
      proc.stdin.end(input);
    });
  const ok = await _within(
    run(["exec", fx.unix, "--", "sh", "-c", "tr a-z A-Z; echo done >&2; exit 3"], "abc"),
    30_000,
    "cli",
  );
  assert.deepEqual(ok, { code: 3, stdout: "ABC", stderr: "done\n" });
  const killed = await _within(run(["exec", fx.tcp, "--", "sh", "-c", "kill -KILL $$"], ""), 30_000, "cli");
  assert.deepEqual(killed, { code: 137, stdout: "", stderr: "" });
  const missing = await _within(run(["exec", fx.unix, "--", "/nonexistent/cmd"], ""), 30_000, "cli");
  assert.deepEqual(missing, {
    code: 127,
    stdout: "",
    stderr: "netspawn: cannot run /nonexistent/cmd: program not found\n",
  });
});
