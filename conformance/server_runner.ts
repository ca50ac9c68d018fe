/**
 * Running server vectors against a target: one server per set of server
 * options, cases in parallel, every vector also re-run with its sends split
 * (at every byte boundary, one byte at a time, or at random points), and a
 * server crash pinned on the case that caused it by re-running the cases in
 * flight one at a time on fresh servers.
 *
 * @module
 */

import { mapPool } from "./async.ts";
import { splitPoints } from "./codec_runner.ts";
import { type CaseOptions, observeServerCase, sendBytes, type Variant } from "./server_case.ts";
import type { ServerObservation } from "./server_expect.ts";
import type { ServerInstance, ServerTarget } from "./target.ts";
import { type CaseResult, caseResult } from "./verdict.ts";
import type { ServerVector } from "./vector.ts";

/**
 * How vectors are re-run with their sends split: `none`; `bytes` (one byte
 * per write); `every` (once per byte boundary); `random:N` (N runs, each
 * split at 1–3 random points, from `seed`).
 */
export type SplitMode = "none" | "bytes" | "every" | `random:${number}`;

/** Options of {@linkcode runServerVectors}. */
export interface ServerRunOptions extends CaseOptions {
  /** Where servers come from. */
  readonly target: ServerTarget;
  /** The vectors to run. */
  readonly vectors: readonly ServerVector[];
  /** Cases at once (default 4). */
  readonly jobs?: number;
  /** Split re-runs (default `bytes`). */
  readonly split?: SplitMode;
  /** Seed for `random:N` (default 1). */
  readonly seed?: number;
  /** A fresh server for every case (slower): no case can be hurt by what another did to a shared server. */
  readonly fresh?: boolean;
  /** Called with every result as it comes. */
  readonly onResult?: (result: CaseResult) => void;
}

/** Digits of a run's number in its `{tmp}` directory name: every run of a vector sends as many bytes. */
const _RUN_DIGITS = 6;

/**
 * The runs of a vector: `whole`, then its split re-runs. Run `i` gets
 * `{tmp}` = `tmpRoot/NNNNNN` (`i` in six digits), a directory it creates and
 * removes: the split points are computed on the bytes the `whole` run sends,
 * and every other run's bytes differ from those only in the digits of its
 * own directory, never in length, so the points fall where they were meant.
 *
 * @throws {RangeError} for more than 999,999 runs of one vector.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { variantsOf } from "./server_runner.ts";
 * import type { ServerVector } from "./vector.ts";
 * const vector = {
 *   id: "server.example.tmp", kind: "server", title: "t", level: "MUST", requirements: [], tags: [], profile: "sockexec/1",
 *   steps: [{ request: { argv: ["touch", "{tmp}/f"] } }], expect: { status: { exitcode: 0 } },
 * } as const satisfies ServerVector;
 * const runs = variantsOf(vector, "every", 1, "/tmp/runs/0");
 * // "1:2,5:touch,20:/tmp/runs/0/000000/f,0:," is 39 bytes: the whole run, then one split at each of 38 points.
 * assertEquals(runs.length, 39);
 * assertEquals(runs[0], { name: "whole", splits: null, tmp: "/tmp/runs/0/000000" });
 * assertEquals(runs[38], { name: "split@38", splits: [38], tmp: "/tmp/runs/0/000038" });
 * ```
 */
export function variantsOf(vector: ServerVector, mode: SplitMode, seed: number, tmpRoot: string): Variant[] {
  const runs: { name: string; splits: Variant["splits"] }[] = [{ name: "whole", splits: null }];
  const total = sendBytes(vector.steps, _runDir(tmpRoot, 0)).reduce((n, b) => n + b.length, 0);
  if (vector.split === false || mode === "none") {
    // the whole run only
  } else if (mode === "bytes") {
    runs.push({ name: "bytewise", splits: "bytewise" });
  } else if (mode === "every") {
    runs.push(...splitPoints(total).map((p) => ({ name: `split@${p}`, splits: [p] })));
  } else {
    const count = Number(mode.slice("random:".length));
    const random = _random(seed ^ _hash(vector.id));
    for (let i = 0; i < count && total > 1; i++) {
      const points = [
        ...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => 1 + Math.floor(random() * (total - 1)))),
      ]
        .sort((a, b) => a - b);
      runs.push({ name: `split@${points.join(",")}`, splits: points });
    }
  }
  if (runs.length >= 10 ** _RUN_DIGITS) throw new RangeError(`${vector.id}: ${runs.length} runs, at most 999999`);
  return runs.map((run, i) => ({ ...run, tmp: _runDir(tmpRoot, i) }));
}

function _runDir(tmpRoot: string, run: number): string {
  return `${tmpRoot}/${String(run).padStart(_RUN_DIGITS, "0")}`;
}

