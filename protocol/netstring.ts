/**
 * Netstrings, as defined in D. J. Bernstein's netstrings.txt:
 * `length ":" payload ","`, where length is "0" or a non-zero digit followed
 * by digits (no leading zeros, signs or spaces).
 *
 * {@linkcode NetstringReader} is the incremental, streaming decoder every
 * other part of netspawn drives: bytes in, events out, the same events for
 * any split of the input. {@linkcode NetstringDecoder} assembles whole
 * payloads on top of it. {@linkcode encodeNetstring} encodes.
 *
 * @module
 */

import { _show, _toBytes, _utf8 } from "./_bytes.ts";
import { concatBytes } from "./bytes.ts";
import { ProtocolError, UsageError } from "./errors.ts";
import { type CodecLimits, resolveCodecLimits } from "./limits.ts";

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/** One step of decoding a netstring stream. */
export type NetstringEvent =
  /** A length was read: `length` payload bytes follow. `offset` is where the netstring starts. */
  | { readonly kind: "begin"; readonly length: number; readonly offset: number }
  /** Payload bytes, in order. A view into the pushed chunk: copy it if the chunk will be reused. */
  | { readonly kind: "data"; readonly bytes: Uint8Array }
  /** The ',' after the payload was read: the netstring is complete. */
  | { readonly kind: "end" }
  /** The input ended cleanly, between netstrings. */
  | { readonly kind: "eof" };

/** Where a {@linkcode NetstringReader} is inside the grammar. */
export type NetstringReaderState =
  | "length-start"
  | "length"
  | "payload"
  | "comma"
  | "eof"
  | "failed";

/** Options of a netstring reader or decoder. */
export interface NetstringOptions {
  /** Length limits; the defaults are {@linkcode DEFAULT_CODEC_LIMITS}. Only the netstring limits apply here. */
  readonly limits?: Partial<CodecLimits>;
}

/**
 * Incremental netstring decoder. Push bytes as they arrive, call
 * {@linkcode NetstringReader.end} at end of input, and pull events with
 * {@linkcode NetstringReader.next} until it returns `undefined` (more input
 * needed). Payloads are not copied or buffered: `data` events are views into
 * the pushed chunks, so memory stays bounded whatever the declared lengths.
 *
 * Errors are thrown as {@linkcode ProtocolError}; afterwards the reader is
 * `failed` and rethrows the same error.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { NetstringReader } from "./netstring.ts";
 * const reader = new NetstringReader();
 * reader.push(new TextEncoder().encode("5:hel"));
 * assert(reader.next()?.kind === "begin");
 * assert(reader.next()?.kind === "data"); // "hel"
 * assert(reader.next() === undefined); // needs more input
 * reader.push(new TextEncoder().encode("lo,"));
 * reader.next(); // data "lo"
 * assert(reader.next()?.kind === "end");
 * reader.end();
 * assert(reader.next()?.kind === "eof");
 * ```
 */
export class NetstringReader {
  #queue: Uint8Array[] = [];
  #pos = 0;
  #pending = 0;
  #offset = 0;
  #ended = false;
  #state: NetstringReaderState = "length-start";
  #value = 0;
  #digits = 0;
  #remaining = 0;
  #start = 0;
  #error: ProtocolError | undefined;
  readonly #maxDigits: number;
  readonly #maxLength: number;

  /** Create a reader at the start of a stream. */
  constructor(options: NetstringOptions = {}) {
    const limits = resolveCodecLimits(options.limits);
    this.#maxDigits = limits.maxLengthDigits;
    this.#maxLength = limits.maxNetstringLength;
  }

  /** Where the reader is in the grammar. */
  get state(): NetstringReaderState {
    return this.#state;
  }

  /** Bytes consumed so far: the offset of the next byte to read. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes pushed but not consumed yet. */
  get pending(): number {
    return this.#pending;
  }

  /** True once {@linkcode NetstringReader.end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Append input. The chunk is kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new UsageError("INVALID_STATE", "push after end of input");
    if (chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#pending += chunk.length;
  }

  /** Declare the end of input. */
  end(): void {
    this.#ended = true;
  }

  /**
   * The next event, or `undefined` when more input is needed.
   * @throws {ProtocolError} when the input violates the grammar or a limit.
   */
  next(): NetstringEvent | undefined {
    if (this.#error) throw this.#error;
    try {
      return this.#step();
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.#error = error;
        this.#state = "failed";
      }
      throw error;
    }
  }

