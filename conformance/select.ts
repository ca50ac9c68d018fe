/**
 * Choosing cases: `--run` and `--skip` globs over vector ids and tags, and
 * the `--expect-fail` list.
 *
 * @module
 */

import type { Vector } from "./vector.ts";

/**
 * A matcher for a glob: `*` is any run of characters, `?` one character.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { globMatcher } from "./select.ts";
 * const matches = globMatcher("server.exec.*");
 * assertEquals([matches("server.exec.echo"), matches("server.execute"), matches("client.exec.echo")], [true, false, false]);
 * ```
 */
export function globMatcher(glob: string): (text: string) => boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  const re = new RegExp(`^${source}$`);
  return (text) => re.test(text);
}

/** Which vectors to run. */
export interface Selection {
  /** Globs; a vector runs when its id or one of its tags (as `tag:NAME`) matches one. Empty: all. */
  readonly run?: readonly string[];
  /** Globs; a matching vector does not run. */
  readonly skip?: readonly string[];
}

/**
 * Whether a vector is selected.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isSelected } from "./select.ts";
 * const v = { id: "server.exec.echo", tags: ["exec"] };
 * assertEquals([isSelected(v, { run: ["tag:exec"] }), isSelected(v, { run: ["tag:timing"] })], [true, false]);
 * assertEquals(isSelected(v, { skip: ["server.*"] }), false);
 * ```
 */
export function isSelected(vector: Pick<Vector, "id" | "tags">, selection: Selection): boolean {
  const keys = [vector.id, ...vector.tags.map((t) => `tag:${t}`)];
  const hit = (globs: readonly string[]) => globs.some((g) => keys.some(globMatcher(g)));
  if (selection.run && selection.run.length > 0 && !hit(selection.run)) return false;
  return !(selection.skip && hit(selection.skip));
}

/**
 * Parse an expect-fail file: one glob per line; `#` starts a comment.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseExpectFail } from "./select.ts";
 * assertEquals(parseExpectFail("a.b  # known\n\n# c\nd.*"), ["a.b", "d.*"]);
 * ```
 */
export function parseExpectFail(text: string): string[] {
  return text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l.length > 0);
}
