/**
 * The server's side of a response: output pairs, then exactly one status
 * pair, last. Driven by {@linkcode RESPONSE_WRITER_SPEC}.
 *
 * @module
 */

import { _toBytes } from "./_bytes.ts";
import { concatBytes } from "./bytes.ts";
import { UsageError } from "./errors.ts";
import { type ExitStatus, isSignalNameValue, type OutputStream, statusValue } from "./frames.ts";
import { type MachineSpec, TransitionTable } from "./machine.ts";
import { encodeNetstring, netstringHeader } from "./netstring.ts";

/** States of the response writer. */
export type ResponseWriterState = "running" | "done";

/** Inputs of the response writer: the caller's calls. */
export type ResponseWriterInput = "output" | "probe" | "status";

/** The response writer as data. */
export const RESPONSE_WRITER_SPEC: MachineSpec<ResponseWriterState, ResponseWriterInput> = {
  name: "response-writer",
  role: "server",
  direction: "emit",
  summary:
    "Produces a response: any number of output pairs while the program runs, then one status pair, which is the last thing sent. Empty output produces no bytes; a probe is the one empty output pair a server sends on purpose, to find out whether a client whose input has ended is still there. A call its state does not allow raises INVALID_STATE and produces nothing.",
  states: {
    "running": "The status is not sent yet; output pairs may be sent.",
    "done": "The status pair was sent; the server closes the connection. Terminal.",
  },
  inputs: {
    "output": "Send an output pair (stdout or stderr) carrying bytes read from the program.",
    "probe": "Send an empty stdout pair (`6:stdout,0:,`), which carries nothing.",
    "status": "Send the status pair (exitcode or termsig).",
  },
  initial: "running",
  terminal: ["done"],
  transitions: [
    { from: "running", on: "output", to: "running", emits: ["output-pair"] },
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

/**
 * Encoder of a response for the server role.
 *
 * @example
 * ```ts
 * import { ResponseWriter } from "./response_writer.ts";
 * const w = new ResponseWriter();
 * const text = (parts: Uint8Array[]) => parts.map((p) => new TextDecoder().decode(p)).join("");
 * console.assert(text(w.output("stdout", "hi\n")) === "6:stdout,3:hi\n,");
 * console.assert(text([w.status({ exitCode: 0, signal: null })]) === "8:exitcode,1:0,");
 * ```
 */
export class ResponseWriter {
  #state: ResponseWriterState = "running";

  /** The current state. */
  get state(): ResponseWriterState {
    return this.#state;
  }

  /**
   * An output pair as parts (type and data header, data, ','), so the data is
   * never copied; none for empty data.
   * @throws {UsageError} `INVALID_STATE` after the status.
   */
  output(stream: OutputStream, data: Uint8Array | string): Uint8Array[] {
    const bytes = _toBytes(data);
    this.#fire("output");
    if (bytes.length === 0) return [];
    return [concatBytes([_TYPES[stream], netstringHeader(bytes.length)]), bytes, Uint8Array.of(0x2c)];
  }

  /**
   * An empty stdout pair, `6:stdout,0:,`: it carries nothing, and a write of it
   * fails once the client has gone, which is how a server notices a client
   * that disconnected while the program prints nothing (resp.output.empty).
   * @throws {UsageError} `INVALID_STATE` after the status.
   */
  probe(): Uint8Array {
    this.#fire("probe");
    return concatBytes([_TYPES.stdout, netstringHeader(0), Uint8Array.of(0x2c)]);
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
