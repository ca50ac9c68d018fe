/**
 * The server's options: what callers pass to {@linkcode startServer}, their
 * defaults, and their validation into a {@linkcode ServerConfig}.
 *
 * @module
 */

import { type Address, type CodecLimits, LIMITS, resolveCodecLimits, UsageError } from "../protocol/mod.ts";
import { ServerError } from "./errors.ts";

/** How programs are put in their own session and process group, with the `command` backend. */
export type SpawnMode = "setsid" | "detached";

/** Which backend starts programs: `auto` picks `posix-spawn` when `--allow-ffi` is granted, else `command`. */
export type SpawnBackendChoice = "auto" | "posix-spawn" | "command";

/** The environment programs get. */
export interface EnvironmentOptions {
  /** Start from an empty environment instead of the server's. Default false. */
  readonly clear?: boolean;
  /** Variables copied from the server's environment (useful with `clear`). */
  readonly pass?: readonly string[];
  /** Variables set (applied last). */
  readonly set?: Readonly<Record<string, string>>;
}

/** Options of {@linkcode startServer}. Times are in seconds; 0 disables a timeout. */
export interface ServerOptions {
  /** Where to listen (the protocol core's addresses; TCP port 0 picks a free port); at least one address. */
  readonly listen: readonly Address[];
  /** Mode of UNIX socket files. Default 0o660. */
  readonly socketMode?: number;
  /** Listen backlog of TCP listeners. Default 100 (UNIX listeners use Deno's fixed 128). */
  readonly backlog?: number;
  /** Programs run at once; a request whose argv is complete waits for one of these slots. Default 100. */
  readonly maxConnections?: number;
  /** Connections open at once, whatever their phase; a program slot (`maxConnections`) is held only while a program runs, so a slow client never holds one. Default 1024. */
  readonly maxOpen?: number;
  /** Terminate a program whose client sends nothing this long while its stdin is open. Default 0 = never. */
  readonly stdinIdleTimeout?: number;
  /** Seconds after accept by which argv must be complete. Default 10; 0 = none. */
  readonly requestTimeout?: number;
  /** Seconds after accept after which the program is terminated. Default 60; 0 = none. */
  readonly deadline?: number;
  /** Seconds between TERM and KILL. Default 10. */
  readonly killGrace?: number;
  /** Seconds of silence after the client's end of input before an empty stdout pair probes the client. Default 1; 0 = never. */
  readonly probeInterval?: number;
  /** Seconds to read after the status for the client's end of input before closing. Default 2. */
  readonly lingerTimeout?: number;
  /** Most data bytes in one output pair. Default 4096 (sockexec's size). */
  readonly maxPairBytes?: number;
  /** Output held for a client that is still sending stdin, per connection. Default 16 MiB. */
  readonly outputBuffer?: number;
  /** The server-wide bound on output held under `outputBuffer`. Default 256 MiB. */
  readonly outputBufferTotal?: number;
  /** Decoder limits; defaults from the protocol core. */
  readonly limits?: Partial<CodecLimits>;
  /** Accept TCP addresses that are not loopback. Default false. */
  readonly allowNonLoopback?: boolean;
  /** Programs that may run (names are resolved in PATH at start, or absolute paths). Default: any. */
  readonly allow?: readonly string[];
  /** The programs' environment. Default: the server's environment. */
  readonly env?: EnvironmentOptions;
  /** Working directory of programs. Default: the server's. */
  readonly cwd?: string;
  /** Leave processes a program left in its group running after it exits (default false: TERM, then KILL). */
  readonly keepBackground?: boolean;
  /** Which backend starts programs. Default `auto`. */
  readonly spawnBackend?: SpawnBackendChoice;
  /** How the `command` backend gives programs their own session. Default `setsid` when /usr/bin/setsid or /bin/setsid exists. */
  readonly spawnMode?: SpawnMode;
}

