import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../protocol/mod.ts";
import { AbortedError, SpawnError, StdinClosedError, TimeoutError } from "./errors.ts";
import { spawn } from "./spawn.ts";
import { _startFakeServer } from "./_test_server.ts";
import { _stalled, _within } from "./_test_wait.ts";

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const OK = { exitCode: 0, signal: null } as const;

/** Read from `reader` until the text read so far ends with `wanted`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, wanted: string): Promise<string> {
  let text = "";
  while (!text.endsWith(wanted)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before "${wanted}" (got "${text}")`);
    text += decode(value);
  }
  return text;
}

test("stdin and stdout stream both ways while the program runs", async () => {
  await using server = await _startFakeServer(async (conn) => {
    assert.deepEqual(await conn.argv(), ["chat"]);
    await conn.output("stdout", "ready\n");
    const ping = await conn.event();
    assert.deepEqual(ping, { type: "stdin", data: encode("ping\n") });
    await conn.output("stdout", "pong\n");
    await conn.output("stderr", "log\n");
    const { bytes, end } = await conn.stdin();
    assert.deepEqual([decode(bytes), end], ["bye\n", "marker"]);
    await conn.reply([], { exitCode: 7, signal: null });
  });
  const child = spawn(server.address, ["chat"]);
  const out = child.stdout.getReader();
  const writer = child.stdin.getWriter();
  assert.equal(await _within(readUntil(out, "ready\n"), 5000, "ready"), "ready\n");
  await writer.write(encode("ping\n"));
  assert.equal(await _within(readUntil(out, "pong\n"), 5000, "pong"), "pong\n");
  await writer.write(encode("bye\n"));
  await writer.close();
  assert.equal(await new Response(child.stderr).text(), "log\n");
  assert.deepEqual(await out.read(), { done: true, value: undefined });
  assert.deepEqual(await child.status, { exitCode: 7, signal: null });
});

test("the status resolves at the end of the reply, after late output", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.write("7:termsig,4:KILL,");
    await conn.write("6:stdout,4:late,"); // as sockexec does; a netspawn server sends the status last
    conn.end();
  });
  const child = spawn(server.address, ["x"], { stdin: "null" });
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.status,
  ]);
  assert.deepEqual([stdout, stderr, status], ["late", "", { exitCode: null, signal: "KILL" }]);
});

test('stdin "null" ends stdin at once and leaves child.stdin closed', async () => {
  await using server = await _startFakeServer(async (conn) => {
    const request = await conn.request();
    assert.deepEqual([request.stdin.length, request.end], [0, "marker"]);
    await conn.reply([], OK);
  });
  const child = spawn(server.address, ["true"], { stdin: "null" });
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.deepEqual(await child.status, OK);
  // (Node.js 20 rejects a write to a closed WritableStream with an internal assertion error: any rejection will do.)
  await assert.rejects(async () => await child.stdin.getWriter().write(encode("late")));
});

test("a cancelled output stream discards its output; the call goes on", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    for (let i = 0; i < 64; i++) await conn.output("stderr", new Uint8Array(64 * 1024));
    await conn.reply([["stdout", "kept"]], OK);
  });
  const child = spawn(server.address, ["noisy"], { stdin: "null" });
  await child.stderr.cancel();
  assert.equal(await new Response(child.stdout).text(), "kept");
  assert.deepEqual(await child.status, OK);
});

test("backpressure server → client: a reader that does not read stalls the server", async () => {
  const total = 32 * 1024 * 1024;
  let written = 0;
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    const piece = new Uint8Array(64 * 1024).map((_, i) => i % 253);
    while (written < total) {
      await conn.output("stdout", piece);
      written += piece.length;
    }
    await conn.reply([], OK);
  });
  const child = spawn(server.address, ["yes"], { stdin: "null" });
  const stalledAt = await _stalled(() => written, 300, 20_000);
  assert.ok(stalledAt < 8 * 1024 * 1024, `the server got ${stalledAt} bytes out with nobody reading`);
  let received = 0;
  let intact = true;
  for await (const chunk of child.stdout) {
    for (let i = 0; i < chunk.length; i += 997) intact &&= chunk[i] === ((received + i) % (64 * 1024)) % 253;
    received += chunk.length;
  }
  assert.equal(received, total);
  assert.ok(intact, "bytes arrive in order");
  assert.deepEqual(await child.status, OK);
});

test("backpressure client → server: a program that does not read stalls stdin writes", async () => {
  const total = 32 * 1024 * 1024;
  let resumeServer: () => void = () => {};
  const serverMayRead = new Promise<void>((resolve) => resumeServer = resolve);
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    conn.socket.pause();
    await serverMayRead;
    conn.socket.resume();
    const { length, end } = await conn.stdin(false);
    await conn.reply([["stdout", `${length} ${end}`]], OK);
  });
  const child = spawn(server.address, ["wc", "-c"]);
  let accepted = 0;
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    const piece = new Uint8Array(256 * 1024);
    while (accepted < total) {
      await writer.write(piece);
      accepted += piece.length;
    }
    await writer.close();
  })();
  const stalledAt = await _stalled(() => accepted, 300, 20_000);
  assert.ok(stalledAt < 8 * 1024 * 1024, `the client accepted ${stalledAt} bytes with nobody reading`);
  resumeServer();
  await writing;
  assert.equal(await new Response(child.stdout).text(), `${total} marker`);
  await child.stderr.cancel();
  assert.deepEqual(await child.status, OK);
});

test("a reset after the reply does not cost output a slow reader has not taken yet", async () => {
  // sockexec closes with unread stdin queued: over UNIX the client's last read fails with ECONNRESET.
  const reply = new Uint8Array(160 * 1024).map((_, i) => i % 241);
  let argvIn: () => void = () => {};
  const gotArgv = new Promise<void>((resolve) => argvIn = resolve);
  let replied: () => void = () => {};
  const replySent = new Promise<void>((resolve) => replied = resolve);
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    conn.socket.pause(); // stdin stays unread
    argvIn();
    for (let at = 0; at < reply.length; at += 16 * 1024) {
      await conn.output("stdout", reply.subarray(at, at + 16 * 1024));
    }
    await conn.status(OK);
    conn.socket.destroy();
    replied();
  });
  const child = spawn(server.address, ["head", "-c0"]);
  await _within(gotArgv, 5000, "argv at the server");
  const writer = child.stdin.getWriter();
  writer.write(new Uint8Array(32 * 1024)).catch(() => {});
  await _within(replySent, 5000, "the reply sent and the connection closed");
  const received = new Uint8Array(reply.length);
  let length = 0;
  const reader = child.stdout.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    received.set(next.value, length);
    length += next.value.length;
    await new Promise((resolve) => setTimeout(resolve, 1)); // a slow reader: the socket pauses and resumes
  }
  assert.equal(length, reply.length);
  assert.deepEqual(received, reply);
  assert.deepEqual(await child.status, OK);
});

test("abort() closes the connection; streams and status fail with ABORTED", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.output("stdout", "started\n");
    await conn.closed;
  });
  const child = spawn(server.address, ["sleep", "60"]);
  const out = child.stdout.getReader();
  await _within(readUntil(out, "started\n"), 5000, "output");
  child.abort("enough");
  await assert.rejects(child.status, (e: unknown) => e instanceof AbortedError && e.cause === "enough");
  await assert.rejects(out.read(), AbortedError);
  await assert.rejects(child.stdin.getWriter().write(encode("x")), AbortedError);
  await _within(server.done, 5000, "the server seeing the connection closed");
  child.abort("again"); // no effect once ended
});

test("aborting the stdin stream cancels the call", async () => {
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => started = resolve);
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    started();
    await conn.closed;
  });
  const child = spawn(server.address, ["cat"]);
  await _within(running, 5000, "the server receiving argv");
  await child.stdin.abort(new Error("source broke"));
  await assert.rejects(
    child.status,
    (e: unknown) => e instanceof AbortedError && (e.cause as Error).message === "source broke",
  );
  await _within(server.done, 5000, "the server seeing the connection closed");
});

test("a timeout fails the streams too", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.closed;
  });
  const child = spawn(server.address, ["sleep", "60"], { timeout: 50 });
  await assert.rejects(new Response(child.stdout).text(), TimeoutError);
  await assert.rejects(child.status, TimeoutError);
  await _within(server.done, 5000, "the server seeing the connection closed");
});

test("writes after the reply is complete reject with STDIN_CLOSED", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.reply([], OK);
  });
  const child = spawn(server.address, ["true"]);
  assert.deepEqual(await child.status, OK);
  await assert.rejects(child.stdin.getWriter().write(encode("x")), StdinClosedError);
});

test("status rejects with SPAWN_FAILED; stderr still carries the server's line", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.reply([["stderr", "netspawn: cannot run nope: program not found\n"]], { exitCode: 127, signal: null });
  });
  const child = spawn(server.address, ["nope"], { stdin: "null" });
  assert.equal(await new Response(child.stderr).text(), "netspawn: cannot run nope: program not found\n");
  await assert.rejects(child.status, (e: unknown) => e instanceof SpawnError && e.exitCode === 127);
});

test("spawn throws UsageError at once for a bad argv, address or option", () => {
  for (
    const call of [
      () => spawn("unix:/x", []),
      () => spawn("unix:/x", ["\0"]),
      () => spawn("tcp://x", ["true"]),
      () => spawn("unix:/x", ["true"], { stdin: "inherit" as "piped" }),
      () => spawn("unix:/x", ["true"], { timeout: Number.NaN }),
    ]
  ) {
    assert.throws(call, (e: unknown) => e instanceof UsageError && e.code === "INVALID_ARGUMENT");
  }
});
