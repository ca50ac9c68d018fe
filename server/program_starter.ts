/**
 * Starting a program for a request: the program name looked up the way
 * `execvp` does, the allow-list, a one-line reason when it cannot start,
 * and the launch through the chosen backend.
 *
 * @module
 */

import type { ProgramEnvironment } from "./environment.ts";
import { ProgramPolicy } from "./policy.ts";
import type { Program, ProgramBackend } from "./program.ts";
import { ProgramLocator } from "./program_path.ts";

/** What {@linkcode ProgramStarter.start} gives. */
export type StartOutcome =
  /** Started. `name` is argv[0] as given, for logs. */
  | { readonly ok: true; readonly program: Program; readonly name: string }
  /** Not started: the reply is `message` on stderr and `exitCode`. */
  | {
    readonly ok: false;
    readonly exitCode: 127 | 126;
    /** `netspawn: cannot run NAME: REASON` and a newline. */
    readonly message: string;
    readonly name: string;
    /** The server lacked a resource (worth a warning), rather than the client asking for a bad program. */
    readonly resource: boolean;
  };

/** Options of {@linkcode ProgramStarter}. */
export interface ProgramStarterOptions {
  /** The backend that starts programs. */
  readonly backend: ProgramBackend;
  /** The programs' environment (its PATH is where names are looked up). */
  readonly environment: ProgramEnvironment;
  /** Allowed programs, or undefined for any. */
  readonly allow?: readonly string[];
  /** The programs' working directory. */
  readonly cwd?: string;
}

const _UTF8 = new TextDecoder("utf-8", { fatal: true });
const _LOSSY = new TextDecoder("utf-8");

/**
 * Looks programs up, applies the allow-list, and launches them.
 *
 * @example
 * ```ts ignore
 * import { ProgramStarter } from "./program_starter.ts";
 * const starter = new ProgramStarter({ backend, environment });
 * const outcome = await starter.start([new TextEncoder().encode("true")], true);
 * if (outcome.ok) outcome.program.start(events);
 * ```
 */
export class ProgramStarter {
  /** The backend. */
  readonly backend: ProgramBackend;
  readonly #policy: ProgramPolicy | undefined;
  readonly #locator: ProgramLocator;
  readonly #cwd: string | undefined;

  /**
   * Resolve the allow-list in the programs' PATH.
   * @throws {ServerError} `BAD_POLICY`, `USAGE` for a bad allow-list.
   */
  constructor(options: ProgramStarterOptions) {
    this.backend = options.backend;
    this.#cwd = options.cwd;
    const searchPath = options.environment.searchPath;
    this.#policy = options.allow === undefined ? undefined : ProgramPolicy.fromList(options.allow, searchPath);
    this.#locator = new ProgramLocator(searchPath, options.cwd, options.backend.probe);
  }

  /** The resolved allow-list, or undefined when any program may run. */
  get allowed(): readonly string[] | undefined {
    return this.#policy?.programs;
  }

  /** Start `argv` (its events wait for `program.start`); with `stdinEmpty` its stdin is /dev/null. Never rejects. */
  start(argv: readonly Uint8Array[], stdinEmpty: boolean): StartOutcome | Promise<StartOutcome> {
    const name = _LOSSY.decode(argv[0]);
    let path: string;
    try {
      path = _UTF8.decode(argv[0]);
    } catch {
      return _failure(name, 126, "the program name is not valid UTF-8", false);
    }
    const found = this.#locator.lookup(path);
    if (!found.ok) return _failure(name, found.exitCode, found.reason, false);
    if (this.#policy !== undefined && !this.#policy.allows(found.path, this.#cwd)) {
      return _failure(name, 126, "not allowed", false);
    }
    const launched = this.backend.launch({ path: found.path, argv, stdinEmpty });
    return launched instanceof Promise ? launched.then((o) => _outcome(name, o)) : _outcome(name, launched);
  }
}

function _outcome(name: string, launched: Awaited<ReturnType<ProgramBackend["launch"]>>): StartOutcome {
  return launched.ok
    ? { ok: true, program: launched.program, name }
    : _failure(name, launched.exitCode, launched.reason, launched.resource);
}

function _failure(name: string, exitCode: 127 | 126, reason: string, resource: boolean): StartOutcome {
  return { ok: false, exitCode, name, resource, message: `netspawn: cannot run ${_oneLine(name)}: ${reason}\n` };
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
