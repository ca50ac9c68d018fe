/**
 * The server's side of a request: bytes from the client in, request events
 * out. Driven by {@linkcode REQUEST_PARSER_SPEC}.
 *
 * @module
 */

import { _canonicalDecimal, _show } from "./_bytes.ts";
import { ProtocolError, type ProtocolErrorCode } from "./errors.ts";
import { type CodecLimits, resolveCodecLimits } from "./limits.ts";
import { type MachineSpec, type Transition, TransitionTable } from "./machine.ts";
import { NetstringReader } from "./netstring.ts";

/** States of the request parser. */
export type RequestState = "argc" | "argv" | "stdin" | "stdin-closed" | "closed" | "failed";

/** Inputs of the request parser. */
export type RequestInput =
  | "argc"
  | "bad-argc"
  | "argc-too-large"
  | "arg"
  | "last-arg"
  | "arg-nul"
  | "argv-too-large"
  | "chunk"
  | "end-marker"
  | "eof"
  | "framing-error";

const _FRAMING: Transition<RequestState, RequestInput>[] = (["argc", "argv", "stdin", "stdin-closed"] as const).map(
  (from) => ({ from, on: "framing-error", to: "failed", error: "framing" }),
);

/** The request parser as data: states, inputs, transitions. */
export const REQUEST_PARSER_SPEC: MachineSpec<RequestState, RequestInput> = {
  name: "request-parser",
  role: "server",
  direction: "parse",
  summary:
    "Reads a request: argc, argc argv strings, then stdin chunks until the end marker `0:,` or end of input. Inputs fire when their netstring is complete, except three that fire at a netstring's length, before any payload is held (`argc-too-large`, `argv-too-large`, `chunk` in stdin-closed) and `arg-nul`, which fires at the NUL byte. The payload of a stdin chunk is emitted as `stdin` events while it arrives.",
  states: {
    "argc": "Nothing read yet, or inside the argc netstring.",
    "argv": "argc read; reading argv strings.",
    "stdin": "argv complete (the program may start); reading stdin chunks, emitting their bytes as they arrive.",
    "stdin-closed": "The end marker was read; only further end markers may follow.",
    "closed": "Input ended cleanly. Terminal.",
    "failed": "A protocol error was raised. Terminal.",
  },
  inputs: {
    "argc": "The argc netstring is complete and is a canonical decimal from 1 to maxArgc.",
    "bad-argc": "The argc netstring is complete and is not a canonical decimal of at least 1.",
    "argc-too-large":
      "The argc netstring's length has more digits than maxArgc, or its complete value is above maxArgc.",
    "arg": "An argv string is complete and more are due.",
    "last-arg": "The last argv string is complete.",
    "arg-nul": "A NUL byte arrives inside an argv string.",
    "argv-too-large": "The length of an argv string takes the argv total above maxArgvBytes.",
    "chunk": "A stdin chunk (a netstring with a non-empty payload) is complete; in stdin-closed: its length is read.",
    "end-marker": "The netstring `0:,` is complete.",
    "eof": "Input ended between netstrings.",
    "framing-error": "The netstring layer raised an error (including input ending inside a netstring).",
  },
  initial: "argc",
  terminal: ["closed", "failed"],
  transitions: [
    { from: "argc", on: "argc", to: "argv" },
    { from: "argc", on: "bad-argc", to: "failed", error: "BAD_ARGC" },
    { from: "argc", on: "argc-too-large", to: "failed", error: "ARGC_TOO_LARGE" },
    { from: "argc", on: "eof", to: "closed", emits: ["closed"] },
    { from: "argv", on: "arg", to: "argv" },
    { from: "argv", on: "last-arg", to: "stdin", emits: ["argv"] },
    { from: "argv", on: "arg-nul", to: "failed", error: "ARG_CONTAINS_NUL" },
    { from: "argv", on: "argv-too-large", to: "failed", error: "ARGV_TOO_LARGE" },
    { from: "argv", on: "eof", to: "failed", error: "INCOMPLETE_REQUEST" },
    { from: "stdin", on: "chunk", to: "stdin" },
    { from: "stdin", on: "end-marker", to: "stdin-closed", emits: ["stdin-end"] },
    { from: "stdin", on: "eof", to: "closed", emits: ["stdin-end", "closed"] },
    { from: "stdin-closed", on: "end-marker", to: "stdin-closed" },
    { from: "stdin-closed", on: "chunk", to: "failed", error: "TRAILING_DATA" },
    { from: "stdin-closed", on: "eof", to: "closed", emits: ["closed"] },
    ..._FRAMING,
  ],
};

