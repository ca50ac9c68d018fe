// The skeleton both parsers share: a netstring reader underneath, a
// transition table on top, events queued by the table's `emits`, and the
// first protocol error kept and rethrown. A parser supplies what a
// netstring's length, payload bytes and end mean in its current state.

import { ProtocolError, type ProtocolErrorCode } from "./errors.ts";
import type { CodecLimits } from "./limits.ts";
import type { TableError, Transition, TransitionTable } from "./machine.ts";
import { NetstringReader } from "./netstring.ts";

/**
 * Base of the table-driven parsers. `S`, `I` and `E` are the table's states,
 * inputs and emitted names; `V` the events handed to the caller.
 */
export abstract class _NetstringMachine<S extends string, I extends string, E extends string, V> {
  protected readonly _reader: NetstringReader;
  readonly #table: TransitionTable<S, I, E, TableError>;
  readonly #trace: ((transition: Transition<S, I, E, TableError>) => void) | undefined;
  #state: S;
  readonly #events: V[] = [];
  #error: ProtocolError | undefined;

  protected constructor(
    table: TransitionTable<S, I, E, TableError>,
    limits: CodecLimits,
    trace: ((transition: Transition<S, I, E, TableError>) => void) | undefined,
  ) {
    this.#table = table;
    this.#trace = trace;
    this.#state = table.spec.initial;
    this._reader = new NetstringReader({ limits });
  }

  /** The current state. */
  get state(): S {
    return this.#state;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this._reader.offset;
  }

  /** Append input. Chunks are kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    this._reader.push(chunk);
  }

  /** Declare the end of input. */
  end(): void {
    this._reader.end();
  }

  /**
   * The next event, or `undefined` when more input is needed (or after the input ended cleanly).
   * @throws {ProtocolError} when the input violates the protocol or a limit.
   */
  next(): V | undefined {
    for (;;) {
      const queued = this.#events.shift();
      if (queued !== undefined) return queued;
      if (this.#error !== undefined) throw this.#error;
      if (this._finished()) return undefined;
      const event = this._step();
      if (event !== null) return event;
    }
  }

  /** Whether the machine is in a terminal state without an error: nothing more to read. */
  protected _finished(): boolean {
    return this.#table.spec.terminal.includes(this.#state);
  }

  /** One step: an event for the caller, undefined for more input, or null to look again. */
  protected _step(): V | undefined | null {
    let event;
    try {
      event = this._reader.next();
    } catch (error) {
      if (error instanceof ProtocolError) this._fire(this._framingInput(), error);
      throw error;
    }
    if (event === undefined) return undefined;
    switch (event.kind) {
      case "begin":
        this._begin(event.length, event.offset);
        return null;
      case "data":
        return this._data(event.bytes);
      case "end":
        this._end();
        return null;
      case "eof":
        this._eof();
        return null;
    }
  }

  /** Queue an event for the caller. */
  protected _queue(event: V): void {
    this.#events.push(event);
  }

  /**
   * Take the table's transition for `input`. Its error is raised (a netstring
   * error passed as `cause` is kept as it is, else one is made at `cause` or
   * the current offset); otherwise each emitted name goes to `_emit`.
   */
  protected _fire(input: I, cause?: ProtocolError | number, message = ""): void {
    const t = this.#table.step(this.#state, input);
    this.#trace?.(t);
    this.#state = t.to;
    if (t.error !== undefined) {
      this._failed();
      this.#error = cause instanceof ProtocolError
        ? cause
        : new ProtocolError(t.error as ProtocolErrorCode, cause ?? this._reader.offset, message);
      throw this.#error;
    }
    for (const name of t.emits ?? []) this._emit(name, input);
  }

  /** The input that a netstring-layer error fires. */
  protected abstract _framingInput(): I;
  /** A netstring's length was read. */
  protected abstract _begin(length: number, offset: number): void;
  /** Payload bytes of the current netstring: an event for the caller, or null. */
  protected abstract _data(bytes: Uint8Array): V | null;
  /** The current netstring is complete. */
  protected abstract _end(): void;
  /** Input ended cleanly between netstrings. */
  protected abstract _eof(): void;
  /** The table emitted `name` while taking `input`. */
  protected abstract _emit(name: E, input: I): void;
  /** An error is being raised: drop what is held. */
  protected abstract _failed(): void;
}
