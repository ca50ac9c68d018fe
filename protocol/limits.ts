/**
 * Named limits of the protocol, with their defaults.
 *
 * The codec limits are enforced by the decoders in this directory; the
 * server limits are enforced by a server and published here so that the
 * specification names every limit in one place.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** Limits enforced while decoding a byte stream. */
export interface CodecLimits {
  /** Most digits a netstring length may have. */
  readonly maxLengthDigits: number;
  /** Largest payload of any one netstring (stdin chunks, output data). */
  readonly maxNetstringLength: number;
  /** Largest argc a request may declare. */
  readonly maxArgc: number;
  /** Largest total of the argv payload bytes of one request. */
  readonly maxArgvBytes: number;
}

/** Where a limit is enforced. */
export type LimitScope = "codec" | "server";

/** The published description of one limit. */
export interface LimitInfo {
  /** Enforced by the decoders (`codec`) or by a server (`server`). */
  readonly scope: LimitScope;
  /** The default value. */
  readonly default: number;
  /** Unit of the value. */
  readonly unit: "digits" | "bytes" | "count" | "seconds";

  /** The server's command-line option that sets it. */
  readonly option: string;
  /** What exceeding it does. */
  readonly description: string;
}

/** Every named limit, its default, and what exceeding it does. */
export const LIMITS = {
  maxLengthDigits: {
    scope: "codec",
    default: 10,
    unit: "digits",
    option: "--max-length-digits",
    description:
      "A netstring length with more digits is rejected with LENGTH_TOO_LONG as soon as the extra digit arrives.",
  },
  maxNetstringLength: {
    scope: "codec",
    default: 64 * 1024 * 1024,
    unit: "bytes",
    option: "--max-netstring",
    description:
      "A netstring declaring a longer payload is rejected with PAYLOAD_TOO_LARGE when its ':' arrives, before any payload is buffered. Stdin chunks and output data are streamed, never buffered whole.",
  },
  maxArgc: {
    scope: "codec",
    default: 4096,
    unit: "count",
    option: "--max-argc",
    description:
      "A request declaring more arguments is rejected with ARGC_TOO_LARGE (an argc netstring with more digits than maxArgc has is rejected from its length alone).",
  },
  maxArgvBytes: {
    scope: "codec",
    default: 1024 * 1024,
    unit: "bytes",
    option: "--max-argv-bytes",
    description:
      "A request whose argv payloads add up to more is rejected with ARGV_TOO_LARGE when the length of the argument that crosses it arrives.",
  },
  maxConnections: {
    scope: "server",
    default: 100,
    unit: "count",
    option: "-m, --max-connections",
    description:
      "Programs run at once. A request whose argv is complete waits (with its clock running) until one of these slots is free; a slot is freed when the status is written. None is refused or dropped.",
  },
  maxOpen: {
    scope: "server",
    default: 1024,
    unit: "count",
    option: "--max-open",
    description:
      "Connections open at once, whatever their phase (sending the request, waiting for a program slot, running, finishing the reply): each holds one here from accept to close, and a program slot (maxConnections) only while its program runs, so slow clients (one byte every few seconds, each bounded by requestTimeout) never hold a program's slot. Beyond this many, connections wait in the listen backlog.",
  },
  requestTimeout: {
    scope: "server",
    default: 10,
    unit: "seconds",
    option: "--request-timeout",
    description:
      "A request whose argv is not complete this long after accept is closed with nothing sent (0 = no limit).",
  },
  deadline: {
    scope: "server",
    default: 60,
    unit: "seconds",
    option: "-t, --timeout",
    description:
      "Counted from accept. The program's process group gets TERM, then KILL after killGrace; the client receives the termsig (0 = no deadline).",
  },
  killGrace: {
    scope: "server",
    default: 10,
    unit: "seconds",
    option: "-k, --kill-timeout",
    description: "How long after TERM a still running process group gets KILL.",
  },
  maxPairBytes: {
    scope: "server",
    default: 4096,
    unit: "bytes",
    option: "--max-pair-bytes",
    description:
      "Most data bytes in one output pair; a larger read from the program becomes several pairs written at once. 4096 is sockexec's size: lua-resty-exec reads every pair after the first with a 1 ms timeout and loses its place when a pair arrives in pieces.",
  },
  outputBuffer: {
    scope: "server",
    default: 16 * 1024 * 1024,
    unit: "bytes",
    option: "--output-buffer",
    description:
      "While the client is still sending stdin, output it has not read yet is held up to this many bytes per connection (within outputBufferTotal), so a client that sends all of stdin before reading anything (lua-resty-exec, sockexec's own client) does not deadlock with a program that echoes it. Past it, and once stdin has ended, backpressure applies: the program's output is read only while less than 256 KiB wait to be sent.",
  },
  outputBufferTotal: {
    scope: "server",
    default: 256 * 1024 * 1024,
    unit: "bytes",
    option: "--output-buffer-total",
    description:
      "Server-wide bound on the output held under outputBuffer: when the connections together hold this much beyond their 256 KiB windows, none reads more output until some is sent.",
  },
  stdinIdleTimeout: {
    scope: "server",
    default: 0,
    unit: "seconds",
    option: "--stdin-idle-timeout",
    description:
      "While the program's stdin is open, a client that sends nothing for this long has its program terminated, as at the deadline (0 = never: a client may keep stdin open and silent for the program's whole life, as multistreamer does; then only the deadline bounds a client that trickles its stdin).",
  },
  lingerTimeout: {
    scope: "server",
    default: 2,
    unit: "seconds",
    option: "--linger",
    description:
      "After the status the server half-closes and reads (and discards) until the client's end of input, at most this long, then closes. Closing with unread client bytes would reset the connection and could destroy the reply in flight. The connection's slot is freed when the status is written, not after the linger.",
  },
  probeInterval: {
    scope: "server",
    default: 1,
    unit: "seconds",
    option: "--probe-interval",
    description:
      "After the client's end of input, while the program runs, an empty stdout pair is sent whenever nothing was sent for this long, so that a client that has gone is noticed (0 = never; a silent program then runs until it ends or the deadline).",
  },
} as const satisfies Record<string, LimitInfo>;

