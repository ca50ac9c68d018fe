/**
 * Transition tables: the states, inputs and transitions of a protocol state
 * machine as data. Every machine in this directory is driven by its table —
 * a step that is not in the table cannot happen — and the specification
 * publishes the same tables.
 *
 * @module
 */

import { type ErrorCode, UsageError } from "./errors.ts";

/** One row of a transition table. `E` names what the machine emits, `X` the errors it raises. */
export interface Transition<S extends string, I extends string, E extends string = string, X extends string = string> {
  /** State before. */
  readonly from: S;
  /** The input that fires the transition. */
  readonly on: I;
  /** State after. */
  readonly to: S;
  /** Events or actions the machine emits when taking it, in order. */
  readonly emits?: readonly E[];
  /** The error raised when taking it; `framing` means the netstring layer's error. */
  readonly error?: X;
}

/** The errors a parser's table may name: a protocol error code, or the netstring layer's own error. */
export type TableError = ErrorCode | "framing";

/** A state machine described as data. */
export interface MachineSpec<S extends string, I extends string, E extends string = string, X extends string = string> {
  /** Stable name, e.g. `request-parser`. */
  readonly name: string;
  /** The side of the connection that runs it. */
  readonly role: "server" | "client";
  /** Whether it parses the peer's bytes or produces our own. */
  readonly direction: "parse" | "emit";
  /** One paragraph: what the machine does and when inputs fire. */
  readonly summary: string;
  /** Every state, with its meaning. */
  readonly states: Readonly<Record<S, string>>;
  /** Every input, with its meaning. */
  readonly inputs: Readonly<Record<I, string>>;
  /** The state a new machine is in. */
  readonly initial: S;
  /** States no input leaves. */
  readonly terminal: readonly S[];
  /** What happens on a call the table has no row for, when it is not simply INVALID_STATE. */
  readonly otherwise?: string;
  /** Every allowed step. A parser's table is total over its non-terminal states. */
  readonly transitions: readonly Transition<S, I, E, X>[];
}

/**
 * A checked, indexed transition table.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { TransitionTable } from "./machine.ts";
 * const table = new TransitionTable({
 *   name: "door", role: "server", direction: "emit", summary: "A door.",
 *   states: { shut: "shut", open: "open" }, inputs: { push: "push" },
 *   initial: "shut", terminal: ["open"],
 *   transitions: [{ from: "shut", on: "push", to: "open" }],
 * });
 * assert(table.step("shut", "push").to === "open");
 * ```
 */
export class TransitionTable<S extends string, I extends string, E extends string = string, X extends string = string> {
  /** The machine's description. */
  readonly spec: MachineSpec<S, I, E, X>;
  readonly #index = new Map<S, Map<I, Transition<S, I, E, X>>>();

  /** Index a machine's table, checking that it is deterministic and names only known states and inputs. */
  constructor(spec: MachineSpec<S, I, E, X>) {
    this.spec = spec;
    const states = new Set(Object.keys(spec.states));
    const inputs = new Set(Object.keys(spec.inputs));
    for (const t of spec.transitions) {
      if (!states.has(t.from) || !states.has(t.to) || !inputs.has(t.on)) {
        throw new Error(`${spec.name}: transition ${t.from} --${t.on}--> ${t.to} names an unknown state or input`);
      }
      if (spec.terminal.includes(t.from)) throw new Error(`${spec.name}: terminal state ${t.from} has a transition`);
      const row = this.#index.get(t.from) ?? new Map<I, Transition<S, I, E, X>>();
      if (row.has(t.on)) throw new Error(`${spec.name}: two transitions for ${t.from} --${t.on}-->`);
      row.set(t.on, t);
      this.#index.set(t.from, row);
    }
  }

  /** The transition for `input` in `state`, if the table has one. */
  find(state: S, input: I): Transition<S, I, E, X> | undefined {
    return this.#index.get(state)?.get(input);
  }

  /**
   * The transition for `input` in `state`.
   * @throws {UsageError} `INVALID_STATE` when the table has none.
   */
  step(state: S, input: I): Transition<S, I, E, X> {
    const t = this.#index.get(state)?.get(input);
    if (t === undefined) {
      throw new UsageError("INVALID_STATE", `${this.spec.name}: "${input}" is not allowed in state "${state}"`);
    }
    return t;
  }
}
