/**
 * The wire grammar in ABNF (RFC 5234), as published in the specification.
 * The decoders in this directory implement it; the conformance vectors test it.
 *
 * @module
 */

/** One rule of the grammar. */
export interface GrammarRule {
  /** The rule name. */
  readonly name: string;
  /** Its ABNF definition. */
  readonly abnf: string;
  /** What the ABNF cannot say. */
  readonly note?: string;
}

/** The grammar of netstrings, requests and responses. */
export const GRAMMAR: readonly GrammarRule[] = [
  {
    name: "netstring",
    abnf: 'length ":" payload ","',
    note: "payload is exactly as many octets as length says.",
  },
  { name: "length", abnf: '"0" / %x31-39 *DIGIT', note: "At most maxLengthDigits digits; no leading zero." },
  { name: "payload", abnf: "*OCTET" },
  { name: "request", abnf: "argc 1*arg *chunk [end-marker *end-marker]", note: "Exactly argc args." },
  { name: "argc", abnf: "netstring", note: "payload = %x31-39 *DIGIT, at most maxArgc." },
  { name: "arg", abnf: "netstring", note: "payload = *(%x01-FF): no NUL." },
  { name: "chunk", abnf: "netstring", note: "payload is not empty." },
  { name: "end-marker", abnf: '"0:,"' },
  {
    name: "response",
    abnf: "*output-pair status-pair *output-pair",
    note: "A server SHOULD send nothing after the status pair; a client MUST accept output pairs there.",
  },
  { name: "output-pair", abnf: '("6:stdout," / "6:stderr,") netstring' },
  { name: "status-pair", abnf: '"8:exitcode," netstring / "7:termsig," netstring' },
  { name: "exitcode-value", abnf: '"0" / %x31-39 0*2DIGIT', note: "At most 255." },
  {
    name: "termsig-value",
    abnf: '%x41-5A *15(%x41-5A / DIGIT / "+") / "???"',
    note: "The signal name without SIG, e.g. TERM, KILL, RTMIN+6.",
  },
];
