/**
 * The program seam: what a session needs from a started program, and what
 * a backend that starts programs provides. Two backends implement it:
 * `posix_spawn` through FFI (fast; `--allow-ffi`) and `Deno.Command`
 * (portable; `--allow-run`).
 *
 * @module
 */

import type { ExitStatus, OutputStream } from "../protocol/mod.ts";
import type { FileProbe } from "./program_path.ts";

/** What a running program reports, once started with {@linkcode Program.start}. Calls come asynchronously, never from inside a method of {@linkcode Program}. */
export interface ProgramEvents {
  /** Bytes read from stdout or stderr. The view is valid only during the call: copy what you keep. */
  output(stream: OutputStream, bytes: Uint8Array): void;
  /** The pipe reached end of file. Not called after {@linkcode Program.cancelOutput}. */
  outputEnd(stream: OutputStream): void;
  /** The program was reaped. */
  exited(status: ExitStatus): void;
}

/** A started program. */
export interface Program {
  /** Its pid, which is also its process group and session id. */
  readonly pid: number;
  /** Start reporting to `events`: output, end of file, exit. Nothing is reported before. */
  start(events: ProgramEvents): void;
  /** Write to its stdin; resolves true once written, false if dropped (stdin closed, program gone). Never rejects. */
  writeStdin(data: Uint8Array): Promise<boolean>;
  /** Close its stdin once the writes before are done. Idempotent. */
  closeStdin(): void;
  /** Stop reading its output until {@linkcode Program.resumeOutput}. */
  pauseOutput(): void;
  /** Read its output again. */
  resumeOutput(): void;
  /** Stop reading its output for good and close the pipes. */
  cancelOutput(): void;
  /**
   * Send a signal to the program's process group (to the program itself while
   * its group does not exist yet). False when nothing was signalled.
   */
  signal(signal: "SIGTERM" | "SIGKILL" | "SIGCONT"): boolean;
}

/** What to start: the path found by the lookup, argv as bytes (argv[0] as the client gave it). */
export interface LaunchSpec {
  /** The file to execute (absolute, or relative to the programs' working directory). */
  readonly path: string;
  /** The arguments, argv[0] first, as raw bytes. */
  readonly argv: readonly Uint8Array[];
  /** Give the program /dev/null as stdin instead of a pipe. */
  readonly stdinEmpty: boolean;
}

/** Why a program could not start. */
export interface LaunchFailure {
  /** Not started. */
  readonly ok: false;
  /** 127: not found; 126: found but cannot run. */
  readonly exitCode: 127 | 126;
  /** The reason, a short phrase (`permission denied`). */
  readonly reason: string;
  /** The server lacked a resource (descriptors, processes, memory), rather than the client asking for a bad program. */
  readonly resource: boolean;
}

/** A launch's outcome. */
export type LaunchOutcome = { readonly ok: true; readonly program: Program } | LaunchFailure;

/** The names of the backends. */
export type BackendName = "posix-spawn" | "command";

/** Starts programs. */
export interface ProgramBackend {
  /** Which backend this is. */
  readonly name: BackendName;
  /** A cheaper way to look at files for the program lookup, if the backend has one. */
  readonly probe?: FileProbe;
  /** Start a program (it runs at once; its events wait for {@linkcode Program.start}). Never rejects. */
  launch(spec: LaunchSpec): LaunchOutcome | Promise<LaunchOutcome>;
  /** Release what the backend holds (programs already started keep running). */
  close(): Promise<void>;
}
