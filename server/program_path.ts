/**
 * Finding the file a program name refers to, the way `execvp` does, so that
 * a program that cannot start gets a precise reason (and the allow-list can
 * compare paths) before anything is spawned.
 *
 * @module
 */

/** The default search path of `execvp` when the environment has no PATH. */
export const DEFAULT_SEARCH_PATH = "/bin:/usr/bin";

/** What a lookup needs to know about a path. */
export interface FileFacts {
  /** What is there; `unknown` when the server may not look (Deno's permissions): the spawn decides. */
  readonly kind: "missing" | "denied" | "directory" | "file" | "other" | "unknown";
  /** The mode bits (0 when not known). */
  readonly mode: number;
  /** Modification time in milliseconds (-1 when not known). */
  readonly mtime: number;
}

/** Looks at a path, following symbolic links (as `stat` does). */
export type FileProbe = (path: string) => FileFacts;

/**
 * The probe through `Deno.statSync`. A failure costs a JavaScript exception;
 * the posix_spawn backend has a cheaper one through FFI.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { denoProbe } from "./program_path.ts";
 * assertEquals(denoProbe("/").kind, "directory");
 * assertEquals(denoProbe("/nonexistent/x").kind, "missing");
 * ```
 */
export function denoProbe(path: string): FileFacts {
  try {
    const info = Deno.statSync(path);
    const kind = info.isDirectory ? "directory" : info.isFile ? "file" : "other";
    return { kind, mode: info.mode ?? 0, mtime: info.mtime?.getTime() ?? -1 };
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) return { kind: "denied", mode: 0, mtime: -1 };
    if (error instanceof Deno.errors.NotCapable) return { kind: "unknown", mode: 0, mtime: -1 };
    return { kind: "missing", mode: 0, mtime: -1 };
  }
}

/** Where a program name leads. */
export type ProgramLookup =
  /** An executable file; `path` is what was found (relative names stay relative). */
  | { readonly ok: true; readonly path: string }
  /** Nothing to run: the exit code (127 or 126) and the reason. */
  | { readonly ok: false; readonly exitCode: 127 | 126; readonly reason: string };

/**
 * Look a program up: a name with a `/` is used as it is, any other name is
 * searched in `searchPath` (an empty entry means the working directory).
 * Like `execvp`, a search skips directories and files without execute
 * permission and reports `permission denied` only if it found nothing
 * better. When the server may not inspect a file (no read permission in
 * Deno), the name is passed on and the spawn decides.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { lookupProgram } from "./program_path.ts";
 * const found = lookupProgram("sh", "/usr/bin:/bin");
 * assert(found.ok);
 * const missing = lookupProgram("/nonexistent/cmd", "/usr/bin");
 * assert(!missing.ok && missing.exitCode === 127);
 * ```
 */
export function lookupProgram(
  name: string,
  searchPath: string,
  cwd?: string,
  probe: FileProbe = denoProbe,
): ProgramLookup {
  if (name === "") return _notFound();
  if (name.includes("/")) return _check(name, cwd, probe);
  let denied = false;
  for (const dir of searchPath.split(":")) {
    const candidate = dir === "" ? name : `${dir.replace(/\/+$/, "")}/${name}`;
    const result = _check(candidate, cwd, probe);
    if (result.ok) return result;
    if (result.reason === _DENIED) denied = true;
  }
  return denied ? { ok: false, exitCode: 126, reason: _DENIED } : _notFound();
}

const _DENIED = "permission denied";

function _notFound(): ProgramLookup {
  return { ok: false, exitCode: 127, reason: "program not found" };
}

function _check(candidate: string, cwd: string | undefined, probe: FileProbe): ProgramLookup {
  const at = cwd !== undefined && !candidate.startsWith("/") ? `${cwd}/${candidate}` : candidate;
  const facts = probe(at);
  switch (facts.kind) {
    case "unknown":
      return { ok: true, path: candidate };
    case "missing":
      return _notFound();
    case "directory":
      return { ok: false, exitCode: 126, reason: "is a directory" };
    case "file":
      if ((facts.mode & 0o111) !== 0) return { ok: true, path: candidate };
      return { ok: false, exitCode: 126, reason: _DENIED };
    default:
      return { ok: false, exitCode: 126, reason: _DENIED };
  }
}

interface _CacheEntry {
  readonly path: string;
  /** Each directory searched up to the hit, with its modification time then. */
  readonly dirs: readonly (readonly [string, number])[];
}

const _CACHE_LIMIT = 512;

/**
 * {@linkcode lookupProgram} with a cache for bare names. A cached hit is
 * reused only while every directory searched before it has the same
 * modification time (a file added to or removed from a directory changes
 * it) and the hit is still an executable file, so the answer is the one a
 * fresh search would give — at the cost of a few successful `stat` calls
 * instead of a failing one per PATH entry (Deno turns each failure into an
 * exception, which costs tens of microseconds).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ProgramLocator } from "./program_path.ts";
 * const locator = new ProgramLocator("/usr/bin:/bin");
 * const first = locator.lookup("sh");
 * const again = locator.lookup("sh");
 * assert(first.ok && again.ok && first.path === again.path);
 * ```
 */
export class ProgramLocator {
  readonly #searchPath: string;
  readonly #cwd: string | undefined;
  readonly #probe: FileProbe;
  readonly #cacheable: boolean;
  readonly #cache = new Map<string, _CacheEntry>();

  /** Search `searchPath`; relative names resolve against `cwd` (default: the server's). */
  constructor(searchPath: string, cwd?: string, probe: FileProbe = denoProbe) {
    this.#searchPath = searchPath;
    this.#cwd = cwd;
    this.#probe = probe;
    this.#cacheable = searchPath.split(":").every((dir) => dir.startsWith("/"));
  }

  /** Look `name` up, as {@linkcode lookupProgram} does. */
  lookup(name: string): ProgramLookup {
    if (!this.#cacheable || name === "" || name.includes("/")) {
      return lookupProgram(name, this.#searchPath, this.#cwd, this.#probe);
    }
    const cached = this.#cache.get(name);
    if (cached !== undefined && this.#stillValid(cached)) return { ok: true, path: cached.path };
    const dirs: (readonly [string, number])[] = [];
    for (const dir of this.#searchPath.split(":")) {
      const mtime = this.#probe(dir).mtime;
      dirs.push([dir, mtime]);
      if (mtime === _MISSING) continue;
      const result = _check(`${dir.replace(/\/+$/, "")}/${name}`, this.#cwd, this.#probe);
      if (result.ok) {
        if (this.#cache.size >= _CACHE_LIMIT) this.#cache.clear();
        this.#cache.set(name, { path: result.path, dirs });
        return result;
      }
    }
    return lookupProgram(name, this.#searchPath, this.#cwd, this.#probe);
  }

  #stillValid(entry: _CacheEntry): boolean {
    for (const [dir, mtime] of entry.dirs) {
      if (this.#probe(dir).mtime !== mtime) return false;
    }
    return _check(entry.path, undefined, this.#probe).ok;
  }
}

/** The mtime recorded for a directory that does not exist (or cannot be inspected). */
const _MISSING = -1;
