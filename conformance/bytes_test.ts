import { assertEquals, assertThrows } from "@std/assert";
import { bytesOf, BytesSpecError, decodeBase64, encodeBase64, showBytes } from "./bytes.ts";

Deno.test("every byte-string notation", () => {
  assertEquals(Array.from(bytesOf("a\u0000\u00ff")), [97, 0, 255]);
  assertEquals(Array.from(bytesOf({ utf8: "é" })), [0xc3, 0xa9]);
  assertEquals(Array.from(bytesOf({ hex: "00fF" })), [0, 255]);
  assertEquals(Array.from(bytesOf({ base64: "AP8=" })), [0, 255]);
  assertEquals(new TextDecoder().decode(bytesOf({ repeat: "ab", count: 3 })), "ababab");
  assertEquals(new TextDecoder().decode(bytesOf(["1:", { repeat: ["x"], count: 1 }, ","])), "1:x,");
  assertEquals(bytesOf({ repeat: "x", count: 0 }).length, 0);
  assertEquals(bytesOf([]).length, 0);
});

Deno.test("malformed notations are refused with a reason", () => {
  assertThrows(() => bytesOf("é\u0100"), BytesSpecError, "utf8");
  assertThrows(() => bytesOf({ hex: "0" }), BytesSpecError, "hex");
  assertThrows(() => bytesOf({ base64: "!!" }), BytesSpecError, "base64");
  assertThrows(() => bytesOf({ repeat: "x", count: -1 }), BytesSpecError, "count");
  assertThrows(() => bytesOf({ nope: 1 } as never), BytesSpecError, "not a byte string");
});

Deno.test("base64 round-trips every byte value and large inputs", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assertEquals(decodeBase64(encodeBase64(all)), all);
  const big = new Uint8Array(200_000).map((_, i) => i * 7);
  assertEquals(decodeBase64(encodeBase64(big)), big);
});

Deno.test("showBytes escapes what is not printable and cuts long input", () => {
  assertEquals(showBytes(Uint8Array.of(0x61, 0x0a, 0x00, 0x5c, 0xff)), "a\\n\\x00\\\\\\xff");
  assertEquals(showBytes(new Uint8Array(100).fill(0x61), 4), "aaaa… (100 bytes)");
});
