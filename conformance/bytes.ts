/**
 * The byte-string notation of the vectors. JSON has no bytes, so a vector
 * writes them as:
 *
 * - a string: its characters as bytes, each char code 0–255 (so `"\u00ff"` is
 *   byte 255 and `"é"` is rejected: write `{"utf8": "é"}`);
 * - `{"utf8": "…"}`: the UTF-8 encoding of the text;
 * - `{"hex": "00ff"}`, `{"base64": "AP8="}`;
 * - `{"repeat": BYTES, "count": N}`: N copies;
 * - `[BYTES, …]`: the concatenation.
 *
 * @module
 */

import { concatBytes } from "../protocol/mod.ts";

export { concatBytes };

/** A byte string as the vectors write it. */
export type BytesSpec =
  | string
  | { readonly utf8: string }
  | { readonly hex: string }
  | { readonly base64: string }
  | { readonly repeat: BytesSpec; readonly count: number }
  | readonly BytesSpec[];

/** A byte-string notation that does not describe bytes. */
export class BytesSpecError extends Error {
  /** Stable error code. */
  readonly code = "BAD_BYTES_SPEC";

  /** Create an error naming what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "BytesSpecError";
  }
}

/**
 * The bytes a notation describes.
 *
 * @throws {BytesSpecError} for a malformed notation.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesOf } from "./bytes.ts";
 * assertEquals(bytesOf(["1:", { hex: "00" }, ","]), Uint8Array.of(0x31, 0x3a, 0x00, 0x2c));
 * assertEquals(bytesOf({ repeat: "ab", count: 2 }), new TextEncoder().encode("abab"));
 * assertEquals(bytesOf({ utf8: "é" }), Uint8Array.of(0xc3, 0xa9));
 * ```
 */
export function bytesOf(spec: BytesSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  _collect(spec, parts);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

function _collect(spec: BytesSpec, into: Uint8Array[]): void {
  if (typeof spec === "string") {
    const bytes = new Uint8Array(spec.length);
    for (let i = 0; i < spec.length; i++) {
      const c = spec.charCodeAt(i);
      if (c > 255) throw new BytesSpecError(`character U+${c.toString(16)} in a byte string: use {"utf8": …}`);
      bytes[i] = c;
    }
    into.push(bytes);
  } else if (Array.isArray(spec)) {
    for (const part of spec) _collect(part, into);
  } else if ("utf8" in spec) {
    into.push(new TextEncoder().encode(spec.utf8));
  } else if ("hex" in spec) {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(spec.hex)) throw new BytesSpecError(`bad hex "${spec.hex}"`);
    into.push(Uint8Array.from(spec.hex.match(/../g) ?? [], (h) => parseInt(h, 16)));
  } else if ("base64" in spec) {
    into.push(decodeBase64(spec.base64));
  } else if ("repeat" in spec) {
    if (!Number.isSafeInteger(spec.count) || spec.count < 0) throw new BytesSpecError(`bad repeat count ${spec.count}`);
    const one = bytesOf(spec.repeat);
    const out = new Uint8Array(one.length * spec.count);
    for (let i = 0; i < spec.count; i++) out.set(one, i * one.length);
    into.push(out);
  } else {
    throw new BytesSpecError(`not a byte string: ${JSON.stringify(spec)}`);
  }
}

/**
 * Base64 of bytes (standard alphabet, padded).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { encodeBase64 } from "./bytes.ts";
 * assertEquals(encodeBase64(new TextEncoder().encode("hi")), "aGk=");
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Bytes of base64 text.
 *
 * @throws {BytesSpecError} for text that is not base64.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decodeBase64 } from "./bytes.ts";
 * assertEquals(decodeBase64("aGk="), new TextEncoder().encode("hi"));
 * ```
 */
export function decodeBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new BytesSpecError(`bad base64 "${text.slice(0, 40)}"`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * A short printable rendering of bytes for reports: printable ASCII as is,
 * the rest as `\xNN`, cut after `max` bytes with the total length.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { showBytes } from "./bytes.ts";
 * assertEquals(showBytes(Uint8Array.of(0x41, 0x0a)), "A\\n");
 * ```
 */
export function showBytes(bytes: Uint8Array, max = 80): string {
  let out = "";
  for (const b of bytes.subarray(0, max)) {
    if (b === 0x0a) out += "\\n";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return bytes.length > max ? `${out}… (${bytes.length} bytes)` : out;
}

/**
 * Whether two byte strings are equal.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bytesEqual } from "./bytes.ts";
 * assertEquals([bytesEqual(Uint8Array.of(1), Uint8Array.of(1)), bytesEqual(Uint8Array.of(1), Uint8Array.of(2))], [true, false]);
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
