import { assertEquals, assertThrows } from "@std/assert";
import { isLoopbackHost, parseTcpAddress, UsageError } from "../protocol/mod.ts";
import { parseCommandLine } from "./cli.ts";
import { ServerError } from "./errors.ts";
import { checkExposure } from "./tcp_listener.ts";

Deno.test("--tcp takes the protocol core's TCP forms: HOST:PORT, [V6]:PORT, :PORT, tcp://…, port 0", () => {
  assertEquals(parseTcpAddress("10.0.0.1:80"), { transport: "tcp", hostname: "10.0.0.1", port: 80 });
  assertEquals(parseTcpAddress("[::1]:0"), { transport: "tcp", hostname: "::1", port: 0 });
  assertEquals(parseTcpAddress(":9"), { transport: "tcp", hostname: "127.0.0.1", port: 9 });
  assertEquals(parseTcpAddress("tcp://[::1]:7002"), { transport: "tcp", hostname: "::1", port: 7002 });
  for (const bad of ["::1:80", "host", "host:", "host:70000", "[::1]"]) {
    assertThrows(() => parseTcpAddress(bad), UsageError, undefined, bad);
    const error = assertThrows(() => parseCommandLine(["--tcp", bad]), ServerError, undefined, bad);
    assertEquals(error.code, "USAGE");
  }
  const line = parseCommandLine(["--tcp", "tcp://127.0.0.1:7001", "unix:/tmp/x.sock"]);
  assertEquals(line.kind === "serve" ? line.options.listen : [], [
    { transport: "unix", path: "/tmp/x.sock" },
    { transport: "tcp", hostname: "127.0.0.1", port: 7001 },
  ]);
});

Deno.test("loopback detection, and non-loopback listeners refused unless accepted", () => {
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
