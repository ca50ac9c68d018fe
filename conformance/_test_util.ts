// Helpers for the kit's own tests (not part of its API).
import { loadVectors } from "./load.ts";
import type { CaseResult } from "./verdict.ts";
import type { Vector } from "./vector.ts";

/** The kit's vectors of one kind, optionally only these ids. */
export async function _vectors<K extends Vector["kind"]>(
  kind: K,
  ids?: string[],
): Promise<Extract<Vector, { kind: K }>[]> {
  const all = (await loadVectors()).map((l) => l.vector).filter((v): v is Extract<Vector, { kind: K }> =>
    v.kind === kind
  );
  if (ids === undefined) return all;
  const picked = ids.map((id) => all.find((v) => v.id === id));
  if (picked.some((v) => v === undefined)) throw new Error(`unknown vector in ${ids.join(", ")}`);
  return picked as Extract<Vector, { kind: K }>[];
}

/** id → verdict, and the first reason of each. */
export function _verdicts(results: readonly CaseResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [`${r.id} [${r.variant}]`, r.verdict]));
}

/** The command line that runs a fake in conformance/fakes/ with the repository's import map. */
export function _fake(name: string, args: string): string {
  const config = new URL("../deno.json", import.meta.url).pathname;
  const script = new URL(`./fakes/${name}`, import.meta.url).pathname;
  return `${Deno.execPath()} run -A --config ${config} ${script} ${args}`;
}
