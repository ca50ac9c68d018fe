/**
 * The npm package's README, made from the client's own (`clients/ts/README.md`):
 * the same reference, with the repository's install notes replaced by the
 * package's and the Deno-only notes left out. Regions of the README say what
 * becomes of them:
 *
 * ```md
 * <!-- npm-readme: replace with npm_install.md -->
 * …text for readers of the repository…
 * <!-- /npm-readme -->
 *
 * <!-- npm-readme: omit -->
 * …Deno-only text…
 * <!-- /npm-readme -->
 * ```
 *
 * `replace with FILE` takes FILE (beside the README) instead; `omit` drops
 * the region. The markers themselves never reach the package.
 *
 * @module
 */

const _REGION = /<!-- npm-readme: (omit|replace with (\S+)) -->\n([\s\S]*?)<!-- \/npm-readme -->\n/g;

/**
 * The npm README for `readme`; `read(name)` gives the text of a file named by
 * a `replace with` marker.
 *
 * @throws {Error} for a marker that is malformed or left open.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { npmReadme } from "./npm_readme.ts";
 * const readme = [
 *   "# client",
 *   "<!-- npm-readme: replace with npm_install.md -->",
 *   "Import ./clients/ts/mod.ts in Deno.",
 *   "<!-- /npm-readme -->",
 *   "## API",
 *   "<!-- npm-readme: omit -->",
 *   "Run `deno task exec`.",
 *   "<!-- /npm-readme -->",
 *   "",
 * ].join("\n");
 * const files: Record<string, string> = { "npm_install.md": "npm install netspawn\n" };
 * assertEquals(npmReadme(readme, (name) => files[name]), "# client\nnpm install netspawn\n## API\n");
 * ```
 */
export function npmReadme(readme: string, read: (name: string) => string): string {
  const out = readme.replace(_REGION, (_whole, _what: string, file: string | undefined) => {
    if (file === undefined) return "";
    const text = read(file);
    return text.endsWith("\n") ? text : `${text}\n`;
  });
  const stray = /<!-- \/?npm-readme\b[^>]*-->/.exec(out);
  if (stray !== null) throw new Error(`README: unmatched or malformed marker ${stray[0]}`);
  return out;
}