/** Options after validation, with every default filled in. */
export interface ServerConfig {
  /** Where to listen. */
  readonly listen: readonly Address[];
  /** Mode of UNIX socket files. */
  readonly socketMode: number;
  /** TCP listen backlog. */
  readonly backlog: number;
  /** Programs run at once. */
  readonly maxConnections: number;
  /** Connections open at once. */
  readonly maxOpen: number;
  /** Stdin idle timeout in seconds (0 = none). */
  readonly stdinIdleTimeout: number;
  /** Request completion timeout in seconds (0 = none). */
  readonly requestTimeout: number;
  /** Deadline in seconds (0 = none). */
  readonly deadline: number;
  /** Kill grace in seconds. */
  readonly killGrace: number;
  /** Probe interval in seconds (0 = no probes). */
  readonly probeInterval: number;
  /** Linger after the status, in seconds. */
  readonly lingerTimeout: number;
  /** Most data bytes in one output pair. */
  readonly maxPairBytes: number;
  /** Output held per connection while the client sends stdin. */
  readonly outputBuffer: number;
  /** Server-wide bound on that output. */
  readonly outputBufferTotal: number;
  /** Decoder limits. */
  readonly limits: CodecLimits;
  /** Accept non-loopback TCP addresses. */
  readonly allowNonLoopback: boolean;
  /** Allow-list as given (resolved by the policy at start), or undefined for any program. */
  readonly allow: readonly string[] | undefined;
  /** The programs' environment. */
  readonly env: Required<EnvironmentOptions>;
  /** Working directory of programs, or undefined for the server's. */
  readonly cwd: string | undefined;
  /** Leave background processes running after a program exits. */
  readonly keepBackground: boolean;
  /** The backend asked for. */
  readonly spawnBackend: SpawnBackendChoice;
  /** Spawn mode of the command backend. */
  readonly spawnMode: SpawnMode;
  /** The setsid program, in setsid mode. */
  readonly setsidPath: string | undefined;
}

/** Defaults of the server options, as `--help` shows them. */
export const SERVER_DEFAULTS = {
  socketMode: 0o660,
  backlog: 100,
  maxConnections: LIMITS.maxConnections.default,
  maxOpen: LIMITS.maxOpen.default,
  stdinIdleTimeout: LIMITS.stdinIdleTimeout.default,
  requestTimeout: LIMITS.requestTimeout.default,
  deadline: LIMITS.deadline.default,
  killGrace: LIMITS.killGrace.default,
  probeInterval: LIMITS.probeInterval.default,
  lingerTimeout: LIMITS.lingerTimeout.default,
  maxPairBytes: LIMITS.maxPairBytes.default,
  outputBuffer: LIMITS.outputBuffer.default,
  outputBufferTotal: LIMITS.outputBufferTotal.default,
} as const;

const _SETSID_CANDIDATES = ["/usr/bin/setsid", "/bin/setsid"];

/**
 * Validate options and fill in defaults.
 *
 * @throws {ServerError} `USAGE` naming the bad option.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { resolveServerOptions } from "./options.ts";
 * const config = resolveServerOptions({ listen: [{ transport: "unix", path: "/tmp/x.sock" }] });
 * assert(config.maxConnections === 100 && config.socketMode === 0o660);
 * ```
 */
