/**
 * The command line of `netspawn exec`: parsing and help text.
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

/** How the command is run when nothing else is known: the npm package's `bin`. */
export const DEFAULT_CLI_COMMAND = "netspawn exec";

/**
 * The help text, for the command as the user runs it: `netspawn exec` (the
 * npm package's `bin`) or `deno task exec` (from the repository).
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { cliHelp } from "./cli_args.ts";
 * assertStringIncludes(cliHelp("deno task exec"), "Usage: deno task exec [OPTIONS] ADDRESS [--] PROGRAM [ARG...]");
 * ```
 */
export function cliHelp(command: string = DEFAULT_CLI_COMMAND): string {
  return `Usage: ${command} [OPTIONS] ADDRESS [--] PROGRAM [ARG...]

Run PROGRAM on the netspawn (or sockexec) server at ADDRESS, like "ssh host cmd":
local stdin is streamed to the program, its stdout and stderr to local stdout and
stderr as they arrive, and the command exits with the program's exit code.
PROGRAM is run directly by the server, never through a shell.

ADDRESS is unix:/path/to.sock, a bare socket path, tcp://HOST:PORT,
tcp://[IPV6]:PORT or [IPV6]:PORT.

Options (before or after ADDRESS; everything after PROGRAM, or after --, is the
program's):
  -n, --no-stdin          send no stdin: end the program's stdin at once (like ssh -n)
  -t, --timeout SECONDS   give up after SECONDS; the remote program is terminated
  -h, --help              show this help and exit
  -V, --version           show the version and exit

Exit status: the program's exit code; 128+N if signal N killed it; 127 or 126 if
the server could not start it; 255 if the call failed (cannot connect, protocol
error, timeout, connection closed without a status); 141 (as if killed by SIGPIPE)
if local output was closed early, as in "| head -1"; 2 for a usage error.
`;
}

/** The help text of `netspawn exec` (the npm package's `bin`); see {@linkcode cliHelp}. */
export const CLI_HELP: string = cliHelp();

/**
 * Parse the arguments after the program name: `exec`, then options,
 * ADDRESS, an optional `--`, and PROGRAM with its arguments. Options may come
 * before or after ADDRESS; the first word after ADDRESS that is not an option
 * (or whatever follows `--`) starts PROGRAM, whose arguments are kept verbatim.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` with a one-line reason.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseCliArgs } from "./cli_args.ts";
 * assertEquals(parseCliArgs(["exec", "unix:/run/ns.sock", "-t", "5", "--", "ls", "-l"]), {
 *   kind: "exec",
 *   address: "unix:/run/ns.sock",
 *   argv: ["ls", "-l"],
 *   noStdin: false,
 *   timeout: 5000,
 * });
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliCommand {
  const [command, ...rest] = args;
  if (command === undefined) throw _usage('missing command (the command is "exec")');
  if (command === "-h" || command === "--help" || command === "help") return { kind: "help" };
  if (command === "-V" || command === "--version") return { kind: "version" };
  if (command !== "exec") throw _usage(`unknown command "${command}" (the command is "exec")`);
  return _parseExec(rest);
}

function _parseExec(args: readonly string[]): CliCommand {
  let noStdin = false;
  let timeout: number | undefined;
  let address: string | undefined;
  let i = 0;
  // Options and ADDRESS, in any order, up to `--` or the first word after ADDRESS that is not an option.
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (address !== undefined) break;
      address = arg;
      continue;
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
      throw _usage(`unknown option "${arg}"${address === undefined ? "" : " (put -- before PROGRAM)"}`);
    }
  }
  if (address === undefined) {
    address = args[i++];
    if (address === undefined) throw _usage("missing ADDRESS");
    if (args[i] === "--") i++;
  }
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
