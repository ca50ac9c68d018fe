/**
 * The portable backend: programs start through `Deno.Command` (`--allow-run`).
 * Each gets its own session through `setsid(1)` (Deno's `posix_spawn` path,
 * plus one exec) or through Deno's `detached` fork. Deno passes arguments as
 * strings, so a request whose arguments are not all UTF-8 goes through a
 * Perl exec that restores them byte for byte; and Deno passes the server's
 * signal mask on, so when SIGUSR1 is blocked programs start through
 * `env --default-signal=USR1`.
 *
 * @module
 */

import { type ExitStatus, type OutputStream, signalName } from "../protocol/mod.ts";
import type { ProgramEnvironment } from "./environment.ts";
import type { LaunchOutcome, LaunchSpec, Program, ProgramBackend, ProgramEvents } from "./program.ts";
import { probeSigusr1Blocked } from "./signals.ts";

/** How programs get their own session. */
export type SpawnMode = "setsid" | "detached";

/** Options of {@linkcode CommandBackend}. */
export interface CommandBackendOptions {
  /** How programs get their own session. */
  readonly mode: SpawnMode;
  /** The setsid program, in setsid mode. */
  readonly setsidPath?: string;
  /** The programs' environment. */
  readonly environment: ProgramEnvironment;
  /** The programs' working directory. */
  readonly cwd?: string;
}

const _UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Starts programs with `Deno.Command`.
 *
 * @example
 * ```ts ignore
 * import { CommandBackend } from "./command_backend.ts";
 * const environment = { clearEnv: false, env: undefined, searchPath: "/usr/bin:/bin" };
 * const backend = new CommandBackend({ mode: "setsid", setsidPath: "/usr/bin/setsid", environment });
 * ```
 */
export class CommandBackend implements ProgramBackend {
  readonly name = "command" as const;
  readonly #options: CommandBackendOptions;
  readonly #unblock: readonly string[];
  readonly #perl: string | undefined;
  /** Whether SIGUSR1 is blocked in the server (and would be in programs without the unblocker). */
  readonly sigusr1Blocked: boolean | undefined;

  /** Prepare: detect a blocked SIGUSR1 the way programs would inherit it, find Perl. */
  constructor(options: CommandBackendOptions) {
    this.#options = options;
    this.sigusr1Blocked = options.mode === "setsid"
      ? probeSigusr1Blocked(options.setsidPath!, ["--"])
      : probeSigusr1Blocked("grep", []);
    this.#unblock = this.sigusr1Blocked === true ? _unblocker() : [];
    this.#perl = _firstFile(["/usr/bin/perl", "/bin/perl"]);
  }

