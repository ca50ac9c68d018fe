/**
 * The command line of the conformance runner, parsed and checked (no I/O).
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { type Address, parseAddress } from "../protocol/mod.ts";
import { adapterCommand, BUNDLED_ADAPTERS, type BundledAdapter, bundledAdapter } from "./bundled_adapters.ts";
import type { SplitMode } from "./server_runner.ts";

/** Usage text. */
export const USAGE = `netspawn conformance kit: test any sockexec-protocol server or client library

Usage:
  deno task conformance server (--unix PATH | --tcp HOST:PORT | --spawn 'CMD {socket}') [options]
  deno task conformance client --adapter NAME|'CMD' [options]
  deno task conformance codec [options]

Targets:
  --unix PATH          a server listening on this UNIX socket
  --tcp HOST:PORT      a server listening on this TCP address
  --spawn 'CMD'        start the server per set of options the vectors need: {socket} becomes a
                       fresh UNIX socket path, {port} a free port on 127.0.0.1, {args} the options
                       (placed before {socket}/{port} when absent). Example:
                       --spawn 'deno run -A server/main.ts {socket}'
  --adapter NAME|'CMD' client mode: a bundled adapter by name, ${BUNDLED_ADAPTERS.map((a) => a.name).join(", ")},
                       or the command of the library's adapter (conformance/README.md)
  --transport unix|tcp client mode: where the fake servers listen (default unix)

Selection and reports:
  --run GLOB           run vectors whose id, or tag:NAME, matches (repeatable, or comma-separated)
  --skip GLOB          skip matching vectors (repeatable, or comma-separated)
  --expect-fail FILE   known failures, one glob per line; a listed case that passes fails the run
  --list               list the selected vectors instead of running them
  --json               print the report as JSON
  --junit              print the report as JUnit XML
  -o, --output FILE    write the --json or --junit report to FILE and print the text report
  -v, --verbose        one line per run, PASS included

Running:
  --split MODE         server: also run each vector with its sends split: none, bytes (one byte
                       per write), every (at each byte boundary) or random:N (default bytes)
  --seed N             seed for random splits (default 1)
  --fresh              server: start a fresh server for every case (--spawn only; slower, but no
                       case is hurt by what another did to a shared server)
  --jobs N             cases at once (default 4)
  --timeout MS         time limit of a case whose vector sets none (default 10000, client 15000)
  --vectors DIR        use the vectors in DIR instead of the kit's own

Exit status: 0 when every case passed (NON-STRICT, SKIP and expected failures count as passed),
1 when a case failed, 2 when the runner could not run (bad options, bad vectors, no server).
`;

/** Parsed options. */
export interface RunnerOptions {
  /** Which kind of vectors to run. */
  readonly mode: "server" | "client" | "codec";
  /** Server mode: the server under test. */
  readonly target?: { readonly kind: "address"; readonly address: Address } | {
    readonly kind: "spawn";
    readonly template: string;
  };
  /** Client mode: the adapter command (a bundled adapter's, resolved). */
  readonly adapter?: string;
  /** Client mode: the bundled adapter `--adapter` named, if it named one. */
  readonly bundled?: BundledAdapter;
  /** Client mode: where fake servers listen. */
  readonly transport: "unix" | "tcp";
  /** `--run` globs. */
  readonly run: string[];
  /** `--skip` globs. */
  readonly skip: string[];
  /** The `--expect-fail` file. */
  readonly expectFail?: string;
  /** List instead of run. */
  readonly list: boolean;
  /** Report format on stdout (or in `output`). */
  readonly format: "text" | "json" | "junit";
  /** Where to write the JSON or JUnit report. */
  readonly output?: string;
  /** One line per run. */
  readonly verbose: boolean;
  /** Server mode: split re-runs. */
  readonly split: SplitMode;
  /** Server mode: a fresh server per case. */
  readonly fresh: boolean;
  /** Seed of random splits. */
  readonly seed: number;
  /** Cases at once. */
  readonly jobs: number;
  /** Per-case limit for vectors that set none. */
  readonly timeoutMs?: number;
  /** Another vector directory. */
  readonly vectors?: string;
}

/** A command line the runner cannot use. */
export class UsageError extends Error {
  /** Stable error code. */
  readonly code = "USAGE";

