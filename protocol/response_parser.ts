/**
 * The client's side of a response: bytes from the server in, output and
 * status events out. Driven by {@linkcode RESPONSE_PARSER_SPEC}.
 *
 * @module
 */

import { _show, _text } from "./_bytes.ts";
import { _TableParser } from "./_netstring_machine.ts";
import {
  type ExitStatus,
  isSignalNameValue,
  MAX_EXITCODE_LENGTH,
  MAX_PAIR_TYPE_LENGTH,
  MAX_TERMSIG_LENGTH,
  type OutputStream,
  pairTypeOf,
  parseExitCode,
  type StatusType,
} from "./pairs.ts";
import { type CodecLimits, resolveCodecLimits } from "./limits.ts";
import { type MachineSpec, type TableError, type Transition, TransitionTable } from "./machine.ts";

/** States of the response parser. */
export type ResponseState = "type" | "output" | "status" | "late-type" | "late-output" | "ended" | "failed";

/** Inputs of the response parser. */
export type ResponseInput =
  | "output-type"
  | "status-type"
  | "unknown-type"
  | "output-data"
  | "status-value"
  | "bad-exitcode"
  | "bad-termsig"
  | "eof"
  | "framing-error";

/** What the response parser's table emits. */
export type ResponseEmit = "status" | "end";

/** One row of the response parser's table. */
export type ResponseTransition = Transition<ResponseState, ResponseInput, ResponseEmit, TableError>;

const _OPEN: readonly ResponseState[] = ["type", "output", "status", "late-type", "late-output"];

/** The response parser as data: states, inputs, transitions. */
export const RESPONSE_PARSER_SPEC: MachineSpec<ResponseState, ResponseInput, ResponseEmit, TableError> = {
  name: "response-parser",
  role: "client",
  direction: "parse",
  summary:
    "Reads a response: pairs of netstrings (type, value) until end of input. Output pairs may come before and after the single status pair, because sockexec sends output after the status; the response is complete only at end of input. Inputs fire when their netstring is complete, except `unknown-type`, `bad-exitcode` and `bad-termsig`, which fire at a netstring's length when the length alone rules the value out. The payload of an output pair is emitted as `stdout`/`stderr` events while it arrives.",
  states: {
    "type": "Expecting the type of a pair; no status yet.",
    "output": "Reading the data of an output pair (no status yet), emitting it as it arrives.",
    "status": "Reading the value of a status pair.",
    "late-type": "Status received; expecting the type of a further output pair, or end of input.",
    "late-output": "Reading the data of an output pair that follows the status.",
    "ended": "Input ended after the status. Terminal.",
    "failed": "A protocol error was raised. Terminal.",
  },
  inputs: {
    "output-type": "A type netstring `stdout` or `stderr` is complete.",
    "status-type": "A type netstring `exitcode` or `termsig` is complete.",
    "unknown-type": "A type netstring is any other value (decided at its length when that is not 6, 7 or 8).",
    "output-data": "The data netstring of an output pair is complete.",
    "status-value": "A well-formed exitcode (canonical decimal 0-255) or termsig (signal name) value is complete.",
    "bad-exitcode": "An exitcode value is malformed or out of range.",
    "bad-termsig": "A termsig value is malformed.",
    "eof": "Input ended between netstrings.",
    "framing-error": "The netstring layer raised an error (including input ending inside a netstring).",
  },
  initial: "type",
  terminal: ["ended", "failed"],
  transitions: [
    { from: "type", on: "output-type", to: "output" },
    { from: "type", on: "status-type", to: "status" },
    { from: "type", on: "unknown-type", to: "failed", error: "UNKNOWN_PAIR_TYPE" },
    { from: "type", on: "eof", to: "failed", error: "CLOSED_WITHOUT_STATUS" },
    { from: "output", on: "output-data", to: "type" },
    { from: "output", on: "eof", to: "failed", error: "EOF_IN_PAIR" },
    { from: "status", on: "status-value", to: "late-type", emits: ["status"] },
    { from: "status", on: "bad-exitcode", to: "failed", error: "BAD_EXITCODE" },
    { from: "status", on: "bad-termsig", to: "failed", error: "BAD_TERMSIG" },
    { from: "status", on: "eof", to: "failed", error: "EOF_IN_PAIR" },
    { from: "late-type", on: "output-type", to: "late-output" },
    { from: "late-type", on: "status-type", to: "failed", error: "DUPLICATE_STATUS" },
    { from: "late-type", on: "unknown-type", to: "failed", error: "UNKNOWN_PAIR_TYPE" },
    { from: "late-type", on: "eof", to: "ended", emits: ["end"] },
    { from: "late-output", on: "output-data", to: "late-type" },
    { from: "late-output", on: "eof", to: "failed", error: "EOF_IN_PAIR" },
    ..._OPEN.map((from): ResponseTransition => ({
      from,
      on: "framing-error",
      to: "failed",
      error: "framing",
    })),
  ],
};

const _TABLE = new TransitionTable(RESPONSE_PARSER_SPEC);

/** What a response parser reports. */
export type ResponseEvent =
  /** Output bytes of the program, in order per stream. A view into the pushed chunk. */
  | { readonly type: OutputStream; readonly data: Uint8Array }
  /** How the program ended. Output may still follow (sockexec sends some after the status). */
  | { readonly type: "status"; readonly status: ExitStatus }
  /** The response is complete: input ended after the status. */
  | { readonly type: "end" };

