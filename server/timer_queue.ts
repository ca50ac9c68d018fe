/**
 * The server's timers: every connection arms a request timeout, a deadline
 * and a linger, and cancels most of them within milliseconds. One queue per
 * delay keeps them in expiry order (a later entry of the same delay expires
 * later), so the whole server needs a single runtime timer, re-armed only
 * when an earlier expiry appears, instead of a `setTimeout` and a
 * `clearTimeout` per timer per connection.
 *
 * @module
 */

/** A scheduled callback. */
export interface TimerHandle {
  /** Cancel it; nothing happens if it already ran. */
  cancel(): void;
}

interface _Entry extends TimerHandle {
  readonly due: number;
  callback: (() => void) | undefined;
}

interface _Queue {
  entries: _Entry[];
  head: number;
  cancelled: number;
}

/**
 * Timers on one runtime timer.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TimerQueue } from "./timer_queue.ts";
 * const timers = new TimerQueue();
 * const fired: string[] = [];
 * timers.schedule(0.05, () => fired.push("late"));
 * timers.schedule(0.01, () => fired.push("early"));
 * timers.schedule(0.02, () => fired.push("never")).cancel();
 * await new Promise((resolve) => setTimeout(resolve, 100));
 * assertEquals(fired, ["early", "late"]);
 * timers.close();
 * ```
 */
export class TimerQueue {
  readonly #queues = new Map<number, _Queue>();
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Infinity;
  #closed = false;

  /** `now` gives milliseconds (default `performance.now`). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Call `callback` after `seconds`. */
  schedule(seconds: number, callback: () => void): TimerHandle {
    const delay = Math.max(0, Math.round(seconds * 1000));
    const queue = this.#queues.get(delay) ?? { entries: [], head: 0, cancelled: 0 };
    this.#queues.set(delay, queue);
    const entry: _Entry = {
      due: this.#now() + delay,
      callback,
      cancel: () => {
        if (entry.callback === undefined) return;
        entry.callback = undefined;
        queue.cancelled++;
        _compact(queue);
      },
    };
    queue.entries.push(entry);
    if (entry.due < this.#timerDue) this.#arm(entry.due);
    return entry;
  }

  /** Cancel the runtime timer for good; callbacks not run yet never run. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queues.clear();
  }

  #arm(due: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, due - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = this.#now();
    for (const [delay, queue] of this.#queues) {
      while (queue.head < queue.entries.length && queue.entries[queue.head].due <= now) {
        const entry = queue.entries[queue.head++];
        const callback = entry.callback;
        if (callback === undefined) {
          queue.cancelled--;
          continue;
        }
        entry.callback = undefined;
        try {
          callback();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      _compact(queue);
      if (queue.head >= queue.entries.length) this.#queues.delete(delay);
    }
    // Callbacks may have scheduled more: arm for the earliest of everything left.
    let next = Infinity;
    for (const queue of this.#queues.values()) next = Math.min(next, _firstLive(queue));
    if (next < this.#timerDue) this.#arm(next);
  }
}

/** The due time of the first entry not cancelled (or of the head, which is as early). */
function _firstLive(queue: _Queue): number {
  for (let i = queue.head; i < queue.entries.length; i++) {
    if (queue.entries[i].callback !== undefined) return queue.entries[i].due;
  }
  return queue.entries[queue.head].due;
}

/** Drop consumed entries, and cancelled ones once they are most of the queue, so memory follows live timers. */
function _compact(queue: _Queue): void {
  const length = queue.entries.length - queue.head;
  if (queue.head > 1024 && queue.head * 2 > queue.entries.length) {
    queue.entries = queue.entries.slice(queue.head);
    queue.head = 0;
  }
  if (queue.cancelled > 64 && queue.cancelled * 2 > length) {
    queue.entries = queue.entries.slice(queue.head).filter((e) => e.callback !== undefined);
    queue.head = 0;
    queue.cancelled = 0;
  }
}
