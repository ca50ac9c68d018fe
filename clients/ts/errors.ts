/**
 * Typed errors of the TypeScript client. Every failure of a call is a
 * {@linkcode NetspawnError} subclass with a stable string `code` from
 * {@linkcode CLIENT_ERROR_CODES}; the codes are the `error` strings of the
 * conformance kit's client adapter protocol. Invalid arguments (an empty
 * argv, a NUL byte in an argument, a malformed address or option) are the
 * protocol core's `UsageError` with code `INVALID_ARGUMENT`.
 *
 * @module
 */

import type { ProtocolErrorCode } from "../../protocol/mod.ts";

/** Every error code of the client, with what it means. */
export const CLIENT_ERROR_CODES = {
  CONNECT_FAILED: "The client could not connect to the address (no such socket, connection refused, unknown host…).",
  PROTOCOL_ERROR: "The server's bytes broke the protocol; the error carries the protocol core's code and the offset.",
  TIMEOUT: "The call's `timeout` expired; the connection was closed, so the server terminates the program.",
  ABORTED:
    "The call was cancelled through its AbortSignal, `Child.abort()`, or an aborted stdin stream; the connection was closed, so the server terminates the program.",
  CLOSED_WITHOUT_STATUS:
    "The connection ended before any exitcode or termsig pair: the server rejected the request (over a limit, malformed) or failed, or the connection dropped; the server's log has the reason. (sockexec also closes this way, without a byte, when it cannot start the program.)",
  SPAWN_FAILED:
    "A netspawn server could not start the program: it replied exit code 127 (not found) or 126 (not executable) with a `netspawn: cannot run …` line on stderr.",
  OUTPUT_LIMIT:
    "The program wrote more than `maxOutput` bytes (stdout and stderr together); the connection was closed, so the server terminates the program.",
  STDIN_CLOSED:
    "A write to the program's stdin came after the server stopped accepting it (the program ended, or the call failed); the call's `status` tells how it ended.",
} as const;

/** The code of a client error. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/**
 * The base class of every error a call can fail with. Check `code`, or use
 * `instanceof` with the subclasses.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { exec, NetspawnError } from "./mod.ts";
 * const error = await assertRejects(() => exec("unix:/nonexistent/netspawn.sock", ["true"]), NetspawnError);
 * assertEquals(error.code, "CONNECT_FAILED");
 * ```
 */
export abstract class NetspawnError extends Error {
  /** The stable error code. */
  abstract readonly code: ClientErrorCode;

  /** Create an error; `message` names what happened in one line. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The client could not connect to the server. A socket path that does not
 * exist but reads as HOST:PORT gets a hint: it was almost certainly meant as
 * a TCP address.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { ConnectError, exec } from "./mod.ts";
 * const error = await assertRejects(() => exec("unix:/nonexistent/netspawn.sock", ["true"]), ConnectError);
 * assertEquals(error.systemCode, "ENOENT");
 * assertEquals(error.message, "cannot connect to unix:/nonexistent/netspawn.sock: no such socket (ENOENT)");
 * assertEquals(
 *   new ConnectError("unix:127.0.0.1:7001", "ENOENT").message,
 *   "cannot connect to unix:127.0.0.1:7001: no such socket (ENOENT); for TCP, write tcp://127.0.0.1:7001",
 * );
 * ```
 */
export class ConnectError extends NetspawnError {
  /** Always `CONNECT_FAILED`. */
  readonly code = "CONNECT_FAILED" as const;
  /** The address, as text. */
  readonly address: string;
  /** The system's error code (`ENOENT`, `ECONNREFUSED`, …), when there is one. */
  readonly systemCode: string | undefined;