/** Options of a response parser. */
export interface ResponseParserOptions {
  /** Called with every transition taken, for tracing and coverage. */
  readonly trace?: (transition: ResponseTransition) => void;
  /** Limits; only `maxLengthDigits` and `maxNetstringLength` apply. */
  readonly limits?: Partial<CodecLimits>;
}

/**
 * Incremental response parser for the client role. Push bytes, pull events;
 * `undefined` means more input is needed. Gives the same events (and the same
 * error, at the same offset) for any split of the input.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ResponseParser } from "./response_parser.ts";
 * const parser = new ResponseParser();
 * parser.push(new TextEncoder().encode("6:stdout,6:Linux\n,8:exitcode,1:0,"));
 * parser.end();
 * assert(parser.next()?.type === "stdout");
 * const status = parser.next();
 * assert(status?.type === "status" && status.status.exitCode === 0);
 * assert(parser.next()?.type === "end");
 * ```
 */
export class ResponseParser {
  readonly #core: _TableParser<ResponseState, ResponseInput, ResponseEmit, ResponseEvent>;
  #stream: OutputStream = "stdout";
  #statusType: StatusType = "exitcode";
  #status: ExitStatus | undefined;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #start = 0;

  /** Create a parser at the start of a response. */
  constructor(options: ResponseParserOptions = {}) {
    this.#core = new _TableParser(_TABLE, resolveCodecLimits(options.limits), options.trace, {
      framingInput: "framing-error",
      begin: (length, offset) => this.#begin(length, offset),
      data: (bytes) => this.#data(bytes),
      end: () => this.#end(),
      eof: () => this.#core.fire("eof", this.#core.reader.offset, this.#eofMessage()),
      emit: (name) => this.#core.queue(name === "status" ? { type: "status", status: this.#status! } : { type: "end" }),
      failed: () => this.#buffer = undefined,
    });
  }

  /** The current state. */
  get state(): ResponseState {
    return this.#core.state;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#core.reader.offset;
  }

  /** Bytes held by the parser itself (a type or status value being assembled). */
  get retained(): number {
    return this.#buffer?.length ?? 0;
  }

  /** Append input. Chunks are kept by reference until consumed. */
  push(chunk: Uint8Array): void {
    this.#core.reader.push(chunk);
  }

  /** Declare the end of input (the server closed the connection). */
  end(): void {
    this.#core.reader.end();
  }

  /**
   * The next event, or `undefined` when more input is needed (or after `end`).
   * @throws {ProtocolError} when the response violates the protocol.
   */
  next(): ResponseEvent | undefined {
    return this.#core.next();
  }

  #isData(): boolean {
    return this.state === "output" || this.state === "late-output";
  }

  #begin(length: number, offset: number): void {
    this.#start = offset;
    this.#buffer = undefined;
    if (this.#isData()) return;
    if (this.state === "status") {
      const max = this.#statusType === "exitcode" ? MAX_EXITCODE_LENGTH : MAX_TERMSIG_LENGTH;
      if (length === 0 || length > max) {
        this.#core.fire(
          this.#statusType === "exitcode" ? "bad-exitcode" : "bad-termsig",
          offset,
          `${this.#statusType} value of ${length} bytes`,
        );
      }
    } else if (length < 6 || length > MAX_PAIR_TYPE_LENGTH) {
      this.#core.fire("unknown-type", offset, `pair type of ${length} bytes`);
    }
    this.#buffer = new Uint8Array(length);
    this.#filled = 0;
  }

  #data(bytes: Uint8Array): ResponseEvent | null {
    if (this.#isData()) return bytes.length === 0 ? null : { type: this.#stream, data: bytes };
    this.#buffer!.set(bytes, this.#filled);
    this.#filled += bytes.length;
    return null;
  }

  #end(): void {
    if (this.#isData()) return this.#core.fire("output-data");
    const payload = this.#buffer!;
    this.#buffer = undefined;
    if (this.state === "status") return this.#endStatus(payload);
    const type = pairTypeOf(payload);
    if (type === undefined) {
      return this.#core.fire("unknown-type", this.#start, `unknown pair type "${_show(payload)}"`);
    }
    if (type === "stdout" || type === "stderr") {
      this.#stream = type;
      return this.#core.fire("output-type");
    }
    this.#statusType = type;
    this.#core.fire("status-type", this.#start, "a second status pair");
  }

  #endStatus(payload: Uint8Array): void {
    if (this.#statusType === "exitcode") {
      const code = parseExitCode(payload);
      if (code === undefined) {
        return this.#core.fire(
          "bad-exitcode",
          this.#start,
          `exitcode "${_show(payload)}" is not a decimal from 0 to 255`,
        );
      }
      this.#status = { exitCode: code, signal: null };
      return this.#core.fire("status-value");
    }
    const name = _text(payload);
    if (!isSignalNameValue(name)) {
      return this.#core.fire("bad-termsig", this.#start, `termsig "${_show(payload)}" is not a signal name`);
    }
    this.#status = { exitCode: null, signal: name };
    this.#core.fire("status-value");
  }

  #eofMessage(): string {
    return this.state === "type"
      ? "connection closed before any exitcode or termsig pair"
      : "input ended inside a pair";
  }
}