const _TABLE = new TransitionTable(REQUEST_PARSER_SPEC);

/** What a request parser reports. */
export type RequestEvent =
  /** argv is complete: start the program. Strings are raw bytes (argv[0] is the program). */
  | { readonly type: "argv"; readonly argv: readonly Uint8Array[] }
  /** Bytes for the program's stdin, in order. A view into the pushed chunk. */
  | { readonly type: "stdin"; readonly data: Uint8Array }
  /** Close the program's stdin: the end marker arrived (`marker`) or input ended (`eof`). */
  | { readonly type: "stdin-end"; readonly cause: "marker" | "eof" }
  /** Input ended cleanly; no more events follow. Without an earlier `argv`, there was no request. */
  | { readonly type: "closed" };

/** Options of a request parser. */
export interface RequestParserOptions {
  /** Called with every transition taken, for tracing and coverage. */
  readonly trace?: (transition: Transition<RequestState, RequestInput>) => void;
  /** Limits; the defaults are {@linkcode DEFAULT_CODEC_LIMITS}. */
  readonly limits?: Partial<CodecLimits>;
}

/**
 * Incremental request parser for the server role. Push bytes, pull events;
 * `undefined` means more input is needed. Gives the same events (and the
 * same error, at the same offset) for any split of the input.
 *
 * @example
 * ```ts
 * import { RequestParser } from "./request_parser.ts";
 * const parser = new RequestParser();
 * parser.push(new TextEncoder().encode("1:2,4:echo,2:hi,0:,"));
 * const first = parser.next();
 * console.assert(first?.type === "argv" && first.argv.length === 2);
 * console.assert(parser.next()?.type === "stdin-end");
 * parser.end();
 * console.assert(parser.next()?.type === "closed");
 * ```
 */
export class RequestParser {
  readonly #reader: NetstringReader;
  readonly #limits: CodecLimits;
  readonly #argcDigits: number;
  #state: RequestState = "argc";
  #events: RequestEvent[] = [];
  #error: ProtocolError | undefined;
  readonly #trace: ((transition: Transition<RequestState, RequestInput>) => void) | undefined;
  #argc = 0;
  #argv: Uint8Array[] = [];
  #argvBytes = 0;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #length = 0;
  #start = 0;

  /** Create a parser at the start of a connection. */
  constructor(options: RequestParserOptions = {}) {
    this.#limits = resolveCodecLimits(options.limits);
    this.#trace = options.trace;
    this.#reader = new NetstringReader({ limits: this.#limits });
    this.#argcDigits = String(this.#limits.maxArgc).length;
  }

  /** The current state. */
  get state(): RequestState {
    return this.#state;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#reader.offset;
  }

  /** Bytes held by the parser itself (argv being assembled), for memory accounting. */
  get retained(): number {
    return this.#argvBytes + (this.#buffer?.length ?? 0);
  }

  /** Append input. Chunks are kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    this.#reader.push(chunk);
  }

  /** Declare the end of input (the client half-closed or disconnected). */
  end(): void {
    this.#reader.end();
  }

