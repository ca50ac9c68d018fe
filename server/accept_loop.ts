/**
 * The accept loop of one listener: accepts only while a connection slot is
 * free, and survives resource exhaustion (EMFILE, ENFILE, ENOBUFS) by
 * backing off and trying again, so service resumes when resources return.
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
  /** Resolves when the loop must stop. */
  readonly stopped: Promise<void>;
  /** Serve a connection; a slot was taken for it and must be released by the callee. */
  readonly serve: (conn: C) => void;
  /** Report an accept error the loop survived. */
  readonly onError: (error: unknown) => void;
  /** Milliseconds to wait after an accept error. Default 100. */
  readonly backoffMs?: number;
}

/**
 * Accept connections until `stopped` resolves or the listener closes.
 *
 * @example
 * ```ts
 * import { ConnectionSlots } from "./connection_slots.ts";
 * import { runAcceptLoop } from "./accept_loop.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const slots = new ConnectionSlots(1);
 * const loop = runAcceptLoop({
 *   listener, slots, stopped: new Promise(() => {}),
 *   serve: (conn) => { conn.close(); slots.release(); }, onError: () => {},
 * });
 * listener.close();
 * await loop;
 * ```
 */
export async function runAcceptLoop<C extends Deno.Conn>(options: AcceptLoopOptions<C>): Promise<void> {
  const { listener, slots, stopped, serve, onError } = options;
  const backoffMs = options.backoffMs ?? 100;
  let stop = false;
  const stopSignal: Promise<typeof _STOP> = stopped.then(() => {
    stop = true;
    return _STOP;
  });
  while (!stop) {
    if (await Promise.race([slots.available(), stopSignal]) === _STOP) return;
    const accepting = listener.accept();
    let outcome: C | typeof _STOP;
    try {
      outcome = await Promise.race([accepting, stopSignal]);
    } catch (error) {
      if (stop || _isClosed(error)) return;
      onError(error);
      if (await _pause(backoffMs, stopSignal) === _STOP) return;
      continue;
    }
    if (outcome === _STOP) {
      accepting.then((conn) => conn.close(), () => {});
      return;
    }
    await slots.take();
    serve(outcome);
  }
}

const _STOP: unique symbol = Symbol("stop");

function _isClosed(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}

function _pause(ms: number, stopSignal: Promise<typeof _STOP>): Promise<void | typeof _STOP> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([done, stopSignal]).finally(() => clearTimeout(timer));
}
