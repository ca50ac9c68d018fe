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
 * import { ConnectionSlots } from "./connection_slots.ts";
 * const slots = new ConnectionSlots(1);
 * await slots.take();
 * console.assert(slots.active === 1 && slots.free === 0);
 * slots.release();
 * ```
 */
export class ConnectionSlots {
  readonly #max: number;
  #active = 0;
  #waiters: (() => void)[] = [];

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

  /** Resolves when at least one slot is free (without taking it). */
  available(): Promise<void> {
    if (this.#active < this.#max) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Take a slot, waiting for one if none is free. */
  async take(): Promise<void> {
    while (this.#active >= this.#max) await this.available();
    this.#active++;
  }

  /** Give a slot back and wake whoever waits for one. */
  release(): void {
    this.#active--;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
