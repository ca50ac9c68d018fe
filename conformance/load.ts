/**
 * Loading the vectors: every JSON file under a directory, checked against
 * the JSON Schema and against the specification (requirement ids, profiles,
 * levels), with every problem reported at once.
 *
 * @module
 */

import { Ajv, type ErrorObject } from "ajv";
import { SPEC } from "../protocol/mod.ts";
import type { Level, Vector, VectorFile } from "./vector.ts";

/** The directory of the vectors shipped with the kit. */
export const VECTORS_DIR: URL = new URL("./vectors/", import.meta.url);

/** The JSON Schema of a vector file. */
export const SCHEMA_URL: URL = new URL("./schema/vectors.schema.json", import.meta.url);

/** A vector as loaded, with the file it came from. */
export interface LoadedVector {
  /** The vector. */
  readonly vector: Vector;
  /** Path of its file, relative to the vectors directory. */
  readonly file: string;
}

/** The vectors are not all valid; `problems` lists each one. */
export class VectorLoadError extends Error {
  /** Stable error code. */
  readonly code = "BAD_VECTORS";
  /** One line per problem: `file: id: what`. */
  readonly problems: readonly string[];

  /** Create an error listing the problems. */
  constructor(problems: readonly string[]) {
    super(`${problems.length} problem(s) in the vectors:\n  ${problems.join("\n  ")}`);
    this.name = "VectorLoadError";
    this.problems = problems;
  }
}

const _RANK: Record<Level, number> = { MAY: 0, SHOULD: 1, MUST: 2 };

/**
 * Load, validate and return every vector under `dir`, sorted by id.
 *
 * @throws {VectorLoadError} listing every problem found.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { loadVectors } from "./load.ts";
 * const loaded = await loadVectors(); // the kit's own vectors, checked against the schema and the specification
 * const kinds = new Set(loaded.map((l) => l.vector.kind));
 * assert(kinds.has("codec") && kinds.has("server") && kinds.has("client"));
 * ```
 */
export async function loadVectors(dir: URL = VECTORS_DIR): Promise<LoadedVector[]> {
  const validate = await _compileSchema();
  const problems: string[] = [];
  const loaded: LoadedVector[] = [];
  for (const file of await _jsonFiles(dir)) {
    let data: unknown;
    try {
      data = JSON.parse(await Deno.readTextFile(new URL(file, dir)));
    } catch (error) {
      problems.push(`${file}: not JSON: ${(error as Error).message}`);
      continue;
    }
    if (!validate(data)) {
      problems.push(...(validate.errors ?? []).slice(0, 5).map((e) => `${file}: ${_describe(e, data)}`));
      continue;
    }
    for (const vector of (data as VectorFile).vectors) {
      problems.push(...checkVector(vector, file).map((p) => `${file}: ${vector.id}: ${p}`));
      loaded.push({ vector, file });
    }
  }
  const seen = new Map<string, string>();
  for (const { vector, file } of loaded) {
    const other = seen.get(vector.id);
    if (other !== undefined) problems.push(`${file}: ${vector.id}: id also used in ${other}`);
    seen.set(vector.id, file);
  }
  if (problems.length > 0) throw new VectorLoadError(problems);
  return loaded.sort((a, b) => (a.vector.id < b.vector.id ? -1 : a.vector.id > b.vector.id ? 1 : 0));
}

/**
 * What is wrong with a schema-valid vector against the specification: unknown
 * requirement ids or profile, a level that is not the strongest of its
 * requirements, an id whose prefix is not its kind, a file in another kind's folder.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { checkVector } from "./load.ts";
 * const problems = checkVector({
 *   id: "codec.ns.x", title: "x", kind: "codec", codec: "netstring", direction: "decode",
 *   requirements: ["ns.nope"], level: "MUST", tags: [], profile: "sockexec/1", input: "", expect: { values: [] },
 * }, "codec/x.json");
 * assertEquals(problems.length, 1); // ns.nope is no requirement of the specification
 * ```
 */
export function checkVector(vector: Vector, file: string): string[] {
  const problems: string[] = [];
  let strongest: Level = "MAY";
  for (const id of vector.requirements) {
    const r = SPEC.requirements.find((r) => r.id === id);
    if (r === undefined) problems.push(`unknown requirement "${id}"`);
    else if (_RANK[r.level] > _RANK[strongest]) strongest = r.level;
  }
  if (problems.length === 0 && vector.level !== strongest) {
    problems.push(`level ${vector.level}, but its strongest requirement is ${strongest}`);
  }
  if (!SPEC.profiles.some((p) => p.name === vector.profile && p.status === "stable")) {
    problems.push(`unknown profile "${vector.profile}"`);
  }
  if (!vector.id.startsWith(`${vector.kind}.`)) problems.push(`id must start with "${vector.kind}."`);
  if (!file.startsWith(`${vector.kind}/`)) problems.push(`a ${vector.kind} vector must live in ${vector.kind}/`);
  if (vector.kind === "server" && vector.readAfterSending && vector.steps.some((s) => "await" in s)) {
    problems.push("a vector that reads only after sending cannot await output");
  }
  return problems;
}

async function _compileSchema() {
  const schema = JSON.parse(await Deno.readTextFile(SCHEMA_URL));
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}

async function _jsonFiles(dir: URL, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(prefix, dir))) {
    if (entry.isDirectory) out.push(...await _jsonFiles(dir, `${prefix}${entry.name}/`));
    else if (entry.name.endsWith(".json")) out.push(`${prefix}${entry.name}`);
  }
  return out.sort();
}

function _describe(error: ErrorObject, data: unknown): string {
  const match = /^\/vectors\/(\d+)/.exec(error.instancePath);
  const id = match ? ((data as VectorFile).vectors[Number(match[1])] as { id?: string })?.id : undefined;
  return `${id ?? "?"}: ${error.instancePath || "/"} ${error.message ?? "is invalid"}`;
}
