import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer } from "node:net";
import { test } from "node:test";
import { decodeNetstrings, UsageError } from "../../protocol/mod.ts";
import {
  AbortedError,
  ClosedWithoutStatusError,
  ConnectError,
  OutputLimitError,
  ProtocolViolationError,
  SpawnError,
  TimeoutError,
} from "./errors.ts";
import { exec } from "./exec.ts";
import { DEFAULT_EXEC_MAX_OUTPUT } from "./options.ts";
import { _startFakeServer } from "./_test_server.ts";
import { _within } from "./_test_wait.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const OK = { exitCode: 0, signal: null } as const;

for (const transport of ["unix", "tcp", "tcp6"] as const) {
  test(`exec over ${transport}: sends argv and stdin, returns output and exit code`, async () => {
    await using server = await _startFakeServer(async (conn) => {
      const request = await conn.request();
      assert.deepEqual(request.argv, ["sh", "-c", "cat; echo err >&2; exit 3"]);
      assert.equal(text(request.stdin), "hello world");
      assert.equal(request.end, "marker");
      await conn.reply([["stdout", request.stdin], ["stderr", "err\n"]], { exitCode: 3, signal: null });
    }, { transport });
    const result = await exec(server.address, ["sh", "-c", "cat; echo err >&2; exit 3"], { stdin: "hello world" });
    assert.deepEqual(result, {
      stdout: new TextEncoder().encode("hello world"),
      stderr: new TextEncoder().encode("err\n"),
      exitCode: 3,
      signal: null,
    });
  });
}

test("the request is exactly argc, argv, stdin netstrings and the end marker", async () => {
  const received: Uint8Array[] = [];
  await using server = await _startFakeServer(async (conn) => {
    conn.socket.on("data", (chunk: Uint8Array) => received.push(new Uint8Array(chunk)));
    await conn.stdin();
    await conn.reply([], OK);
  });
  await exec(server.address, ["cat", "ü"], { stdin: "hello" });
  assert.equal(Buffer.concat(received).toString("latin1"), "1:2,3:cat,2:\xc3\xbc,5:hello,0:,");
});

test("without stdin the end marker follows argv at once", async () => {
  await using server = await _startFakeServer(async (conn) => {
    const request = await conn.request();
    assert.deepEqual([request.argv, request.stdin.length, request.end], [["true"], 0, "marker"]);
    await conn.reply([], OK);
  });
  assert.equal((await exec(server.address, ["true"])).exitCode, 0);
});

test("large stdin is sent in netstrings of at most 64 KiB", async () => {
  const received: Uint8Array[] = [];
  const input = new Uint8Array(200_000).map((_, i) => i % 251);
  await using server = await _startFakeServer(async (conn) => {
    conn.socket.on("data", (chunk: Uint8Array) => received.push(new Uint8Array(chunk)));
    const { bytes } = await conn.stdin();
    assert.deepEqual(bytes, input);
    await conn.reply([], OK);
  });
  await exec(server.address, ["cat"], { stdin: input });
  const payloads = decodeNetstrings(Buffer.concat(received));
  assert.deepEqual(payloads.slice(2).map((p) => p.length), [65536, 65536, 65536, 3392, 0]);
});

test("stdin may be bytes, a ReadableStream, an async iterable, or an iterable of strings", async () => {
  await using server = await _startFakeServer(async (conn) => {
    const { stdin } = await conn.request();
    await conn.reply([["stdout", stdin]], OK);
  });
  const bytes = new TextEncoder().encode("abc");
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("ab"));
      controller.enqueue(new TextEncoder().encode("c"));
      controller.close();
    },
  });
  async function* generate() {
    yield new TextEncoder().encode("a");
    yield "bc";
  }
  for (const stdin of [bytes, stream, generate(), ["a", "", "bc"]]) {
    const result = await exec(server.address, ["cat"], { stdin, encoding: "utf-8" });
    assert.equal(result.stdout, "abc");
  }
});

test("a failing stdin stream cancels the call with ABORTED carrying its error", async () => {
  const failure = new Error("disk on fire");
  let serverSawClose = false;
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.closed;
    serverSawClose = true;
  });
  async function* broken() {
    yield "partial";
    throw failure;
  }
  await assert.rejects(exec(server.address, ["cat"], { stdin: broken() }), (e: unknown) => {
    assert.ok(e instanceof AbortedError);
    assert.equal(e.cause, failure);
    return true;
  });
  await _within(server.done, 5000, "the server seeing the connection closed");
  assert.ok(serverSawClose);
});

