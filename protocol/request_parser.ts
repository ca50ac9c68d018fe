/**
 * The server's side of a request: bytes from the client in, request events
 * out. Driven by {@linkcode REQUEST_PARSER_SPEC}.
 *
 * @module
 */

import { _show } from "./_bytes.ts";
import { _TableParser } from "./_netstring_machine.ts";
import { type CodecLimits, resolveCodecLimits } from "./limits.ts";
import { type MachineSpec, type TableError, type Transition, TransitionTable } from "./machine.ts";

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

/** What the request parser's table emits: the types of {@linkcode RequestEvent}. */
export type RequestEmit = RequestEvent["type"];

/** One row of the request parser's table. */
export type RequestTransition = Transition<RequestState, RequestInput, RequestEmit, TableError>;

const _FRAMING: RequestTransition[] = (["argc", "argv", "stdin"] as const).map(
  (from) => ({ from, on: "framing-error", to: "failed", error: "framing" }),
);

/** The request parser as data: states, inputs, transitions. */
export const REQUEST_PARSER_SPEC: MachineSpec<RequestState, RequestInput, RequestEmit, TableError> = {
  name: "request-parser",
  role: "server",
  direction: "parse",
  summary:
    "Reads a request: argc, argc argv strings, then stdin chunks until the end marker `0:,` or end of input. Inputs fire when their netstring is complete, except those that fire as soon as a byte or a length rules the request out: `bad-argc` and `argc-too-large` at the first byte of the argc payload that makes it invalid (or at a length no valid argc has), `argv-too-large` at a length, and `arg-nul` at the NUL byte. The payload of a stdin chunk is emitted as `stdin` events while it arrives. After the end marker nothing more is parsed: any bytes that follow (further end markers, a byte a client sends to its program by mistake) are counted and discarded.",
  states: {
    "argc": "Nothing read yet, or inside the argc netstring.",
    "argv": "argc read; reading argv strings.",
    "stdin": "argv complete (the program may start); reading stdin chunks, emitting their bytes as they arrive.",
    "stdin-closed": "The end marker was read; bytes that follow are counted and discarded, unparsed.",
    "closed": "Input ended cleanly. Terminal.",
    "failed": "A protocol error was raised. Terminal.",
  },
  inputs: {
    "argc": "The argc netstring is complete and is a canonical decimal from 1 to maxArgc.",
    "bad-argc":
      "The argc netstring is empty, or a byte of its payload is not a digit, or its first digit is 0 (zero, or a leading zero).",
    "argc-too-large":
      "The argc netstring's length has more digits than maxArgc, or the digits read so far already exceed maxArgc.",
    "arg": "An argv string is complete and more are due.",
    "last-arg": "The last argv string is complete.",
    "arg-nul": "A NUL byte arrives inside an argv string.",
    "argv-too-large": "The length of an argv string takes the argv total above maxArgvBytes.",
    "chunk": "A stdin chunk (a netstring with a non-empty payload) is complete.",
    "end-marker": "The netstring `0:,` is complete.",
    "eof": "Input ended between netstrings (in stdin-closed: input ended, whatever came after the end marker).",
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
  readonly trace?: (transition: RequestTransition) => void;
  /** Limits; the defaults are {@linkcode DEFAULT_CODEC_LIMITS}. */
  readonly limits?: Partial<CodecLimits>;
}

const _ZERO = 0x30;
const _NINE = 0x39;

/**
 * Incremental request parser for the server role. Push bytes, pull events;
 * `undefined` means more input is needed. Gives the same events (and the
 * same error, at the same offset) for any split of the input.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { RequestParser } from "./request_parser.ts";
 * const parser = new RequestParser();
 * parser.push(new TextEncoder().encode("1:1,3:cat,2:hi,0:,q"));
 * assertEquals(parser.next()?.type, "argv");
 * assertEquals(parser.next()?.type, "stdin");
 * assertEquals(parser.next()?.type, "stdin-end");
 * parser.end();
 * assertEquals(parser.next()?.type, "closed");
 * assertEquals(parser.discarded, 1); // the "q" after the end marker
 * ```
 */
export class RequestParser {
  readonly #core: _TableParser<RequestState, RequestInput, RequestEmit, RequestEvent>;
  readonly #limits: CodecLimits;
  readonly #argcDigits: number;
  #argc = 0;
  #argv: Uint8Array[] = [];
  #argvBytes = 0;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #length = 0;
  #discarded = 0;

  /** Create a parser at the start of a connection. */
  constructor(options: RequestParserOptions = {}) {
    const limits = resolveCodecLimits(options.limits);
    this.#limits = limits;
    this.#argcDigits = String(limits.maxArgc).length;
    this.#core = new _TableParser(_TABLE, limits, options.trace, {
      framingInput: "framing-error",
      begin: (length, offset) => this.#begin(length, offset),
      data: (bytes) => this.#data(bytes),
      end: () => this.#end(),
      eof: () => this.#fire("eof", this.#core.reader.offset, "input ended before argv was complete"),
      emit: (name, input) => this.#emit(name, input),
      failed: () => {
        this.#argv = [];
        this.#buffer = undefined;
      },
      unparsed: { states: ["stdin-closed"], step: () => this.#unparsed() },
    });
  }

  /** The current state. */
  get state(): RequestState {
    return this.#core.state;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#core.reader.offset;
  }

  /** Bytes held by the parser itself (argv being assembled), for memory accounting. */
  get retained(): number {
    return this.#argvBytes + (this.#buffer?.length ?? 0);
  }

  /** Bytes received after the end marker and discarded. */
  get discarded(): number {
    return this.#discarded;
  }

  /** Append input; after the end marker it is only counted. Chunks are kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    if (this.state === "stdin-closed" || this.state === "closed") this.#discarded += chunk.length;
    else this.#core.reader.push(chunk);
  }

  /** Declare the end of input (the client half-closed or disconnected). */
  end(): void {
    this.#core.reader.end();
  }

  /**
   * The next event, or `undefined` when more input is needed (or after `closed`).
   * @throws {ProtocolError} when the request violates the protocol or a limit.
   */
  next(): RequestEvent | undefined {
    return this.#core.next();
  }

  /** After the end marker no netstring is parsed: only the end of input matters. */
  #unparsed(): RequestEvent | undefined | null {
    if (!this.#core.reader.ended) return undefined;
    this.#fire("eof");
    return null;
  }

  #fire(input: RequestInput, cause?: number, message?: string): void {
    this.#core.fire(input, cause, message);
  }

  #begin(length: number, offset: number): void {
    this.#length = length;
    this.#buffer = undefined;
    if (this.state === "argc") {
      if (length === 0) this.#fire("bad-argc", offset, "argc is empty");
      if (length > this.#argcDigits) {
        this.#fire(
          "argc-too-large",
          offset,
          `argc netstring of ${length} bytes exceeds maxArgc=${this.#limits.maxArgc}`,
        );
      }
      this.#argc = 0;
    } else if (this.state === "argv") {
      if (this.#argvBytes + length > this.#limits.maxArgvBytes) {
        this.#fire(
          "argv-too-large",
          offset,
          `argv[${this.#argv.length}] of ${length} bytes takes argv above maxArgvBytes=${this.#limits.maxArgvBytes}`,
        );
      }
      this.#buffer = new Uint8Array(length);
      this.#filled = 0;
    }
  }

  #data(bytes: Uint8Array): RequestEvent | null {
    if (this.state === "stdin") return { type: "stdin", data: bytes };
    if (this.state === "argc") {
      this.#readArgc(bytes);
      return null;
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      const at = this.#core.reader.offset - bytes.length + nul;
      this.#fire("arg-nul", at, `argv[${this.#argv.length}] contains a NUL byte`);
    }
    this.#buffer!.set(bytes, this.#filled);
    this.#filled += bytes.length;
    return null;
  }

  /** Accumulate argc digits, rejecting at the first byte that makes argc invalid. */
  #readArgc(bytes: Uint8Array): void {
    const first = this.#core.reader.offset - bytes.length;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b < _ZERO || b > _NINE) {
        this.#fire("bad-argc", first + i, `argc holds ${JSON.stringify(_show(bytes.subarray(i, i + 1)))}, not a digit`);
      }
      if (b === _ZERO && this.#argc === 0) {
        this.#fire("bad-argc", first + i, this.#length === 1 ? "argc is 0" : "argc has a leading zero");
      }
      this.#argc = this.#argc * 10 + (b - _ZERO);
      if (this.#argc > this.#limits.maxArgc) {
        this.#fire("argc-too-large", first + i, `argc exceeds maxArgc=${this.#limits.maxArgc}`);
      }
    }
  }

  #end(): void {
    switch (this.state) {
      case "argc":
        return this.#fire("argc");
      case "argv":
        this.#argv.push(this.#buffer!);
        this.#argvBytes += this.#length;
        this.#buffer = undefined;
        return this.#fire(this.#argv.length === this.#argc ? "last-arg" : "arg");
      default:
        return this.#fire(this.#length === 0 ? "end-marker" : "chunk");
    }
  }

  #emit(name: RequestEmit, input: RequestInput): void {
    if (name === "argv") {
      this.#core.queue({ type: "argv", argv: this.#argv });
      this.#argv = [];
      this.#argvBytes = 0;
    } else if (name === "stdin-end") {
      this.#core.queue({ type: "stdin-end", cause: input === "eof" ? "eof" : "marker" });
      if (input === "end-marker") this.#discarded += this.#core.reader.pending;
    } else if (name === "closed") {
      this.#core.queue({ type: "closed" });
    }
  }
}
