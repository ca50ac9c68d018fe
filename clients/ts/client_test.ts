import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../protocol/mod.ts";
import { Client } from "./client.ts";
import { AbortedError, OutputLimitError, TimeoutError } from "./errors.ts";
import { _startFakeServer } from "./_test_server.ts";

const OK = { exitCode: 0, signal: null } as const;

test("a Client parses its address once and runs exec and spawn against it", async () => {
  await using server = await _startFakeServer(async (conn) => {
    const { argv, stdin } = await conn.request();
    await conn.reply([["stdout", `${argv.join(" ")}:${new TextDecoder().decode(stdin)}`]], OK);
  });
  const client = new Client(server.address);
  assert.equal(client.address.transport, "unix");
  assert.deepEqual(await client.exec(["a", "b"], { stdin: "in", encoding: "utf-8" }), {
    stdout: "a b:in",
    stderr: "",
    exitCode: 0,
    signal: null,
  });
  const bytes = await client.exec(["c"]);
  assert.deepEqual(bytes.stdout, new TextEncoder().encode("c:"));
  const child = client.spawn(["d"], { stdin: "null" });
  assert.equal(await new Response(child.stdout).text(), "d:");
  assert.deepEqual(await child.status, OK);
  assert.throws(() => new Client("tcp://nowhere"), UsageError);
});

test("a Client's defaults apply; a call's own options win", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.reply([["stdout", "0123456789"]], OK);
  });
  const strict = new Client(server.address, { maxOutput: 5 });
  await assert.rejects(strict.exec(["x"]), OutputLimitError);
  assert.equal((await strict.exec(["x"], { maxOutput: 10 })).stdout.length, 10);
});

test("a Client's default timeout and signal both apply, with the call's signal", async () => {
  await using server = await _startFakeServer(async (conn) => {
    await conn.request();
    await conn.closed;
  });
  await assert.rejects(new Client(server.address, { timeout: 50 }).exec(["sleep"]), TimeoutError);
  const clientWide = new AbortController();
  const client = new Client(server.address, { signal: clientWide.signal });
  const perCall = new AbortController();
  const first = client.exec(["sleep"], { signal: perCall.signal });
  perCall.abort("call");
  await assert.rejects(first, (e: unknown) => e instanceof AbortedError && e.cause === "call");
  const second = client.exec(["sleep"], { signal: new AbortController().signal });
  clientWide.abort("client");
  await assert.rejects(second, (e: unknown) => e instanceof AbortedError && e.cause === "client");
});
