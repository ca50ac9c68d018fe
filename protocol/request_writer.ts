/**
 * The client's side of a request: what to send, in which order. Driven by
 * {@linkcode REQUEST_WRITER_SPEC}.
 *
 * @module
 */

import { _toBytes, _utf8 } from "./_bytes.ts";
import { concatBytes } from "./bytes.ts";
import { UsageError } from "./errors.ts";
import { type MachineSpec, TransitionTable } from "./machine.ts";
import { encodeNetstring, encodeNetstringParts } from "./netstring.ts";

/** States of the request writer. */
export type RequestWriterState = "argv" | "stdin" | "closed";

/** Inputs of the request writer: the caller's calls. */
export type RequestWriterInput = "argv" | "stdin" | "stdin-end";

/** The request writer as data. */
export const REQUEST_WRITER_SPEC: MachineSpec<RequestWriterState, RequestWriterInput> = {
  name: "request-writer",
  role: "client",
  direction: "emit",
  summary:
    "Produces a request: argc and argv first, then any number of stdin chunks, then the end marker `0:,`. An empty stdin chunk produces no bytes (its netstring would be the end marker). A call its state does not allow raises INVALID_STATE and produces nothing.",
  states: {
    "argv": "Nothing sent yet.",
    "stdin": "argc and argv sent; stdin chunks may follow.",
    "closed": "The end marker was sent. Terminal.",
  },
  inputs: {
    "argv": "Send argc and the argv strings (at least one; no NUL bytes).",
    "stdin": "Send a stdin chunk.",
    "stdin-end": "Send the end marker `0:,`.",
  },
  initial: "argv",
  terminal: ["closed"],
  transitions: [
    { from: "argv", on: "argv", to: "stdin", emits: ["argc", "argv"] },
    { from: "stdin", on: "stdin", to: "stdin", emits: ["chunk"] },
    { from: "stdin", on: "stdin-end", to: "closed", emits: ["end-marker"] },
  ],
};

const _TABLE = new TransitionTable(REQUEST_WRITER_SPEC);

/** A program argument: a string (sent as UTF-8) or raw bytes. */
export type Arg = string | Uint8Array;

/**
 * Encoder of a request for the client role. Each method returns the bytes
 * to send; stdin is returned as parts so large chunks are never copied.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { RequestWriter } from "./request_writer.ts";
 * const w = new RequestWriter();
 * const text = (b: Uint8Array) => new TextDecoder().decode(b);
 * assert(text(w.argv(["cat"])) === "1:1,3:cat,");
 * assert(w.stdin("hi").map(text).join("") === "2:hi,");
 * assert(text(w.stdinEnd()) === "0:,");
 * ```
 */
export class RequestWriter {
  #state: RequestWriterState = "argv";

  /** The current state. */
  get state(): RequestWriterState {
    return this.#state;
  }

  /**
   * argc and the argv netstrings.
   * @throws {UsageError} `INVALID_ARGUMENT` for an empty argv or a NUL in an argument; `INVALID_STATE` if already sent.
   */
  argv(argv: readonly Arg[]): Uint8Array {
    const bytes = validateArgv(argv);
    this.#fire("argv");
    return concatBytes([encodeNetstring(String(bytes.length)), ...bytes.map(encodeNetstring)]);
  }

  /**
   * A stdin chunk as parts (header, payload, ','); none for an empty chunk.
   * @throws {UsageError} `INVALID_STATE` before argv or after the end marker.
   */
  stdin(data: Uint8Array | string): Uint8Array[] {
    const bytes = _toBytes(data);
    this.#fire("stdin");
    return bytes.length === 0 ? [] : encodeNetstringParts(bytes);
  }

  /**
   * The end marker `0:,`.
   * @throws {UsageError} `INVALID_STATE` before argv or after the end marker.
   */
  stdinEnd(): Uint8Array {
    this.#fire("stdin-end");
    return _utf8("0:,");
  }

  #fire(input: RequestWriterInput): void {
    this.#state = _TABLE.step(this.#state, input).to;
  }
}

/**
 * Check that an argv can be carried (at least one string, no NUL bytes) and
 * return it as bytes.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` naming the problem.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { validateArgv } from "./request_writer.ts";
 * assert(validateArgv(["echo", "hi"]).length === 2);
 * ```
 */
export function validateArgv(argv: readonly Arg[]): Uint8Array[] {
  if (argv.length === 0) throw new UsageError("INVALID_ARGUMENT", "argv must hold at least the program");
  return argv.map((arg, i) => {
    const bytes = _toBytes(arg);
    if (bytes.includes(0)) throw new UsageError("INVALID_ARGUMENT", `argv[${i}] contains a NUL byte`);
    return bytes;
  });
}

/** A whole request, for {@linkcode encodeRequest}. */
export interface Request {
  /** The program and its arguments. */
  readonly argv: readonly Arg[];
  /** The program's stdin, sent as one chunk (none when empty). */
  readonly stdin?: Uint8Array | string;
  /** Send the end marker (default true). Without it, the program's stdin closes when the client half-closes. */
  readonly end?: boolean;
}

/**
 * A whole request in one byte string.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { encodeRequest } from "./request_writer.ts";
 * const bytes = encodeRequest({ argv: ["echo", "hello"] });
 * assert(new TextDecoder().decode(bytes) === "1:2,4:echo,5:hello,0:,");
 * ```
 */
export function encodeRequest(request: Request): Uint8Array {
  const w = new RequestWriter();
  const parts = [w.argv(request.argv)];
  if (request.stdin !== undefined) parts.push(...w.stdin(request.stdin));
  if (request.end ?? true) parts.push(w.stdinEnd());
  return concatBytes(parts);
}