test("a cancelled call cancels its stdin stream, even with writes blocked by backpressure", async () => {
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => started = resolve);
  let abortDone: () => void = () => {};
  const afterAbort = new Promise<void>((resolve) => abortDone = resolve);
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    conn.socket.pause(); // the program reads nothing: the client's writes block
    started();
    await afterAbort;
    conn.socket.resume(); // read what was sent, then the end of the connection
    await conn.stdin(false).catch(() => {});
    await conn.closed;
  });
  let sourceCancelled: (reason: unknown) => void = () => {};
  const cancelled = new Promise((resolve) => sourceCancelled = resolve);
  const endless = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(64 * 1024)),
    cancel: (reason) => sourceCancelled(reason),
  });
  const controller = new AbortController();
  const call = exec(server.address, ["cat"], { stdin: endless, signal: controller.signal });
  await _within(running, 5000, "the server receiving argv");
  controller.abort("stop");
  await assert.rejects(call, AbortedError);
  await _within(cancelled, 5000, "the stdin stream being cancelled");
  abortDone();
  await _within(server.done, 5000, "the server seeing the connection closed");
});

test("encoding utf-8 gives strings; invalid UTF-8 becomes U+FFFD", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.reply([["stdout", "h\xc3\xa9"], ["stdout", Uint8Array.of(0xff)], ["stderr", "e"]], OK);
  });
  const result = await exec(server.address, ["x"], { encoding: "utf-8" });
  assert.deepEqual(result, { stdout: "h\u00c3\u00a9\ufffd", stderr: "e", exitCode: 0, signal: null });
});

test("a termsig reply gives the signal name and a null exit code", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.reply([["stdout", "partial"]], { exitCode: null, signal: "TERM" });
  });
  const result = await exec(server.address, ["sleep", "9"], { encoding: "utf-8" });
  assert.deepEqual(result, { stdout: "partial", stderr: "", exitCode: null, signal: "TERM" });
});

test("output after the status belongs to the result (sockexec sends it)", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.write("8:exitcode,1:0,6:stdout,5:early,");
    await conn.write("6:stderr,1:!,6:stdout,5:+late,");
    conn.end();
  });
  const result = await exec(server.address, ["x"], { encoding: "utf-8" });
  assert.deepEqual(result, { stdout: "early+late", stderr: "!", exitCode: 0, signal: null });
});

test("CONNECT_FAILED: no socket at the path, and a refused TCP port", async () => {
  await assert.rejects(exec("unix:/nonexistent/netspawn.sock", ["true"]), (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.code, "CONNECT_FAILED");
    assert.equal(e.systemCode, "ENOENT");
    assert.equal(e.message, "cannot connect to unix:/nonexistent/netspawn.sock: no such socket (ENOENT)");
    return true;
  });
  const port = await _closedPort();
  await assert.rejects(exec(`tcp://127.0.0.1:${port}`, ["true"]), (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.systemCode, "ECONNREFUSED");
    assert.equal(e.address, `tcp://127.0.0.1:${port}`);
    return true;
  });
});

test("CLOSED_WITHOUT_STATUS: 0 bytes then close (sockexec's spawn failure), or output then close", async () => {
  await using silent = await _startFakeServer(async (conn) => {
    await conn.argv();
    conn.end();
  });
  await assert.rejects(exec(silent.address, ["/nonexistent/prog"]), (e: unknown) => {
    assert.ok(e instanceof ClosedWithoutStatusError);
    assert.equal(e.code, "CLOSED_WITHOUT_STATUS");
    assert.equal(e.bytesReceived, 0);
    return true;
  });
  await using partial = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.output("stdout", "half");
    conn.end();
  });
  await assert.rejects(exec(partial.address, ["x"]), (e: unknown) => {
    assert.ok(e instanceof ClosedWithoutStatusError);
    assert.equal(e.bytesReceived, 16);
    return true;
  });
});

