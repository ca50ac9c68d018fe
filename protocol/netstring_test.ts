import { assertEquals, assertThrows } from "@std/assert";
import { _latin1, _splitAt, utf8 } from "./_test_util.ts";
import { runParser } from "./drive.ts";
import { ProtocolError, UsageError } from "./errors.ts";
import {
  decodeNetstrings,
  encodeNetstring,
  encodeNetstringParts,
  encodeNetstrings,
  NetstringDecoder,
  type NetstringEvent,
  netstringHeader,
  NetstringReader,
} from "./netstring.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function decodeError(input: string, limits = {}): [string, number] {
  const error = assertThrows(() => decodeNetstrings(_latin1(input), { limits }), ProtocolError);
  return [error.code, error.offset];
}

Deno.test("decodes the edge cases of the grammar", () => {
  assertEquals(decodeNetstrings(utf8("")).length, 0);
  assertEquals(decodeNetstrings(utf8("0:,")).map(text), [""]);
  assertEquals(decodeNetstrings(utf8("0:,0:,")).map(text), ["", ""]);
  assertEquals(decodeNetstrings(utf8("5:hello,")).map(text), ["hello"]);
  assertEquals(decodeNetstrings(utf8("3:a,b,1::,")).map(text), ["a,b", ":"]);
  assertEquals(decodeNetstrings(utf8("10:0123456789,")).map(text), ["0123456789"]);
  assertEquals(Array.from(decodeNetstrings(_latin1("4:\x00\xff\x00,,"))[0]), [0, 255, 0, 44]);
});

Deno.test("rejects malformed lengths with the code and the offset of the offending byte", () => {
  assertEquals(decodeError("01:a,"), ["LEADING_ZERO", 1]);
  assertEquals(decodeError("00:,"), ["LEADING_ZERO", 1]);
  assertEquals(decodeError("3:abc,007:x,"), ["LEADING_ZERO", 7]);
  assertEquals(decodeError("-1:a,"), ["BAD_LENGTH", 0]);
  assertEquals(decodeError("+1:a,"), ["BAD_LENGTH", 0]);
  assertEquals(decodeError(" 1:a,"), ["BAD_LENGTH", 0]);
  assertEquals(decodeError("1 :a,"), ["BAD_LENGTH", 1]);
  assertEquals(decodeError(":a,"), ["BAD_LENGTH", 0]);
  assertEquals(decodeError("x"), ["BAD_LENGTH", 0]);
  assertEquals(decodeError("1x:a,"), ["BAD_LENGTH", 1]);
  assertEquals(decodeError("1:a,,"), ["BAD_LENGTH", 4]);
});

Deno.test("rejects a missing terminator and a truncated stream", () => {
  assertEquals(decodeError("1:ab"), ["MISSING_COMMA", 3]);
  assertEquals(decodeError("1:a;"), ["MISSING_COMMA", 3]);
  assertEquals(decodeError("0:x"), ["MISSING_COMMA", 2]);
  assertEquals(decodeError("1"), ["EOF_IN_LENGTH", 1]);
  assertEquals(decodeError("12"), ["EOF_IN_LENGTH", 2]);
  assertEquals(decodeError("1:"), ["EOF_IN_PAYLOAD", 2]);
  assertEquals(decodeError("5:hel"), ["EOF_IN_PAYLOAD", 5]);
  assertEquals(decodeError("1:a"), ["EOF_IN_PAYLOAD", 3]);
  assertEquals(decodeError("0:"), ["EOF_IN_PAYLOAD", 2]);
});

Deno.test("maxNetstringLength: the limit is accepted, one more is rejected from the length alone", () => {
  const limits = { maxNetstringLength: 5 };
  assertEquals(decodeNetstrings(utf8("5:abcde,"), { limits }).map(text), ["abcde"]);
  assertEquals(decodeError("6:", limits), ["PAYLOAD_TOO_LARGE", 0]);
  assertEquals(decodeError("50:", limits), ["PAYLOAD_TOO_LARGE", 1]);
  // The default limit, at its edge, without sending the payload.
  const reader = new NetstringReader();
  reader.push(utf8(`${64 * 1024 * 1024}:`));
  assertEquals(reader.next(), { kind: "begin", length: 64 * 1024 * 1024, offset: 0 });
  assertEquals(decodeError(`${64 * 1024 * 1024 + 1}:`), ["PAYLOAD_TOO_LARGE", 7]);
});

