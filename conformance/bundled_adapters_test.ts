import { assertEquals } from "@std/assert";
import {
  adapterCommand,
  BUNDLED_ADAPTERS,
  bundledAdapter,
  findProgram,
  missingForAdapter,
} from "./bundled_adapters.ts";
import { parseRunnerArgs } from "./cli.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("bundled adapters: every name the issue promises, each with its command and needs", () => {
  assertEquals(BUNDLED_ADAPTERS.map((a) => a.name).sort(), ["lua", "perl", "python", "resty", "ts-deno", "ts-node"]);
  const where = { root: "/r", deno: "/bin/deno" };
  assertEquals(adapterCommand(bundledAdapter("python")!, where), "python3 /r/conformance/adapters/python.py");
  assertEquals(adapterCommand(bundledAdapter("perl")!, where), "perl /r/conformance/adapters/perl.pl");
  assertEquals(adapterCommand(bundledAdapter("lua")!, where), "lua5.4 /r/conformance/adapters/lua.lua");
  assertEquals(adapterCommand(bundledAdapter("resty")!, where), "/r/conformance/adapters/resty.sh");
  assertEquals(adapterCommand(bundledAdapter("ts-node")!, where), "node /r/conformance/adapters/ts_node.mjs");
  assertEquals(
    adapterCommand(bundledAdapter("ts-deno")!, where),
    "/bin/deno run -A --config /r/deno.json /r/conformance/adapters/ts_deno.ts",
  );
  assertEquals(
    adapterCommand(bundledAdapter("python")!, { root: "/it's here" }),
    "python3 '/it'\\''s here'/conformance/adapters/python.py",
  );
});

Deno.test("bundled adapters: a name resolves on the command line; anything else is a command", () => {
  const named = parseRunnerArgs(["client", "--adapter", "python"]);
  if (named === "help") throw new Error("parsed as --help");
  assertEquals(named.adapter, `python3 ${ROOT}/conformance/adapters/python.py`);
  assertEquals(named.bundled?.name, "python");
  const command = parseRunnerArgs(["client", "--adapter", "python3 my_adapter.py"]);
  if (command === "help") throw new Error("parsed as --help");
  assertEquals([command.adapter, command.bundled], ["python3 my_adapter.py", undefined]);
});

Deno.test("bundled adapters: what is missing is named with how to get it", () => {
  assertEquals(missingForAdapter(bundledAdapter("lua")!, { path: "/nonexistent" }), [
    "lua5.4 is not installed (apt-get install lua5.4 lua-socket)",
  ]);
  assertEquals(missingForAdapter(bundledAdapter("python")!, { root: "/nonexistent", path: "/nonexistent" }), [
    "python3 is not installed (apt-get install python3)",
    "conformance/adapters/python.py is missing (part of the repository)",
  ]);
  const elsewhere = missingForAdapter(bundledAdapter("ts-node")!, {
    path: "/nonexistent",
    env: (name) => name === "NETSPAWN_NPM_PACKAGE" ? "/nonexistent/pkg/" : undefined,
  });
  assertEquals(elsewhere[1], "/nonexistent/pkg/esm/clients/ts/mod.js is missing (run `deno task build:npm` first)");
  assertEquals(findProgram("sh", "/nonexistent:/bin"), "/bin/sh");
  for (const adapter of BUNDLED_ADAPTERS.filter((a) => a.name !== "ts-node")) {
    const files = missingForAdapter(adapter, { path: "" }).filter((p) => !p.includes("is not installed"));
    assertEquals(files, [], `${adapter.name}: its files are in the repository`);
  }
});

Deno.test("bundled adapters: a missing interpreter stops the runner with exit status 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}/deno.json`, `${ROOT}/conformance/main.ts`, "client", "--adapter", "lua"],
    env: { PATH: "/nonexistent" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, stderr);
  assertEquals(
    stderr.trim(),
    'conformance: the bundled adapter "lua" cannot run here: lua5.4 is not installed (apt-get install lua5.4 lua-socket)',
  );
});
