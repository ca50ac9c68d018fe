/**
 * A readiness loop for descriptors Deno has no API for (the pipes and pidfds
 * of programs started through `posix_spawn`): one epoll instance, waited on
 * by a non-blocking FFI call on one of Deno's worker threads, with one-shot
 * interest per descriptor. Callbacks run on the JavaScript thread.
 *
 * @module
 */

import { C, errno, type Libc, stableBytes } from "./libc.ts";

const _EVENT_SIZE = 12; // struct epoll_event is packed on x86-64: u32 events, u64 data
const _BATCH = 64;

/**
 * Watches descriptors for readiness.
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * import { Poller } from "./poller.ts";
 * const poller = new Poller(openLibc());
 * poller.watch(fd, "in", () => console.log("readable"));
 * await poller.close();
 * ```
 */
export class Poller {
  readonly #c: Libc;
  readonly #epfd: number;
  readonly #wake: number;
  readonly #callbacks = new Map<number, () => void>();
  readonly #registered = new Set<number>();
  readonly #events = stableBytes(_EVENT_SIZE * _BATCH);
  readonly #view = new DataView(this.#events.buffer);
  readonly #ctl = new Uint8Array(_EVENT_SIZE);
  readonly #ctlView = new DataView(this.#ctl.buffer);
  #loop: Promise<void> | undefined;
  #closed = false;

  /**
   * An epoll instance and a wake-up eventfd.
   * @throws {Error} when the kernel refuses either.
   */
  constructor(c: Libc) {
    this.#c = c;
    this.#epfd = c.epoll_create1(C.O_CLOEXEC);
    if (this.#epfd < 0) throw new Error(`epoll_create1 failed: errno ${errno(c)}`);
    this.#wake = c.eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC);
    if (this.#wake < 0) throw new Error(`eventfd failed: errno ${errno(c)}`);
    this.#control(C.EPOLL_CTL_ADD, this.#wake, C.EPOLLIN);
  }

  /** Descriptors being watched. */
  get watching(): number {
    return this.#callbacks.size;
  }

  /**
   * Call `callback` once, when `fd` is readable (`in`; also at end of file or
   * error) or writable (`out`; also when the reader is gone). Replaces an
   * earlier watch of the same descriptor.
   */
  watch(fd: number, direction: "in" | "out", callback: () => void): void {
    if (this.#closed) return;
    const events = (direction === "in" ? C.EPOLLIN : C.EPOLLOUT) | C.EPOLLONESHOT;
    this.#callbacks.set(fd, callback);
    if (this.#registered.has(fd)) {
      this.#control(C.EPOLL_CTL_MOD, fd, events);
    } else {
      this.#control(C.EPOLL_CTL_ADD, fd, events);
      this.#registered.add(fd);
    }
    this.#loop ??= this.#run();
  }

  /** Stop watching `fd`. Call it before closing the descriptor. */
  forget(fd: number): void {
    this.#callbacks.delete(fd);
    if (this.#registered.delete(fd)) this.#c.epoll_ctl(this.#epfd, C.EPOLL_CTL_DEL, fd, this.#ctl);
  }

  /** Stop the loop and close the epoll instance. Descriptors still watched are forgotten, not closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const fd of [...this.#registered]) this.forget(fd);
    if (this.#loop !== undefined) {
      this.#c.write(this.#wake, new BigUint64Array([1n]), 8n);
      await this.#loop;
    }
    this.#c.close(this.#wake);
    this.#c.close(this.#epfd);
  }

  async #run(): Promise<void> {
    // The wait stays pending while the poller is open, watching or not: close() wakes it.
    while (!this.#closed) {
      const n = await this.#c.epoll_wait(this.#epfd, this.#events, _BATCH, -1);
      if (n < 0) continue; // EINTR
      for (let i = 0; i < n; i++) {
        const fd = this.#view.getInt32(i * _EVENT_SIZE + 4, true);
        if (fd === this.#wake) {
          this.#c.read(this.#wake, new BigUint64Array(1), 8n);
          continue;
        }
        const callback = this.#callbacks.get(fd);
        if (callback === undefined) continue;
        this.#callbacks.delete(fd);
        try {
          callback();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    this.#loop = undefined;
  }

  #control(op: number, fd: number, events: number): void {
    this.#ctlView.setUint32(0, events, true);
    this.#ctlView.setInt32(4, fd, true);
    this.#ctlView.setInt32(8, 0, true);
    if (this.#c.epoll_ctl(this.#epfd, op, fd, this.#ctl) !== 0) {
      throw new Error(`epoll_ctl(${op}, ${fd}) failed: errno ${errno(this.#c)}`);
    }
  }
}
