// Tests that can fail: plant a bug in a copy of the decoder and check that the codec vectors
// catch it, naming the vectors that do.
import { assert, assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);

interface Mutant {
  readonly name: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** Vectors that must fail (others may fail too). */
  readonly caughtBy: readonly string[];
}

const MUTANTS: readonly Mutant[] = [
  {
    name: "a leading zero is accepted",
    file: "protocol/netstring.ts",
    from: "} else if (this.#value === 0) {",
    to: "} else if (false) {",
    caughtBy: ["codec.ns.leading-zero", "codec.ns.double-zero", "codec.resp.data-leading-zero"],
  },
  {
    name: "the closing comma is not checked",
    file: "protocol/netstring.ts",
    from: "if (b !== COMMA) {",
    to: "if (false) {",
    caughtBy: ["codec.ns.missing-comma", "codec.ns.wrong-terminator", "codec.req.stdin-missing-comma"],
  },
  {
    name: "the payload limit lets one byte too many through",
    file: "protocol/netstring.ts",
    from: "if (this.#value > this.#maxLength) {",
    to: "if (this.#value > this.#maxLength + 1) {",
    caughtBy: ["codec.ns.limit-over-edge", "codec.ns.default-limit-over"],
  },
  {
    name: "argc 0 is accepted",
    file: "protocol/request_parser.ts",
    from: "if (b === _ZERO && this.#argc === 0) {",
    to: "if (b === _ZERO && this.#argc === 0 && this.#length !== 1) {",
    caughtBy: ["codec.req.argc-zero"],
  },
];

async function copyTree(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(new URL(`${entry.name}/`, from), `${to}/${entry.name}`);
    else await Deno.copyFile(new URL(entry.name, from), `${to}/${entry.name}`);
  }
}

for (const mutant of MUTANTS) {
  Deno.test(`planted bug is caught by the codec vectors: ${mutant.name}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "netspawn-mutant-" });
    try {
      for (const sub of ["protocol", "conformance"]) await copyTree(new URL(`${sub}/`, ROOT), `${dir}/${sub}`);
      for (const file of ["deno.json", "deno.lock"]) await Deno.copyFile(new URL(file, ROOT), `${dir}/${file}`);
      const source = await Deno.readTextFile(`${dir}/${mutant.file}`);
      assert(source.includes(mutant.from), `the mutation site moved: ${mutant.from}`);
      await Deno.writeTextFile(`${dir}/${mutant.file}`, source.replace(mutant.from, mutant.to));
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "conformance/main.ts", "codec", "--json"],
        cwd: dir,
        stderr: "inherit",
      }).output();
      assertEquals(out.code, 1, "the vectors must fail against the mutant");
      const report = JSON.parse(new TextDecoder().decode(out.stdout)) as { results: { id: string; verdict: string }[] };
      const failed = new Set(report.results.filter((r) => r.verdict === "FAIL").map((r) => r.id));
      for (const id of mutant.caughtBy) {
        assert(failed.has(id), `${id} did not catch it (failed: ${[...failed].join(", ")})`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
