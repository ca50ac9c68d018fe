import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AbortedError,
  CLIENT_ERROR_CODES,
  ClosedWithoutStatusError,
  ConnectError,
  NetspawnError,
  OutputLimitError,
  ProtocolViolationError,
  SpawnError,
  StdinClosedError,
  TimeoutError,
} from "./errors.ts";

test("every error class carries its code, a name, and is a NetspawnError", () => {
  const errors: NetspawnError[] = [
    new ConnectError("unix:/x", "ENOENT"),
    new ProtocolViolationError("BAD_EXITCODE", 1, "d", new Uint8Array(0), 0),
    new TimeoutError(1),
    new AbortedError(),
    new ClosedWithoutStatusError(0),
    new SpawnError(127, "netspawn: cannot run x: program not found"),
    new OutputLimitError(1),
    new StdinClosedError(),
  ];
  assert.deepEqual(errors.map((e) => e.code), Object.keys(CLIENT_ERROR_CODES));
  for (const e of errors) {
    assert.ok(e instanceof NetspawnError && e instanceof Error);
    assert.equal(e.name, e.constructor.name);
    assert.ok(!e.message.includes("\n"), "one-line messages");
  }
});

test("ConnectError explains the system code", () => {
  assert.equal(new ConnectError("unix:/x", "ENOENT").message, "cannot connect to unix:/x: no such socket (ENOENT)");
  assert.equal(
    new ConnectError("tcp://h:1", "ECONNREFUSED").message,
    "cannot connect to tcp://h:1: connection refused (ECONNREFUSED)",
  );
  assert.equal(new ConnectError("tcp://h:1", "EWHATEVER").message, "cannot connect to tcp://h:1: EWHATEVER");
  const cause = new Error("boom");
  const e = new ConnectError("tcp://h:1", undefined, { cause });
  assert.equal(e.message, "cannot connect to tcp://h:1: boom");
  assert.equal(e.cause, cause);
});

test("ProtocolViolationError shows the bytes around the offset, printable, with a mark", () => {
  const bytes = new TextEncoder().encode("6:stdout,\x00\xff\\x");
  const e = new ProtocolViolationError("MISSING_COMMA", 114, "MISSING_COMMA at byte 114: …", bytes, 100);
  assert.equal(e.excerpt, "6:stdout,\\x00\\xc3\\xbf\\x5cx»");
  const marked = new ProtocolViolationError("BAD_LENGTH", 102, "d", new TextEncoder().encode("ab,cd"), 100);
  assert.equal(marked.excerpt, "ab»,cd");
  assert.equal(marked.offset, 102);
  assert.equal(marked.bytesOffset, 100);
  assert.equal(marked.protocolCode, "BAD_LENGTH");
  assert.match(marked.message, /near "ab»,cd"/);
});

test("AbortedError keeps the reason as cause", () => {
  const reason = new Error("stop");
  assert.equal(new AbortedError(reason).cause, reason);
  assert.equal(new AbortedError(reason).message, "aborted: stop");
  assert.equal(new AbortedError().message, "aborted");
});

test("ClosedWithoutStatusError says the server closed before a status and that its log has the reason", () => {
  assert.equal(
    new ClosedWithoutStatusError(0).message,
    "the server closed the connection before sending a status (it sent nothing); the server's log has the reason",
  );
  assert.equal(
    new ClosedWithoutStatusError(12).message,
    "the server closed the connection after 12 bytes, before sending a status; the server's log has the reason",
  );
  assert.doesNotMatch(CLIENT_ERROR_CODES.CLOSED_WITHOUT_STATUS, /usually means|cannot start the program\.$/);
});

test("ConnectError: a missing socket path that reads as HOST:PORT suggests the tcp:// address", () => {
  const hint = (address: string) => new ConnectError(address, "ENOENT").message.split("; ")[1];
  assert.equal(hint("unix:127.0.0.1:7001"), "for TCP, write tcp://127.0.0.1:7001");
  assert.equal(hint("unix:localhost:80"), "for TCP, write tcp://localhost:80");
  assert.equal(hint("unix:tcp:127.0.0.1:7001"), "for TCP, write tcp://127.0.0.1:7001");
  assert.equal(hint("unix:::1:7002"), "for TCP, write tcp://[::1]:7002");
  // Paths with a directory, without a port, or that fail otherwise are left alone.
  assert.equal(hint("unix:/tmp/x:7001"), undefined);
  assert.equal(hint("unix:./x:7001"), undefined);
  assert.equal(hint("unix:host:port"), undefined);
  assert.equal(hint("unix:host:123456"), undefined);
  assert.equal(new ConnectError("unix:127.0.0.1:7001", "ECONNREFUSED").message.includes("tcp://"), false);
  assert.equal(new ConnectError("tcp://127.0.0.1:7001", "ENOENT").message.includes("; "), false);
});
