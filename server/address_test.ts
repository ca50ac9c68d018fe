import { assertEquals, assertThrows } from "@std/assert";
import { isLoopbackHost } from "../protocol/mod.ts";
import { checkExposure, parseTcpAddress } from "./address.ts";
import { ServerError } from "./errors.ts";

Deno.test("TCP addresses: IPv4, bracketed IPv6, bare port", () => {
  assertEquals(parseTcpAddress("10.0.0.1:80"), { transport: "tcp", hostname: "10.0.0.1", port: 80 });
  assertEquals(parseTcpAddress("[::1]:0"), { transport: "tcp", hostname: "::1", port: 0 });
  assertEquals(parseTcpAddress(":9"), { transport: "tcp", hostname: "127.0.0.1", port: 9 });
  for (const bad of ["::1:80", "host", "host:", "host:70000", "[::1]"]) {
    assertThrows(() => parseTcpAddress(bad), ServerError, undefined, bad);
  }
});

Deno.test("loopback detection", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "0:0:0:0:0:0:0:1", "[::1]", "::ffff:127.0.0.1"]) {
    assertEquals(isLoopbackHost(host), true, host);
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "::2", "1::1", "example.org"]) {
    assertEquals(isLoopbackHost(host), false, host);
  }
  const error = assertThrows(
    () => checkExposure({ transport: "tcp", hostname: "0.0.0.0", port: 1 }, false),
    ServerError,
  );
  assertEquals(error.code, "NON_LOOPBACK");
  checkExposure({ transport: "tcp", hostname: "0.0.0.0", port: 1 }, true);
});
