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
 * import { withDeadline } from "./async.ts";
 * console.assert(await withDeadline(Promise.resolve(1), 100, "one") === 1);
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
 * import { delay } from "./async.ts";
 * await delay(1);
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
 * import { pollUntil } from "./async.ts";
 * console.assert(await pollUntil(() => true, 100));
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
 * import { mapPool } from "./async.ts";
 * const out = await mapPool([1, 2, 3], 2, async (n) => n * 2);
 * console.assert(out.join() === "2,4,6");
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