  launch(spec: LaunchSpec): LaunchOutcome {
    let args: string[] = [];
    let binary = false;
    for (let i = 0; i < spec.argv.length; i++) {
      try {
        args.push(_UTF8.decode(spec.argv[i]));
      } catch {
        if (i === 0 || this.#perl === undefined) return _failure(126, `argument ${i} is not valid UTF-8`, false);
        binary = true;
      }
    }
    // Deno passes arguments as strings; bytes that are not UTF-8 go through Perl, hex-encoded, byte for byte.
    // argv[0] stays as the client gave it: setsid(1) or Deno looks it up again, as execvp does.
    if (binary) {
      args = [this.#perl!, "-e", _PERL_EXEC, _hex(new TextEncoder().encode(spec.path)), ...spec.argv.map(_hex)];
    }
    const chain = [...(args[0].includes("=") ? [] : this.#unblock), ...args];
    const options = this.#commandOptions(spec.stdinEmpty);
    const command = this.#options.mode === "setsid"
      ? new Deno.Command(this.#options.setsidPath!, { ...options, args: ["--", ...chain] })
      : new Deno.Command(chain[0], { ...options, args: chain.slice(1), detached: true });
    let child: Deno.ChildProcess;
    try {
      child = command.spawn();
    } catch (error) {
      return _spawnError(error);
    }
    return { ok: true, program: new _CommandProgram(child, spec.stdinEmpty) };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #commandOptions(stdinEmpty: boolean): Deno.CommandOptions {
    const { environment, cwd } = this.#options;
    return {
      stdin: stdinEmpty ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(cwd === undefined ? {} : { cwd }),
      ...(environment.clearEnv ? { clearEnv: true } : {}),
      ...(environment.env === undefined ? {} : { env: { ...environment.env } }),
    };
  }
}

class _CommandProgram implements Program {
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #gate: Promise<void> | undefined;
  #open: () => void = () => {};
  #exited = false;

  constructor(child: Deno.ChildProcess, stdinEmpty: boolean) {
    this.#child = child;
    this.pid = child.pid;
    if (!stdinEmpty) this.#stdin = child.stdin.getWriter();
  }

  start(events: ProgramEvents): void {
    this.#pump("stdout", this.#child.stdout, events);
    this.#pump("stderr", this.#child.stderr, events);
    this.#wait(events);
  }

  async writeStdin(data: Uint8Array): Promise<boolean> {
    const stdin = this.#stdin;
    if (stdin === undefined) return false;
    try {
      await stdin.write(data);
      return true;
    } catch {
      this.#stdin = undefined; // the program closed its stdin or ended
      return false;
    }
  }

  closeStdin(): void {
    const stdin = this.#stdin;
    this.#stdin = undefined;
    stdin?.close().catch(() => {});
  }

  pauseOutput(): void {
    this.#gate ??= new Promise((resolve) => this.#open = resolve);
  }

  resumeOutput(): void {
    const open = this.#open;
    this.#gate = undefined;
    open();
  }

  cancelOutput(): void {
    this.resumeOutput();
    for (const reader of this.#readers) reader.cancel().catch(() => {});
  }

  signal(signal: "SIGTERM" | "SIGKILL" | "SIGCONT"): boolean {
    try {
      Deno.kill(-this.pid, signal);
      return true;
    } catch {
      if (this.#exited) return false;
    }
    // The group does not exist yet: setsid(1) has not run in the child.
    try {
      Deno.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  async #pump(stream: OutputStream, readable: ReadableStream<Uint8Array>, events: ProgramEvents): Promise<void> {
    const reader = readable.getReader();
    this.#readers.push(reader);
    try {
      for (;;) {
        if (this.#gate !== undefined) await this.#gate;
        const { done, value } = await reader.read();
        if (done) break;
        events.output(stream, value);
      }
    } catch {
      return; // cancelled
    }
    events.outputEnd(stream);
  }

  async #wait(events: ProgramEvents): Promise<void> {
    const status = await _exitStatus(this.#child);
    this.#exited = true;
    // A program that is gone takes no more stdin, even if a grandchild holds the pipe open.
    const stdin = this.#stdin;
    this.#stdin = undefined;
    stdin?.abort().catch(() => {});
    events.exited(status);
  }
}

/** The program's status as a status pair reports it. Deno rejects real-time signals; they get their names here. */
async function _exitStatus(child: Deno.ChildProcess): Promise<ExitStatus> {
  try {
    const status = await child.status;
    if (status.signal !== null) return { exitCode: null, signal: status.signal.replace(/^SIG/, "") };
    return { exitCode: status.code, signal: null };
  } catch (error) {
    const match = /Invalid signal: (\d+)/.exec(error instanceof Error ? error.message : "");
    if (match === null) return { exitCode: 255, signal: null };
    return { exitCode: null, signal: signalName(Number(match[1])) };
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

function _failure(exitCode: 127 | 126, reason: string, resource: boolean): LaunchOutcome {
  return { ok: false, exitCode, reason, resource };
}

function _spawnError(error: unknown): LaunchOutcome {
  if (error instanceof Deno.errors.NotFound) return _failure(127, "program not found", false);
  if (error instanceof Deno.errors.PermissionDenied) return _failure(126, "permission denied", false);
  if (error instanceof Deno.errors.NotCapable) return _failure(126, "not allowed", false);
  const message = error instanceof Error ? error.message : String(error);
  if (/too many open files/i.test(message)) return _failure(126, "too many open files", true);
  return _failure(126, message.replace(/^Failed to spawn '[^']*': /, "").toLowerCase(), true);
}
