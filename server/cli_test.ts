import { assertEquals, assertThrows } from "@std/assert";
import { helpText, parseCommandLine } from "./cli.ts";
import { ServerError } from "./errors.ts";

Deno.test("sockexec's command line parses unchanged", () => {
  const line = parseCommandLine(["-d", "-q", "50", "-M", "0600", "-m", "7", "-t", "0", "-k", "3", "/run/x.sock"]);
  if (line.kind !== "serve") throw new Error(line.kind);
  assertEquals(line.debug, true);
  const o = line.options;
  assertEquals([o.backlog, o.socketMode, o.maxConnections, o.deadline, o.killGrace], [50, 0o600, 7, 0, 3]);
  assertEquals(o.listen, [{ transport: "unix", path: "/run/x.sock" }]);
});

Deno.test("bundled short flags, attached values, long options with = and repeats", () => {
  const line = parseCommandLine([
    "-dm5",
    "--timeout=2.5",
    "--tcp",
    "[::1]:7000",
    "--tcp=:7001",
    "--allow",
    "echo",
    "--allow=/bin/cat",
    "--env",
    "A=1=2",
    "--env-pass",
    "HOME",
    "--env-clear",
    "--max-argc",
    "8",
    "--request-timeout",
    "0",
  ]);
  if (line.kind !== "serve") throw new Error(line.kind);
  const o = line.options;
  assertEquals([o.maxConnections, o.deadline, o.requestTimeout], [5, 2.5, 0]);
  assertEquals(o.listen, [
    { transport: "tcp", hostname: "::1", port: 7000 },
    { transport: "tcp", hostname: "127.0.0.1", port: 7001 },
  ]);
  assertEquals(o.allow, ["echo", "/bin/cat"]);
  assertEquals(o.env, { clear: true, pass: ["HOME"], set: { A: "1=2" } });
  assertEquals(o.limits, { maxArgc: 8 });
});

Deno.test("-v is sockexec's version flag; --help mentions every default", () => {
  assertEquals(parseCommandLine(["-v"]).kind, "version");
  assertEquals(parseCommandLine(["--help", "x"]).kind, "help");
  for (const text of ["0660", "(default 100)", "(default 60; 0 = none)", "(default 10)", "Exit codes"]) {
    assertEquals(helpText().includes(text), true, text);
  }
});

Deno.test("usage errors are ServerError USAGE (exit 100)", () => {
  for (
    const args of [
      [],
      ["--nope", "/x"],
      ["-x", "/x"],
      ["-m"],
      ["-m", "two", "/x"],
      ["-t", "-1", "/x"],
      ["-M", "888", "/x"],
      ["--tcp", "localhost", "/x"],
      ["--env", "=v", "/x"],
      ["--log-format", "xml", "/x"],
      ["--debug=yes", "/x"],
    ]
  ) {
    const error = assertThrows(() => parseCommandLine(args), ServerError);
    assertEquals([error.code, error.exitCode], ["USAGE", 100], args.join(" "));
  }
});
