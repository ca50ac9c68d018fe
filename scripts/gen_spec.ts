// Writes protocol/SPEC.md from protocol/spec.ts. `--check` only reports whether the file is current.
import { renderSpecMarkdown, SPEC } from "../protocol/mod.ts";

if (import.meta.main) {
  const path = new URL("../protocol/SPEC.md", import.meta.url);
  const wanted = renderSpecMarkdown(SPEC);
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(path).catch(() => "");
    if (current !== wanted) {
      console.error("protocol/SPEC.md is stale: run `deno task spec`");
      Deno.exit(1);
    }
    console.log("protocol/SPEC.md is current");
  } else {
    await Deno.writeTextFile(path, wanted);
    console.log(`wrote protocol/SPEC.md (${wanted.length} bytes)`);
  }
}
