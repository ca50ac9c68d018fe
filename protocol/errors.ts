/**
 * Typed errors of the protocol core.
 *
 * Every error the decoders and state machines raise is a {@linkcode ProtocolError}
 * (the peer sent something the protocol forbids) or a {@linkcode UsageError}
 * (the caller asked a machine for something its state does not allow). Both
 * carry a stable string `code` from {@linkcode ERROR_CODES}.
 *
 * @module
 */

/** Which layer of the protocol detects an error. */
export type ErrorLayer = "netstring" | "request" | "response" | "usage";

/** The description of one error code, as published in the specification. */
export interface ErrorCodeInfo {
  /** The layer that detects it. */
  readonly layer: ErrorLayer;
  /** One sentence: what the peer or the caller did. */
  readonly description: string;
}

/**
 * Every error code of the protocol core, with its layer and meaning.
 * Codes are stable: they are part of the specification and of the
 * conformance vectors.
 */
export const ERROR_CODES = {
  BAD_LENGTH: {
    layer: "netstring",
    description:
      "A byte other than an ASCII digit where a netstring length is expected (a sign, a space, a letter, or ':' with no digit before it).",
  },
  LEADING_ZERO: {
    layer: "netstring",
    description: "A netstring length of more than one digit starts with '0'.",
  },
  LENGTH_TOO_LONG: {
    layer: "netstring",
    description: "A netstring length has more digits than maxLengthDigits allows.",
  },
  PAYLOAD_TOO_LARGE: {
    layer: "netstring",
    description:
      "A netstring declares a payload longer than the receiver's limit for that position; detected from the length alone, before any payload is buffered.",
  },
  MISSING_COMMA: {
    layer: "netstring",
    description: "The byte after a netstring payload is not ','.",
  },
  EOF_IN_LENGTH: {
    layer: "netstring",
    description: "The stream ended inside a netstring length, before ':'.",
  },
  EOF_IN_PAYLOAD: {
    layer: "netstring",
    description: "The stream ended inside a netstring payload or before its ','.",
  },
  BAD_ARGC: {
    layer: "request",
    description: "The first netstring of a request is not a canonical decimal number of at least 1.",
  },
  ARGC_TOO_LARGE: {
    layer: "request",
    description: "argc is larger than the maxArgc limit.",
  },
  ARGV_TOO_LARGE: {
    layer: "request",
    description: "The argv strings together are longer than the maxArgvBytes limit.",
  },
  ARG_CONTAINS_NUL: {
    layer: "request",
    description: "An argv string contains a NUL byte, which no program can receive; it is rejected, never truncated.",
  },
  INCOMPLETE_REQUEST: {
    layer: "request",
    description: "The stream ended between netstrings before argv was complete.",
  },
  UNKNOWN_PAIR_TYPE: {
    layer: "response",
    description: "A response pair's type is not one of stdout, stderr, exitcode, termsig.",
  },
  BAD_EXITCODE: {
    layer: "response",
    description: "An exitcode value is not a canonical decimal from 0 to 255.",
  },
  BAD_TERMSIG: {
    layer: "response",
    description: "A termsig value is not a signal name (A-Z, 0-9, '+', without the SIG prefix) or '???'.",
  },
  DUPLICATE_STATUS: {
    layer: "response",
    description: "A second exitcode or termsig pair arrived.",
  },
  EOF_IN_PAIR: {
    layer: "response",
    description: "The stream ended between the type and the value of a response pair.",
  },
  CLOSED_WITHOUT_STATUS: {
    layer: "response",
    description: "The stream ended before any exitcode or termsig pair.",
  },
  INVALID_STATE: {
    layer: "usage",
    description: "The caller asked a state machine for a step its current state does not allow.",
  },
  INVALID_ARGUMENT: {
    layer: "usage",
    description:
      "The caller passed a value the protocol cannot carry (an empty argv, a NUL in an argument, an exit code out of range, a bad signal name, a bad limit).",
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** Any error code of the protocol core. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Error codes a peer's bytes can cause (everything but the usage layer). */
export type ProtocolErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]["layer"] extends "usage" ? never : K;
}[ErrorCode];

/** Error codes of the usage layer. */
export type UsageErrorCode = Exclude<ErrorCode, ProtocolErrorCode>;

/**
 * The peer's bytes violate the protocol. `offset` is the position in the
 * stream (counted from 0) of the first byte that could not be accepted, or of
 * the end of the stream for the EOF codes.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ProtocolError } from "./errors.ts";
 * const e = new ProtocolError("LEADING_ZERO", 0, "netstring length 01 has a leading zero");
 * assert(e.code === "LEADING_ZERO" && e.offset === 0);
 * ```
 */
export class ProtocolError extends Error {
  /** The stable error code. */
  readonly code: ProtocolErrorCode;
  /** Byte offset in the stream where the violation was detected. */
  readonly offset: number;

  /** Create an error; `message` should name what was wrong in one line. */
  constructor(code: ProtocolErrorCode, offset: number, message: string) {
    super(`${code} at byte ${offset}: ${message}`);
    this.name = "ProtocolError";
    this.code = code;
    this.offset = offset;
  }
}

/**
 * The caller used an encoder or state machine wrongly (for example, sent
 * stdin before argv). No bytes were produced.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { UsageError } from "./errors.ts";
 * const e = new UsageError("INVALID_STATE", "stdin before argv");
 * assert(e.code === "INVALID_STATE");
 * ```
 */
export class UsageError extends Error {
  /** The stable error code. */
  readonly code: UsageErrorCode;

  /** Create an error; `message` should name what was wrong in one line. */
  constructor(code: UsageErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "UsageError";
    this.code = code;
  }
}
