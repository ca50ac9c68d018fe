/**
 * The formal specification of the sockexec netstring exec protocol, as data:
 * grammar, pair types, state machines, limits, error codes, requirements and
 * profiles. `protocol/SPEC.md` is generated from it (`deno task spec`).
 *
 * @module
 */

import { ERROR_CODES, type ErrorCode, type ErrorCodeInfo } from "./errors.ts";
import { PAIR_TYPES, type PairType } from "./pairs.ts";
import { GRAMMAR, type GrammarRule } from "./grammar.ts";
import { type LimitInfo, type LimitName, LIMITS } from "./limits.ts";
import type { MachineSpec } from "./machine.ts";
import { type Profile, PROFILES } from "./profiles.ts";
import { REQUEST_PARSER_SPEC } from "./request_parser.ts";
import { REQUEST_WRITER_SPEC } from "./request_writer.ts";
import { type Requirement, REQUIREMENTS } from "./requirements.ts";
import { RESPONSE_PARSER_SPEC } from "./response_parser.ts";
import { RESPONSE_WRITER_SPEC } from "./response_writer.ts";
import { SERVER_EXCHANGE_SPEC } from "./server_exchange.ts";

/** A state machine of the specification, with its states and inputs as plain strings. */
export type AnyMachineSpec = MachineSpec<string, string, string, string>;

/** What each response pair type carries. */
export const PAIR_TYPE_MEANINGS: Readonly<Record<(typeof PAIR_TYPES)[number], string>> = {
  stdout: "Bytes the program wrote to its stdout (a read of the pipe becomes pairs of at most maxPairBytes).",
  stderr: "Bytes the program wrote to its stderr (a read of the pipe becomes pairs of at most maxPairBytes).",
  exitcode: "The program exited; the value is its exit code, a canonical decimal from 0 to 255.",
  termsig: "A signal killed the program; the value is the signal's name without SIG.",
};

/** The shape of the specification. */
export interface Spec {
  /** Document title. */
  readonly title: string;
  /** Version of the specification (semver). */
  readonly version: string;
  /** Profiles a peer can claim. */
  readonly profiles: readonly Profile[];
  /** The wire grammar. */
  readonly grammar: readonly GrammarRule[];
  /** Response pair types and what they carry. */
  readonly pairTypes: readonly { readonly type: PairType; readonly meaning: string }[];
  /** The state machines: the two writers, the two parsers, and the server's exchange that joins them. */
  readonly machines: readonly AnyMachineSpec[];
  /** Every named limit. */
  readonly limits: Readonly<Record<LimitName, LimitInfo>>;
  /** Every error code. */
  readonly errors: Readonly<Record<ErrorCode, ErrorCodeInfo>>;
  /** Every requirement. */
  readonly requirements: readonly Requirement[];
}

/** The specification. */
export const SPEC: Spec = {
  title: "The sockexec netstring exec protocol",
  version: "1.0.0",
  profiles: PROFILES,
  grammar: GRAMMAR,
  pairTypes: PAIR_TYPES.map((type) => ({ type, meaning: PAIR_TYPE_MEANINGS[type] })),
  machines: [
    REQUEST_WRITER_SPEC as AnyMachineSpec,
    REQUEST_PARSER_SPEC as AnyMachineSpec,
    RESPONSE_WRITER_SPEC as AnyMachineSpec,
    RESPONSE_PARSER_SPEC as AnyMachineSpec,
    SERVER_EXCHANGE_SPEC as AnyMachineSpec,
  ],
  limits: LIMITS,
  errors: ERROR_CODES,
  requirements: REQUIREMENTS,
};
