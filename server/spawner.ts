/**
 * Starting a program for a request: argv from bytes, the allow-list, a
 * precise reason when it cannot start, and its own session and process
 * group with only fds 0–2.
 *
 * @module
 */

import { buildEnvironment, type ProgramEnvironment } from "./environment.ts";
import type { ServerConfig, SpawnMode } from "./options.ts";
import { ProgramPolicy } from "./policy.ts";
import { ProgramLocator } from "./program_path.ts";
import { probeSigusr1Blocked } from "./signals.ts";

/** A started program. */
export interface SpawnedProgram {
  /** Started. */
  readonly ok: true;
  /** The child (stdout and stderr piped; stdin piped unless `stdinEmpty`). */
  readonly child: Deno.ChildProcess;
  /** argv[0] as given, for logs. */
  readonly program: string;
}

/** A program that could not start, and the reply the client gets. */
export interface SpawnFailure {
  /** Not started. */
  readonly ok: false;
  /** 127 (not found) or 126 (found but cannot run, or not allowed). */
  readonly exitCode: 127 | 126;
  /** The one-line stderr message, ending in a newline. */
  readonly message: string;
  /** argv[0] as given, for logs. */
  readonly program: string;
  /** The server lacked a resource (descriptors, processes): worth a warning, unlike a client's bad program. */
  readonly resource: boolean;
}

/** What {@linkcode Spawner.spawn} returns. */
export type SpawnOutcome = SpawnedProgram | SpawnFailure;

const _UTF8 = new TextDecoder("utf-8", { fatal: true });
const _LOSSY = new TextDecoder("utf-8");

/**
 * Starts programs according to the server's configuration.
 *
 * In `setsid` mode the program is started through `setsid(1)` with
 * `posix_spawn` (Deno's fast path); in `detached` mode Deno forks and calls
 * setsid itself, which costs a copy of the server's page tables per spawn.
 * Either way the program leads a new session and process group, and
 * inherits only fds 0–2 (every fd Deno opens is close-on-exec).
 *
 * @example
 * ```ts ignore
 * import { resolveServerOptions } from "./options.ts";
 * import { Spawner } from "./spawner.ts";
 * const spawner = new Spawner(resolveServerOptions({ listen: [{ transport: "unix", path: "/tmp/s" }] }));
 * const outcome = spawner.spawn([new TextEncoder().encode("true")], true);
 * if (outcome.ok) await outcome.child.status;
 * ```
 */
export class Spawner {
  readonly #mode: SpawnMode;
  readonly #setsid: string | undefined;
  readonly #environment: ProgramEnvironment;
  readonly #policy: ProgramPolicy | undefined;
  readonly #cwd: string | undefined;
  readonly #locator: ProgramLocator;
  readonly #unblock: readonly string[];
  readonly #perl: string | undefined;
  /** Whether SIGUSR1 is blocked in the server (and would be in programs without the unblocker). */
  readonly sigusr1Blocked: boolean | undefined;