test("PROTOCOL_ERROR carries the protocol code, the offset and the bytes around it", async () => {
  const cases: [string, string, number, string][] = [
    ["8:exitcode,2:x1,", "BAD_EXITCODE", 11, "8:exitcode,»2:x1,"],
    ["6:stdout,2:hi,7:unknown,0:,", "UNKNOWN_PAIR_TYPE", 14, "6:stdout,2:hi,»7:unknown,0:,"],
    ["8:exitcode,1:0,7:termsig,4:TERM,", "DUPLICATE_STATUS", 15, "8:exitcode,1:0,»7:termsig,4:TERM,"],
    ["6:stdout,", "EOF_IN_PAIR", 9, "6:stdout,»"],
    ["6:stdout,5:ab", "EOF_IN_PAYLOAD", 13, "6:stdout,5:ab»"],
    ["6:stdout,2:hi;", "MISSING_COMMA", 13, "6:stdout,2:hi»;"],
    ["7:termsig,3:15\n,", "BAD_TERMSIG", 10, "7:termsig,»3:15\\x0a,"],
  ];
  for (const [reply, code, offset, excerpt] of cases) {
    await using server = await _startFakeServer(async (conn) => {
      await conn.argv();
      await conn.write(reply);
      conn.end();
    });
    await assert.rejects(exec(server.address, ["x"]), (e: unknown) => {
      assert.ok(e instanceof ProtocolViolationError, `${reply}: ${e}`);
      assert.equal(e.code, "PROTOCOL_ERROR");
      assert.equal(e.protocolCode, code, reply);
      assert.equal(e.offset, offset, reply);
      assert.equal(e.excerpt, excerpt, reply);
      return true;
    });
  }
});

test("PROTOCOL_ERROR shows the same context however the reply is split into reads", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.argv();
    await conn.write(`6:stdout,100:${"x".repeat(100)},`);
    await conn.write("7:unkn");
    await conn.write("own,1:x,");
    conn.end();
  });
  await assert.rejects(exec(server.address, ["x"]), (e: unknown) => {
    assert.ok(e instanceof ProtocolViolationError);
    assert.equal(e.protocolCode, "UNKNOWN_PAIR_TYPE");
    assert.equal(e.offset, 114);
    assert.equal(e.bytesOffset, 90);
    assert.equal(e.excerpt, `${"x".repeat(23)},»7:unknown,1:x,`);
    return true;
  });
});

test("TIMEOUT closes the connection, so the server sees the program's client go", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.closed;
  });
  const started = Date.now();
  await assert.rejects(exec(server.address, ["sleep", "60"], { timeout: 100 }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.code, "TIMEOUT");
    assert.equal(e.timeout, 100);
    return true;
  });
  assert.ok(Date.now() - started >= 90, "not before the timeout");
  await _within(server.done, 5000, "the server seeing the connection closed");
});

test("ABORTED closes the connection and carries the signal's reason", async () => {
  const controller = new AbortController();
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    controller.abort(new Error("user pressed stop"));
    await conn.closed;
  });
  await assert.rejects(exec(server.address, ["sleep", "60"], { signal: controller.signal }), (e: unknown) => {
    assert.ok(e instanceof AbortedError);
    assert.equal(e.code, "ABORTED");
    assert.equal((e.cause as Error).message, "user pressed stop");
    return true;
  });
  await _within(server.done, 5000, "the server seeing the connection closed");
});

test("an already aborted signal fails the call without connecting", async () => {
  await using server = await _startFakeServer(() => {
    throw new Error("must not connect");
  });
  await assert.rejects(exec(server.address, ["true"], { signal: AbortSignal.abort("early") }), (e: unknown) => {
    assert.ok(e instanceof AbortedError);
    assert.equal(e.cause, "early");
    return true;
  });
  assert.equal(server.accepted, 0);
});

test("SPAWN_FAILED: a netspawn server's 127 or 126 reply with its reason line", async () => {
  for (const [code, reason] of [[127, "program not found"], [126, "permission denied"]] as const) {
    await using server = await _startFakeServer(async (conn) => {
      await conn.request();
      await conn.reply([["stderr", `netspawn: cannot run /x/cmd: ${reason}\n`]], { exitCode: code, signal: null });
    });
    await assert.rejects(exec(server.address, ["/x/cmd"]), (e: unknown) => {
      assert.ok(e instanceof SpawnError);
      assert.equal(e.code, "SPAWN_FAILED");
      assert.equal(e.exitCode, code);
      assert.equal(e.message, `netspawn: cannot run /x/cmd: ${reason}`);
      assert.equal(e.serverMessage, e.message);
      return true;
    });
  }
});