/** The name of any limit. */
export type LimitName = keyof typeof LIMITS;

/** The codec limits at their defaults. */
export const DEFAULT_CODEC_LIMITS: CodecLimits = {
  maxLengthDigits: LIMITS.maxLengthDigits.default,
  maxNetstringLength: LIMITS.maxNetstringLength.default,
  maxArgc: LIMITS.maxArgc.default,
  maxArgvBytes: LIMITS.maxArgvBytes.default,
};

/**
 * Fill in defaults and check that the limits are usable: positive safe
 * integers, and maxNetstringLength expressible in `maxLengthDigits` digits.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` naming the offending limit.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { resolveCodecLimits } from "./limits.ts";
 * const limits = resolveCodecLimits({ maxArgc: 8 });
 * assert(limits.maxArgc === 8 && limits.maxLengthDigits === 10);
 * ```
 */
export function resolveCodecLimits(partial: Partial<CodecLimits> = {}): CodecLimits {
  if (Object.hasOwn(partial, _CHECKED)) return partial as CodecLimits;
  const limits: CodecLimits = { ...DEFAULT_CODEC_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new UsageError("INVALID_ARGUMENT", `limit ${name} must be a positive integer, got ${value}`);
    }
  }
  if (limits.maxLengthDigits > 15) {
    throw new UsageError("INVALID_ARGUMENT", `limit maxLengthDigits must be at most 15, got ${limits.maxLengthDigits}`);
  }
  if (limits.maxNetstringLength > 10 ** limits.maxLengthDigits - 1) {
    throw new UsageError(
      "INVALID_ARGUMENT",
      `limit maxNetstringLength=${limits.maxNetstringLength} needs more than maxLengthDigits=${limits.maxLengthDigits} digits`,
    );
  }
  // Marked as checked and frozen: resolving them again (every connection's parser does) is free.
  Object.defineProperty(limits, _CHECKED, { value: true, enumerable: false });
  return Object.freeze(limits);
}

const _CHECKED = Symbol("checked codec limits");
