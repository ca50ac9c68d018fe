/**
 * Builds the npm package `netspawn` from `clients/ts/` — what dnt does,
 * without dnt (JSR-only, unreachable here):
 *
 * 1. compile the client, its CLI and the protocol core it drives with `tsc`
 *    (from npm) into ES modules and `.d.ts` files: `esm/clients/ts/…` and
 *    `esm/protocol/…`, relative imports rewritten from `.ts` to `.js`;
 * 2. write `package.json` (`exports`, `types`, `bin`, `engines`,
 *    `sideEffects: false`, no dependencies), the README (the client's, with
 *    the package's own install notes: `npm_readme.ts`) and the LICENSE;
 * 3. run the client's tests, compiled into the same tree, under `node --test`,
 *    then the conformance kit's client vectors through the Node.js adapter
 *    (`conformance/adapters/ts_node.mjs`) against the built package.
 *
 * ESM only: Node.js ≥ 20.19 and ≥ 22.12 `require()` ES modules, and a single
 * copy of the module keeps `instanceof` on the error classes reliable.
 *
 * Usage: `deno task build:npm [--out DIR] [--no-test]` (default `npm/`).
 * `typescript` and `@types/node` are installed with npm into `dist/npm-tools/`
 * on first use.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { _VERSION } from "../clients/ts/_version.ts";
import { npmReadme } from "./npm_readme.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const TOOLS = `${ROOT}/dist/npm-tools`;
const TOOL_VERSIONS = { typescript: "5.9.3", "@types/node": "20.19.25" } as const;

/** Test files that need Deno (the real server, Deno APIs) stay out of the Node.js run. */
function _isPortableTest(source: string): boolean {
  return !/\bDeno\./.test(source) && !source.includes('"../../server/');
}

/** What the build was asked to do. */
export interface BuildOptions {
  /** Where the package goes (emptied first). */
  readonly out: string;
  /** Run the tests and conformance vectors on the built package. */
  readonly test: boolean;
}

/** Build the package; throws on any failure. */
export async function buildNpm(options: BuildOptions): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as { version: string; license: string };
  if (config.version !== _VERSION) {
    throw new Error(`clients/ts/_version.ts says ${_VERSION}, deno.json says ${config.version}: make them agree`);
  }
  await _ensureTools();
  await Deno.remove(options.out, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(options.out, { recursive: true });
  const tests = await _portableTests();
  await _compile(options.out, tests);
  await _finishCli(options.out);
  await _writePackageJson(options.out, config.version, config.license);
  await _writeReadme(options.out);
  await Deno.copyFile(`${ROOT}/LICENSE`, `${options.out}/LICENSE`);
  console.log(`built netspawn@${config.version} in ${options.out}`);
  if (!options.test) return;
  await _run("node", [
    "--test",
    "--test-reporter=spec",
    ...tests.map((t) => `${options.out}/esm/clients/ts/${t.replace(/\.ts$/, ".js")}`),
  ]);
  await _run(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-net",
    "--allow-env",
    `${ROOT}/conformance/main.ts`,
    "client",
    "--adapter",
    `node ${ROOT}/conformance/adapters/ts_node.mjs`,
  ], { NETSPAWN_NPM_PACKAGE: options.out });
}

async function _ensureTools(): Promise<void> {
  const wanted = JSON.stringify({ private: true, dependencies: TOOL_VERSIONS }, null, 2);
  const current = await Deno.readTextFile(`${TOOLS}/package.json`).catch(() => "");
  const installed = await Deno.stat(`${TOOLS}/node_modules/typescript/bin/tsc`).then(() => true, () => false);
  if (current === wanted && installed) return;
  await Deno.mkdir(TOOLS, { recursive: true });
  await Deno.writeTextFile(`${TOOLS}/package.json`, wanted);
  await _run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {}, TOOLS);
}

