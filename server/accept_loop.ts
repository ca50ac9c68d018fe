/**
 * The accept loop of one listener: accepts only while a connection slot is
 * free, and survives resource exhaustion (EMFILE, ENFILE, ENOBUFS) by
 * backing off and trying again, so service resumes when resources return.
 * It holds nothing per connection once the connection is handed over: each
 * wait makes its own small promises, which become garbage with it.
 *
 * @module
 */

import type { ConnectionSlots } from "./connection_slots.ts";

/** What an accept loop needs. */
export interface AcceptLoopOptions<C extends Deno.Conn> {
  /** The listener. */
  readonly listener: Deno.Listener<C>;
  /** The shared connection limit. */
  readonly slots: ConnectionSlots;
  /** Serve a connection; a slot was taken for it and must be released by the callee. */
  readonly serve: (conn: C) => void;
  /** Report an accept error the loop survived. */
  readonly onError: (error: unknown) => void;
  /** Milliseconds to wait after an accept error. Default 100. */
  readonly backoffMs?: number;
}

/** A running accept loop. */
export interface AcceptLoop {
  /** Resolves when the loop has ended. */
  readonly done: Promise<void>;
  /** End the loop (a connection accepted meanwhile is closed). The listener is left as it is. */
  stop(): void;
}

const _STOP = Symbol("stop");

/**
 * Accept connections until stopped or the listener closes.
 *
 * @example
 * ```ts
 * import { ConnectionSlots } from "./connection_slots.ts";
 * import { startAcceptLoop } from "./accept_loop.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const slots = new ConnectionSlots(1);
 * const loop = startAcceptLoop({
 *   listener, slots,
 *   serve: (conn) => { conn.close(); slots.release(); }, onError: () => {},
 * });
 * loop.stop();
 * await loop.done;
 * listener.close();
 * ```
 */
export function startAcceptLoop<C extends Deno.Conn>(options: AcceptLoopOptions<C>): AcceptLoop {
  let stopped = false;
  let interrupt: (() => void) | undefined;
  /** `promise`, or the stop, whichever comes first; nothing outlives the wait. */
  const until = <T>(promise: Promise<T>): Promise<T | typeof _STOP> => {
    if (stopped) return Promise.resolve(_STOP);
    const stop = new Promise<typeof _STOP>((resolve) => interrupt = () => resolve(_STOP));
    return Promise.race([promise, stop]).finally(() => interrupt = undefined);
  };
  const done = _loop(options, until, () => stopped);
  return {
    done,
    stop(): void {
      stopped = true;
      interrupt?.();
    },
  };
}

async function _loop<C extends Deno.Conn>(
  options: AcceptLoopOptions<C>,
  until: <T>(promise: Promise<T>) => Promise<T | typeof _STOP>,
  stopped: () => boolean,
): Promise<void> {
  const { listener, slots, serve, onError } = options;
  const backoffMs = options.backoffMs ?? 100;
  for (;;) {
    if (await until(slots.available()) === _STOP) return;
    const accepting = listener.accept();
    let outcome: C | typeof _STOP;
    try {
      outcome = await until(accepting);
    } catch (error) {
      if (stopped() || _isClosed(error)) return;
      onError(error);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const pause = new Promise((resolve) => timer = setTimeout(resolve, backoffMs));
      const woke = await until(pause);
      clearTimeout(timer);
      if (woke === _STOP) return;
      continue;
    }
    if (outcome === _STOP) {
      accepting.then((conn) => conn.close(), () => {});
      return;
    }
    // With several listeners another loop may have taken the last slot meanwhile: hold the connection until one frees.
    while (!slots.tryTake()) {
      if (await until(slots.available()) === _STOP) {
        outcome.close();
        return;
      }
    }
    serve(outcome);
  }
}

function _isClosed(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}