  /** Create an error for `address`; `cause` is the underlying socket error. */
  constructor(address: string, systemCode: string | undefined, options?: { cause?: unknown }) {
    const hint = _tcpSuggestion(address, systemCode);
    super(
      `cannot connect to ${address}: ${_describeSystemCode(systemCode, options?.cause)}${
        hint === undefined ? "" : `; for TCP, write ${hint}`
      }`,
      options,
    );
    this.name = "ConnectError";
    this.address = address;
    this.systemCode = systemCode;
  }
}

const _SYSTEM_CODES: Readonly<Record<string, string>> = {
  ENOENT: "no such socket",
  ECONNREFUSED: "connection refused",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTSOCK: "not a socket",
  ENOTDIR: "a path component is not a directory",
  ENAMETOOLONG: "socket path too long",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "unknown host",
  EAI_AGAIN: "unknown host (name resolution failed)",
  EADDRNOTAVAIL: "address not available",
};

/**
 * A socket path that does not exist but reads as HOST:PORT (`127.0.0.1:7001`,
 * `localhost:7001`, `::1:7001`, or `tcp:127.0.0.1:7001`) is almost certainly
 * a TCP address written without `tcp://`: the address meant, else undefined.
 */
function _tcpSuggestion(address: string, systemCode: string | undefined): string | undefined {
  if (systemCode !== "ENOENT" || !address.startsWith("unix:")) return undefined;
  const match = /^(?:tcp:)?([^/\s]+):([0-9]{1,5})$/.exec(address.slice("unix:".length));
  if (match === null) return undefined;
  const host = match[1].replace(/^\[(.*)\]$/, "$1");
  return `tcp://${host.includes(":") ? `[${host}]` : host}:${match[2]}`;
}

function _describeSystemCode(code: string | undefined, cause: unknown): string {
  const phrase = code === undefined ? undefined : _SYSTEM_CODES[code];
  if (phrase !== undefined) return `${phrase} (${code})`;
  if (code !== undefined) return code;
  return cause instanceof Error ? cause.message : String(cause ?? "unknown error");
}

/**
 * The server's reply broke the protocol. Carries the protocol core's error
 * code, the byte offset in the reply where the violation was detected, and
 * the received bytes around it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ProtocolViolationError } from "./errors.ts";
 * const bytes = new TextEncoder().encode("8:exitcode,2:x1,");
 * const e = new ProtocolViolationError("BAD_EXITCODE", 11, "exitcode is not a decimal", bytes, 0);
 * assertEquals([e.code, e.protocolCode, e.offset], ["PROTOCOL_ERROR", "BAD_EXITCODE", 11]);
 * assertEquals(e.excerpt, "8:exitcode,»2:x1,");
 * ```
 */
export class ProtocolViolationError extends NetspawnError {
  /** Always `PROTOCOL_ERROR`. */
  readonly code = "PROTOCOL_ERROR" as const;
  /** The protocol core's error code (`BAD_EXITCODE`, `UNKNOWN_PAIR_TYPE`, …). */
  readonly protocolCode: ProtocolErrorCode;
  /** Offset in the reply (counted from 0) of the first byte that could not be accepted, or of its end. */
  readonly offset: number;
  /** Received bytes around `offset` (a copy). */
  readonly bytes: Uint8Array;
  /** Offset in the reply of `bytes[0]`. */
  readonly bytesOffset: number;
  /** `bytes` as printable ASCII (`\xNN` for the rest), with `»` just before `offset`. */
  readonly excerpt: string;