async function _portableTests(): Promise<string[]> {
  const tests: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}/clients/ts`)) {
    if (!entry.isFile || !entry.name.endsWith("_test.ts")) continue;
    if (_isPortableTest(await Deno.readTextFile(`${ROOT}/clients/ts/${entry.name}`))) tests.push(entry.name);
  }
  return tests.sort();
}

async function _compile(out: string, tests: readonly string[]): Promise<void> {
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2022", "DOM", "DOM.AsyncIterable", "ESNext.Disposable"],
      types: ["node"],
      typeRoots: [`${TOOLS}/node_modules/@types`],
      rootDir: ROOT,
      outDir: `${out}/esm`,
      declaration: true,
      rewriteRelativeImportExtensions: true,
      allowImportingTsExtensions: true,
      esModuleInterop: true,
      strict: true,
      skipLibCheck: true,
      noEmitOnError: true,
      newLine: "lf",
    },
    files: [
      `${ROOT}/clients/ts/mod.ts`,
      `${ROOT}/clients/ts/cli.ts`,
      `${ROOT}/protocol/mod.ts`,
      ...tests.map((t) => `${ROOT}/clients/ts/${t}`),
    ],
  };
  const path = `${TOOLS}/tsconfig.build.json`;
  await Deno.writeTextFile(path, JSON.stringify(tsconfig, null, 2));
  await _run("node", [`${TOOLS}/node_modules/typescript/bin/tsc`, "-p", path]);
}

async function _finishCli(out: string): Promise<void> {
  const cli = `${out}/esm/clients/ts/cli.js`;
  await Deno.writeTextFile(cli, `#!/usr/bin/env node\n${await Deno.readTextFile(cli)}`);
  await Deno.chmod(cli, 0o755);
}

/** The client's README, with the package's own install notes (see npm_readme.ts). */
async function _writeReadme(out: string): Promise<void> {
  const dir = `${ROOT}/clients/ts`;
  const readme = npmReadme(
    await Deno.readTextFile(`${dir}/README.md`),
    (name) => Deno.readTextFileSync(`${dir}/${name}`),
  );
  await Deno.writeTextFile(`${out}/README.md`, readme);
}

async function _writePackageJson(out: string, version: string, license: string): Promise<void> {
  const entry = (path: string) => ({ types: `./esm/${path}.d.ts`, default: `./esm/${path}.js` });
  const pkg = {
    name: "netspawn",
    version,
    description:
      "Run programs on a netspawn or sockexec server over UNIX or TCP sockets (the sockexec netstring exec protocol): exec, streaming spawn, and a `netspawn exec` CLI.",
    license,
    keywords: ["sockexec", "netstring", "exec", "spawn", "unix-socket", "remote-execution"],
    type: "module",
    main: "./esm/clients/ts/mod.js",
    types: "./esm/clients/ts/mod.d.ts",
    exports: {
      ".": entry("clients/ts/mod"),
      "./protocol": entry("protocol/mod"),
      "./package.json": "./package.json",
    },
    bin: { netspawn: "./esm/clients/ts/cli.js" },
    files: ["esm/", "!esm/**/*_test.*", "!esm/clients/ts/_test_*"],
    engines: { node: ">=18" },
    sideEffects: false,
  };
  await Deno.writeTextFile(`${out}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
}

async function _run(command: string, args: readonly string[], env: Record<string, string> = {}, cwd = ROOT) {
  const { code } = await new Deno.Command(command, { args: [...args], cwd, env, stdout: "inherit", stderr: "inherit" })
    .output();
  if (code !== 0) throw new Error(`${command} ${args.slice(0, 3).join(" ")} … exited with ${code}`);
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["out"],
    boolean: ["test", "help"],
    negatable: ["test"],
    default: { test: true },
  });
  if (flags.help) {
    console.log("Usage: deno task build:npm [--out DIR] [--no-test]");
  } else {
    const out = flags.out === undefined
      ? `${ROOT}/npm`
      : await Deno.realPath(".").then((cwd) => flags.out!.startsWith("/") ? flags.out! : `${cwd}/${flags.out}`);
    try {
      await buildNpm({ out, test: flags.test });
    } catch (error) {
      console.error(`build:npm: ${error instanceof Error ? error.message : error}`);
      Deno.exit(1);
    }
  }
}
