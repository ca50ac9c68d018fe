// The npm package end to end: build it (which runs the client's tests and the client conformance vectors
// on it under Node.js), `npm pack` it, install the tarball into an empty Node.js project, and use it there
// — library, `netspawn/protocol`, types, and the `netspawn` bin — against netspawn's own server.

import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "../server/mod.ts";
import { buildNpm } from "./build_npm.ts";
import { npmReadme } from "./npm_readme.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const TSC = `${ROOT}/dist/npm-tools/node_modules/typescript/bin/tsc`;

async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd,
    env: options.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? ""));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

async function ok(command: string, args: readonly string[], cwd?: string): Promise<string> {
  const result = await run(command, args, { cwd });
  assert.equal(result.code, 0, `${command} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const SMOKE = `
import { Buffer } from "node:buffer";
import { exec, spawn, Client, SpawnError, NetspawnError, UsageError, parseAddress } from "netspawn";
import { encodeRequest } from "netspawn/protocol";
const address = process.argv[2];
const out = {};
out.echo = await exec(address, ["echo", "hello from node"], { encoding: "utf-8" });
const child = spawn(address, ["sh", "-c", "wc -c; exit 5"]);
const writer = child.stdin.getWriter();
for (let i = 0; i < 64; i++) await writer.write(new Uint8Array(16384));
await writer.close();
out.spawn = { stdout: (await new Response(child.stdout).text()).trim(), status: await child.status };
await child.stderr.cancel().catch(() => {});
try { await new Client(address).exec(["/nonexistent/cmd"]); } catch (e) {
  out.spawnError = { isSpawnError: e instanceof SpawnError, isNetspawnError: e instanceof NetspawnError, code: e.code, message: e.message };
}
try { await exec(address, []); } catch (e) { out.usage = e instanceof UsageError && e.code; }
out.address = parseAddress("[::1]:7");
out.request = Buffer.from(encodeRequest({ argv: ["uname"] })).toString();
console.log(JSON.stringify(out));
`;

const TYPED = `
import { exec, spawn, type ExecResult, type Child, NetspawnError } from "netspawn";
import { encodeRequest } from "netspawn/protocol";
const text: Promise<ExecResult<string>> = exec("unix:/x", ["true"], { encoding: "utf-8" });
const bytes: Promise<ExecResult<Uint8Array>> = exec("unix:/x", ["true"], { stdin: new Uint8Array(1), timeout: 5 });
const child: Child = spawn("tcp://[::1]:7", ["cat"], { stdin: "null" });
const stream: ReadableStream<Uint8Array> = child.stdout;
const code: string = new (class extends NetspawnError { readonly code = "TIMEOUT" as const })("x").code;
const encoded: Uint8Array = encodeRequest({ argv: ["uname"] });
void [text, bytes, stream, code, encoded];
`;

const CONSUMER = {
  noEmit: true,
  strict: true,
  skipLibCheck: false,
  target: "es2022",
  module: "nodenext",
  moduleResolution: "nodenext",
  lib: ["es2022", "dom", "dom.asynciterable"],
  types: [],
};

test("npm package: builds and tests under Node.js, packs, installs into an empty project, and works there", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "netspawn-npm-" });
  const server = await startServer({ listen: [{ transport: "unix", path: `${tmp}/s.sock` }] });
  try {
    const pkg = `${tmp}/package`;
    await buildNpm({ out: pkg, test: true });

    const manifest = JSON.parse(await Deno.readTextFile(`${pkg}/package.json`));
    assert.equal(manifest.name, "netspawn");
    assert.equal(manifest.version, JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).version);
    assert.deepEqual([manifest.type, manifest.sideEffects, manifest.dependencies], ["module", false, undefined]);
    assert.deepEqual(manifest.engines, { node: ">=18" });
    const readme = (name: string) => Deno.readTextFileSync(`${ROOT}/clients/ts/${name}`);
    assert.equal(await Deno.readTextFile(`${pkg}/README.md`), npmReadme(readme("README.md"), readme));

    const packed = JSON.parse(await ok("npm", ["pack", "--json", "--pack-destination", tmp], pkg));
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    assert.ok(files.includes("README.md") && files.includes("LICENSE"));
    assert.ok(files.includes("esm/clients/ts/mod.d.ts") && files.includes("esm/protocol/mod.js"));
    assert.deepEqual(files.filter((f) => /_test|\.ts$/.test(f) && !f.endsWith(".d.ts")), [], "no tests, no sources");

    const project = `${tmp}/project`;
    await Deno.mkdir(project);
    await Deno.writeTextFile(`${project}/package.json`, '{ "private": true, "type": "module" }\n');
    await ok("npm", ["install", "--offline", "--no-audit", "--no-fund", `${tmp}/${packed[0].filename}`], project);

    await Deno.writeTextFile(`${project}/smoke.mjs`, SMOKE);
    const smoke = JSON.parse(await ok("node", ["smoke.mjs", `unix:${tmp}/s.sock`], project));
    assert.deepEqual(smoke.echo, { stdout: "hello from node\n", stderr: "", exitCode: 0, signal: null });
    assert.deepEqual(smoke.spawn, { stdout: "1048576", status: { exitCode: 5, signal: null } });
    assert.deepEqual(smoke.spawnError, {
      isSpawnError: true,
      isNetspawnError: true,
      code: "SPAWN_FAILED",
      message: "netspawn: cannot run /nonexistent/cmd: program not found",
    });
    assert.equal(smoke.usage, "INVALID_ARGUMENT");
    assert.deepEqual(smoke.address, { transport: "tcp", hostname: "::1", port: 7 });
    assert.equal(smoke.request, "1:1,5:uname,0:,");

    const bin = await run(`${project}/node_modules/.bin/netspawn`, [
      "exec",
      `unix:${tmp}/s.sock`,
      "--",
      "sh",
      "-c",
      "tr a-z A-Z; exit 4",
    ], {
      stdin: "piped through the bin",
    });
    assert.deepEqual(bin, { code: 4, stdout: "PIPED THROUGH THE BIN", stderr: "" });

    // A consumer type-checks against the .d.ts files (strict, nodenext, no @types/node, no skipLibCheck).
    await Deno.writeTextFile(`${project}/typed.ts`, TYPED);
    await Deno.writeTextFile(
      `${project}/tsconfig.json`,
      JSON.stringify({ compilerOptions: CONSUMER, files: ["typed.ts"] }),
    );
    await ok("node", [TSC, "-p", "tsconfig.json"], project);
  } finally {
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
