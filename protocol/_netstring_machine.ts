// The skeleton both parsers share: a netstring reader underneath, a
// transition table on top, events queued by the table's `emits`, and the
// first protocol error kept and rethrown. A parser holds one and supplies,
// as hooks, what a netstring's length, payload bytes and end mean in its
// current state.

import { ProtocolError, type ProtocolErrorCode } from "./errors.ts";
import type { CodecLimits } from "./limits.ts";
import type { TableError, Transition, TransitionTable } from "./machine.ts";
import { NetstringReader } from "./netstring.ts";

/** What a parser supplies to the skeleton. `I` are its inputs, `E` what its table emits, `V` its events. */
export interface _ParserHooks<I extends string, E extends string, V> {
  /** The input a netstring-layer error fires. */
  readonly framingInput: I;
  /** A netstring's length was read. */
  begin(length: number, offset: number): void;
  /** Payload bytes of the current netstring: an event for the caller, or null. */
  data(bytes: Uint8Array): V | null;
  /** The current netstring is complete. */
  end(): void;
  /** Input ended cleanly between netstrings. */
  eof(): void;
  /** The table emitted `name` while taking `input`. */
  emit(name: E, input: I): void;
  /** An error is being raised: drop what is held. */
  failed(): void;
  /** In states where the parser reads no netstrings: the step instead (undefined for more input, null to look again). */
  readonly unparsed?: { readonly states: readonly string[]; step(): V | undefined | null };
}

/** The table-driven core of a parser. */
export class _TableParser<S extends string, I extends string, E extends string, V> {
  /** The netstring reader underneath. */
  readonly reader: NetstringReader;
  readonly #table: TransitionTable<S, I, E, TableError>;
  readonly #trace: ((transition: Transition<S, I, E, TableError>) => void) | undefined;
  readonly #hooks: _ParserHooks<I, E, V>;
  #state: S;
  readonly #events: V[] = [];
  #error: ProtocolError | undefined;

  constructor(
    table: TransitionTable<S, I, E, TableError>,
    limits: CodecLimits,
    trace: ((transition: Transition<S, I, E, TableError>) => void) | undefined,
    hooks: _ParserHooks<I, E, V>,
  ) {
    this.#table = table;
    this.#trace = trace;
    this.#hooks = hooks;
    this.#state = table.spec.initial;
    this.reader = new NetstringReader({ limits });
  }

  /** The current state. */
  get state(): S {
    return this.#state;
  }

  /** The next event, or `undefined` when more input is needed (or after the input ended cleanly). */
  next(): V | undefined {
    for (;;) {
      const queued = this.#events.shift();
      if (queued !== undefined) return queued;
      if (this.#error !== undefined) throw this.#error;
      if (this.#table.spec.terminal.includes(this.#state)) return undefined;
      const unparsed = this.#hooks.unparsed;
      const event = unparsed?.states.includes(this.#state) ? unparsed.step() : this.#step();
      if (event !== null) return event;
    }
  }

  /** Queue an event for the caller. */
  queue(event: V): void {
    this.#events.push(event);
  }

  /**
   * Take the table's transition for `input`. Its error is raised (a netstring
   * error passed as `cause` is kept as it is, else one is made at `cause` or
   * the current offset); otherwise each emitted name goes to the `emit` hook.
   */
  fire(input: I, cause?: ProtocolError | number, message = ""): void {
    const t = this.#table.step(this.#state, input);
    this.#trace?.(t);
    this.#state = t.to;
    if (t.error !== undefined) {
      this.#hooks.failed();
      this.#error = cause instanceof ProtocolError
        ? cause
        : new ProtocolError(t.error as ProtocolErrorCode, cause ?? this.reader.offset, message);
      throw this.#error;
    }
    for (const name of t.emits ?? []) this.#hooks.emit(name, input);
  }

  /** One netstring step: an event for the caller, undefined for more input, or null to look again. */
  #step(): V | undefined | null {
    let event;
    try {
      event = this.reader.next();
    } catch (error) {
      if (error instanceof ProtocolError) this.fire(this.#hooks.framingInput, error);
      throw error;
    }
    if (event === undefined) return undefined;
    switch (event.kind) {
      case "begin":
        this.#hooks.begin(event.length, event.offset);
        return null;
      case "data":
        return this.#hooks.data(event.bytes);
      case "end":
        this.#hooks.end();
        return null;
      case "eof":
        this.#hooks.eof();
        return null;
    }
  }
}
