/**
 * Typed errors of the server, each with a stable code and the process exit
 * code the command line uses for it.
 *
 * @module
 */

/** Exit codes of `server/main.ts`, as sockexec uses them. */
export const EXIT_CODES = {
  /** Clean shutdown after TERM or INT, `--help`, `--version`. */
  ok: 0,
  /** An unexpected internal failure. */
  internal: 1,
  /** A usage error: unknown option, bad value, missing PATH. */
  usage: 100,
  /** A listener could not be created (address in use, live server, bad path). */
  bind: 111,
} as const;

/** Every code a {@linkcode ServerError} can carry. */
export const SERVER_ERROR_CODES = {
  USAGE: "The command line or the options are invalid.",
  SOCKET_IN_USE: "A live server already answers on the UNIX socket path.",
  NOT_A_SOCKET: "The UNIX socket path exists and is not a socket; it is never replaced.",
  BIND_FAILED: "The operating system refused to create a listener.",
  NON_LOOPBACK: "A TCP address that is not loopback was given without --allow-non-loopback.",
  BAD_CWD: "The working directory for programs does not exist or is not a directory.",
  BAD_POLICY: "A program named by --allow cannot be found.",
} as const;

/** A server error code. */
export type ServerErrorCode = keyof typeof SERVER_ERROR_CODES;

/**
 * Something prevents the server from starting. `exitCode` is what the
 * command line exits with.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ServerError } from "./errors.ts";
 * const e = new ServerError("SOCKET_IN_USE", "a server is listening on /run/x.sock");
 * assert(e.code === "SOCKET_IN_USE" && e.exitCode === 111);
 * ```
 */
export class ServerError extends Error {
  /** The stable error code. */
  readonly code: ServerErrorCode;

  /** Create an error; `message` names what was wrong in one line. */
  constructor(code: ServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServerError";
    this.code = code;
  }

  /** The exit code of the command line for this error. */
  get exitCode(): number {
    const usage: readonly ServerErrorCode[] = ["USAGE", "NON_LOOPBACK", "BAD_CWD", "BAD_POLICY"];
    return usage.includes(this.code) ? EXIT_CODES.usage : EXIT_CODES.bind;
  }
}

/**
 * An error as one line for logs, without its stack. Never pass an Error
 * object itself to a logger: formatting its stack trace while the process is
 * out of file descriptors makes Deno 2.9 panic.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { describeError } from "./errors.ts";
 * assert(describeError(new TypeError("bad")) === "TypeError: bad");
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
