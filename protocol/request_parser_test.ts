import { assertEquals, assertThrows } from "@std/assert";
import { _bytewise, _latin1, _normalRequest, _run, utf8 } from "./_test_util.ts";
import { runParser } from "./drive.ts";
import { ProtocolError } from "./errors.ts";
import type { CodecLimits } from "./limits.ts";
import { type RequestEvent, RequestParser } from "./request_parser.ts";

function parse(input: string, limits: Partial<CodecLimits> = {}): string {
  const bytes = _latin1(input);
  const whole = _normalRequest(_run(() => new RequestParser({ limits }), [bytes]));
  assertEquals(_normalRequest(_run(() => new RequestParser({ limits }), _bytewise(bytes))), whole, "bytewise differs");
  return whole;
}

const argv = (...args: string[]) =>
  JSON.stringify({ type: "argv", argv: args.map((a) => Array.from(utf8(a)).join(".")) });
const stdin = (s: string) => `stdin(${Array.from(utf8(s)).join(".")})`;
const END = JSON.stringify({ type: "stdin-end", cause: "marker" });
const EOF_END = JSON.stringify({ type: "stdin-end", cause: "eof" });
const CLOSED = JSON.stringify({ type: "closed" });

Deno.test("parses the requests sockexec's clients send", () => {
  assertEquals(parse("1:1,5:uname,0:,"), [argv("uname"), END, CLOSED].join(" "));
  assertEquals(parse("1:2,4:echo,5:hello,0:,"), [argv("echo", "hello"), END, CLOSED].join(" "));
  assertEquals(parse("1:1,3:cat,5:hello,1: ,5:world,0:,"), [argv("cat"), stdin("hello world"), END, CLOSED].join(" "));
  assertEquals(
    parse("1:3,6:printf,4:[%s],0:,1:x,0:,"),
    [argv("printf", "[%s]", ""), stdin("x"), END, CLOSED].join(" "),
  );
});

Deno.test("the end marker is optional: end of input after argv ends stdin", () => {
  assertEquals(parse("1:1,4:true,"), [argv("true"), EOF_END, CLOSED].join(" "));
  assertEquals(parse("1:1,3:cat,2:hi,"), [argv("cat"), stdin("hi"), EOF_END, CLOSED].join(" "));
});

Deno.test("repeated end markers are ignored (lua-resty-exec sends two for empty stdin)", () => {
  assertEquals(parse("1:1,3:cat,0:,0:,"), [argv("cat"), END, CLOSED].join(" "));
  assertEquals(parse("1:1,3:cat,0:,0:,0:,"), [argv("cat"), END, CLOSED].join(" "));
});

Deno.test("a connection closed before any byte is no request", () => {
  assertEquals(parse(""), CLOSED);
});

Deno.test("rejects a bad argc at the first byte that makes it invalid", () => {
  const cases: [string, number][] = [["0", 2], ["x", 2], ["-1", 2], ["01", 2], [" 1", 2], ["1 ", 3], ["+1", 2], [
    "1.0",
    3,
  ]];
  for (const [bad, at] of cases) {
    const input = `${bad.length}:${bad},5:uname,0:,`;
    assertEquals(parse(input), `error:BAD_ARGC@${at}`, `argc ${JSON.stringify(bad)}`);
  }
  assertEquals(parse("0:,5:uname,"), "error:BAD_ARGC@0");
  assertEquals(parse("01:1,"), "error:LEADING_ZERO@1");
});

Deno.test("a bad argc is rejected before the rest of its netstring arrives", () => {
  const parser = new RequestParser();
  parser.push(utf8("3:a"));
  const error = assertThrows(() => parser.next(), ProtocolError);
  assertEquals([error.code, error.offset], ["BAD_ARGC", 2]);
});

Deno.test("maxArgc: the limit is accepted, one more is rejected, longer lengths at once", () => {
  const limits = { maxArgc: 3 };
  assertEquals(parse("1:3,1:a,1:b,1:c,", limits), [argv("a", "b", "c"), EOF_END, CLOSED].join(" "));
  assertEquals(parse("1:4,", limits), "error:ARGC_TOO_LARGE@2");
  assertEquals(parse("2:", limits), "error:ARGC_TOO_LARGE@0");
  assertEquals(parse("4:4096,"), "error:INCOMPLETE_REQUEST@7");
  assertEquals(parse("4:4097,"), "error:ARGC_TOO_LARGE@5");
  assertEquals(parse("5:"), "error:ARGC_TOO_LARGE@0");
});

