// The last bytes received (private), to show where a protocol error is.

/** How many bytes before the current chunk are kept. */
const _KEEP = 64;

/** How many bytes on each side of an offset an excerpt shows. */
const _AROUND = 24;

/**
 * Remembers the chunk being parsed and a copy of the bytes just before it,
 * so an error found anywhere in the current chunk (or a few bytes before it)
 * can be shown with its context. Memory: {@linkcode _KEEP} bytes.
 */
export class _RecentBytes {
  #before: Uint8Array = new Uint8Array(0);
  #current: Uint8Array = new Uint8Array(0);
  #currentStart = 0;

  /** Bytes received so far. */
  get total(): number {
    return this.#currentStart + this.#current.length;
  }

  /** Record the next chunk received. */
  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(Math.min(_KEEP, this.#before.length + this.#current.length));
    const fromCurrent = Math.min(joined.length, this.#current.length);
    const fromBefore = joined.length - fromCurrent;
    joined.set(this.#before.subarray(this.#before.length - fromBefore), 0);
    joined.set(this.#current.subarray(this.#current.length - fromCurrent), fromBefore);
    this.#before = joined;
    this.#currentStart += this.#current.length;
    this.#current = chunk;
  }

  /** A copy of the known bytes around `offset`, and the offset of its first byte. */
  around(offset: number): { bytes: Uint8Array; start: number } {
    const known = this.#currentStart - this.#before.length;
    const start = Math.max(known, offset - _AROUND);
    const end = Math.max(start, Math.min(this.total, offset + _AROUND));
    const bytes = new Uint8Array(end - start);
    for (let i = start; i < end; i++) {
      bytes[i - start] = i < this.#currentStart ? this.#before[i - known] : this.#current[i - this.#currentStart];
    }
    return { bytes, start };
  }
}
