/**
 * Serialised writes to a client connection: output pairs from the stdout
 * and stderr pumps never interleave, each write completes before the next
 * one starts (backpressure), and the first failed write marks the client as
 * gone.
 *
 * @module
 */

/** Parts at most this long in total are copied into one buffer and written with one call. */
const _COALESCE_LIMIT = 16 * 1024;

/**
 * A queue of writes to one connection.
 *
 * @example
 * ```ts ignore
 * import { ConnWriter } from "./conn_writer.ts";
 * const writer = new ConnWriter(conn, () => console.log("client gone"));
 * await writer.write([new TextEncoder().encode("8:exitcode,1:0,")]);
 * ```
 */
export class ConnWriter {
  readonly #conn: Deno.Conn;
  readonly #onFailure: (error: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #failed = false;
  #written = 0;

  /** Write to `conn`; `onFailure` is called once, on the first failed write. */
  constructor(conn: Deno.Conn, onFailure: (error: unknown) => void) {
    this.#conn = conn;
    this.#onFailure = onFailure;
  }

  /** Whether a write failed (the client is gone). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes written so far. */
  get written(): number {
    return this.#written;
  }

  /** Queue `parts`; resolves when they are written (or dropped because the client is gone). Never rejects. */
  write(parts: readonly Uint8Array[]): Promise<void> {
    if (parts.length === 0) return this.#tail;
    this.#tail = this.#tail.then(() => this.#failed ? undefined : this.#writeParts(parts));
    return this.#tail;
  }

  /** Resolves when every queued write is done. */
  flushed(): Promise<void> {
    return this.#tail;
  }

  async #writeParts(parts: readonly Uint8Array[]): Promise<void> {
    try {
      let total = 0;
      for (const part of parts) total += part.length;
      if (parts.length > 1 && total <= _COALESCE_LIMIT) {
        const joined = new Uint8Array(total);
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.length;
        }
        await this.#writeAll(joined);
      } else {
        for (const part of parts) await this.#writeAll(part);
      }
    } catch (error) {
      this.#failed = true;
      this.#onFailure(error);
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = await this.#conn.write(at === 0 ? bytes : bytes.subarray(at));
      at += n;
      this.#written += n;
    }
  }
}