  /** Create an error with what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const _STRINGS = [
  "unix",
  "tcp",
  "spawn",
  "adapter",
  "transport",
  "run",
  "skip",
  "expect-fail",
  "output",
  "split",
  "seed",
  "jobs",
  "timeout",
  "vectors",
];
const _BOOLEANS = ["list", "json", "junit", "verbose", "help", "fresh"];

/**
 * Parse the runner's arguments, or `"help"`.
 *
 * @throws {UsageError} naming the first problem.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseRunnerArgs } from "./cli.ts";
 * const o = parseRunnerArgs(["server", "--unix", "/run/x.sock", "--split", "every"]);
 * assertEquals(o !== "help" && [o.mode, o.target, o.split], [
 *   "server",
 *   { kind: "address", address: { transport: "unix", path: "/run/x.sock" } },
 *   "every",
 * ]);
 * assertEquals(parseRunnerArgs(["--help"]), "help");
 * ```
 */
export function parseRunnerArgs(args: readonly string[]): RunnerOptions | "help" {
  const unknown: string[] = [];
  const flags = parseArgs([...args], {
    string: _STRINGS,
    boolean: _BOOLEANS,
    collect: ["run", "skip"],
    alias: { o: "output", v: "verbose", h: "help" },
    unknown: (arg: string) => {
      if (arg.startsWith("-")) unknown.push(arg);
      return true;
    },
  }) as Record<string, unknown> & { _: (string | number)[] };
  if (flags.help) return "help";
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`);
  const [mode, ...rest] = flags._.map(String);
  if (mode !== "server" && mode !== "client" && mode !== "codec") {
    throw new UsageError(mode === undefined ? "missing mode: server, client or codec" : `unknown mode "${mode}"`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const str = (name: string) => flags[name] as string | undefined;
  const list = (name: string) =>
    ((flags[name] as string[] | undefined) ?? []).flatMap((s) => s.split(",")).filter((s) => s);
  const int = (name: string, fallback: number, min: number) => {
    const text = str(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer of at least ${min}, got "${text}"`);
    }
    return n;
  };
  const split = str("split") ?? "bytes";
  if (!/^(none|bytes|every|random:[1-9]\d*)$/.test(split)) {
    throw new UsageError(`--split must be none, bytes, every or random:N, got "${split}"`);
  }
  const transport = str("transport") ?? "unix";
  if (transport !== "unix" && transport !== "tcp") {
    throw new UsageError(`--transport must be unix or tcp, got "${transport}"`);
  }
  if (flags.json && flags.junit) throw new UsageError("choose one of --json and --junit");
  const format = flags.json ? "json" : flags.junit ? "junit" : "text";
  if (str("output") !== undefined && format === "text") throw new UsageError("--output needs --json or --junit");
  if (flags.fresh && str("spawn") === undefined) throw new UsageError("--fresh needs --spawn");
  return {
    mode,
    target: mode === "server" ? _target(str("unix"), str("tcp"), str("spawn"), flags.list === true) : undefined,
    adapter: mode === "client" ? _adapter(str("adapter"), flags.list === true) : undefined,
    bundled: mode === "client" ? bundledAdapter(str("adapter") ?? "") : undefined,
    transport,
    run: list("run"),
    skip: list("skip"),
    expectFail: str("expect-fail"),
    list: flags.list === true,
    format,
    output: str("output"),
    verbose: flags.verbose === true,
    split: split as SplitMode,
    fresh: flags.fresh === true,
    seed: int("seed", 1, 0),
    jobs: int("jobs", 4, 1),
    timeoutMs: str("timeout") === undefined ? undefined : int("timeout", 0, 1),
    vectors: str("vectors"),
  };
}

function _target(
  unix: string | undefined,
  tcp: string | undefined,
  spawn: string | undefined,
  listing: boolean,
): RunnerOptions["target"] {
  const given = [unix, tcp, spawn].filter((x) => x !== undefined);
  if (given.length > 1) throw new UsageError("give one of --unix, --tcp and --spawn");
  if (given.length === 0) {
    if (listing) return undefined;
    throw new UsageError("server mode needs --unix PATH, --tcp HOST:PORT or --spawn 'CMD {socket}'");
  }
  if (spawn !== undefined) {
    if (!spawn.includes("{socket}") && !spawn.includes("{port}")) {
      throw new UsageError("--spawn needs {socket} or {port} in the command");
    }
    return { kind: "spawn", template: spawn };
  }
  if (unix !== undefined) {
    if (!unix.startsWith("/")) throw new UsageError("--unix needs an absolute path");
    return { kind: "address", address: { transport: "unix", path: unix } };
  }
  let address: Address;
  try {
    address = parseAddress(tcp!.startsWith("tcp://") ? tcp! : `tcp://${tcp}`);
  } catch (error) {
    throw new UsageError(`bad address "${tcp}": ${(error as Error).message}`);
  }
  if (address.transport !== "tcp") throw new UsageError(`bad address "${tcp}": expected HOST:PORT`);
  return { kind: "address", address };
}

function _adapter(adapter: string | undefined, listing: boolean): string | undefined {
  if (adapter === undefined && !listing) throw new UsageError("client mode needs --adapter NAME or --adapter 'CMD'");
  const bundled = bundledAdapter(adapter ?? "");
  return bundled === undefined ? adapter : adapterCommand(bundled);
}