  #step(): NetstringEvent | undefined {
    for (;;) {
      switch (this.#state) {
        case "length-start":
        case "length": {
          const event = this.#readLength();
          if (event !== null) return event;
          continue;
        }
        case "payload":
          return this.#readPayload();
        case "comma":
          return this.#readComma();
        case "eof":
          return { kind: "eof" };
        case "failed":
          throw this.#error;
      }
    }
  }

  /** Consume length bytes; an event, undefined for more input, or null to go on in a new state. */
  #readLength(): NetstringEvent | undefined | null {
    for (;;) {
      const b = this.#peek();
      if (b === undefined) return this.#atEndOfInput();
      if (b >= ZERO && b <= NINE) {
        this.#lengthDigit(b);
      } else if (b === COLON && this.#state === "length") {
        this.#take(1);
        this.#remaining = this.#value;
        this.#state = this.#value === 0 ? "comma" : "payload";
        return { kind: "begin", length: this.#value, offset: this.#start };
      } else {
        const what = b === COLON ? "':' with no length before it" : `byte ${_show(Uint8Array.of(b))}`;
        this.#fail("BAD_LENGTH", `${what} where a netstring length digit is expected`);
      }
    }
  }

  #lengthDigit(b: number): void {
    if (this.#state === "length-start") {
      this.#state = "length";
      this.#start = this.#offset;
      this.#value = 0;
      this.#digits = 0;
    } else if (this.#value === 0) {
      this.#fail("LEADING_ZERO", "netstring length has a leading zero");
    }
    if (this.#digits === this.#maxDigits) {
      this.#fail("LENGTH_TOO_LONG", `netstring length has more than ${this.#maxDigits} digits`);
    }
    this.#value = this.#value * 10 + (b - ZERO);
    this.#digits++;
    if (this.#value > this.#maxLength) {
      this.#fail("PAYLOAD_TOO_LARGE", `netstring length exceeds the limit of ${this.#maxLength} bytes`);
    }
    this.#take(1);
  }

  /** Undefined while more input may come; null after moving to the `eof` state. */
  #atEndOfInput(): undefined | null {
    if (!this.#ended) return undefined;
    if (this.#state === "length") this.#fail("EOF_IN_LENGTH", "input ended inside a netstring length");
    this.#state = "eof";
    return null;
  }

  #readPayload(): NetstringEvent | undefined {
    if (this.#pending === 0) {
      if (this.#ended) this.#fail("EOF_IN_PAYLOAD", `input ended with ${this.#remaining} payload bytes missing`);
      return undefined;
    }
    const chunk = this.#queue[0];
    const n = Math.min(this.#remaining, chunk.length - this.#pos);
    const bytes = chunk.subarray(this.#pos, this.#pos + n);
    this.#take(n);
    this.#remaining -= n;
    if (this.#remaining === 0) this.#state = "comma";
    return { kind: "data", bytes };
  }

  #readComma(): NetstringEvent | undefined {
    const b = this.#peek();
    if (b === undefined) {
      if (this.#ended) this.#fail("EOF_IN_PAYLOAD", "input ended before the ',' closing a netstring");
      return undefined;
    }
    if (b !== COMMA) {
      this.#fail("MISSING_COMMA", `byte ${_show(Uint8Array.of(b))} instead of the ',' closing a netstring`);
    }
    this.#take(1);
    this.#state = "length-start";
    return { kind: "end" };
  }

  #peek(): number | undefined {
    return this.#pending === 0 ? undefined : this.#queue[0][this.#pos];
  }

  #take(n: number): void {
    this.#pos += n;
    this.#offset += n;
    this.#pending -= n;
    if (this.#pos === this.#queue[0].length) {
      this.#queue.shift();
      this.#pos = 0;
    }
  }

  #fail(code: ConstructorParameters<typeof ProtocolError>[0], message: string): never {
    throw new ProtocolError(code, this.#offset, message);
  }
}

/**
 * Decoder of whole netstrings, pull style like the other parsers: push
 * chunks, pull complete payloads (copies, owned by the caller) until
 * `undefined`. A payload is held only until it is complete, and is never
 * larger than the `maxNetstringLength` limit. Payloads completed before an
 * error are pulled before the error is thrown.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { NetstringDecoder } from "./netstring.ts";
 * const decoder = new NetstringDecoder();
 * decoder.push(new TextEncoder().encode("3:abc,0:,1:"));
 * assert(decoder.next()?.length === 3 && decoder.next()?.length === 0);
 * assert(decoder.next() === undefined); // "1:" needs more input
 * decoder.push(new TextEncoder().encode("x,"));
 * decoder.end();
 * assert(decoder.next()?.length === 1 && decoder.next() === undefined);
 * ```
 */
export class NetstringDecoder {
  readonly #reader: NetstringReader;
  #payload: Uint8Array | undefined;
  #filled = 0;

  /** Create a decoder at the start of a stream. */
  constructor(options: NetstringOptions = {}) {
    this.#reader = new NetstringReader(options);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#reader.offset;
  }

  /** Bytes held for the payload being assembled. */
  get retained(): number {
    return this.#payload?.length ?? 0;
  }

  /** Append input. Chunks are kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    this.#reader.push(chunk);
  }

  /** Declare the end of input. */
  end(): void {
    this.#reader.end();
  }

  /**
   * The next complete payload, or `undefined` when more input is needed or the input ended cleanly.
   * @throws {ProtocolError} on a grammar or limit violation, or input ending inside a netstring.
   */
  next(): Uint8Array | undefined {
    for (let event = this.#reader.next(); event !== undefined; event = this.#reader.next()) {
      if (event.kind === "begin") {
        this.#payload = new Uint8Array(event.length);
        this.#filled = 0;
      } else if (event.kind === "data") {
        this.#payload!.set(event.bytes, this.#filled);
        this.#filled += event.bytes.length;
      } else if (event.kind === "end") {
        const payload = this.#payload!;
        this.#payload = undefined;
        return payload;
      } else {
        return undefined;
      }
    }
    return undefined;
  }
}

/**
 * Decode a complete byte string of netstrings.
 *
 * @throws {ProtocolError} on a grammar or limit violation, or if the input ends inside a netstring.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { decodeNetstrings } from "./netstring.ts";
 * const [a, b] = decodeNetstrings(new TextEncoder().encode("1:1,5:uname,"));
 * assert(new TextDecoder().decode(b) === "uname" && a.length === 1);
 * ```
 */
export function decodeNetstrings(bytes: Uint8Array, options: NetstringOptions = {}): Uint8Array[] {
  const decoder = new NetstringDecoder(options);
  decoder.push(bytes);
  decoder.end();
  const out: Uint8Array[] = [];
  for (let p = decoder.next(); p !== undefined; p = decoder.next()) out.push(p);
  return out;
}

/**
 * The header of a netstring of `length` payload bytes: its decimal length and ':'.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { netstringHeader } from "./netstring.ts";
 * assert(new TextDecoder().decode(netstringHeader(42)) === "42:");
 * ```
 */
export function netstringHeader(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new UsageError("INVALID_ARGUMENT", `a netstring length must be a non-negative integer, got ${length}`);
  }
  return _utf8(`${length}:`);
}