Deno.test("maxArgvBytes: the limit is accepted, one more byte is rejected at the length", () => {
  const limits = { maxArgvBytes: 6 };
  assertEquals(parse("1:2,3:abc,3:def,", limits), [argv("abc", "def"), EOF_END, CLOSED].join(" "));
  assertEquals(parse("1:2,3:abc,4:", limits), "error:ARGV_TOO_LARGE@10");
  assertEquals(parse("1:1,7:", limits), "error:ARGV_TOO_LARGE@4");
});

Deno.test("rejects a NUL in an argument at the NUL byte, never truncates", () => {
  assertEquals(parse("1:1,3:a\x00b,"), "error:ARG_CONTAINS_NUL@7");
  assertEquals(parse("1:2,4:echo,1:\x00,"), "error:ARG_CONTAINS_NUL@13");
});

Deno.test("end of input before argv is complete is an incomplete request", () => {
  assertEquals(parse("1:2,"), "error:INCOMPLETE_REQUEST@4");
  assertEquals(parse("1:2,4:echo,"), "error:INCOMPLETE_REQUEST@11");
  assertEquals(parse("1:2,4:ec"), "error:EOF_IN_PAYLOAD@8");
  assertEquals(parse("1:"), "error:EOF_IN_PAYLOAD@2");
  assertEquals(parse("1"), "error:EOF_IN_LENGTH@1");
});

Deno.test("whatever follows the end marker is counted and discarded, never an error", () => {
  for (const tail of ["1:x,", "5:", "q", "0:,", "\xff:garbage"]) {
    assertEquals(parse(`1:1,3:cat,0:,${tail}`), [argv("cat"), END, CLOSED].join(" "), tail);
    for (const chunks of [[`1:1,3:cat,0:,${tail}`], ["1:1,3:cat,0:,", tail], ["1:1,3:cat,0:", `,${tail}`]]) {
      const parser = new RequestParser();
      const outcome = runParser(parser, chunks.map(_latin1));
      assertEquals([outcome.error, parser.discarded], [undefined, tail.length], JSON.stringify(chunks));
    }
  }
});

Deno.test("framing errors inside stdin keep the stdin already forwarded", () => {
  assertEquals(parse("1:1,3:cat,2:abX"), [argv("cat"), stdin("ab"), "error:MISSING_COMMA@14"].join(" "));
  assertEquals(parse("1:1,3:cat,3:abX"), [argv("cat"), stdin("abX"), "error:EOF_IN_PAYLOAD@15"].join(" "));
  assertEquals(parse("1:1,3:cat,2:ab,x"), [argv("cat"), stdin("ab"), "error:BAD_LENGTH@15"].join(" "));
});

Deno.test("stdin bytes are streamed as they arrive, before their netstring is complete", () => {
  const parser = new RequestParser();
  parser.push(utf8("1:1,3:cat,10:01234"));
  assertEquals(parser.next()?.type, "argv");
  const event = parser.next() as RequestEvent & { data: Uint8Array };
  assertEquals(new TextDecoder().decode(event.data), "01234");
  assertEquals(parser.next(), undefined);
  assertEquals(parser.state, "stdin");
});

Deno.test("argv bytes are held only until the argv event, and never beyond the limit", () => {
  const parser = new RequestParser({ limits: { maxArgvBytes: 8 } });
  parser.push(utf8("1:2,4:echo,2:h"));
  assertEquals(parser.next(), undefined);
  assertEquals(parser.retained, 6);
  parser.push(utf8("i,"));
  assertEquals(parser.next()?.type, "argv");
  assertEquals(parser.retained, 0);
});

Deno.test("a failed parser keeps failing with the same error", () => {
  const parser = new RequestParser();
  const outcome = runParser(parser, [utf8("1:0,")]);
  assertEquals(outcome.error?.code, "BAD_ARGC");
  assertEquals(parser.state, "failed");
  const again = assertThrows(() => parser.next(), ProtocolError);
  assertEquals(again, outcome.error);
});

Deno.test("argv may carry any bytes but NUL", () => {
  const all = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join("");
  const got = runParser(new RequestParser(), [_latin1(`1:1,255:${all},`)]);
  const event = got.events[0];
  assertEquals(event.type, "argv");
  assertEquals(Array.from(event.type === "argv" ? event.argv[0] : []), Array.from({ length: 255 }, (_, i) => i + 1));
});
