/**
 * Recording what a server sends: every byte with its arrival time, decoded
 * on the fly by the protocol core's response parser so that a script can wait
 * for output as it arrives.
 *
 * @module
 */

import { type ExitStatus, ProtocolError, ResponseParser } from "../protocol/mod.ts";
import { concatBytes } from "./bytes.ts";

/** What the server's bytes decode to. */
export interface DecodedResponse {
  /** Everything on stdout pairs. */
  readonly stdout: Uint8Array;
  /** Everything on stderr pairs. */
  readonly stderr: Uint8Array;
  /** Every status pair, in order (a valid response has one). */
  readonly statuses: readonly ExitStatus[];
  /** An output pair came after the status. */
  readonly outputAfterStatus: boolean;
  /** The response broke the protocol. */
  readonly error?: ProtocolError;
}

/**
 * Accumulates a response as it arrives.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ResponseRecorder } from "./recorder.ts";
 * const r = new ResponseRecorder(performance.now());
 * r.add(new TextEncoder().encode("6:stdout,2:hi,8:exitcode,1:0,"));
 * r.close(false);
 * assertEquals(r.decoded().statuses, [{ exitCode: 0, signal: null }]);
 * assertEquals(new TextDecoder().decode(r.decoded().stdout), "hi");
 * assertEquals(r.total, 29);
 * ```
 */
export class ResponseRecorder {
  readonly #t0: number;
  readonly #chunks: Uint8Array[] = [];
  readonly #out: { stdout: Uint8Array[]; stderr: Uint8Array[] } = { stdout: [], stderr: [] };
  readonly #statuses: ExitStatus[] = [];
  readonly #parser = new ResponseParser();
  #outputAfterStatus = false;
  #error: ProtocolError | undefined;
  #waiters: (() => void)[] = [];
  /** Bytes received. */
  total = 0;
  /** When the stream ended (ms after t0), or null while open. */
  closedAt: number | null = null;
  /** The stream ended with a reset rather than an orderly close. */
  reset = false;

  /** Start recording; times are measured from `t0` (a `performance.now()` value). */
  constructor(t0: number) {
    this.#t0 = t0;
  }

  /** Milliseconds since t0. */
  now(): number {
    return performance.now() - this.#t0;
  }

  /** Record a chunk. */
  add(chunk: Uint8Array): void {
    const copy = chunk.slice();
    this.#chunks.push(copy);
    this.total += copy.length;
    this.#feed(() => this.#parser.push(copy));
    this.#wake();
  }

  /** Record the end of the stream. */
  close(reset: boolean): void {
    if (this.closedAt !== null) return;
    this.closedAt = this.now();
    this.reset = reset;
    this.#feed(() => this.#parser.end());
    this.#wake();
  }

  /** All bytes received. */
  bytes(): Uint8Array {
    return concatBytes(this.#chunks);
  }

  /** The response decoded so far. */
  decoded(): DecodedResponse {
    return {
      stdout: concatBytes(this.#out.stdout),
      stderr: concatBytes(this.#out.stderr),
      statuses: [...this.#statuses],
      outputAfterStatus: this.#outputAfterStatus,
      error: this.#error,
    };
  }

  /** Resolves when `check` holds, or after `ms` (then false); re-checked on every arrival. */
  async until(check: () => boolean, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (!check()) {
      if (this.closedAt !== null) return check();
      const left = end - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #feed(step: () => void): void {
    if (this.#error) return;
    try {
      step();
      for (let e = this.#parser.next(); e !== undefined; e = this.#parser.next()) {
        if (e.type === "status") this.#statuses.push(e.status);
        else if (e.type === "stdout" || e.type === "stderr") {
          this.#out[e.type].push(e.data.slice());
          if (this.#statuses.length > 0) this.#outputAfterStatus = true;
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#error = error;
    }
  }
}
