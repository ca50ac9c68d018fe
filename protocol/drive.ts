/**
 * Driving a pull parser over a sequence of chunks, keeping every event that
 * came before an error.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** What the parsers in this directory have in common. */
export interface PullParser<E> {
  /** Append input. */
  push(chunk: Uint8Array): void;
  /** Declare the end of input. */
  end(): void;
  /** The next event, or undefined when more input is needed. */
  next(): E | undefined;
}

/** Everything a parser produced, and the protocol error that stopped it, if any. */
export interface ParseOutcome<E> {
  /** Events in order. */
  readonly events: E[];
  /** The error, if the input violated the protocol. */
  readonly error?: ProtocolError;
}

/**
 * Push each chunk and pull every event after it; then, unless `end` is false,
 * declare the end of input and pull the rest. Errors other than
 * {@linkcode ProtocolError} propagate.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { runParser } from "./drive.ts";
 * import { ResponseParser } from "./response_parser.ts";
 * const bytes = new TextEncoder().encode("8:exitcode,1:0,");
 * const { events, error } = runParser(new ResponseParser(), [bytes.subarray(0, 4), bytes.subarray(4)]);
 * assert(error === undefined && events.length === 2);
 * ```
 */
export function runParser<E>(
  parser: PullParser<E>,
  chunks: Iterable<Uint8Array>,
  options: { readonly end?: boolean } = {},
): ParseOutcome<E> {
  const events: E[] = [];
  try {
    for (const chunk of chunks) {
      parser.push(chunk);
      _pull(parser, events);
    }
    if (options.end ?? true) {
      parser.end();
      _pull(parser, events);
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { events, error };
    throw error;
  }
  return { events };
}

function _pull<E>(parser: PullParser<E>, into: E[]): void {
  for (let e = parser.next(); e !== undefined; e = parser.next()) into.push(e);
}
