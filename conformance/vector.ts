/**
 * The conformance vectors: language-neutral JSON test cases, in three kinds.
 *
 * - `codec`: bytes → values or an error code (or values → bytes), for any
 *   implementation's decoders and encoders;
 * - `server`: a script of steps against a server and what must come back;
 * - `client`: what a scripted fake server sends, and what a client library
 *   must report.
 *
 * The JSON Schema in `schema/vectors.schema.json` is the normative shape;
 * these types mirror it.
 *
 * @module
 */

import type { BytesSpec } from "./bytes.ts";

/** How binding a vector's requirement is. */
export type Level = "MUST" | "SHOULD" | "MAY";

/** Fields every vector has. */
export interface VectorBase {
  /** Stable id: never renumbered, never reused. */
  readonly id: string;
  /** One line: what the case checks. */
  readonly title: string;
  /** Requirement ids of `protocol/spec.ts` the case checks. */
  readonly requirements: readonly string[];
  /** The strongest level among them. */
  readonly level: Level;
  /** Free tags for selection. */
  readonly tags: readonly string[];
  /** The profile the case belongs to. */
  readonly profile: string;
  /** How long the case may take before the runner gives up on it. */
  readonly timeoutMs?: number;
  /** Why the case is as it is. */
  readonly notes?: string;
}

/** Limits a codec case runs the decoder with. */
export interface VectorLimits {
  /** See `protocol/limits.ts`. */
  readonly maxLengthDigits?: number;
  /** See `protocol/limits.ts`. */
  readonly maxNetstringLength?: number;
  /** See `protocol/limits.ts`. */
  readonly maxArgc?: number;
  /** See `protocol/limits.ts`. */
  readonly maxArgvBytes?: number;
}

/** One decoded event, in a codec case's expectation. Output and stdin events of one stream are merged. */
export type CodecEvent =
  | { readonly argv: readonly BytesSpec[] }
  | { readonly stdin: BytesSpec }
  | { readonly stdinEnd: "marker" | "eof" }
  | { readonly closed: true }
  | { readonly stdout: BytesSpec }
  | { readonly stderr: BytesSpec }
  | { readonly exitcode: number }
  | { readonly termsig: string }
  | { readonly end: true };

/** A protocol error a decoder must raise. */
export interface ExpectedError {
  /** Error code of `protocol/errors.ts`. */
  readonly code: string;
  /** Byte offset of the error; optional for implementations that do not report offsets. */
  readonly offset?: number;
}

/** Decode bytes with one of the codecs. */
export interface CodecDecodeVector extends VectorBase {
  /** Always `codec`. */
  readonly kind: "codec";
  /** Which decoder. */
  readonly codec: "netstring" | "request" | "response";
  /** Always `decode`. */
  readonly direction: "decode";
  /** The bytes to decode. */
  readonly input: BytesSpec;
  /** Limits to decode with (defaults otherwise). */
  readonly limits?: VectorLimits;
  /** The outcome, for any split of the input. */
  readonly expect: {
    /** Netstring payloads (netstring codec). */
    readonly values?: readonly BytesSpec[];
    /** Events before the end or the error (request and response codecs). */
    readonly events?: readonly CodecEvent[];
    /** The error that ends decoding, if any. */
    readonly error?: ExpectedError;
  };
}

/** What an encode case encodes. */
export type EncodeValue =
  | { readonly payloads: readonly BytesSpec[] }
  | { readonly argv: readonly BytesSpec[]; readonly stdin?: readonly BytesSpec[]; readonly end?: boolean }
  | {
    readonly output: readonly { readonly stream: "stdout" | "stderr"; readonly data: BytesSpec }[];
    readonly status: { readonly exitcode: number } | { readonly termsig: string };
  };

/** Encode values with one of the codecs. */
export interface CodecEncodeVector extends VectorBase {
  /** Always `codec`. */
  readonly kind: "codec";
  /** Which encoder. */
  readonly codec: "netstring" | "request" | "response";
  /** Always `encode`. */
  readonly direction: "encode";
  /** What to encode. */
  readonly value: EncodeValue;
  /** The bytes, or the usage error the encoder raises. */
  readonly expect: { readonly bytes: BytesSpec } | { readonly error: { readonly code: string } };
}

/** A codec case. */
export type CodecVector = CodecDecodeVector | CodecEncodeVector;

/** A request built by the runner (so `{tmp}` can be substituted in argv). */
export interface RequestStep {
  /** The request to build. */
  readonly request: {
    /** Program and arguments as text (UTF-8); `{tmp}` is replaced by the case's temporary directory. */
    readonly argv: readonly string[];
    /** Stdin chunks, each sent as one netstring. */
    readonly stdin?: readonly BytesSpec[];
    /** Send the end marker (default true). */
    readonly end?: boolean;
  };
}

/** One step of a server case. */
export type ServerStep =
  | { readonly send: BytesSpec }
  | RequestStep
  | { readonly delayMs: number }
  | { readonly await: { readonly stdout?: BytesSpec; readonly stderr?: BytesSpec; readonly withinMs: number } }
  | { readonly halfClose: true }
  | { readonly close: true };

