import assert from "node:assert/strict";
import { test } from "node:test";
import { formatAddress, parseAddress, toAddress, UsageError } from "../../protocol/mod.ts";

test("parses every documented address form", () => {
  assert.deepEqual(parseAddress("unix:/run/netspawn.sock"), { transport: "unix", path: "/run/netspawn.sock" });
  assert.deepEqual(parseAddress("unix:rel/x.sock"), { transport: "unix", path: "rel/x.sock" });
  assert.deepEqual(parseAddress("/run/netspawn.sock"), { transport: "unix", path: "/run/netspawn.sock" });
  assert.deepEqual(parseAddress("x.sock"), { transport: "unix", path: "x.sock" });
  assert.deepEqual(parseAddress("tcp://127.0.0.1:7000"), { transport: "tcp", hostname: "127.0.0.1", port: 7000 });
  assert.deepEqual(parseAddress("tcp://localhost:1"), { transport: "tcp", hostname: "localhost", port: 1 });
  assert.deepEqual(parseAddress("tcp://[::1]:65535"), { transport: "tcp", hostname: "::1", port: 65535 });
  assert.deepEqual(parseAddress("[::1]:7000"), { transport: "tcp", hostname: "::1", port: 7000 });
  assert.deepEqual(parseAddress("[fe80::1%eth0]:7"), { transport: "tcp", hostname: "fe80::1%eth0", port: 7 });
});

test("formatting gives text that parses back to the same address", () => {
  for (const text of ["unix:/a b/c.sock", "unix:x", "tcp://host:9", "tcp://[::1]:80", "tcp://10.0.0.1:65535"]) {
    assert.equal(formatAddress(parseAddress(text)), text);
  }
  assert.equal(formatAddress(parseAddress("[::1]:7000")), "tcp://[::1]:7000");
  assert.equal(formatAddress(parseAddress("/x.sock")), "unix:/x.sock");
});

test("rejects malformed addresses with INVALID_ARGUMENT and a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /must not be empty/],
    ["unix:", /socket path is empty/],
    ["tcp://host", /expected HOST:PORT/],
    ["tcp://host:", /port must be a number from 1 to 65535, got ""/],
    ["tcp://host:0", /got "0"/],
    ["tcp://host:65536", /got "65536"/],
    ["tcp://host:+80", /got "\+80"/],
    ["tcp://host:8 0", /got "8 0"/],
    ["tcp://:80", /host is empty/],
    ["tcp://::1:80", /IPv6 address in brackets/],
    ["tcp://[::1]80", /expected \[IPV6\]:PORT/],
    ["[::1", /expected \[IPV6\]:PORT/],
    ["[localhost]:80", /brackets are for IPv6/],
  ];
  for (const [text, why] of cases) {
    assert.throws(() => parseAddress(text), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${text}: ${e}`);
      assert.equal(e.code, "INVALID_ARGUMENT");
      assert.match(e.message, why, text);
      return true;
    });
  }
});

test("toAddress accepts text or a parsed address, and checks objects", () => {
  assert.deepEqual(toAddress("tcp://h:1"), { transport: "tcp", hostname: "h", port: 1 });
  const unix = { transport: "unix", path: "/x" } as const;
  assert.equal(toAddress(unix), unix);
  assert.throws(() => toAddress({ transport: "tcp", hostname: "h", port: 0 }), UsageError);
  assert.throws(() => toAddress({ transport: "unix", path: "" }), UsageError);
  assert.throws(() => toAddress(42 as unknown as string), UsageError);
});