export function resolveServerOptions(options: ServerOptions): ServerConfig {
  if (options.listen.length === 0) throw new ServerError("USAGE", "no address to listen on");
  const socketMode = options.socketMode ?? SERVER_DEFAULTS.socketMode;
  if (!Number.isInteger(socketMode) || socketMode < 0 || socketMode > 0o777) {
    throw new ServerError("USAGE", `socket mode must be an octal mode from 0 to 0777, got ${socketMode}`);
  }
  const spawnMode = options.spawnMode ?? (_findSetsid() === undefined ? "detached" : "setsid");
  const setsidPath = spawnMode === "setsid" ? _findSetsid() : undefined;
  if (spawnMode === "setsid" && setsidPath === undefined) {
    throw new ServerError("USAGE", "spawn mode setsid needs /usr/bin/setsid or /bin/setsid (util-linux)");
  }
  return {
    listen: options.listen.map(_checkAddress),
    socketMode,
    backlog: _integer("backlog", options.backlog ?? SERVER_DEFAULTS.backlog, 1),
    maxConnections: _integer("max-connections", options.maxConnections ?? SERVER_DEFAULTS.maxConnections, 1),
    maxOpen: _integer("max-open", options.maxOpen ?? SERVER_DEFAULTS.maxOpen, 1),
    stdinIdleTimeout: _seconds("stdin-idle-timeout", options.stdinIdleTimeout ?? SERVER_DEFAULTS.stdinIdleTimeout),
    requestTimeout: _seconds("request-timeout", options.requestTimeout ?? SERVER_DEFAULTS.requestTimeout),
    deadline: _seconds("timeout", options.deadline ?? SERVER_DEFAULTS.deadline),
    killGrace: _seconds("kill-timeout", options.killGrace ?? SERVER_DEFAULTS.killGrace),
    probeInterval: _seconds("probe-interval", options.probeInterval ?? SERVER_DEFAULTS.probeInterval),
    lingerTimeout: _seconds("linger", options.lingerTimeout ?? SERVER_DEFAULTS.lingerTimeout),
    maxPairBytes: _integer("max-pair-bytes", options.maxPairBytes ?? SERVER_DEFAULTS.maxPairBytes, 1),
    outputBuffer: _integer("output-buffer", options.outputBuffer ?? SERVER_DEFAULTS.outputBuffer, 0),
    outputBufferTotal: _integer(
      "output-buffer-total",
      options.outputBufferTotal ?? SERVER_DEFAULTS.outputBufferTotal,
      0,
    ),
    limits: _limits(options.limits),
    allowNonLoopback: options.allowNonLoopback ?? false,
    allow: options.allow === undefined ? undefined : [...options.allow],
    env: {
      clear: options.env?.clear ?? false,
      pass: [...(options.env?.pass ?? [])],
      set: { ...(options.env?.set ?? {}) },
    },
    cwd: options.cwd,
    keepBackground: options.keepBackground ?? false,
    spawnBackend: _backend(options.spawnBackend ?? "auto"),
    spawnMode,
    setsidPath,
  };
}

function _backend(choice: SpawnBackendChoice): SpawnBackendChoice {
  if (choice !== "auto" && choice !== "posix-spawn" && choice !== "command") {
    throw new ServerError("USAGE", `--spawn-backend must be auto, posix-spawn or command, got ${choice}`);
  }
  return choice;
}

function _findSetsid(): string | undefined {
  for (const candidate of _SETSID_CANDIDATES) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not here, or not readable: try the next one
    }
  }
  return undefined;
}

function _checkAddress(address: Address): Address {
  if (address.transport === "unix") {
    if (address.path === "") throw new ServerError("USAGE", "empty socket path");
    if (new TextEncoder().encode(address.path).length > 107) {
      throw new ServerError("USAGE", `socket path is longer than 107 bytes: ${address.path}`);
    }
  } else if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw new ServerError("USAGE", `TCP port must be from 0 to 65535, got ${address.port}`);
  }
  return address;
}

function _integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ServerError("USAGE", `--${name} must be an integer of at least ${min}, got ${value}`);
  }
  return value;
}

function _seconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 2_000_000) {
    throw new ServerError("USAGE", `--${name} must be a number of seconds from 0 to 2000000, got ${value}`);
  }
  return value;
}

function _limits(partial: Partial<CodecLimits> | undefined): CodecLimits {
  try {
    return resolveCodecLimits(partial);
  } catch (error) {
    if (error instanceof UsageError) throw new ServerError("USAGE", error.message, { cause: error });
    throw error;
  }
}