Deno.test("maxLengthDigits: that many digits are accepted, one more is rejected", () => {
  const limits = { maxLengthDigits: 3, maxNetstringLength: 999 };
  const reader = new NetstringReader({ limits });
  reader.push(utf8("999:"));
  assertEquals(reader.next()?.kind, "begin");
  assertEquals(decodeError("1000:", limits), ["LENGTH_TOO_LONG", 3]);
  assertEquals(decodeError("12345678901:"), ["PAYLOAD_TOO_LARGE", 8]);
});

Deno.test("the reader streams payloads without buffering them", () => {
  const reader = new NetstringReader();
  const chunk = utf8("11:hello");
  reader.push(chunk);
  const events: NetstringEvent[] = [];
  for (let e = reader.next(); e; e = reader.next()) events.push(e);
  assertEquals(events.length, 2);
  assertEquals(events[0], { kind: "begin", length: 11, offset: 0 });
  const data = events[1] as { kind: "data"; bytes: Uint8Array };
  assertEquals(data.bytes.buffer, chunk.buffer); // a view, not a copy
  assertEquals(reader.pending, 0);
  assertEquals(reader.state, "payload");
  reader.push(utf8(" world,"));
  assertEquals(text((reader.next() as { bytes: Uint8Array }).bytes), " world");
  assertEquals(reader.next(), { kind: "end" });
  assertEquals(reader.next(), undefined);
  reader.end();
  assertEquals(reader.next(), { kind: "eof" });
  assertEquals(reader.next(), { kind: "eof" });
  assertEquals(reader.offset, 15);
});

Deno.test("a failed reader rethrows the same error and refuses input after end", () => {
  const reader = new NetstringReader();
  reader.push(utf8("x"));
  const first = assertThrows(() => reader.next(), ProtocolError);
  const second = assertThrows(() => reader.next(), ProtocolError);
  assertEquals(first, second);
  assertEquals(reader.state, "failed");
  const ended = new NetstringReader();
  ended.end();
  assertThrows(() => ended.push(utf8("1")), UsageError, "INVALID_STATE");
});

Deno.test("the decoder gives the same payloads for every split of the input", () => {
  const input = utf8("5:hello,0:,3:a:,,12:binary\x00data!,");
  const whole = decodeNetstrings(input).map(text);
  for (let i = 0; i <= input.length; i++) {
    for (let j = i; j <= input.length; j++) {
      const got = runParser(new NetstringDecoder(), _splitAt(input, [i, j]));
      assertEquals(got.error, undefined);
      assertEquals(got.events.map(text), whole);
    }
  }
});

Deno.test("payloads completed before an error are delivered before it", () => {
  const got = runParser(new NetstringDecoder(), [utf8("1:a,2:bc,x")]);
  assertEquals(got.events.map(text), ["a", "bc"]);
  assertEquals([got.error?.code, got.error?.offset], ["BAD_LENGTH", 9]);
});

Deno.test("the decoder's payloads are copies the caller owns", () => {
  const chunk = utf8("3:abc,");
  const decoder = new NetstringDecoder();
  decoder.push(chunk);
  const payload = decoder.next()!;
  chunk.fill(0);
  assertEquals(text(payload), "abc");
});

Deno.test("encodes canonical netstrings", () => {
  assertEquals(text(encodeNetstring("")), "0:,");
  assertEquals(text(encodeNetstring("hello")), "5:hello,");
  assertEquals(text(encodeNetstring(new Uint8Array(10))), `10:${"\x00".repeat(10)},`);
  assertEquals(text(encodeNetstrings(["1", "true", ""])), "1:1,4:true,0:,");
  assertEquals(text(encodeNetstring("é")), "2:é,");
  const parts = encodeNetstringParts(utf8("xyz"));
  assertEquals(parts.map(text), ["3:", "xyz", ","]);
  assertThrows(() => netstringHeader(-1), UsageError, "INVALID_ARGUMENT");
  assertThrows(() => netstringHeader(1.5), UsageError, "INVALID_ARGUMENT");
});

Deno.test("limits are validated", () => {
  assertThrows(() => new NetstringReader({ limits: { maxNetstringLength: 0 } }), UsageError, "maxNetstringLength");
  assertThrows(() => new NetstringReader({ limits: { maxLengthDigits: 2 } }), UsageError, "maxNetstringLength");
  assertThrows(() => new NetstringReader({ limits: { maxLengthDigits: 16 } }), UsageError, "maxLengthDigits");
  assertThrows(() => new NetstringReader({ limits: { maxArgc: 1.5 } }), UsageError, "maxArgc");
});
