import { assert, assertEquals } from "@std/assert";
import { _latin1 } from "./_test_util.ts";
import { runParser } from "./drive.ts";
import { ERROR_CODES, type ErrorCode } from "./errors.ts";
import { EXAMPLES } from "./examples.ts";
import { concatBytes } from "./bytes.ts";
import type { CodecLimits } from "./limits.ts";
import { RequestParser } from "./request_parser.ts";
import { ResponseParser } from "./response_parser.ts";
import { ResponseWriter } from "./response_writer.ts";
import { SPEC } from "./spec.ts";
import { renderSpecMarkdown } from "./spec_markdown.ts";

Deno.test("protocol/SPEC.md is generated from spec.ts and current (run `deno task spec`)", async () => {
  const committed = await Deno.readTextFile(new URL("./SPEC.md", import.meta.url));
  assertEquals(committed, renderSpecMarkdown(SPEC));
});

Deno.test("requirement ids are unique and well formed, and profiles exist", () => {
  const ids = SPEC.requirements.map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length);
  const profiles = new Set(SPEC.profiles.map((p) => p.name));
  for (const r of SPEC.requirements) {
    assert(/^(ns|req|resp|srv|cli)(\.[a-z][a-z-]*)+$/.test(r.id), r.id);
    for (const p of r.profiles) assert(profiles.has(p), `${r.id}: unknown profile ${p}`);
  }
});

Deno.test("every protocol error code is tied to a requirement", () => {
  const referenced = new Set(SPEC.requirements.flatMap((r) => r.errors ?? []));
  const unreferenced = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
    (c) => ERROR_CODES[c].layer !== "usage" && !referenced.has(c),
  );
  assertEquals(unreferenced, []);
});

Deno.test("end of input, and a framing error wherever netstrings are parsed, are defined in every parser state", () => {
  // After the end marker the request parser no longer parses netstrings (req.trailing): no framing error there.
  const unparsed = new Set(["request-parser/stdin-closed"]);
  for (const m of SPEC.machines.filter((m) => m.direction === "parse")) {
    for (const state of Object.keys(m.states).filter((s) => !m.terminal.includes(s))) {
      const inputs = unparsed.has(`${m.name}/${state}`) ? ["eof"] : ["eof", "framing-error"];
      for (const input of inputs) {
        assert(m.transitions.some((t) => t.from === state && t.on === input), `${m.name}: ${state} lacks ${input}`);
      }
    }
  }
});

/** A row of SPEC.md's Limits table, as a reader sees it. */
interface _PublishedLimit {
  readonly scope: string;
  readonly value: number;
  readonly unit: string;
  readonly text: string;
}

/** The committed SPEC.md, as readers read it. */
function _specText(): Promise<string> {
  return Deno.readTextFile(new URL("./SPEC.md", import.meta.url));
}

/** The Limits table of SPEC.md. */
function _publishedLimits(markdown: string): Map<string, _PublishedLimit> {
  const start = markdown.indexOf("\n## Limits\n");
  assert(start >= 0, "SPEC.md has a Limits section");
  const section = markdown.slice(start, markdown.indexOf("\n## ", start + 1));
  const rows = new Map<string, _PublishedLimit>();
  for (const m of section.matchAll(/^\| `(\w+)` \| (\w+) \| (\d+) (\w+) \| [^|]* \| (.*) \|$/gm)) {
    rows.set(m[1], { scope: m[2], value: Number(m[3]), unit: m[4], text: m[5] });
  }
  return rows;
}

/** The error code a limit's text names ("rejected with CODE"). */
function _namedError(limit: _PublishedLimit): string {
  const code = /rejected with ([A-Z_]+)/.exec(limit.text)?.[1];
  if (code === undefined) throw new Error(`no "rejected with CODE" in: ${limit.text}`);
  return code;
}

/** What a request parser makes of these bytes so far (default limits unless given): the error code, or "ok". */
function _parse(text: string, limits: Partial<CodecLimits> = {}): string {
  return runParser(new RequestParser({ limits }), [_latin1(text)], { end: false }).error?.code ?? "ok";
}

Deno.test("the codec limits published in SPEC.md are the ones the decoders enforce by default, at their edges", async () => {
  const published = _publishedLimits(await _specText());
  const codec = [...published].filter(([, l]) => l.scope === "codec").map(([name]) => name).sort();
  assertEquals(codec, ["maxArgc", "maxArgvBytes", "maxLengthDigits", "maxNetstringLength"]);
  const request = "1:1,4:true,"; // a complete argv: what follows is stdin chunks
  const digits = published.get("maxLengthDigits")!.value;
  const edges: Record<string, (n: number) => string> = {
    // The digits of a stdin chunk's length. At the default payload limit (8 digits) a length is rejected for its
    // value before it could have too many digits, so the payload limit is raised to the most the digits allow.
    maxLengthDigits: (n) => _parse(`${request}1${"0".repeat(n - 1)}`, { maxNetstringLength: 10 ** digits - 1 }),
    // a stdin chunk's declared length
    maxNetstringLength: (n) => _parse(`${request}${n}:`),
    maxArgc: (n) => _parse(`${String(n).length}:${n},`),
    // one argument whose declared length alone crosses the total
    maxArgvBytes: (n) => _parse(`1:1,${n}:`),
  };
  for (const name of codec) {
    const limit = published.get(name)!;
    assertEquals([name, edges[name](limit.value)], [name, "ok"], `${name}: ${limit.value} ${limit.unit} is allowed`);
    assertEquals([name, edges[name](limit.value + 1)], [name, _namedError(limit)], `${name}: one more is rejected`);
  }
});

Deno.test("the output pair size the specification states is the response writer's default", async () => {
  const markdown = await _specText();
  const published = _publishedLimits(markdown).get("maxPairBytes");
  if (published === undefined) throw new Error("SPEC.md publishes no maxPairBytes");
  const prose = /at most maxPairBytes data bytes \((\d+) by default/.exec(markdown);
  assertEquals(Number(prose?.[1]), published.value, "the prose and the Limits table agree");
  const bytes = concatBytes([new ResponseWriter().output("stdout", new Uint8Array(published.value + 1))].flat());
  const { events, error } = runParser(new ResponseParser(), [bytes], { end: false });
  assertEquals(error, undefined);
  assertEquals(events.map((e) => e.type === "stdout" ? e.data.length : e.type), [published.value, 1]);
});

Deno.test("every example in the specification decodes", () => {
  for (const e of EXAMPLES) {
    const request = runParser(new RequestParser(), [_latin1(e.request)]);
    assertEquals(request.error, undefined, e.title);
    assertEquals(request.events[0].type, "argv", e.title);
    const response = runParser(new ResponseParser(), [_latin1(e.response)]);
    assertEquals(response.error, undefined, e.title);
    assertEquals(response.events.at(-1)?.type, "end", e.title);
  }
});
