/**
 * The command line of `netspawn`: parsing and help text.
 *
 * @module
 */

import { UsageError } from "../../protocol/mod.ts";

/** What the command line asks for. */
export type CliCommand =
  /** Print the help text. */
  | { readonly kind: "help" }
  /** Print the version. */
  | { readonly kind: "version" }
  /** Run a program on a server. */
  | {
    readonly kind: "exec";
    /** The server's address, as given. */
    readonly address: string;
    /** The program and its arguments. */
    readonly argv: readonly string[];
    /** Send no stdin (`-n`). */
    readonly noStdin: boolean;
    /** Timeout in milliseconds (`-t SECONDS`), if any. */
    readonly timeout: number | undefined;
  };

/** The help text of `netspawn`. */
export const CLI_HELP: string = `Usage: netspawn exec [OPTIONS] ADDRESS [--] PROGRAM [ARG...]

Run PROGRAM on the netspawn (or sockexec) server at ADDRESS, like "ssh host cmd":
local stdin is streamed to the program, its stdout and stderr to local stdout and
stderr as they arrive, and netspawn exits with the program's exit code. PROGRAM
is run directly by the server, never through a shell.

ADDRESS is unix:/path/to.sock, a bare socket path, tcp://HOST:PORT,
tcp://[IPV6]:PORT or [IPV6]:PORT.

Options (before ADDRESS):
  -n, --no-stdin          send no stdin: end the program's stdin at once (like ssh -n)
  -t, --timeout SECONDS   give up after SECONDS; the remote program is terminated
  -h, --help              show this help and exit
  -V, --version           show the version and exit

Exit status: the program's exit code; 128+N if signal N killed it; 127 or 126 if
the server could not start it; 255 if the call failed (cannot connect, protocol
error, timeout, connection closed without a status); 2 for a usage error.
`;

/**
 * Parse the arguments after the program name.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` with a one-line reason.
 * @example
 * ```ts
 * import { parseCliArgs } from "./cli_args.ts";
 * const command = parseCliArgs(["exec", "-t", "5", "unix:/run/ns.sock", "--", "ls", "-l"]);
 * console.assert(command.kind === "exec" && command.timeout === 5000 && command.argv[1] === "-l");
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliCommand {
  const [command, ...rest] = args;
  if (command === undefined) throw _usage("missing command: netspawn exec ADDRESS [--] PROGRAM [ARG...]");
  if (command === "-h" || command === "--help" || command === "help") return { kind: "help" };
  if (command === "-V" || command === "--version") return { kind: "version" };
  if (command !== "exec") throw _usage(`unknown command "${command}" (the command is "exec")`);
  return _parseExec(rest);
}

function _parseExec(args: readonly string[]): CliCommand {
  let noStdin = false;
  let timeout: number | undefined;
  let i = 0;
  for (; i < args.length && args[i].startsWith("-") && args[i] !== "-"; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "-V" || arg === "--version") return { kind: "version" };
    if (arg === "-n" || arg === "--no-stdin") {
      noStdin = true;
    } else if (arg === "-t" || arg === "--timeout") {
      timeout = _seconds(args[++i]);
    } else if (arg.startsWith("--timeout=")) {
      timeout = _seconds(arg.slice("--timeout=".length));
    } else {
      throw _usage(`unknown option "${arg}"`);
    }
  }
  const address = args[i++];
  if (address === undefined) throw _usage("missing ADDRESS");
  if (args[i] === "--") i++;
  const argv = args.slice(i);
  if (argv.length === 0) throw _usage("missing PROGRAM");
  return { kind: "exec", address, argv, noStdin, timeout };
}

function _seconds(text: string | undefined): number {
  const seconds = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw _usage(`--timeout needs a positive number of seconds, got ${text === undefined ? "nothing" : `"${text}"`}`);
  }
  const ms = Math.ceil(seconds * 1000);
  if (ms > 2147483647) throw _usage(`--timeout must be at most 2147483 seconds, got "${text}"`);
  return ms;
}

function _usage(message: string): UsageError {
  return new UsageError("INVALID_ARGUMENT", message);
}
