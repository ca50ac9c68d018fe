import { assertEquals } from "@std/assert";
import { lookupProgram, ProgramLocator } from "./program_path.ts";
import { canonicalProgramPath, ProgramPolicy } from "./policy.ts";
import { withTempDir } from "./_test_util.ts";

Deno.test("lookup: execvp's order, directories and non-executables skipped, precise reasons", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/a/tool`, { recursive: true });
    Deno.mkdirSync(`${dir}/b`);
    Deno.mkdirSync(`${dir}/c`);
    Deno.writeTextFileSync(`${dir}/b/tool`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/b/tool`, 0o644);
    Deno.writeTextFileSync(`${dir}/c/tool`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/c/tool`, 0o755);
    const path = `${dir}/a:${dir}/b:${dir}/c`;
    assertEquals(lookupProgram("tool", path), { ok: true, path: `${dir}/c/tool` });
    assertEquals(lookupProgram("tool", `${dir}/a:${dir}/b`), { ok: false, exitCode: 126, reason: "permission denied" });
    assertEquals(lookupProgram("none", path), { ok: false, exitCode: 127, reason: "program not found" });
    assertEquals(lookupProgram(`${dir}/a/tool`, path), { ok: false, exitCode: 126, reason: "is a directory" });
    assertEquals(lookupProgram("./c/tool", path, dir), { ok: true, path: "./c/tool" });

    const locator = new ProgramLocator(path);
    assertEquals(locator.lookup("tool"), { ok: true, path: `${dir}/c/tool` });
    Deno.chmodSync(`${dir}/b/tool`, 0o755);
    Deno.renameSync(`${dir}/b/tool`, `${dir}/b/tool2`);
    Deno.renameSync(`${dir}/b/tool2`, `${dir}/b/tool`);
    assertEquals(
      locator.lookup("tool"),
      { ok: true, path: `${dir}/b/tool` },
      "the cache sees a change earlier in PATH",
    );
    Deno.removeSync(`${dir}/b/tool`);
    Deno.removeSync(`${dir}/c/tool`);
    assertEquals(locator.lookup("tool").ok, false, "the cache sees the program go");
  });
});

Deno.test("policy: canonical directories, last component kept", async () => {
  await withTempDir((dir) => {
    Deno.mkdirSync(`${dir}/real`);
    Deno.symlinkSync(`${dir}/real`, `${dir}/link`);
    Deno.writeTextFileSync(`${dir}/real/multi`, "#!/bin/sh\n");
    Deno.chmodSync(`${dir}/real/multi`, 0o755);
    Deno.symlinkSync(`${dir}/real/multi`, `${dir}/real/alias`);
    const policy = ProgramPolicy.fromList(["multi"], `${dir}/link`);
    assertEquals(policy.allows(`${dir}/real/multi`), true);
    assertEquals(policy.allows(`${dir}/link/multi`), true);
    assertEquals(policy.allows(`${dir}/real/alias`), false, "another name of the same file is not allowed");
    assertEquals(canonicalProgramPath(`${dir}/link/../real/multi`), `${Deno.realPathSync(dir)}/real/multi`);
  });
});
