import { assertEquals, assertThrows } from "@std/assert";
import { concat, utf8 } from "./_test_util.ts";
import { UsageError } from "./errors.ts";
import { encodeRequest, RequestWriter, validateArgv } from "./request_writer.ts";
import { ResponseWriter } from "./response_writer.ts";
import { runParser } from "./drive.ts";
import { ResponseParser } from "./response_parser.ts";

const text = (b: Uint8Array | Uint8Array[]) => new TextDecoder().decode(b instanceof Uint8Array ? b : concat(b));

Deno.test("the request writer produces argc, argv, chunks and the end marker", () => {
  const w = new RequestWriter();
  assertEquals(w.state, "argv");
  assertEquals(text(w.argv(["printf", "[%s]", "", "x"])), "1:4,6:printf,4:[%s],0:,1:x,");
  assertEquals(w.state, "stdin");
  assertEquals(text(w.stdin("hello")), "5:hello,");
  assertEquals(w.stdin(""), []);
  assertEquals(w.stdin(new Uint8Array(0)), []);
  assertEquals(text(w.stdinEnd()), "0:,");
  assertEquals(w.state, "closed");
});

Deno.test("the request writer refuses steps out of order, producing nothing", () => {
  assertThrows(() => new RequestWriter().stdin("x"), UsageError, "INVALID_STATE");
  assertThrows(() => new RequestWriter().stdinEnd(), UsageError, "INVALID_STATE");
  const w = new RequestWriter();
  w.argv(["cat"]);
  assertThrows(() => w.argv(["cat"]), UsageError, "INVALID_STATE");
  w.stdinEnd();
  assertThrows(() => w.stdin("x"), UsageError, "INVALID_STATE");
  assertThrows(() => w.stdinEnd(), UsageError, "INVALID_STATE");
});

Deno.test("argv it cannot carry is refused", () => {
  assertThrows(() => validateArgv([]), UsageError, "INVALID_ARGUMENT");
  assertThrows(() => validateArgv(["a\0b"]), UsageError, "argv[0] contains a NUL");
  assertThrows(() => validateArgv(["echo", Uint8Array.of(1, 0)]), UsageError, "argv[1]");
  const w = new RequestWriter();
  assertThrows(() => w.argv([]), UsageError);
  assertEquals(w.state, "argv");
});

Deno.test("encodeRequest builds whole requests", () => {
  assertEquals(text(encodeRequest({ argv: ["uname"] })), "1:1,5:uname,0:,");
  assertEquals(text(encodeRequest({ argv: ["cat"], stdin: "hi" })), "1:1,3:cat,2:hi,0:,");
  assertEquals(text(encodeRequest({ argv: ["cat"], stdin: "" })), "1:1,3:cat,0:,");
  assertEquals(text(encodeRequest({ argv: ["true"], end: false })), "1:1,4:true,");
  assertEquals(text(encodeRequest({ argv: ["é"] })), "1:1,2:é,0:,");
});

Deno.test("the response writer sends output, then one status, last", () => {
  const w = new ResponseWriter();
  const data = utf8("Linux\n");
  assertEquals(text(w.output("stdout", data)), "6:stdout,6:Linux\n,");
  assertEquals(text(w.output("stderr", "e")), "6:stderr,1:e,");
  assertEquals(w.output("stdout", ""), new Uint8Array(0));
  assertEquals(text(w.status({ exitCode: 255, signal: null })), "8:exitcode,3:255,");
  assertEquals(w.state, "done");
  assertThrows(() => w.output("stdout", "late"), UsageError, "INVALID_STATE");
  assertThrows(() => w.status({ exitCode: 0, signal: null }), UsageError, "INVALID_STATE");
  assertEquals(text(new ResponseWriter().status({ exitCode: null, signal: "TERM" })), "7:termsig,4:TERM,");
});

Deno.test("output pairs carry at most maxPairBytes (4096 by default), all in one buffer", () => {
  const data = Uint8Array.from({ length: 4096 * 2 + 5 }, (_, i) => i % 251);
  const out = new ResponseWriter().output("stdout", data);
  const { events, error } = runParser(new ResponseParser(), [
    out,
    new ResponseWriter().status({ exitCode: 0, signal: null }),
  ]);
  assertEquals(error, undefined);
  const pairs = events.filter((e) => e.type === "stdout").map((e) => e.type === "stdout" ? e.data.length : 0);
  assertEquals(pairs, [4096, 4096, 5]);
  assertEquals(
    text(new ResponseWriter({ maxPairBytes: 3 }).output("stderr", "abcdefg")),
    "6:stderr,3:abc,6:stderr,3:def,6:stderr,1:g,",
  );
  assertEquals(text(new ResponseWriter({ maxPairBytes: 3 }).output("stderr", "abc")), "6:stderr,3:abc,");
  assertThrows(() => new ResponseWriter({ maxPairBytes: 0 }), UsageError, "INVALID_ARGUMENT");
});

Deno.test("the response writer's probe is an empty stdout pair, allowed only before the status", () => {
  const w = new ResponseWriter();
  assertEquals(text(w.probe()), "6:stdout,0:,");
  w.status({ exitCode: 0, signal: null });
  assertThrows(() => w.probe(), UsageError, "INVALID_STATE");
});

Deno.test("the response writer refuses statuses the protocol cannot carry", () => {
  for (const exitCode of [-1, 256, 1.5, NaN]) {
    assertThrows(() => new ResponseWriter().status({ exitCode, signal: null }), UsageError, "INVALID_ARGUMENT");
  }
  for (const signal of ["", "SIG TERM", "term", "15"]) {
    assertThrows(() => new ResponseWriter().status({ exitCode: null, signal }), UsageError, "INVALID_ARGUMENT");
  }
  const w = new ResponseWriter();
  assertThrows(() => w.status({ exitCode: 300, signal: null }));
  assertEquals(w.state, "running");
});