/**
 * Run server vectors; results come back in vector order.
 *
 * @example
 * ```ts ignore
 * import { runServerVectors } from "./server_runner.ts";
 * import { spawnTarget } from "./target.ts";
 * const results = await runServerVectors({ target: spawnTarget("sockexec {socket}"), vectors });
 * ```
 */
export async function runServerVectors(options: ServerRunOptions): Promise<CaseResult[]> {
  const groups = new Map<string, ServerVector[]>();
  for (const v of options.vectors) {
    const key = JSON.stringify(v.serverArgs ?? []);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const results: CaseResult[] = [];
  // Every run's {tmp} lives under one directory per vector in here (see variantsOf).
  const root = await Deno.makeTempDir({ prefix: "netspawn-conf-run-" });
  try {
    for (const [key, vectors] of groups) results.push(...await _runGroup(JSON.parse(key), vectors, options, root));
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  const order = new Map(options.vectors.map((v, i) => [v.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

async function _runGroup(
  args: string[],
  vectors: ServerVector[],
  options: ServerRunOptions,
  root: string,
): Promise<CaseResult[]> {
  const { target } = options;
  const cases = vectors.flatMap((v) =>
    variantsOf(v, options.split ?? "bytes", options.seed ?? 1, `${root}/${options.vectors.indexOf(v)}`)
      .map((variant) => ({ v, variant }))
  );
  const skipped = (v: ServerVector, why: string) => _special(v, "whole", "SKIP", why);
  const cannot = target.cannotStart(args);
  if (cannot !== undefined) return vectors.map((v) => _report(options, skipped(v, cannot)));
  const runnable = cases.filter(({ v }) => !v.local || target.local);
  const results = vectors.filter((v) => v.local && !target.local).map((v) =>
    _report(options, skipped(v, "needs the server on this machine (files, pids)"))
  );
  if (options.fresh) {
    const alone = await mapPool(runnable, options.jobs ?? 4, (c) => _isolated(c.v, c.variant, args, options));
    return [...results, ...alone.map((r) => _report(options, r))];
  }
  let server: ServerInstance;
  try {
    server = await target.start(args);
  } catch (error) {
    return [
      ...results,
      ...vectors.map((v) => _report(options, _special(v, "whole", "ERROR", `${(error as Error).message}`))),
    ];
  }
  const suspects: typeof runnable = [];
  let restarting: Promise<void> | undefined;
  let broken: string | undefined;
  const ok = await mapPool(runnable, options.jobs ?? 4, async (c) => {
    if (restarting) await restarting;
    if (broken !== undefined) return _report(options, _special(c.v, c.variant.name, "ERROR", broken));
    const used = server;
    const { result, observation } = await observeServerCase(c.v, used, c.variant, options);
    if (await _death(used, observation) === undefined) return _report(options, result);
    suspects.push(c);
    if (used === server && restarting === undefined) {
      restarting = used.stop().then(() => target.start(args)).then(
        (fresh) => void (server = fresh),
        (error) => void (broken = `restarting the server failed: ${(error as Error).message}`),
      ).finally(() => (restarting = undefined));
    }
    return undefined;
  });
  if (restarting) await restarting;
  if (broken === undefined) await server.stop();
  results.push(...ok.filter((r): r is CaseResult => r !== undefined));
  for (const c of suspects) results.push(_report(options, await _isolated(c.v, c.variant, args, options)));
  return results;
}

/** Re-run a case alone on a fresh server, to see whether it is the one that kills the server. */
async function _isolated(
  v: ServerVector,
  variant: Variant,
  args: string[],
  options: ServerRunOptions,
): Promise<CaseResult> {
  let server: ServerInstance;
  try {
    server = await options.target.start(args);
  } catch (error) {
    return _special(v, variant.name, "ERROR", (error as Error).message);
  }
  const { result, observation } = await observeServerCase(v, server, variant, options);
  const death = await _death(server, observation);
  await server.stop();
  const output = server.output().trim().split("\n").slice(-3).join(" | ");
  if (death === undefined) return result;
  return {
    ...result,
    verdict: "FAIL",
    reasons: [
      `the server ${death} during this case (run alone)${output ? `; it printed: ${output}` : ""}`,
      ...result.reasons,
    ],
  };
}

/** How the server ended during a case, if it did; a connection that ended without a status gets a moment to tell. */
function _death(server: ServerInstance, observation: ServerObservation): Promise<string | undefined> {
  const suspect = observation.decoded.statuses.length === 0 && !observation.closedByClient;
  return suspect && server.ended ? server.ended(250) : Promise.resolve(server.exited());
}

function _special(v: ServerVector, variant: string, verdict: "SKIP" | "ERROR", why: string): CaseResult {
  return caseResult(v, { variant, verdict, reasons: [why], durationMs: 0 });
}

function _report(options: ServerRunOptions, result: CaseResult): CaseResult {
  options.onResult?.(result);
  return result;
}

function _hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A small seeded generator (mulberry32), so random splits are reproducible. */
function _random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