  /**
   * Prepare from a configuration: reads the environment, resolves the allow-list, checks the cwd.
   * @throws {ServerError} `BAD_POLICY`, `USAGE`.
   */
  constructor(config: ServerConfig) {
    this.#mode = config.spawnMode;
    this.#setsid = config.setsidPath;
    this.#environment = buildEnvironment(config.env);
    this.#policy = config.allow === undefined
      ? undefined
      : ProgramPolicy.fromList(config.allow, this.#environment.searchPath);
    this.#cwd = config.cwd;
    this.#locator = new ProgramLocator(this.#environment.searchPath, config.cwd);
    this.sigusr1Blocked = this.#mode === "setsid"
      ? probeSigusr1Blocked(this.#setsid!, ["--"])
      : probeSigusr1Blocked("grep", []);
    this.#unblock = this.sigusr1Blocked === true ? _unblocker() : [];
    this.#perl = _firstFile(["/usr/bin/perl", "/bin/perl"]);
  }

  /** The resolved allow-list, or undefined when any program may run. */
  get allowed(): readonly string[] | undefined {
    return this.#policy?.programs;
  }

  /** The search path programs are looked up in. */
  get searchPath(): string {
    return this.#environment.searchPath;
  }

  /** Start `argv`; with `stdinEmpty` its stdin is /dev/null instead of a pipe. */
  spawn(argv: readonly Uint8Array[], stdinEmpty: boolean): SpawnOutcome {
    const program = _LOSSY.decode(argv[0]);
    let args: string[] = [];
    let binary = false;
    for (let i = 0; i < argv.length; i++) {
      try {
        args.push(_UTF8.decode(argv[i]));
      } catch {
        if (i === 0 || this.#perl === undefined) return _failure(program, 126, `argument ${i} is not valid UTF-8`);
        binary = true;
      }
    }
    const found = this.#locator.lookup(binary ? program : args[0]);
    if (!found.ok) return _failure(program, found.exitCode, found.reason);
    if (this.#policy !== undefined && !this.#policy.allows(found.path, this.#cwd)) {
      return _failure(program, 126, "not allowed");
    }
    // Deno passes arguments as strings; bytes that are not UTF-8 go through Perl, hex-encoded, byte for byte.
    if (binary) args = [this.#perl!, "-e", _PERL_EXEC, _hex(new TextEncoder().encode(found.path)), ...argv.map(_hex)];
    const unblock = args[0].includes("=") ? [] : this.#unblock;
    const chain = [...unblock, ...args];
    const command = this.#mode === "setsid"
      ? new Deno.Command(this.#setsid!, { ...this.#options(stdinEmpty), args: ["--", ...chain] })
      : new Deno.Command(chain[0], { ...this.#options(stdinEmpty), args: chain.slice(1), detached: true });
    try {
      return { ok: true, child: command.spawn(), program };
    } catch (error) {
      return _spawnError(program, error);
    }
  }

  #options(stdinEmpty: boolean): Deno.CommandOptions {
    const env = this.#environment;
    return {
      stdin: stdinEmpty ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(this.#cwd === undefined ? {} : { cwd: this.#cwd }),
      ...(env.clearEnv ? { clearEnv: true } : {}),
      ...(env.env === undefined ? {} : { env: { ...env.env } }),
    };
  }
}

/**
 * When the server runs with SIGUSR1 blocked (see launch.pl), Deno passes the
 * mask on to every program; GNU env's --default-signal=USR1 unblocks it again
 * (and resets its disposition) before the program starts. Empty when nothing
 * needs unblocking or no GNU env is found.
 */
function _unblocker(): readonly string[] {
  const env = _firstFile(["/usr/bin/env", "/bin/env"]);
  return env === undefined ? [] : [env, "--default-signal=USR1"];
}

/**
 * Perl that decodes its hex arguments (the program's path, then argv) and
 * execs the path with argv byte for byte, or reports like the server does.
 */
const _PERL_EXEC = 'my ($p, @a) = map { pack "H*", $_ } @ARGV; { exec { $p } @a }' +
  ' print STDERR "netspawn: cannot run $a[0]: $!\\n"; exit($!{ENOENT} ? 127 : 126);';

function _hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function _firstFile(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function _failure(program: string, exitCode: 127 | 126, reason: string, resource = false): SpawnFailure {
  return { ok: false, exitCode, program, resource, message: `netspawn: cannot run ${_oneLine(program)}: ${reason}\n` };
}

function _spawnError(program: string, error: unknown): SpawnFailure {
  if (error instanceof Deno.errors.NotFound) return _failure(program, 127, "program not found");
  if (error instanceof Deno.errors.PermissionDenied) return _failure(program, 126, "permission denied");
  if (error instanceof Deno.errors.NotCapable) return _failure(program, 126, "not allowed");
  const message = error instanceof Error ? error.message : String(error);
  if (/too many open files/i.test(message)) return _failure(program, 126, "too many open files", true);
  return _failure(program, 126, message.replace(/^Failed to spawn '[^']*': /, "").toLowerCase(), true);
}

/** Control characters shown as \xNN so the reason stays on one line. */
function _oneLine(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : c;
  }
  return out;
}
