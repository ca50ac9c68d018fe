/**
 * The client adapters that ship with the kit, runnable by name:
 * `deno task conformance client --adapter python`. A name resolves to a
 * command line; anything else given to `--adapter` is run as a command.
 * Each adapter names the programs and files it needs, so a missing
 * interpreter is reported as such (exit status 2), not as 57 failed cases.
 *
 * @module
 */

/** A program an adapter runs, and how to get it. */
export interface RequiredProgram {
  /** Its name, looked up in `PATH` (and in `/usr/sbin`, `/sbin`). */
  readonly program: string;
  /** How to install it, for the error message. */
  readonly install: string;
}

/** A file of the repository an adapter needs, and how to make it. */
export interface RequiredFile {
  /** Path relative to the repository root. */
  readonly path: string;
  /** How to make it, for the error message. */
  readonly make: string;
  /** An environment variable that, when set, names the directory holding the file instead of the path's first component. */
  readonly dirEnv?: string;
}

/** One bundled adapter. */
export interface BundledAdapter {
  /** The name given to `--adapter`. */
  readonly name: string;
  /** The client it tests, in a few words. */
  readonly description: string;
  /** The command line; `{root}` is the repository root, `{deno}` the running Deno (both shell-quoted). */
  readonly command: string;
  /** Programs it needs. */
  readonly requires: readonly RequiredProgram[];
  /** Repository files it needs. */
  readonly files: readonly RequiredFile[];
}

/** Every bundled adapter, by name. */
export const BUNDLED_ADAPTERS: readonly BundledAdapter[] = [
  {
    name: "python",
    description: "the Python client (clients/python), blocking API",
    command: "python3 {root}/conformance/adapters/python.py",
    requires: [{ program: "python3", install: "apt-get install python3" }],
    files: [{ path: "conformance/adapters/python.py", make: "part of the repository" }],
  },
  {
    name: "perl",
    description: "the Perl client (clients/perl, Netspawn::Client)",
    command: "perl {root}/conformance/adapters/perl.pl",
    requires: [{ program: "perl", install: "apt-get install perl" }],
    files: [{ path: "conformance/adapters/perl.pl", make: "part of the repository" }],
  },
  {
    name: "lua",
    description: "the Lua client (clients/lua) on LuaSocket, under Lua 5.4",
    command: "lua5.4 {root}/conformance/adapters/lua.lua",
    requires: [{ program: "lua5.4", install: "apt-get install lua5.4 lua-socket" }],
    files: [{ path: "conformance/adapters/lua.lua", make: "part of the repository" }],
  },
  {
    name: "resty",
    description: "the Lua client inside nginx (OpenResty cosockets)",
    command: "{root}/conformance/adapters/resty.sh",
    requires: [{ program: "nginx", install: "apt-get install nginx libnginx-mod-http-lua" }],
    files: [{ path: "conformance/adapters/resty.sh", make: "part of the repository" }],
  },
  {
    name: "ts-deno",
    description: "the TypeScript client from its sources, under Deno",
    command: "{deno} run -A --config {root}/deno.json {root}/conformance/adapters/ts_deno.ts",
    requires: [],
    files: [{ path: "conformance/adapters/ts_deno.ts", make: "part of the repository" }],
  },
  {
    name: "ts-node",
    description: "the TypeScript client as built for npm, under Node.js",
    command: "node {root}/conformance/adapters/ts_node.mjs",
    requires: [{ program: "node", install: "apt-get install nodejs" }],
    files: [{
      path: "npm/esm/clients/ts/mod.js",
      make: "run `deno task build:npm` first",
      dirEnv: "NETSPAWN_NPM_PACKAGE",
    }],
  },
];

/** The repository root, without a trailing slash. */
const _ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The bundled adapter with this name, or undefined.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { bundledAdapter } from "./bundled_adapters.ts";
 * assert(bundledAdapter("python")?.requires[0].program === "python3");
 * assert(bundledAdapter("python3 my_adapter.py") === undefined);
 * ```
 */
export function bundledAdapter(name: string): BundledAdapter | undefined {
  return BUNDLED_ADAPTERS.find((a) => a.name === name);
}

/**
 * The command line of a bundled adapter, with the repository root and the
 * running Deno filled in (shell-quoted: paths may hold spaces).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { adapterCommand, bundledAdapter } from "./bundled_adapters.ts";
 * const command = adapterCommand(bundledAdapter("perl")!, { root: "/src/net spawn", deno: "deno" });
 * assert(command === "perl '/src/net spawn'/conformance/adapters/perl.pl");
 * ```
 */
export function adapterCommand(adapter: BundledAdapter, where: { root?: string; deno?: string } = {}): string {
  const root = _shellQuote(where.root ?? _ROOT);
  const deno = _shellQuote(where.deno ?? Deno.execPath());
  return adapter.command.replaceAll("{root}", root).replaceAll("{deno}", deno);
}

/**
 * Why a bundled adapter cannot run here: each missing program or file, with
 * how to get it. Empty when it can run.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { bundledAdapter, missingForAdapter } from "./bundled_adapters.ts";
 * const problems = missingForAdapter(bundledAdapter("lua")!, { path: "/nonexistent" });
 * assert(problems[0].startsWith("lua5.4 is not installed"));
 * ```
 */
export function missingForAdapter(
  adapter: BundledAdapter,
  where: { root?: string; path?: string; env?: (name: string) => string | undefined } = {},
): string[] {
  const root = where.root ?? _ROOT;
  const env = where.env ?? ((name: string) => Deno.env.get(name));
  const problems: string[] = [];
  for (const { program, install } of adapter.requires) {
    if (findProgram(program, where.path) === undefined) problems.push(`${program} is not installed (${install})`);
  }
  for (const { path, make, dirEnv } of adapter.files) {
    const dir = dirEnv === undefined ? undefined : env(dirEnv);
    const file = dir ? `${dir.replace(/\/$/, "")}/${path.slice(path.indexOf("/") + 1)}` : `${root}/${path}`;
    if (!_isFile(file)) problems.push(`${dir ? file : path} is missing (${make})`);
  }
  return problems;
}

/**
 * The full path of a program found in `path` (default: `$PATH`), then in
 * `/usr/sbin` and `/sbin`; undefined when there is none.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { findProgram } from "./bundled_adapters.ts";
 * assert(findProgram("sh") !== undefined && findProgram("no-such-program-x") === undefined);
 * ```
 */
export function findProgram(program: string, path: string | undefined = Deno.env.get("PATH")): string | undefined {
  const dirs = [...(path ?? "").split(":").filter((d) => d !== ""), "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const candidate = `${dir}/${program}`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function _isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function _shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
