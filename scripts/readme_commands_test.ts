// The commands the repository's Markdown files show must work, so the docs cannot rot. The rule:
//
// - A fenced block whose language is `sh` is a script of commands, one per line (a line ending in `\` goes on
//   on the next; `#` starts a comment). Other blocks (`ts`, `json`, none…) are not run.
// - Each `sh` block runs as one bash script (`set -euo pipefail`) from the repository's root, offline, and must exit 0
//   within three minutes, after two substitutions: `npx -y deno@2.9.6` and `deno` are the Deno running this test,
//   and `/tmp/netspawn.sock` and `/run/netspawn.sock`, the READMEs' "your server", are a netspawn server this test
//   starts in a temporary directory, through server/launch.pl as the READMEs do.
// - A command that starts with an interpreter (python3, perl, lua5.4, luajit) that is not installed is skipped with a
//   notice, outside CI only (CI installs them all).
// - A command that cannot run here (it needs the network, a program the repository does not have, a placeholder the
//   reader fills in, or it is the suite itself) is listed in NOT_RUN by its exact text, without its comment, with the
//   reason; it is left out of its block. A listed command that no file shows any more fails the test.
// - In `json` blocks, every vector id (`"id"` or an adapter input's `"case"`) must exist in the kit's vectors.

import { assert, assertEquals } from "@std/assert";
import { loadVectors } from "../conformance/load.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** Commands the test does not run, and why. */
const NOT_RUN: Readonly<Record<string, string>> = {
  // the quick start
  "npx -y deno@2.9.6 task test": "the whole suite, of which this test is a part",
  "npx -y deno@2.9.6 task serve":
    "serves the fixed path /tmp/netspawn.sock until stopped; this test starts the same server in a temporary directory",
  // the npm package
  "npx -y deno@2.9.6 task build:npm":
    "needs the npm registry on first use and takes a minute; scripts/build_npm_test.ts builds, packs and installs the package the same way",
  "cd npm && npm pack": "needs the package built (deno task build:npm, above)",
  "npm install /path/to/netspawn/npm": "a placeholder path; scripts/build_npm_test.ts installs the package",
  "npm install ./netspawn-VERSION.tgz": "a placeholder file name; scripts/build_npm_test.ts installs the package",
  // the conformance kit
  "deno task conformance server --unix /run/netspawn.sock --split every":
    "every split of every vector takes many minutes; the same vectors run split bytewise here and in server/conformance_test.ts",
  "deno task conformance client --adapter 'python3 my_adapter.py'": "my_adapter.py stands for the reader's adapter",
  "deno task conformance client --adapter 'python3 adapter.py'": "adapter.py stands for the reader's adapter",
  "deno task conformance server --spawn 'sockexec -t 3 {socket}'": "sockexec is not part of the repository",
  "deno task conformance server --spawn '/usr/local/bin/sockexec -t 3 {socket}' --fresh":
    "sockexec is not part of the repository",
  "deno task conformance client --expect-fail conformance/expected/lua-resty-exec-3.0.3.txt --adapter 'sh conformance/adapters/resty.sh --dropin resty.exec --lib ~/.cache/netspawn/lua-resty-exec-3.0.3'":
    "needs a copy of lua-resty-exec 3.0.3, which the repository does not ship; clients/lua/lua_resty_exec_test.ts runs it when it finds one",
  "deno task conformance server --tcp 127.0.0.1:7000 --split every":
    "needs a server the reader started on 127.0.0.1:7000, and every split of every vector takes many minutes",
  // the server
  "npx -y deno@2.9.6 task serve /tmp/other.sock":
    "a server that runs until stopped; server/serve.ts's example and server/main_test.ts start servers the same way",
  "perl server/launch.pl deno run --allow-ffi --allow-read --allow-write --allow-net --allow-env --allow-sys server/serve.ts":
    "a server that runs until stopped; this test starts the same server itself",
  // the other clients: their tests run in deno task test
  "pip install ./clients/python": "installs into the machine's Python; clients/python/python_test.ts tests the package",
  "NETSPAWN_TEST_UNIX=unix:/tmp/netspawn.sock NETSPAWN_TEST_TCP=tcp://127.0.0.1:7000 python3 -m pytest":
    "needs servers at both addresses; clients/python/python_test.ts runs pytest with its own",
  "python3 -m mypy": "needs mypy, which only CI installs; clients/python/python_test.ts runs it",
  "NETSPAWN_TEST_UNIX=unix:/tmp/netspawn.sock NETSPAWN_TEST_TCP=tcp://127.0.0.1:7000 prove -l t/":
    "needs servers at both addresses; clients/perl/perl_test.ts runs prove with its own",
  "deno test -A clients/lua/": "part of deno task test",
  "lua5.4 clients/lua/test/unit_test.lua": "needs lua5.4; clients/lua/lua_test.ts runs it, or says it skipped",
  "git clone --branch 3.0.3 https://github.com/jprjr/lua-resty-exec": "needs the network (github.com)",
  "git clone --branch 1.0.6 https://github.com/jprjr/netstring.lua": "needs the network (github.com)",
  "mkdir -p ~/.cache/netspawn/lua-resty-exec-3.0.3": "part of fetching lua-resty-exec, which needs the network",
  "cp -r lua-resty-exec/lib/resty netstring.lua/src/netstring.lua ~/.cache/netspawn/lua-resty-exec-3.0.3/":
    "part of fetching lua-resty-exec, which needs the network",
};

