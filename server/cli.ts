/**
 * The command line: sockexec's flags unchanged
 * (`[-v] [-d] [-q backlog] [-M mode] [-m maxconn] [-t timeout] [-k kill_timeout] PATH`)
 * plus long options for everything.
 *
 * @module
 */

import { type Address, DEFAULT_CODEC_LIMITS, LIMITS, parseTcpAddress, UsageError } from "../protocol/mod.ts";
import { EXIT_CODES, ServerError } from "./errors.ts";
import type { LogFormat, LogLevelName } from "./logging.ts";
import { SERVER_DEFAULTS, type ServerOptions, type SpawnBackendChoice, type SpawnMode } from "./options.ts";

/** The server's version. */
export const SERVER_VERSION = "0.1.0";

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
    readonly kind: "serve";
    /** Server options. */
    readonly options: ServerOptions;
    /** `-d`: debug logging. */
    readonly debug: boolean;
    /** `--log-level` (`-d` overrides it with `debug`). */
    readonly logLevel: LogLevelName;
    /** `--log-format`. */
    readonly logFormat: LogFormat;
    /** `--announce`: print the addresses and an example client call on stdout. */
    readonly announce: boolean;
    /** `--unguarded-sigusr1`: start even when SIGUSR1 could open an inspector. */
    readonly unguardedSigusr1: boolean;
  };

