/**
 * The server-wide budget for output held for clients that are still sending
 * stdin (the `outputBufferTotal` limit). Every {@linkcode ServerExchange} of
 * a server shares one; each borrows what it holds beyond its own window and
 * gives it back as the bytes are sent.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/**
 * A shared count of borrowed bytes against a limit.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { OutputBudget } from "./output_budget.ts";
 * const budget = new OutputBudget(100);
 * budget.adjust(100);
 * assertEquals(budget.available, false);
 * budget.adjust(-1);
 * assertEquals([budget.used, budget.available], [99, true]);
 * ```
 */
export class OutputBudget {
  /** The limit in bytes. */
  readonly limit: number;
  #used = 0;

  /**
   * A budget of `limit` bytes.
   * @throws {UsageError} `INVALID_ARGUMENT` for a limit that is not a non-negative integer.
   */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new UsageError("INVALID_ARGUMENT", `an output budget must be a non-negative integer, got ${limit}`);
    }
    this.limit = limit;
  }

  /** Bytes borrowed now. */
  get used(): number {
    return this.#used;
  }

  /** Whether more may be borrowed. */
  get available(): boolean {
    return this.#used < this.limit;
  }

  /** Borrow (positive) or give back (negative) bytes. What was read is always counted, even past the limit. */
  adjust(delta: number): void {
    this.#used += delta;
  }
}