  /** Create an error; `detail` is the protocol core's one-line description. */
  constructor(
    protocolCode: ProtocolErrorCode,
    offset: number,
    detail: string,
    bytes: Uint8Array,
    bytesOffset: number,
    options?: { cause?: unknown },
  ) {
    const excerpt = _excerpt(bytes, offset - bytesOffset);
    super(`the server's reply broke the protocol: ${detail} (near "${excerpt}")`, options);
    this.name = "ProtocolViolationError";
    this.protocolCode = protocolCode;
    this.offset = offset;
    this.bytes = bytes;
    this.bytesOffset = bytesOffset;
    this.excerpt = excerpt;
  }
}

function _excerpt(bytes: Uint8Array, mark: number): string {
  let out = "";
  for (let i = 0; i <= bytes.length; i++) {
    if (i === mark) out += "»";
    if (i === bytes.length) break;
    const b = bytes[i];
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/**
 * The call's `timeout` expired. The connection was closed, so the server
 * terminates the program.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { TimeoutError } from "./errors.ts";
 * const e = new TimeoutError(250);
 * assertEquals([e.code, e.timeout, e.message], ["TIMEOUT", 250, "timed out after 250 ms"]);
 * ```
 */
export class TimeoutError extends NetspawnError {
  /** Always `TIMEOUT`. */
  readonly code = "TIMEOUT" as const;
  /** The timeout, in milliseconds. */
  readonly timeout: number;

  /** Create an error for a timeout of `timeout` milliseconds. */
  constructor(timeout: number) {
    super(`timed out after ${timeout} ms`);
    this.name = "TimeoutError";
    this.timeout = timeout;
  }
}

/**
 * The call was cancelled: its AbortSignal fired, `Child.abort()` was called,
 * or the program's stdin stream was aborted. `cause` is the reason given.
 * The connection was closed, so the server terminates the program.
 *
 * @example
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { AbortedError, exec } from "./mod.ts";
 * const controller = new AbortController();
 * controller.abort("user pressed stop");
 * const call = exec("unix:/nonexistent/netspawn.sock", ["true"], { signal: controller.signal });
 * const error = await assertRejects(() => call, AbortedError);
 * assertEquals([error.code, error.cause, error.message], ["ABORTED", "user pressed stop", "aborted: user pressed stop"]);
 * ```
 */
export class AbortedError extends NetspawnError {
  /** Always `ABORTED`. */
  readonly code = "ABORTED" as const;

  /** Create an error; `reason` becomes `cause` (an AbortSignal's `reason`, for example). */
  constructor(reason?: unknown) {
    super(`aborted${_reasonText(reason)}`, { cause: reason });
    this.name = "AbortedError";
  }
}

function _reasonText(reason: unknown): string {
  if (reason === undefined) return "";
  if (reason instanceof Error) return `: ${reason.message}`;
  return typeof reason === "string" ? `: ${reason}` : "";
}

/**
 * The connection ended before the server sent an exit status. A netspawn
 * server does this when it rejects a request (over one of its limits, or
 * malformed) and names the reason in its log; it is also what a server crash
 * or a dropped connection looks like. (A sockexec server closes this way,
 * without a byte, when it cannot start the program.)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ClosedWithoutStatusError } from "./errors.ts";
 * const e = new ClosedWithoutStatusError(0);
 * assertEquals([e.code, e.bytesReceived], ["CLOSED_WITHOUT_STATUS", 0]);
 * assertEquals(e.message, "the server closed the connection before sending a status (it sent nothing); the server's log has the reason");
 * ```
 */
export class ClosedWithoutStatusError extends NetspawnError {
  /** Always `CLOSED_WITHOUT_STATUS`. */
  readonly code = "CLOSED_WITHOUT_STATUS" as const;
  /** How many bytes the server sent before closing. */
  readonly bytesReceived: number;

  /** Create an error; `cause` may hold the socket error that ended the connection. */
  constructor(bytesReceived: number, options?: { cause?: unknown }) {
    super(
      bytesReceived === 0
        ? "the server closed the connection before sending a status (it sent nothing); the server's log has the reason"
        : `the server closed the connection after ${bytesReceived} bytes, before sending a status; the server's log has the reason`,
      options,
    );
    this.name = "ClosedWithoutStatusError";
    this.bytesReceived = bytesReceived;
  }
}

/**
 * A netspawn server could not start the program. It replied exit code 127
 * (not found) or 126 (found, not executable) with a one-line reason on
 * stderr, `netspawn: cannot run PROGRAM: REASON`. (sockexec closes without
 * a reply instead: see {@linkcode ClosedWithoutStatusError}.)
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SpawnError } from "./errors.ts";
 * const e = new SpawnError(127, "netspawn: cannot run /nonexistent/cmd: program not found");
 * assertEquals([e.code, e.exitCode], ["SPAWN_FAILED", 127]);
 * assertEquals(e.message, "netspawn: cannot run /nonexistent/cmd: program not found");
 * ```
 */
export class SpawnError extends NetspawnError {
  /** Always `SPAWN_FAILED`. */
  readonly code = "SPAWN_FAILED" as const;
  /** The exit code the server replied with: 127 (not found) or 126 (not executable). */
  readonly exitCode: 126 | 127;
  /** The server's reason line, without its newline. */
  readonly serverMessage: string;

  /** Create an error from the server's exit code and reason line. */
  constructor(exitCode: 126 | 127, serverMessage: string) {
    super(serverMessage);
    this.name = "SpawnError";
    this.exitCode = exitCode;
    this.serverMessage = serverMessage;
  }
}

/**
 * The program wrote more than the call's `maxOutput` bytes (stdout and
 * stderr together). The connection was closed, so the server terminates the
 * program; the output is discarded.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { OutputLimitError } from "./errors.ts";
 * const e = new OutputLimitError(1024);
 * assertEquals([e.code, e.limit], ["OUTPUT_LIMIT", 1024]);
 * ```
 */
export class OutputLimitError extends NetspawnError {
  /** Always `OUTPUT_LIMIT`. */
  readonly code = "OUTPUT_LIMIT" as const;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;

  /** Create an error for a limit of `limit` bytes. */
  constructor(limit: number) {
    super(`the program wrote more than maxOutput (${limit} bytes); raise maxOutput, or use spawn() to stream`);
    this.name = "OutputLimitError";
    this.limit = limit;
  }
}

/**
 * A write to the program's stdin came after the server stopped accepting
 * stdin: the program's reply is complete (it exited without reading all of
 * its input), or the call failed. Await the child's `status` for the outcome.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { StdinClosedError } from "./errors.ts";
 * assertEquals(new StdinClosedError().code, "STDIN_CLOSED");
 * ```
 */
export class StdinClosedError extends NetspawnError {
  /** Always `STDIN_CLOSED`. */
  readonly code = "STDIN_CLOSED" as const;

  /** Create an error; `cause` may hold the call's failure. */
  constructor(options?: { cause?: unknown }) {
    super("the server no longer accepts stdin for this program (see the call's status)", options);
    this.name = "StdinClosedError";
  }
}
