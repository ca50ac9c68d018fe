/**
 * The connection limit: a counting semaphore that the accept loops consult
 * before they accept, so that connections beyond the limit stay in the
 * kernel's listen backlog instead of being accepted and dropped.
 *
 * @module
 */

/**
 * Counts connections being served against a maximum.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ConnectionSlots } from "./connection_slots.ts";
 * const slots = new ConnectionSlots(1);
 * assertEquals(slots.tryTake(), true);
 * assertEquals([slots.active, slots.free, slots.tryTake()], [1, 0, false]);
 * slots.release();
 * assertEquals(slots.free, 1);
 * ```
 */
export class ConnectionSlots {
  readonly #max: number;
  #active = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** Create `max` slots. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Slots in use. */
  get active(): number {
    return this.#active;
  }

  /** Slots free. */
  get free(): number {
    return this.#max - this.#active;
  }

  /** Resolves when at least one slot is free (without taking it), or once the slots are closed. */
  available(): Promise<void> {
    if (this.#active < this.#max || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Take a slot if one is free. */
  tryTake(): boolean {
    if (this.#active >= this.#max) return false;
    this.#active++;
    return true;
  }

  /** Take a slot, waiting for one to be free; once the slots are closed (shutdown), take one at once. */
  async take(): Promise<void> {
    while (!this.tryTake()) {
      if (this.#closed) {
        this.#active++;
        return;
      }
      await this.available();
    }
  }

  /** Give a slot back and wake whoever waits for one. */
  release(): void {
    this.#active--;
    this.#wake();
  }

  /** Wake every waiter for good (shutdown). */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
