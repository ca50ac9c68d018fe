/**
 * Byte-string helpers every part of netspawn needs.
 *
 * @module
 */

/**
 * One array holding the parts in order.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { concatBytes } from "./bytes.ts";
 * assert(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]).length === 3);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