/** Interpreters a command may start with; outside CI a missing one skips the command with a notice (in CI: a failure). */
const INTERPRETERS = ["python3", "perl", "lua5.4", "luajit"];

/** Whether this is CI's run, where nothing may be skipped. */
const IN_CI = (Deno.env.get("CI") ?? "") !== "";

function _installed(program: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${program}`).isFile;
    } catch {
      return false;
    }
  });
}

/** A command, or the notice that skips it when its interpreter is missing outside CI. */
function _runnable(command: string, where: string): string {
  const first = /^(?:[A-Z_]+=\S+\s+)*(\S+)/.exec(command)?.[1] ?? "";
  if (!INTERPRETERS.includes(first) || _installed(first) || IN_CI) return command;
  console.warn(`SKIP ${where}: ${first} is not installed: ${command.slice(0, 60)}…`);
  return ": skipped";
}

/** Deadline of one block. */
const BLOCK_MS = 180_000;

interface _Block {
  /** `FILE:LINE` of the opening fence. */
  readonly where: string;
  readonly language: string;
  readonly text: string;
}

/** Every Markdown file of the repository, but generated ones and installed packages. */
function _markdownFiles(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && ![".git", "node_modules", "dist", "npm"].includes(entry.name)) {
      files.push(..._markdownFiles(path));
    } else if (entry.isFile && entry.name.endsWith(".md") && path !== `${ROOT}/protocol/SPEC.md`) {
      files.push(path);
    }
  }
  return files.sort();
}

/** The fenced code blocks of a Markdown file. */
function _blocks(path: string): _Block[] {
  const blocks: _Block[] = [];
  const lines = Deno.readTextFileSync(path).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].trim());
    blocks.push({ where: `${path.slice(ROOT.length + 1)}:${start + 1}`, language: open[1], text: body.join("\n") });
  }
  return blocks;
}

/** The commands of a script: continuation lines joined, comments and blank lines dropped. */
function _commands(script: string): string[] {
  const joined = script.replace(/\s*\\\n\s*/g, " ");
  return joined.split("\n").map(_withoutComment).filter((c) => c !== "");
}

/** A command line without its trailing `# comment` (a `#` outside quotes, after a space). */
function _withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trim();
    }
  }
  return line.trim();
}