/** A byte string a case expects: exact, or a looser match. */
export type BytesMatch =
  | BytesSpec
  | { readonly contains: BytesSpec }
  | { readonly match: string }
  | { readonly length: number };

/** The status a case expects. */
export type ExpectedStatus =
  | { readonly exitcode: number | readonly number[] }
  | { readonly termsig: string | readonly string[] };

/** What a server case expects to observe. */
export interface ServerExpectation {
  /** Everything received on stdout pairs, concatenated. */
  readonly stdout?: BytesMatch;
  /** Everything received on stderr pairs, concatenated. */
  readonly stderr?: BytesMatch;
  /** The status pair; `null` for none at all. */
  readonly status?: ExpectedStatus | null;
  /** No output pair after the status (default true; a miss alone is NON-STRICT, per resp.status.last). */
  readonly statusLast?: boolean;
  /** The server sends no byte at all. */
  readonly nothingSent?: boolean;
  /** The server closes the connection within this many ms after the last step. */
  readonly closeWithinMs?: number;
  /** ...but not sooner than this many ms after the last step. */
  readonly closeNotBeforeMs?: number;
  /** Files (in the case's temporary directory) that must hold a content within a time. */
  readonly files?: readonly { readonly path: string; readonly content: BytesMatch; readonly withinMs: number }[];
  /** Processes, by pid file, that must be gone within a time. */
  readonly pidsGone?: readonly { readonly pidFile: string; readonly withinMs: number }[];
  /** No output pair carries more data bytes than this. */
  readonly maxPairBytes?: number;
}

/** An outcome accepted with a NON-STRICT verdict, and why. */
export interface Accepted<E> {
  /** Always `NON-STRICT`. */
  readonly verdict: "NON-STRICT";
  /** Why it is accepted, naming who behaves so. */
  readonly reason: string;
  /** The outcome accepted. */
  readonly expect: E;
}

/** A server case. */
export interface ServerVector extends VectorBase {
  /** Always `server`. */
  readonly kind: "server";
  /** sockexec-syntax options the server must be started with (`--spawn` only; skipped otherwise). */
  readonly serverArgs?: readonly string[];
  /** Needs the server on this machine (files, pids). */
  readonly local?: boolean;
  /** May be re-run with its sends split (default true). */
  readonly split?: boolean;
  /**
   * The client reads nothing until every step is done, as clients that send all of stdin first do
   * (default false: it reads all along). Such a vector has no `await` step.
   */
  readonly readAfterSending?: boolean;
  /** The script. */
  readonly steps: readonly ServerStep[];
  /** The strict outcome. */
  readonly expect: ServerExpectation;
  /** Outcomes accepted as NON-STRICT. */
  readonly accept?: readonly Accepted<ServerExpectation>[];
}

/** One step of the fake server in a client case. */
export type FakeServerStep =
  | { readonly awaitRequest: true }
  | { readonly send: BytesSpec }
  | { readonly delayMs: number }
  | { readonly close: true }
  | { readonly hang: true };

/** Error categories a client adapter reports. */
export type ClientErrorCategory =
  | "CONNECT_FAILED"
  | "PROTOCOL_ERROR"
  | "CLOSED_WITHOUT_STATUS"
  | "TIMEOUT"
  | "SPAWN_FAILED";

/** What a client case expects the library to report. */
export type ClientExpectation =
  | {
    readonly result: {
      readonly stdout: BytesSpec;
      readonly stderr: BytesSpec;
      readonly exitCode: number | null;
      readonly signal: string | null;
    };
  }
  | { readonly error: ClientErrorCategory | readonly ClientErrorCategory[] };

/** A client case. */
export interface ClientVector extends VectorBase {
  /** Always `client`. */
  readonly kind: "client";
  /** What the adapter asks its library to run. */
  readonly call: {
    /** Program and arguments. */
    readonly argv: readonly BytesSpec[];
    /** Stdin, if any. */
    readonly stdin?: BytesSpec | null;
    /** The library's timeout, if any. */
    readonly timeoutMs?: number | null;
  };
  /** The fake server; `null` when nothing listens at the address. */
  readonly server: null | {
    /** What the client must send (checked after the request is complete). */
    readonly expectRequest?: {
      /** The argv the client must send. */
      readonly argv: readonly BytesSpec[];
      /** The stdin the client must send. */
      readonly stdin: BytesSpec;
    };
    /** What the fake server does. */
    readonly script: readonly FakeServerStep[];
  };
  /** What the library must report. */
  readonly expect: ClientExpectation;
  /** Reports accepted as NON-STRICT. */
  readonly accept?: readonly Accepted<ClientExpectation>[];
}

/** Any vector. */
export type Vector = CodecVector | ServerVector | ClientVector;

/** A file of vectors. */
export interface VectorFile {
  /** The schema, for editors. */
  readonly $schema?: string;
  /** The vectors. */
  readonly vectors: readonly Vector[];
}
