import { assertEquals } from "@std/assert";
import { _bytewise, _latin1, _normalResponse, _run, utf8 } from "./_test_util.ts";
import { ResponseParser } from "./response_parser.ts";

function parse(input: string): string {
  const bytes = _latin1(input);
  const whole = _normalResponse(_run(() => new ResponseParser(), [bytes]));
  assertEquals(_normalResponse(_run(() => new ResponseParser(), _bytewise(bytes))), whole, "bytewise differs");
  return whole;
}

const out = (type: string, s: string) => `${type}(${Array.from(_latin1(s)).join(".")})`;
const exit = (code: number) => JSON.stringify({ type: "status", status: { exitCode: code, signal: null } });
const sig = (name: string) => JSON.stringify({ type: "status", status: { exitCode: null, signal: name } });
const END = JSON.stringify({ type: "end" });

Deno.test("parses the responses sockexec sends", () => {
  assertEquals(parse("6:stdout,6:Linux\n,8:exitcode,1:0,"), [out("stdout", "Linux\n"), exit(0), END].join(" "));
  assertEquals(parse("8:exitcode,1:0,"), [exit(0), END].join(" "));
  assertEquals(parse("8:exitcode,2:42,"), [exit(42), END].join(" "));
  assertEquals(parse("8:exitcode,3:255,"), [exit(255), END].join(" "));
  assertEquals(
    parse("6:stdout,4:out\n,6:stderr,4:err\n,8:exitcode,1:3,"),
    [out("stdout", "out\n"), out("stderr", "err\n"), exit(3), END].join(" "),
  );
  for (const name of ["TERM", "KILL", "SEGV", "HUP", "USR1", "ABRT", "???", "RTMIN+6"]) {
    assertEquals(parse(`7:termsig,${name.length}:${name},`), [sig(name), END].join(" "));
  }
});

Deno.test("output pairs of one stream concatenate; pair boundaries carry no meaning", () => {
  assertEquals(
    parse("6:stdout,5:hello,6:stdout,1: ,6:stdout,5:world,8:exitcode,1:0,"),
    [out("stdout", "hello world"), exit(0), END].join(" "),
  );
  assertEquals(parse("6:stdout,0:,8:exitcode,1:0,"), [exit(0), END].join(" "));
});

Deno.test("output after the status belongs to the response (sockexec sends it)", () => {
  assertEquals(
    parse("8:exitcode,1:0,6:stdout,4:late,6:stderr,1:!,"),
    [exit(0), out("stdout", "late"), out("stderr", "!"), END].join(" "),
  );
});

Deno.test("output is binary-safe", () => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
  assertEquals(parse(`6:stdout,256:${all},8:exitcode,1:0,`), [out("stdout", all), exit(0), END].join(" "));
});

Deno.test("rejects unknown pair types, at the length when it rules them out", () => {
  assertEquals(parse("7:unknown,1:x,8:exitcode,1:0,"), "error:UNKNOWN_PAIR_TYPE@0");
  assertEquals(parse("6:STDOUT,1:x,"), "error:UNKNOWN_PAIR_TYPE@0");
  assertEquals(parse("5:"), "error:UNKNOWN_PAIR_TYPE@0");
  assertEquals(parse("9:"), "error:UNKNOWN_PAIR_TYPE@0");
  assertEquals(parse("0:,"), "error:UNKNOWN_PAIR_TYPE@0");
  assertEquals(parse("8:exitcode,1:0,7:unknown,0:,"), [exit(0), "error:UNKNOWN_PAIR_TYPE@15"].join(" "));
});

Deno.test("rejects malformed status values", () => {
  for (const bad of ["256", "01", "-1", "", "1 ", "x", "1000"]) {
    assertEquals(parse(`8:exitcode,${bad.length}:${bad},`), "error:BAD_EXITCODE@11", `exitcode ${JSON.stringify(bad)}`);
  }
  for (const bad of ["", "term", "15", "TERM ", "SIG TERM", "??", "AVERYLONGSIGNALNAME"]) {
    assertEquals(parse(`7:termsig,${bad.length}:${bad},`), "error:BAD_TERMSIG@10", `termsig ${JSON.stringify(bad)}`);
  }
});

Deno.test("exactly one status", () => {
  assertEquals(parse(""), "error:CLOSED_WITHOUT_STATUS@0");
  assertEquals(parse("6:stdout,2:hi,"), [out("stdout", "hi"), "error:CLOSED_WITHOUT_STATUS@14"].join(" "));
  assertEquals(parse("8:exitcode,1:0,7:termsig,4:TERM,"), [exit(0), "error:DUPLICATE_STATUS@15"].join(" "));
  assertEquals(parse("8:exitcode,1:0,8:exitcode,1:0,"), [exit(0), "error:DUPLICATE_STATUS@15"].join(" "));
});

Deno.test("end of input inside a pair", () => {
  assertEquals(parse("6:stdout,"), "error:EOF_IN_PAIR@9");
  assertEquals(parse("8:exitcode,"), "error:EOF_IN_PAIR@11");
  assertEquals(parse("8:exitcode,1:0,6:stderr,"), [exit(0), "error:EOF_IN_PAIR@24"].join(" "));
  assertEquals(parse("6:stdout,5:hel"), [out("stdout", "hel"), "error:EOF_IN_PAYLOAD@14"].join(" "));
  assertEquals(parse("6:std"), "error:EOF_IN_PAYLOAD@5");
  assertEquals(parse("8:exitcode,1:0,6"), [exit(0), "error:EOF_IN_LENGTH@16"].join(" "));
});

Deno.test("output is streamed as it arrives", () => {
  const parser = new ResponseParser();
  parser.push(utf8("6:stdout,100:abc"));
  const event = parser.next();
  assertEquals(event?.type, "stdout");
  assertEquals(parser.next(), undefined);
  assertEquals(parser.retained, 0);
});

Deno.test("the output limit applies to output data", () => {
  assertEquals(
    _normalResponse(_run(() => new ResponseParser({ limits: { maxNetstringLength: 8 } }), [utf8("6:stdout,9:")])),
    "error:PAYLOAD_TOO_LARGE@9",
  );
});
