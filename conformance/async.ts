/**
 * Waiting with deadlines: every wait in the kit ends by itself.
 *
 * @module
 */

/** A wait that passed its deadline. */
export class DeadlineError extends Error {
  /** Stable error code. */
  readonly code = "DEADLINE";

  /** Create an error naming what was awaited. */
  constructor(what: string, ms: number) {
    super(`${what}: nothing within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/**
 * The promise's value, or a {@linkcode DeadlineError} after `ms`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { DeadlineError, withDeadline } from "./async.ts";
 * assertEquals(await withDeadline(Promise.resolve(1), 100, "one"), 1);
 * const never = new Promise<never>(() => {});
 * await assertRejects(() => withDeadline(never, 10, "the answer"), DeadlineError, "the answer");
 * ```
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Resolves after `ms` (a stimulus in a test script, never a way to wait for something).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { delay } from "./async.ts";
 * const start = performance.now();
 * await delay(5);
 * assert(performance.now() - start >= 4);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Check a condition until it holds or `ms` pass; for conditions that no event
 * announces (a file's content, another process's death). True if it held.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { pollUntil } from "./async.ts";
 * let checks = 0;
 * assertEquals(await pollUntil(() => ++checks === 3, 1000, 1), true);
 * assertEquals(await pollUntil(() => false, 20, 5), false);
 * ```
 */
export async function pollUntil(check: () => boolean | Promise<boolean>, ms: number, everyMs = 10): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= end) return false;
    await delay(Math.min(everyMs, Math.max(1, end - performance.now())));
  }
}

/**
 * Run `work` over the items with at most `jobs` at once; results keep the items' order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mapPool } from "./async.ts";
 * let running = 0;
 * let most = 0;
 * const out = await mapPool([1, 2, 3, 4, 5], 2, async (n) => {
 *   most = Math.max(most, ++running);
 *   await Promise.resolve();
 *   running--;
 *   return n * 2;
 * });
 * assertEquals([out, most], [[2, 4, 6, 8, 10], 2]);
 * ```
 */
export async function mapPool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return out;
}