/**
 * A netstring as three parts — header, payload, trailing ',' — so a writer
 * can send large payloads without copying them.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodeNetstringParts } from "./netstring.ts";
 * const parts = encodeNetstringParts("hi");
 * assert(parts.length === 3 && parts[2][0] === 0x2c);
 * ```
 */
export function encodeNetstringParts(payload: Uint8Array | string): [Uint8Array, Uint8Array, Uint8Array] {
  const bytes = _toBytes(payload);
  return [netstringHeader(bytes.length), bytes, Uint8Array.of(COMMA)];
}

/**
 * Encode one netstring.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodeNetstring } from "./netstring.ts";
 * assert(new TextDecoder().decode(encodeNetstring("hello")) === "5:hello,");
 * ```
 */
export function encodeNetstring(payload: Uint8Array | string): Uint8Array {
  return concatBytes(encodeNetstringParts(payload));
}

/**
 * Encode several netstrings back to back.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodeNetstrings } from "./netstring.ts";
 * assert(new TextDecoder().decode(encodeNetstrings(["1", "true", ""])) === "1:1,4:true,0:,");
 * ```
 */
export function encodeNetstrings(payloads: readonly (Uint8Array | string)[]): Uint8Array {
  return concatBytes(payloads.flatMap((p) => encodeNetstringParts(p)));
}