interface _Spec {
  readonly long: string;
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

const _SPECS: readonly _Spec[] = [
  { long: "help", short: "h", help: "show this help and exit" },
  { long: "version", short: "v", help: "print the version and exit (as sockexec -v)" },
  { long: "debug", short: "d", help: "log every event (default: warnings and errors only)" },
  { long: "log-level", value: "LEVEL", help: "debug, info (a line per connection), warning (default), error" },
  { long: "log-format", value: "text|json", help: "log line format (default: text)" },
  { long: "announce", help: "print where it listens and an example client call on stdout" },
  {
    long: "unguarded-sigusr1",
    help: "start even if SIGUSR1 is neither blocked nor its inspector port held (see Signals below)",
  },
  { long: "unix", value: "PATH", help: "listen on a UNIX socket (repeatable; also the positional PATH)" },
  { long: "tcp", value: "HOST:PORT", help: "listen on TCP, e.g. 127.0.0.1:7000 or [::1]:7000 (repeatable)" },
  { long: "allow-non-loopback", help: "accept a --tcp address that is not loopback (no authentication!)" },
  { long: "backlog", short: "q", value: "N", help: `TCP listen backlog (default ${SERVER_DEFAULTS.backlog})` },
  { long: "mode", short: "M", value: "MODE", help: "octal mode of UNIX socket files (default 0660)" },
  {
    long: "max-connections",
    short: "m",
    value: "N",
    help: `programs run at once; more requests wait for a slot (default ${LIMITS.maxConnections.default})`,
  },
  {
    long: "max-open",
    value: "N",
    help: `connections open at once, in any phase; -m counts only running programs (default ${LIMITS.maxOpen.default})`,
  },
  {
    long: "timeout",
    short: "t",
    value: "SECONDS",
    help: `deadline from accept; then TERM, KILL (default ${LIMITS.deadline.default}; 0 = none)`,
  },
  {
    long: "kill-timeout",
    short: "k",
    value: "SECONDS",
    help: `grace between TERM and KILL (default ${LIMITS.killGrace.default})`,
  },
  {
    long: "probe-interval",
    value: "SECONDS",
    help:
      `after the client's end of input, probe a silent connection this often (default ${LIMITS.probeInterval.default}; 0 = never)`,
  },
  {
    long: "stdin-idle-timeout",
    value: "SECONDS",
    help:
      `terminate a program whose client sends nothing this long while its stdin is open (default ${LIMITS.stdinIdleTimeout.default}; 0 = never)`,
  },
  {
    long: "linger",
    value: "SECONDS",
    help: `after the status, read until the client's end of input this long (default ${LIMITS.lingerTimeout.default})`,
  },
  {
    long: "request-timeout",
    value: "SECONDS",
    help: `argv must be complete this long after accept (default ${LIMITS.requestTimeout.default}; 0 = none)`,
  },
  { long: "max-argc", value: "N", help: `largest argc (default ${DEFAULT_CODEC_LIMITS.maxArgc})` },
  {
    long: "max-argv-bytes",
    value: "BYTES",
    help: `largest total of argv bytes (default ${DEFAULT_CODEC_LIMITS.maxArgvBytes})`,
  },
  {
    long: "max-netstring",
    value: "BYTES",
    help: `largest netstring payload (default ${DEFAULT_CODEC_LIMITS.maxNetstringLength})`,
  },
  {
    long: "max-length-digits",
    value: "N",
    help: `most digits of a netstring length (default ${DEFAULT_CODEC_LIMITS.maxLengthDigits})`,
  },
  {
    long: "max-pair-bytes",
    value: "BYTES",
    help: `most data bytes in one output pair (default ${LIMITS.maxPairBytes.default}, sockexec's size)`,
  },
  {
    long: "output-buffer",
    value: "BYTES",
    help: `output held per connection while its client still sends stdin (default ${LIMITS.outputBuffer.default})`,
  },
  {
    long: "output-buffer-total",
    value: "BYTES",
    help: `server-wide bound on that held output (default ${LIMITS.outputBufferTotal.default})`,
  },
  {
    long: "allow",
    value: "PROG",
    help: "only run these programs: names (resolved at start) or absolute paths (repeatable)",
  },
  {
    long: "keep-background",
    help: "leave what a program started in the background running after it exits (default: TERM, then KILL)",
  },
  { long: "env-clear", help: "start programs with an empty environment (default: the server's environment)" },
  { long: "env-pass", value: "NAME", help: "copy NAME from the server's environment (repeatable)" },
  { long: "env", value: "NAME=VALUE", help: "set a variable in programs' environment (repeatable)" },
  { long: "cwd", value: "DIR", help: "working directory of programs (default: the server's)" },
  {
    long: "spawn-backend",
    value: "auto|posix-spawn|command",
    help: "how programs start (default auto: posix-spawn with --allow-ffi, else command); see Backends below",
  },
  {
    long: "spawn-mode",
    value: "setsid|detached",
    help: "command backend: how programs get their own session (default: setsid when /usr/bin/setsid exists)",
  },
];

const _BY_LONG = new Map(_SPECS.map((s) => [s.long, s]));
const _BY_SHORT = new Map(_SPECS.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
const _REPEATABLE = new Set(["unix", "tcp", "allow", "env-pass", "env"]);

/**
 * The `--help` text.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { helpText } from "./cli.ts";
 * assert(helpText().includes("--max-connections"));
 * ```
 */
export function helpText(): string {
  const lines = _SPECS.map((s) => {
    const flags = `${s.short === undefined ? "    " : `-${s.short}, `}--${s.long}${
      s.value === undefined ? "" : ` ${s.value}`
    }`;
    return `  ${flags.padEnd(34)} ${s.help}`;
  });
  return [
    `netspawn server ${SERVER_VERSION}: runs programs for sockexec netstring protocol clients.`,
    "",
    "Usage: deno run [permissions] server/main.ts [options] [PATH]",
    "       (sockexec's: [-v] [-d] [-q backlog] [-M mode] [-m maxconn] [-t timeout] [-k kill_timeout] PATH)",
    "",
    "Options:",
    ...lines,
    "",
    "Exit codes:",
    `  ${EXIT_CODES.ok}    clean shutdown (TERM or INT), --help, --version`,
    `  ${EXIT_CODES.usage}  usage error (bad option or value, no address, bad --allow or --cwd)`,
    `  ${EXIT_CODES.bind}  cannot listen (address in use, live server on PATH, PATH not a socket)`,
    `  ${EXIT_CODES.internal}    internal error`,
    "",
    "Backends (--spawn-backend; the one chosen is logged at start, at info level):",
    "  posix-spawn  posix_spawn through FFI, with its own session, an empty signal mask and only fds 0-2;",
    "               needs --allow-ffi (no --allow-run). About twice the round trips of command, and",
    "               arguments that are not UTF-8 pass as they are.",
    "  command      Deno.Command through setsid(1) (one more exec per program) or a detached fork; needs",
    "               --allow-run. Arguments that are not UTF-8 go through a Perl exec.",
    "  Either flag amounts to every permission (Deno: FFI code runs outside the sandbox; --allow-run is",
    "  effectively allow-all): a server whose purpose is to run programs cannot be sandboxed by Deno.",
    "",
    "Signals: TERM, INT, HUP: graceful shutdown (a second one kills the programs at once). USR2: state",
    "dump to the log. USR1 would open Deno's inspector: server/launch.pl blocks it before Deno starts,",
    "and the server holds the inspector's port 127.0.0.1:9229 (--allow-net=127.0.0.1:9229,[::1]:9229).",
    "With neither, the server refuses to start unless --unguarded-sigusr1. See server/README.md.",
    "",
  ].join("\n");
}

/**
 * Parse the command line.
 *
 * @throws {ServerError} `USAGE` for unknown options, missing or bad values, or no address.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseCommandLine } from "./cli.ts";
 * const line = parseCommandLine(["-m", "5", "-t", "0", "/tmp/s.sock"]);
 * assert(line.kind === "serve" && line.options.maxConnections === 5 && line.options.deadline === 0);
 * ```
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = _BY_LONG.get(name);
      if (spec === undefined) throw _usage(`unknown option --${name}`);
      if (spec.value === undefined) {
        if (eq >= 0) throw _usage(`option --${name} takes no value`);
        flags.add(spec.long);
      } else {
        const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
        if (value === undefined) throw _usage(`option --${name} needs a value (${spec.value})`);
        _put(values, spec.long, value);
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = _BY_SHORT.get(arg[j]);
        if (spec === undefined) throw _usage(`unknown option -${arg[j]}`);
        if (spec.value === undefined) {
          flags.add(spec.long);
          continue;
        }
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) throw _usage(`option -${arg[j]} needs a value (${spec.value})`);
        _put(values, spec.long, value);
        break;
      }
    } else {
      positional.push(arg);
    }
  }
  if (flags.has("help")) return { kind: "help" };
  if (flags.has("version")) return { kind: "version" };
  return _serve(values, flags, positional);
}

function _serve(values: Map<string, string[]>, flags: Set<string>, positional: string[]): CommandLine {
  const listen: Address[] = [
    ...[...positional, ...(values.get("unix") ?? [])].map(_unixAddress),
    ...(values.get("tcp") ?? []).map(_tcpAddress),
  ];
  if (listen.length === 0) throw _usage("no address: give a socket PATH or --tcp HOST:PORT");
  const one = (name: string): string | undefined => values.get(name)?.at(-1);
  const integer = (name: string): number | undefined => {
    const text = one(name);
    if (text === undefined) return undefined;
    if (/^-[0-9]+$/.test(text)) throw _usage(`--${name} must not be negative, got ${text}`);
    if (!/^[0-9]+$/.test(text)) throw _usage(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const seconds = (name: string): number | undefined => {
    const text = one(name);
    if (text === undefined) return undefined;
    if (/^-[0-9]+(?:\.[0-9]+)?$/.test(text)) throw _usage(`--${name} must not be negative, got ${text}`);
    if (!/^[0-9]+(?:\.[0-9]+)?$/.test(text)) {
      throw _usage(`--${name} must be a number of seconds, got ${JSON.stringify(text)}`);
    }
    return Number(text);
  };
  const modeText = one("mode");
  if (modeText !== undefined && !/^0?[0-7]{1,3}$/.test(modeText)) {
    throw _usage(`--mode must be an octal mode such as 0660, got ${JSON.stringify(modeText)}`);
  }
  const logFormat = one("log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") throw _usage(`--log-format must be text or json, got ${logFormat}`);
  const logLevel = one("log-level") ?? "warning";
  if (!["debug", "info", "warning", "error"].includes(logLevel)) {
    throw _usage(`--log-level must be debug, info, warning or error, got ${logLevel}`);
  }
  const spawnMode = one("spawn-mode");
  if (spawnMode !== undefined && spawnMode !== "setsid" && spawnMode !== "detached") {
    throw _usage(`--spawn-mode must be setsid or detached, got ${spawnMode}`);
  }
  const spawnBackend = one("spawn-backend");
  if (spawnBackend !== undefined && !["auto", "posix-spawn", "command"].includes(spawnBackend)) {
    throw _usage(`--spawn-backend must be auto, posix-spawn or command, got ${spawnBackend}`);
  }
  const limits = Object.fromEntries(
    ([["maxArgc", "max-argc"], ["maxArgvBytes", "max-argv-bytes"], ["maxNetstringLength", "max-netstring"], [
      "maxLengthDigits",
      "max-length-digits",
    ]] as const).flatMap(([key, name]) => {
      const value = integer(name);
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const options: ServerOptions = {
    listen,
    socketMode: modeText === undefined ? undefined : parseInt(modeText, 8),
    backlog: integer("backlog"),
    maxConnections: integer("max-connections"),
    maxOpen: integer("max-open"),
    stdinIdleTimeout: seconds("stdin-idle-timeout"),
    deadline: seconds("timeout"),
    killGrace: seconds("kill-timeout"),
    probeInterval: seconds("probe-interval"),
    lingerTimeout: seconds("linger"),
    requestTimeout: seconds("request-timeout"),
    maxPairBytes: integer("max-pair-bytes"),
    outputBuffer: integer("output-buffer"),
    outputBufferTotal: integer("output-buffer-total"),
    limits,
    allowNonLoopback: flags.has("allow-non-loopback"),
    allow: values.get("allow"),
    env: {
      clear: flags.has("env-clear"),
      pass: values.get("env-pass") ?? [],
      set: Object.fromEntries((values.get("env") ?? []).map(_envPair)),
    },
    cwd: one("cwd"),
    spawnMode: spawnMode as SpawnMode | undefined,
    spawnBackend: spawnBackend as SpawnBackendChoice | undefined,
    keepBackground: flags.has("keep-background"),
  };
  return {
    kind: "serve",
    options,
    debug: flags.has("debug"),
    logLevel: logLevel as LogLevelName,
    logFormat,
    announce: flags.has("announce"),
    unguardedSigusr1: flags.has("unguarded-sigusr1"),
  };
}

/** A socket path, given bare or in the address form the server prints (`unix:PATH`). */
function _unixAddress(text: string): Address {
  return { transport: "unix", path: text.startsWith("unix:") ? text.slice("unix:".length) : text };
}

function _tcpAddress(text: string): Address {
  try {
    return parseTcpAddress(text);
  } catch (error) {
    if (error instanceof UsageError) throw _usage(`--tcp: ${error.message.replace(/^INVALID_ARGUMENT: /, "")}`);
    throw error;
  }
}

function _envPair(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw _usage(`--env takes NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function _put(values: Map<string, string[]>, name: string, value: string): void {
  const list = values.get(name) ?? [];
  if (!_REPEATABLE.has(name)) list.length = 0;
  list.push(value);
  values.set(name, list);
}

function _usage(message: string): ServerError {
  return new ServerError("USAGE", message);
}
