// The npm package's README, made from the client's: its own install notes, nothing only Deno users can follow.
import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { npmReadme } from "./npm_readme.ts";

const DIR = new URL("../clients/ts/", import.meta.url);
const read = (name: string) => Deno.readTextFileSync(new URL(name, DIR));

Deno.test("the npm README has the package's install and first example, and no Deno-only notes", () => {
  const readme = npmReadme(read("README.md"), read);
  assertStringIncludes(readme, read("npm_install.md"));
  assertStringIncludes(readme, 'import { exec } from "netspawn";');
  for (const deno of ["deno task", "npx -y deno", "./clients/ts/", "deno run", "Deno, from the repository"]) {
    assert(!readme.includes(deno), `the npm README mentions ${JSON.stringify(deno)}`);
  }
  assert(!readme.includes("npm-readme"), "no markers left");
  // The reference part is the repository's own, unchanged.
  for (
    const heading of ["## Addresses", "## `exec(address, argv, options)`", "## Errors", "## The `netspawn` command"]
  ) {
    assertStringIncludes(readme, `\n${heading}\n`);
  }
});

Deno.test("npmReadme: regions are replaced or omitted; a marker left open is an error", () => {
  const files: Record<string, string> = { "a.md": "A" };
  const region = (what: string, text: string) => `<!-- npm-readme: ${what} -->\n${text}<!-- /npm-readme -->\n`;
  assertEquals(
    npmReadme(`x\n${region("replace with a.md", "r\n")}y\n${region("omit", "o\n")}z\n`, (n) => files[n]),
    "x\nA\ny\nz\n",
  );
  assertThrows(
    () => npmReadme("<!-- npm-readme: omit -->\nno end\n", (n) => files[n]),
    Error,
    "unmatched or malformed",
  );
  assertThrows(
    () => npmReadme("<!-- npm-readme: drop -->\nx\n<!-- /npm-readme -->\n", (n) => files[n]),
    Error,
    "malformed",
  );
});