test("a program's own 127 is a result, not a spawn error", async () => {
  const replies: [["stdout" | "stderr", string][], number][] = [
    [[["stderr", "sh: 1: nope: not found\n"]], 127],
    [[["stdout", "x"], ["stderr", "netspawn: cannot run y: program not found\n"]], 127],
    [[["stderr", "netspawn: cannot run y: program not found\n"]], 1],
  ];
  for (const [output, exitCode] of replies) {
    await using server = await _startFakeServer(async (conn) => {
      await conn.request();
      await conn.reply(output, { exitCode, signal: null });
    });
    assert.equal((await exec(server.address, ["sh", "-c", "nope"])).exitCode, exitCode);
  }
});

test("OUTPUT_LIMIT: exactly maxOutput bytes pass; one more fails and closes the connection", async () => {
  await using server = await _startFakeServer(async (conn) => {
    const { argv } = await conn.request();
    await conn.output("stdout", "12345");
    await conn.output("stderr", "6789");
    if (argv[0] === "more") await conn.output("stdout", "!");
    await conn.status(OK);
    if (argv[0] === "more") await conn.closed;
    else conn.end();
  });
  const ok = await exec(server.address, ["exact"], { maxOutput: 9, encoding: "utf-8" });
  assert.deepEqual([ok.stdout, ok.stderr], ["12345", "6789"]);
  await assert.rejects(exec(server.address, ["more"], { maxOutput: 9 }), (e: unknown) => {
    assert.ok(e instanceof OutputLimitError);
    assert.equal(e.code, "OUTPUT_LIMIT");
    assert.equal(e.limit, 9);
    return true;
  });
  assert.equal(DEFAULT_EXEC_MAX_OUTPUT, 64 * 1024 * 1024);
});

test("the reply is read to the end even when the program exits without reading its stdin", async () => {
  // The server closes while the client is blocked writing stdin nobody reads: the client's next
  // write fails (EPIPE/ECONNRESET), which must not cost the reply waiting in its receive buffer.
  for (const transport of ["unix", "tcp"] as const) {
    for (let round = 0; round < 10; round++) {
      let sent = 0;
      let wakeServer: () => void = () => {};
      const clientBlocked = new Promise<void>((resolve) => wakeServer = resolve);
      await using server = await _startFakeServer(async (conn) => {
        await conn.argv();
        conn.socket.pause(); // the program reads nothing: stdin piles up unread
        await clientBlocked;
        await conn.output("stdout", "done early\n");
        await conn.status({ exitCode: 5, signal: null });
        conn.socket.destroy(); // closed with unread stdin, as sockexec does: the client's writes now fail
      }, { transport });
      const endless = async function* () {
        for (;;) {
          yield new Uint8Array(64 * 1024);
          sent += 64 * 1024;
          if (sent === 128 * 1024) wakeServer(); // soon after, the client blocks: the server reads nothing
        }
      };
      const result = await exec(server.address, ["head", "-c0"], { stdin: endless(), encoding: "utf-8" });
      assert.deepEqual(result, { stdout: "done early\n", stderr: "", exitCode: 5, signal: null }, transport);
    }
  }
});

test("invalid arguments reject with UsageError INVALID_ARGUMENT", async () => {
  const calls: (() => Promise<unknown>)[] = [
    () => exec("unix:/x", []),
    () => exec("unix:/x", ["a\0b"]),
    () => exec("", ["true"]),
    () => exec("tcp://h:0", ["true"]),
    () => exec("unix:/x", ["true"], { timeout: 0 }),
    () => exec("unix:/x", ["true"], { timeout: -1 }),
    () => exec("unix:/x", ["true"], { timeout: 2 ** 31 }),
    () => exec("unix:/x", ["true"], { maxOutput: -1 }),
    () => exec("unix:/x", ["true"], { maxOutput: 1.5 }),
    () => exec("unix:/x", ["true"], { encoding: "latin1" as "utf-8" }),
    () => exec("unix:/x", ["true"], { stdin: 42 as unknown as string }),
  ];
  for (const call of calls) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.code, "INVALID_ARGUMENT");
      return true;
    });
  }
});

async function _closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
