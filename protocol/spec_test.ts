import { assert, assertEquals } from "@std/assert";
import { _latin1 } from "./_test_util.ts";
import { runParser } from "./drive.ts";
import { ERROR_CODES, type ErrorCode } from "./errors.ts";
import { EXAMPLES } from "./examples.ts";
import { DEFAULT_CODEC_LIMITS, LIMITS } from "./limits.ts";
import { RequestParser } from "./request_parser.ts";
import { ResponseParser } from "./response_parser.ts";
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

Deno.test("end of input is defined in every non-terminal state of every parser", () => {
  for (const m of SPEC.machines.filter((m) => m.direction === "parse")) {
    for (const state of Object.keys(m.states).filter((s) => !m.terminal.includes(s))) {
      for (const input of ["eof", "framing-error"]) {
        assert(m.transitions.some((t) => t.from === state && t.on === input), `${m.name}: ${state} lacks ${input}`);
      }
    }
  }
});

Deno.test("the codec limit defaults are the published defaults", () => {
  for (const [name, value] of Object.entries(DEFAULT_CODEC_LIMITS)) {
    assertEquals(LIMITS[name as keyof typeof LIMITS].default, value, name);
  }
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
