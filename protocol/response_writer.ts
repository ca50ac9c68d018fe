/**
 * The server's side of a response: output pairs, then exactly one status
 * pair, last. Driven by {@linkcode RESPONSE_WRITER_SPEC}.
 *
 * @module
 */

import { _toBytes, _utf8 } from "./_bytes.ts";
import { concatBytes } from "./bytes.ts";
import { UsageError } from "./errors.ts";
import { type ExitStatus, isSignalNameValue, type OutputStream, statusValue } from "./pairs.ts";
import { LIMITS } from "./limits.ts";
import { type MachineSpec, TransitionTable } from "./machine.ts";
import { encodeNetstring, netstringHeader } from "./netstring.ts";

/** States of the response writer. */
export type ResponseWriterState = "running" | "done";

/** Inputs of the response writer: the caller's calls. */
export type ResponseWriterInput = "output" | "probe" | "status";

/** What the response writer emits. */
export type ResponseWriterEmit = "output-pairs" | "empty-output-pair" | "status-pair";

/** The response writer as data. */
export const RESPONSE_WRITER_SPEC: MachineSpec<ResponseWriterState, ResponseWriterInput, ResponseWriterEmit, never> = {
  name: "response-writer",
  role: "server",
  direction: "emit",
  summary:
    "Produces a response: any number of output pairs while the program runs, then one status pair, which is the last thing sent. The bytes of one read of a pipe become as many pairs as needed to carry at most maxPairBytes data bytes each (4096 by default, as sockexec: clients that read each pair with a short timeout need small pairs), all in one buffer to be written at once. Empty output produces no bytes; a probe is the one empty output pair a server sends on purpose, to find out whether a client whose input has ended is still there. A call its state does not allow raises INVALID_STATE and produces nothing.",
  states: {
    "running": "The status is not sent yet; output pairs may be sent.",
    "done": "The status pair was sent; the server closes the connection. Terminal.",
  },
  inputs: {
    "output": "Send the bytes of one read from the program's stdout or stderr, as output pairs.",
    "probe": "Send an empty stdout pair (`6:stdout,0:,`), which carries nothing.",
    "status": "Send the status pair (exitcode or termsig).",
  },
  initial: "running",
  terminal: ["done"],
  transitions: [
    { from: "running", on: "output", to: "running", emits: ["output-pairs"] },
    { from: "running", on: "probe", to: "running", emits: ["empty-output-pair"] },
    { from: "running", on: "status", to: "done", emits: ["status-pair"] },
  ],
};

const _TABLE = new TransitionTable(RESPONSE_WRITER_SPEC);
const _TYPES = {
  stdout: encodeNetstring("stdout"),
  stderr: encodeNetstring("stderr"),
  exitcode: encodeNetstring("exitcode"),
  termsig: encodeNetstring("termsig"),
};
const _COMMA = 0x2c;

/** Options of a response writer. */
export interface ResponseWriterOptions {
  /** Most data bytes in one output pair. Default {@linkcode LIMITS}.maxPairBytes (4096). */
  readonly maxPairBytes?: number;
}

/**
 * Encoder of a response for the server role.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ResponseWriter } from "./response_writer.ts";
 * const w = new ResponseWriter({ maxPairBytes: 4 });
 * const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
 * assertEquals(text(w.output("stdout", "hi\n")), "6:stdout,3:hi\n,");
 * assertEquals(text(w.output("stderr", "abcdef")), "6:stderr,4:abcd,6:stderr,2:ef,");
 * assertEquals(text(w.status({ exitCode: 0, signal: null })), "8:exitcode,1:0,");
 * ```
 */
export class ResponseWriter {
  #state: ResponseWriterState = "running";
  readonly #maxPairBytes: number;
  readonly #fullHeaderLength: number;

  /**
   * A writer at the start of a response.
   * @throws {UsageError} `INVALID_ARGUMENT` for a `maxPairBytes` that is not a positive integer.
   */
  constructor(options: ResponseWriterOptions = {}) {
    const max = options.maxPairBytes ?? LIMITS.maxPairBytes.default;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new UsageError("INVALID_ARGUMENT", `maxPairBytes must be a positive integer, got ${max}`);
    }
    this.#maxPairBytes = max;
    this.#fullHeaderLength = _TYPES.stdout.length + String(max).length + 1;
  }

  /** The current state. */
  get state(): ResponseWriterState {
    return this.#state;
  }

  /**
   * The bytes of one read from a pipe as output pairs of at most
   * `maxPairBytes` data bytes each, in one buffer (empty for empty data).
   * @throws {UsageError} `INVALID_STATE` after the status.
   */
  output(stream: OutputStream, data: Uint8Array | string): Uint8Array {
    const bytes = _toBytes(data);
    this.#fire("output");
    const max = this.#maxPairBytes;
    const full = Math.floor(bytes.length / max);
    const rest = bytes.length - full * max;
    const type = _TYPES[stream];
    const restHeader = rest === 0 ? undefined : _utf8(`${rest}:`);
    const size = full * (this.#fullHeaderLength + max + 1) +
      (restHeader === undefined ? 0 : type.length + restHeader.length + rest + 1);
    const out = new Uint8Array(size);
    let at = 0;
    let from = 0;
    const put = (header: Uint8Array, length: number) => {
      out.set(type, at);
      out.set(header, at + type.length);
      at += type.length + header.length;
      out.set(bytes.subarray(from, from + length), at);
      at += length;
      out[at++] = _COMMA;
      from += length;
    };
    if (full > 0) {
      const header = _utf8(`${max}:`);
      for (let i = 0; i < full; i++) put(header, max);
    }
    if (restHeader !== undefined) put(restHeader, rest);
    return out;
  }

  /**
   * An empty stdout pair, `6:stdout,0:,`: it carries nothing, and a write of it
   * fails once the client has gone, which is how a server notices a client
   * that disconnected while the program prints nothing (resp.output.empty).
   * @throws {UsageError} `INVALID_STATE` after the status.
   */
  probe(): Uint8Array {
    this.#fire("probe");
    return concatBytes([_TYPES.stdout, netstringHeader(0), Uint8Array.of(_COMMA)]);
  }

  /**
   * The status pair.
   * @throws {UsageError} `INVALID_ARGUMENT` for an exit code outside 0–255 or a bad signal name; `INVALID_STATE` after the status.
   */
  status(status: ExitStatus): Uint8Array {
    _checkStatus(status);
    this.#fire("status");
    return concatBytes([
      status.signal === null ? _TYPES.exitcode : _TYPES.termsig,
      encodeNetstring(statusValue(status)),
    ]);
  }

  #fire(input: ResponseWriterInput): void {
    this.#state = _TABLE.step(this.#state, input).to;
  }
}

function _checkStatus(status: ExitStatus): void {
  if (status.signal === null) {
    if (!Number.isInteger(status.exitCode) || status.exitCode < 0 || status.exitCode > 255) {
      throw new UsageError("INVALID_ARGUMENT", `exit code must be an integer from 0 to 255, got ${status.exitCode}`);
    }
  } else if (!isSignalNameValue(status.signal)) {
    throw new UsageError("INVALID_ARGUMENT", `"${status.signal}" is not a signal name without SIG`);
  }
}