  /**
   * The next event, or `undefined` when more input is needed (or after `closed`).
   * @throws {ProtocolError} when the request violates the protocol or a limit.
   */
  next(): RequestEvent | undefined {
    for (;;) {
      const queued = this.#events.shift();
      if (queued !== undefined) return queued;
      if (this.#error !== undefined) throw this.#error;
      if (this.#state === "closed") return undefined;
      const event = this.#readEvent();
      if (event !== null) return event;
    }
  }

  /** One netstring event processed: a stdin event, undefined for more input, or null to look again. */
  #readEvent(): RequestEvent | undefined | null {
    let event;
    try {
      event = this.#reader.next();
    } catch (error) {
      if (error instanceof ProtocolError) this.#fire("framing-error", error);
      throw error;
    }
    if (event === undefined) return undefined;
    switch (event.kind) {
      case "begin":
        this.#begin(event.length, event.offset);
        return null;
      case "data":
        return this.#data(event.bytes);
      case "end":
        this.#end();
        return null;
      case "eof":
        this.#fire("eof", this.#reader.offset, "input ended before argv was complete");
        return null;
    }
  }

  #begin(length: number, offset: number): void {
    this.#length = length;
    this.#start = offset;
    this.#buffer = undefined;
    if (this.#state === "argc") {
      if (length > this.#argcDigits) {
        this.#fire(
          "argc-too-large",
          offset,
          `argc netstring of ${length} bytes exceeds maxArgc=${this.#limits.maxArgc}`,
        );
      }
    } else if (this.#state === "argv") {
      if (this.#argvBytes + length > this.#limits.maxArgvBytes) {
        this.#fire(
          "argv-too-large",
          offset,
          `argv[${this.#argv.length}] of ${length} bytes takes argv above maxArgvBytes=${this.#limits.maxArgvBytes}`,
        );
      }
    } else if (this.#state === "stdin-closed" && length > 0) {
      this.#fire("chunk", offset, `a ${length}-byte chunk after the stdin end marker`);
    }
    if (this.#state !== "stdin") {
      this.#buffer = new Uint8Array(length);
      this.#filled = 0;
    }
  }

  #data(bytes: Uint8Array): RequestEvent | null {
    if (this.#state === "stdin") return { type: "stdin", data: bytes };
    if (this.#state === "argv") {
      const nul = bytes.indexOf(0);
      if (nul >= 0) {
        const at = this.#reader.offset - bytes.length + nul;
        this.#fire("arg-nul", at, `argv[${this.#argv.length}] contains a NUL byte`);
      }
    }
    this.#buffer!.set(bytes, this.#filled);
    this.#filled += bytes.length;
    return null;
  }

  #end(): void {
    switch (this.#state) {
      case "argc":
        return this.#endArgc();
      case "argv":
        this.#argv.push(this.#buffer!);
        this.#argvBytes += this.#length;
        this.#buffer = undefined;
        return this.#fire(this.#argv.length === this.#argc ? "last-arg" : "arg");
      default:
        return this.#fire(this.#length === 0 ? "end-marker" : "chunk");
    }
  }

  #endArgc(): void {
    const payload = this.#buffer!;
    this.#buffer = undefined;
    const argc = _canonicalDecimal(payload, Number.MAX_SAFE_INTEGER);
    if (argc === undefined || argc === 0) {
      this.#fire(
        "bad-argc",
        this.#start,
        `argc ${JSON.stringify(_show(payload))} is not a decimal number of at least 1`,
      );
    }
    if (argc! > this.#limits.maxArgc) {
      this.#fire("argc-too-large", this.#start, `argc ${argc} exceeds maxArgc=${this.#limits.maxArgc}`);
    }
    this.#argc = argc!;
    this.#fire("argc");
  }

  /** Take the table's transition for `input`; raise its error or queue its events. */
  #fire(input: RequestInput, cause?: ProtocolError | number, message = ""): void {
    const t = _TABLE.step(this.#state, input);
    this.#trace?.(t);
    this.#state = t.to;
    if (t.error !== undefined) {
      this.#error = cause instanceof ProtocolError
        ? cause
        : new ProtocolError(t.error as ProtocolErrorCode, cause ?? this.#reader.offset, message);
      this.#argv = [];
      this.#buffer = undefined;
      throw this.#error;
    }
    for (const name of t.emits ?? []) {
      if (name === "argv") {
        this.#events.push({ type: "argv", argv: this.#argv });
        this.#argv = [];
        this.#argvBytes = 0;
      } else if (name === "stdin-end") {
        this.#events.push({ type: "stdin-end", cause: input === "eof" ? "eof" : "marker" });
      } else this.#events.push({ type: "closed" });
    }
  }
}