/** A netspawn server on a UNIX socket in a temporary directory, started as the READMEs start one. */
async function _startServer(): Promise<{ socket: string; stop(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-readme-" });
  const socket = `${dir}/netspawn.sock`;
  const child = new Deno.Command("perl", {
    args: ["server/launch.pl", Deno.execPath(), "run", "-A", "server/main.ts", socket],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.finally(() => exited = true);
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await log;
    await Deno.remove(dir, { recursive: true });
  };
  const deadline = Date.now() + 30_000;
  while (!exited && Date.now() < deadline) {
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      return { socket, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // not listening yet: poll, within the deadline
    }
  }
  await stop();
  throw new Error(`the server did not start listening on ${socket}:\n${await log}`);
}

/** Run a block's script; resolves with its exit code and output. */
async function _run(script: string, path: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("bash", {
    args: ["-c", `set -euo pipefail\n${script}`],
    cwd: ROOT,
    env: { PATH: path, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), BLOCK_MS));
  const first = await Promise.race([child.status, deadline]);
  clearTimeout(timer);
  if (first === "late") {
    Deno.kill(-child.pid, "SIGKILL"); // the script and whatever it started
    await child.status;
  }
  const [stdout, stderr] = await output;
  const code = first === "late" ? -1 : first.code;
  return { code, output: `${first === "late" ? `(killed after ${BLOCK_MS} ms)\n` : ""}${stdout}${stderr}` };
}

const BLOCKS = _markdownFiles().flatMap(_blocks);
const SCRIPTS = BLOCKS.filter((b) => b.language === "sh");

Deno.test("every command the Markdown files show runs and succeeds, or is listed with the reason it cannot", async (t) => {
  const bin = await Deno.makeTempDir({ prefix: "netspawn-readme-bin-" });
  await Deno.symlink(Deno.execPath(), `${bin}/deno`);
  const server = await _startServer();
  try {
    for (const block of SCRIPTS) {
      const commands = _commands(block.text);
      await t.step(
        `${block.where}: ${commands.map((c) => NOT_RUN[c] === undefined ? c : `(${c})`).join("; ")}`,
        async () => {
          const script = commands.map((c) => NOT_RUN[c] === undefined ? _runnable(c, block.where) : `: not run`)
            .join("\n")
            .replaceAll("npx -y deno@2.9.6", "deno")
            .replaceAll("/tmp/netspawn.sock", server.socket)
            .replaceAll("/run/netspawn.sock", server.socket);
          if (commands.every((c) => NOT_RUN[c] !== undefined)) return;
          const { code, output } = await _run(script, `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`);
          assertEquals(code, 0, `${block.where} failed:\n${script}\n--- output:\n${output}`);
        },
      );
    }
  } finally {
    await server.stop();
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("every command listed as not run is still shown somewhere, with a reason", () => {
  const shown = new Set(SCRIPTS.flatMap((b) => _commands(b.text)));
  const stale = Object.keys(NOT_RUN).filter((c) => !shown.has(c));
  assertEquals(stale, [], "listed in NOT_RUN but in no Markdown file any more");
  for (const [command, reason] of Object.entries(NOT_RUN)) assert(reason.length > 10, `no reason for ${command}`);
});

Deno.test("every vector id a JSON example names exists", async () => {
  const ids = new Set((await loadVectors()).map((l) => l.vector.id));
  const named = BLOCKS.filter((b) => b.language === "json").flatMap((b) =>
    [...b.text.matchAll(/"(?:id|case)":\s*"((?:codec|server|client)\.[^"]+)"/g)].map((m) => ({
      where: b.where,
      id: m[1],
    }))
  );
  assert(named.length > 0, "the READMEs show vector ids");
  assertEquals(named.filter((n) => !ids.has(n.id)), []);
});

Deno.test("the command rule: continuation lines join, comments go, quoted # stays", () => {
  assertEquals(_commands("a \\\n  b # two\n# only a comment\n\nc '#x' \"# y\" # z"), ["a b", `c '#x' "# y"`]);
});
