import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { parseRunnerArgs, UsageError } from "./cli.ts";
import { _fake } from "./_test_util.ts";

Deno.test("options parse into a plan", () => {
  const o = parseRunnerArgs([
    "server",
    "--spawn",
    "x {socket}",
    "--run",
    "a.*,b",
    "--run",
    "c",
    "--split",
    "random:3",
    "--jobs",
    "2",
  ]);
  if (o === "help") throw new Error("parsed as --help");
  assertEquals([o.mode, o.target, o.run, o.split, o.jobs], [
    "server",
    { kind: "spawn", template: "x {socket}" },
    ["a.*", "b", "c"],
    "random:3",
    2,
  ]);
  assertEquals(parseRunnerArgs(["--help"]), "help");
  const tcp = parseRunnerArgs(["server", "--tcp", "[::1]:7000", "--json"]);
  assert(tcp !== "help" && tcp.target?.kind === "address" && tcp.format === "json");
});

Deno.test("bad command lines are refused with one clear reason", () => {
  const bad: [string[], string][] = [
    [[], "missing mode"],
    [["serve"], 'unknown mode "serve"'],
    [["server"], "server mode needs --unix"],
    [["server", "--unix", "rel.sock"], "absolute path"],
    [["server", "--unix", "/a", "--tcp", "h:1"], "give one of"],
    [["server", "--spawn", "sockexec"], "{socket} or {port}"],
    [["server", "--tcp", "host"], "bad address"],
    [["client"], "needs --adapter"],
    [["codec", "--split", "half"], "--split must be"],
    [["codec", "--jobs", "0"], "--jobs must be an integer of at least 1"],
    [["codec", "--bogus"], "unknown option --bogus"],
    [["codec", "--json", "--junit"], "choose one"],
    [["codec", "-o", "x.xml"], "--output needs"],
    [["codec", "extra"], 'unexpected argument "extra"'],
    [["server", "--unix", "/a", "--fresh"], "--fresh needs --spawn"],
  ];
  for (const [args, message] of bad) assertThrows(() => parseRunnerArgs(args), UsageError, message);
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("./main.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "--config", config, main, ...args] })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("exit status: 0 all pass, 1 a failure, 2 a harness problem", async () => {
  assertEquals((await cli("--help")).code, 0);
  const ok = await cli("codec", "--run", "codec.ns.*");
  assertEquals(ok.code, 0);
  assert(ok.stdout.includes("\n50 vectors, one run each: 50 PASS, 0 NON-STRICT, 0 FAIL, 0 SKIP, 0 ERROR\n"), ok.stdout);
  assertEquals((await cli("server", "--bogus")).code, 2);
  // Nothing listening: one clear line and 2, as --help promises, not a FAIL per case.
  assertEquals(await cli("server", "--unix", "/nonexistent/dir/x.sock"), {
    code: 2,
    stdout: "",
    stderr:
      "conformance: cannot connect to unix:/nonexistent/dir/x.sock: no such socket; is the server running? (--spawn starts one)\n",
  });
  // A selection that matches nothing tested nothing: 2, whether running or listing.
  for (const list of [[], ["--list"]]) {
    const none = await cli("codec", "--run", "codec.ns.hello,codec.nope.*", "--skip", "codec.ns.*", ...list);
    assertEquals([none.code, none.stdout], [2, ""]);
    assertMatch(
      none.stderr,
      /^conformance: --run codec\.ns\.hello,codec\.nope\.\* --skip codec\.ns\.\* selects none of the \d+ codec vectors \(--list shows them\); nothing was tested\n$/,
    );
  }
  const empty = await Deno.makeTempDir();
  try {
    assertEquals(await cli("codec", "--vectors", empty), {
      code: 2,
      stdout: "",
      stderr: `conformance: there are no codec vectors in ${await Deno.realPath(empty)}/; nothing was tested\n`,
    });
  } finally {
    await Deno.remove(empty);
  }
  const cannotStart = await cli("server", "--spawn", "sh -c 'exit 1' {socket}", "--run", "server.exec.echo");
  assertEquals(cannotStart.code, 2);
  const failing = _fake("canned_server.ts", "--mode silent {socket}");
  const fails = await cli("server", "--spawn", failing, "--run", "server.exec.echo", "--split", "none");
  assertEquals(fails.code, 1);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/xfail`, "server.exec.echo  # known\n");
    const expected = await cli(
      "server",
      "--spawn",
      failing,
      "--run",
      "server.exec.echo",
      "--split",
      "none",
      "--expect-fail",
      `${dir}/xfail`,
      "--junit",
      "-o",
      `${dir}/r.xml`,
    );
    assertEquals(expected.code, 0, expected.stdout);
    assert((await Deno.readTextFile(`${dir}/r.xml`)).includes("expected failure"));
    const stale = await cli("codec", "--run", "codec.ns.hello", "--expect-fail", `${dir}/xfail`, "--json");
    assertEquals(stale.code, 0); // codec.ns.hello is not listed
    await Deno.writeTextFile(`${dir}/xfail`, "codec.ns.hello\n");
    const xpass = await cli("codec", "--run", "codec.ns.hello", "--expect-fail", `${dir}/xfail`);
    assertEquals(xpass.code, 1);
    assert(xpass.stdout.includes("XPASS"), xpass.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const list = await cli("client", "--list", "--run", "tag:timeout");
  assertEquals(list.code, 0);
  assertEquals(list.stdout.trim().split("\n").length, 4);
});
