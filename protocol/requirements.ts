/**
 * The requirements of the protocol, each with a stable id (never renumbered
 * or reused), a level, the party it binds, and the profiles it belongs to.
 * Conformance vectors name the ids they check.
 *
 * @module
 */

import type { ErrorCode } from "./errors.ts";

/** How binding a requirement is (RFC 2119). */
export type RequirementLevel = "MUST" | "SHOULD" | "MAY";

/** Who a requirement binds. */
export type Party = "sender" | "receiver" | "server" | "client";

/** One requirement. */
export interface Requirement {
  /** Stable id, `area.topic[.detail]`. */
  readonly id: string;
  /** How binding it is. */
  readonly level: RequirementLevel;
  /** Who it binds: any sender or receiver of netstrings, or the server or client role. */
  readonly party: Party;
  /** The profiles it belongs to. */
  readonly profiles: readonly string[];
  /** The requirement, in one or two sentences. */
  readonly text: string;
  /** Error codes a receiver raises when the peer breaks it. */
  readonly errors?: readonly ErrorCode[];
  /** How sockexec 3.1.1 behaves, where it differs. */
  readonly sockexec?: string;
}

const P = ["sockexec/1"] as const;

/** Every requirement, grouped by area in reading order. */
export const REQUIREMENTS: readonly Requirement[] = [
  // Netstrings
  {
    id: "ns.grammar",
    level: "MUST",
    party: "sender",
    profiles: P,
    text:
      "Every message is a netstring: the payload length in decimal ASCII digits, ':', exactly that many payload bytes, ','.",
  },
  {
    id: "ns.length.canonical",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A length is '0' or a non-zero digit followed by digits. A receiver rejects a leading zero (LEADING_ZERO) and a sign, space, any other byte, or an empty length (BAD_LENGTH); a sender never produces them.",
    errors: ["LEADING_ZERO", "BAD_LENGTH"],
    sockexec: "Accepts leading zeros.",
  },
  {
    id: "ns.payload.binary",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "A payload is any bytes, including NUL, ':' and ','; only the length delimits it.",
  },
  {
    id: "ns.comma",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "A receiver rejects a netstring whose payload is not followed by ',' (MISSING_COMMA).",
    errors: ["MISSING_COMMA"],
  },
  {
    id: "ns.limit.digits",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A receiver bounds the number of digits in a length (maxLengthDigits) and rejects a longer one (LENGTH_TOO_LONG).",
    errors: ["LENGTH_TOO_LONG"],
  },
  {
    id: "ns.limit.payload",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A receiver bounds the payload length (maxNetstringLength, or a tighter limit for the position) and rejects a longer declared length before buffering any of its payload (PAYLOAD_TOO_LARGE).",
    errors: ["PAYLOAD_TOO_LARGE"],
    sockexec: "Has no maximum netstring length.",
  },
  {
    id: "ns.eof",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "Input that ends inside a netstring is an error (EOF_IN_LENGTH, EOF_IN_PAYLOAD), never a shorter value.",
    errors: ["EOF_IN_LENGTH", "EOF_IN_PAYLOAD"],
  },
  {
    id: "ns.chunking",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A receiver's result — values, or error code and byte offset — does not depend on how the input is split into reads.",
    sockexec: "Crashes when the first netstring is incomplete in the first read.",
  },
  // Requests
  {
    id: "req.argc",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "A request starts with argc: a netstring holding a canonical decimal of at least 1. Anything else is rejected (BAD_ARGC), at the first byte that makes it invalid: a server does not wait for the netstring's end to reject `3:ab,`.",
    errors: ["BAD_ARGC"],
    sockexec: "Accepts leading zeros; a bad argc gets no reply and the connection hangs until the deadline.",
  },
  {
    id: "req.argv",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "argc netstrings follow: the argv strings, argv[0] naming the program. Empty strings after argv[0] are arguments like any other.",
  },
  {
    id: "req.argv.nul",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "An argv string containing a NUL byte cannot be passed to a program; the request is rejected (ARG_CONTAINS_NUL), never run with a truncated argument.",
    errors: ["ARG_CONTAINS_NUL"],
    sockexec: "Cuts the argument at its first NUL and runs the program.",
  },
  {
    id: "req.limits",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "A server bounds argc (maxArgc) and the total argv bytes (maxArgvBytes), and rejects a request over them (ARGC_TOO_LARGE, ARGV_TOO_LARGE) from the length alone, before buffering the payload.",
    errors: ["ARGC_TOO_LARGE", "ARGV_TOO_LARGE"],
    sockexec: "Has no limit on request size.",
  },
  {
    id: "req.stdin.chunks",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "After argv, each netstring with a non-empty payload is a stdin chunk; its bytes go to the program's stdin in order, with nothing added, dropped or reordered. Chunk boundaries carry no meaning.",
  },
  {
    id: "req.stdin.end",
    level: "MUST",
    party: "sender",
    profiles: P,
    text:
      "The empty netstring '0:,' ends stdin: the server closes the program's stdin. A client sends an empty netstring for no other purpose (it skips empty chunks).",
  },
  {
    id: "req.stdin.end-optional",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "The program starts as soon as argv is complete; the end marker is optional, and the program may exit before it or any stdin arrives.",
  },
  {
    id: "req.stdin.repeat-end",
    level: "MUST",
    party: "server",
    profiles: P,
    text: "End markers after the first are ignored (lua-resty-exec sends two when its stdin is the empty string).",
  },
  {
    id: "req.trailing",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "After the end marker the server reads and discards whatever the client sends (netstrings or not), without treating it as an error: the program runs on and the client gets its whole response. A server counts the discarded bytes in its log. (multistreamer sends a byte after closing stdin to stop its program.)",
    sockexec: "Ignores the bytes, as here.",
  },
  {
    id: "req.eof.before-argv",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "Input that ends before argv is complete is an incomplete request (INCOMPLETE_REQUEST, or a netstring EOF error) and nothing runs. A connection closed before any byte carries no request and is not an error.",
    errors: ["INCOMPLETE_REQUEST"],
  },
  {
    id: "req.eof.stdin",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "Input that ends between netstrings after argv is complete (the client half-closed) ends stdin as the end marker does; the response is still sent in full.",
    sockexec: "Treats a half-close as a disconnect: TERMs the program and sends nothing more.",
  },
  // Responses
  {
    id: "resp.pairs",
    level: "MUST",
    party: "sender",
    profiles: P,
    text: "A response is a sequence of pairs of netstrings: a type, then a value.",
  },
  {
    id: "resp.types",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "The types are stdout, stderr, exitcode and termsig. A receiver rejects any other (UNKNOWN_PAIR_TYPE).",
    errors: ["UNKNOWN_PAIR_TYPE"],
    sockexec: "Sends 'unknown' through a bug.",
  },
  {
    id: "resp.output",
    level: "MUST",
    party: "sender",
    profiles: P,
    text:
      "stdout and stderr values carry the program's output bytes unmodified. The values of one stream, concatenated in order, are exactly what the program wrote to it; pair boundaries carry no meaning and the two streams have no relative order.",
  },
  {
    id: "resp.output.empty",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "An output pair with an empty value (`6:stdout,0:,`) is valid and carries nothing. A server may send one to find out whether a client whose input has ended is still there.",
  },
  {
    id: "resp.exitcode",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "An exitcode value is a canonical decimal from 0 to 255 (else BAD_EXITCODE).",
    errors: ["BAD_EXITCODE"],
  },
  {
    id: "resp.termsig",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A termsig value is the signal's name without 'SIG' (TERM, KILL, RTMIN+6), or '???' for a signal without a name (else BAD_TERMSIG).",
    errors: ["BAD_TERMSIG"],
  },
  {
    id: "resp.status.once",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text:
      "A response carries exactly one status pair (exitcode or termsig). A second one is an error (DUPLICATE_STATUS), and so is a response that ends without one (CLOSED_WITHOUT_STATUS).",
    errors: ["DUPLICATE_STATUS", "CLOSED_WITHOUT_STATUS"],
  },
  {
    id: "resp.status.last",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "The server sends the status pair last, after the program has been reaped and both of its output pipes have reached end of file.",
    sockexec: "Sends the status before some of the output in most runs.",
  },
  {
    id: "resp.read-to-eof",
    level: "MUST",
    party: "client",
    profiles: P,
    text:
      "A client reads until end of input: output pairs that follow the status belong to the response, and the response is complete only at end of input.",
  },
  {
    id: "resp.close",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "After the status pair the server shuts down its sending side at once (a client that gives the end of input a millisecond after the last pair, as lua-resty-exec does, must not see it late), then closes the connection.",
  },
  {
    id: "resp.eof",
    level: "MUST",
    party: "receiver",
    profiles: P,
    text: "Input that ends between the type and the value of a pair is an error (EOF_IN_PAIR).",
    errors: ["EOF_IN_PAIR"],
  },
  // Server behaviour
  {
    id: "srv.exec.direct",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "argv is executed directly, never through a shell: argv[0] is searched in PATH when it holds no '/', and every argument reaches the program byte for byte.",
  },
  {
    id: "srv.exec.failure",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "A program that cannot be started gets one stderr pair with a one-line reason, then exitcode 127 (not found) or 126 (found but not executable, or not allowed), then close.",
    sockexec: "Closes the connection without sending a byte.",
  },
  {
    id: "srv.stream",
    level: "MUST",
    party: "server",
    profiles: P,
    text: "Output is sent as the program produces it, not held until the program exits.",
  },
  {
    id: "srv.output.complete",
    level: "MUST",
    party: "server",
    profiles: P,
    text: "Every byte the program writes to stdout or stderr before the connection closes is delivered.",
  },
  {
    id: "srv.status",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "A program that exits sends exitcode with its exit code; a program killed by a signal sends termsig with the signal's name.",
  },
  {
    id: "srv.malformed",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "A malformed or over-limit request is rejected at the first byte that makes it invalid (not when its netstring ends) and closed within a second: nothing is started, a program already started is terminated, and nothing is sent unless output already was (srv.reply.status).",
    sockexec: "Most malformed requests hang until the deadline; some crash the server.",
  },
  {
    id: "srv.reply.status",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "A reply that carries output ends with a status pair: when the client breaks the protocol after output was sent, the server terminates the program's group and still sends the status the program got (e.g. termsig TERM), then closes. Output and then end of input without a status would be indistinguishable from a crash.",
  },
  {
    id: "srv.request-timeout",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text: "A request that stays incomplete is closed after a request timeout shorter than the deadline.",
    sockexec: "Only the deadline applies.",
  },
  {
    id: "srv.deadline",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "When the deadline passes, the program gets TERM, and KILL if it is still running after the kill grace; the client receives the termsig and then end of input.",
  },
  {
    id: "srv.disconnect",
    level: "MUST",
    party: "server",
    profiles: P,
    text:
      "When the client disconnects while the program runs, the program gets TERM, and KILL if it is still running after the kill grace. A reset while reading is a disconnect; an orderly end of input is not (req.eof.stdin).",
  },
  {
    id: "srv.disconnect.silent",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "A disconnect is noticed within a few seconds even while the program writes nothing: an orderly end of input may be a half-close or a close, so after it the server writes an empty stdout pair whenever it has sent nothing for a while; the write fails once the client is gone.",
    sockexec: "Treats every end of input as a disconnect.",
  },
  {
    id: "srv.half-close",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "A client that half-closes after its request still receives the whole response; the program is not terminated for it.",
    sockexec: "A full request followed at once by a half-close got no bytes in 60 of 60 runs.",
  },
  {
    id: "srv.isolation.fds",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "The program inherits only stdin, stdout and stderr: no listening socket, no other client's socket, no other program's pipe.",
    sockexec: "Children inherit the listening socket, other clients' sockets and other children's pipes.",
  },
  {
    id: "srv.isolation.group",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "The program runs in its own session and process group, and the server signals the whole group, so grandchildren end with it.",
    sockexec: "Grandchildren are not signalled and survive as orphans.",
  },
  {
    id: "srv.isolation.connections",
    level: "MUST",
    party: "server",
    profiles: P,
    text: "Nothing one connection sends or does affects another connection, its program or its status.",
    sockexec: "State of a killed connection leaks into the next connection on the same slot.",
  },
  {
    id: "srv.backpressure",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "Memory per connection is bounded: a client that stops reading stalls the program's output, and a program that stops reading stalls the client's stdin.",
    sockexec: "Buffers all output of a program whose client stops reading.",
  },
  {
    id: "srv.output.buffer",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "While the client is still sending stdin, the server keeps reading it even when the client reads nothing, and holds the program's output meanwhile (netspawn: up to 16 MiB per connection, 256 MiB in all), so that a client that sends all of its stdin before reading (lua-resty-exec, sockexec's C client) does not deadlock with a program that echoes it. Past such a budget, backpressure applies (srv.backpressure).",
    sockexec: "Holds any amount of output.",
  },
  {
    id: "srv.output.pairs",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "Output pairs carry at most 4096 data bytes by default, and each pair goes to the socket in one write (several pairs may share one): lua-resty-exec reads every pair after the first with a 1 ms timeout and loses its place in the stream when a pair arrives in pieces.",
    sockexec: "One pair of at most 4096 bytes per read of a pipe, its netstrings written separately.",
  },
  {
    id: "srv.connections",
    level: "SHOULD",
    party: "server",
    profiles: P,
    text:
      "A server bounds concurrent connections; connections beyond the bound wait to be accepted and are served when one ends, never accepted and dropped. A connection stops counting once its status is written, not when the client gets round to closing.",
    sockexec: "-m N admits N+1 connections and accepts and closes the rest with no bytes.",
  },
  // Client behaviour
  {
    id: "cli.request",
    level: "MUST",
    party: "client",
    profiles: P,
    text:
      "A client sends argc, the argv strings, its stdin as non-empty chunks, then the end marker, and does not send an argv it cannot carry (empty, or with a NUL).",
  },
  {
    id: "cli.result",
    level: "MUST",
    party: "client",
    profiles: P,
    text:
      "A client reports the program's stdout and stderr, each the concatenation of its pairs, and either the exit code or the signal name.",
  },
  {
    id: "cli.protocol-error",
    level: "MUST",
    party: "client",
    profiles: P,
    text: "A client reports a malformed response as a protocol error, never as a result.",
  },
  {
    id: "cli.no-status",
    level: "MUST",
    party: "client",
    profiles: P,
    text:
      "A client reports a response that ends without a status as CLOSED_WITHOUT_STATUS, including a connection closed with no bytes at all (sockexec's reply to a program it cannot start).",
  },
  {
    id: "cli.timeout",
    level: "SHOULD",
    party: "client",
    profiles: P,
    text:
      "A client offers a timeout; when it expires the client closes the connection (so the server terminates the program) and reports TIMEOUT.",
  },
  {
    id: "cli.connect",
    level: "MUST",
    party: "client",
    profiles: P,
    text: "A client reports an address it cannot connect to as CONNECT_FAILED.",
  },
];

/**
 * The requirement with this id.
 *
 * @throws {Error} for an unknown id.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { requirement } from "./requirements.ts";
 * assert(requirement("ns.comma").level === "MUST");
 * ```
 */
export function requirement(id: string): Requirement {
  const found = REQUIREMENTS.find((r) => r.id === id);
  if (found === undefined) throw new Error(`unknown requirement id "${id}"`);
  return found;
}
