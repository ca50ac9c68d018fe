// Private byte helpers shared by the protocol core.

const _encoder = new TextEncoder();
const _decoder = new TextDecoder("utf-8", { fatal: false });

/** UTF-8 bytes of a string. */
export function _utf8(text: string): Uint8Array {
  return _encoder.encode(text);
}

/** A string from UTF-8 bytes (invalid sequences become U+FFFD). */
export function _text(bytes: Uint8Array): string {
  return _decoder.decode(bytes);
}

/** Bytes as they are, or a string as UTF-8. */
export function _toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? _encoder.encode(value) : value;
}

/** A printable rendering of bytes for error messages: ASCII kept, the rest as \xNN, cut at `max` bytes. */
export function _show(bytes: Uint8Array, max = 32): string {
  let out = "";
  for (const b of bytes.subarray(0, max)) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return bytes.length > max ? `${out}…` : out;
}

/**
 * The value of a canonical decimal ("0", or a non-zero digit then digits), or
 * undefined for anything else, including values above `max`.
 */
export function _canonicalDecimal(bytes: Uint8Array, max: number): number | undefined {
  if (bytes.length === 0 || (bytes[0] === 0x30 && bytes.length > 1)) return undefined;
  let value = 0;
  for (const b of bytes) {
    if (b < 0x30 || b > 0x39) return undefined;
    value = value * 10 + (b - 0x30);
    if (value > max) return undefined;
  }
  return value;
}
