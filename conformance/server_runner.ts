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

/** The variants a vector runs in. */
export function variantsOf(vector: ServerVector, mode: SplitMode, seed: number): Variant[] {
  const variants: Variant[] = [{ name: "whole", splits: null }];
  if (vector.split === false || mode === "none") return variants;
  const total = sendBytes(vector.steps, "/tmp/x").reduce((n, b) => n + b.length, 0);
  if (mode === "bytes") return [...variants, { name: "bytewise", splits: "bytewise" }];
  if (mode === "every") {
    return [...variants, ...splitPoints(total).map((p) => ({ name: `split@${p}`, splits: [p] }))];
  }
  const count = Number(mode.slice("random:".length));
  const random = _random(seed ^ _hash(vector.id));
  for (let i = 0; i < count && total > 1; i++) {
    const points = [
      ...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => 1 + Math.floor(random() * (total - 1)))),
    ]
      .sort((a, b) => a - b);
    variants.push({ name: `split@${points.join(",")}`, splits: points });
  }
  return variants;
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
  for (const [key, vectors] of groups) results.push(...await _runGroup(JSON.parse(key), vectors, options));
  const order = new Map(options.vectors.map((v, i) => [v.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

async function _runGroup(args: string[], vectors: ServerVector[], options: ServerRunOptions): Promise<CaseResult[]> {
  const { target } = options;
  const cases = vectors.flatMap((v) =>
    variantsOf(v, options.split ?? "bytes", options.seed ?? 1).map((variant) => ({ v, variant }))
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
