/**
 * The allow-list: which programs may run. Names are resolved once, at
 * start; a request runs only if its program resolves to one of the same
 * files. Paths are compared with their directory canonicalised (so
 * `/bin/true` matches `/usr/bin/true` on merged-/usr systems) but their last
 * component kept, so allowing one name of a multi-call binary (`ls` linked
 * to busybox) does not allow its other names.
 *
 * @module
 */

import { ServerError } from "./errors.ts";
import { lookupProgram } from "./program_path.ts";

/**
 * A set of allowed programs.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ProgramPolicy } from "./policy.ts";
 * const policy = ProgramPolicy.fromList(["sh"], "/usr/bin:/bin");
 * assert(policy.allows("/bin/sh") && !policy.allows("/bin/cat"));
 * ```
 */
export class ProgramPolicy {
  readonly #allowed: ReadonlySet<string>;
  /** The resolved programs, for logs and `--help`-style listings. */
  readonly programs: readonly string[];

  private constructor(allowed: readonly string[]) {
    this.#allowed = new Set(allowed);
    this.programs = allowed;
  }

  /**
   * Resolve an allow-list: bare names in `searchPath`, or absolute paths.
   * @throws {ServerError} `BAD_POLICY` for a name that is not found or not executable, `USAGE` for a relative path.
   */
  static fromList(names: readonly string[], searchPath: string): ProgramPolicy {
    const resolved = names.map((name) => {
      if (name.includes("/") && !name.startsWith("/")) {
        throw new ServerError("USAGE", `--allow takes a program name or an absolute path, got ${name}`);
      }
      const found = lookupProgram(name, searchPath);
      if (!found.ok) throw new ServerError("BAD_POLICY", `--allow ${name}: ${found.reason}`);
      const key = canonicalProgramPath(found.path);
      if (key === undefined) throw new ServerError("BAD_POLICY", `--allow ${name}: cannot resolve ${found.path}`);
      return key;
    });
    return new ProgramPolicy(resolved);
  }

  /** Whether a found program path (as {@linkcode lookupProgram} returns it) may run. */
  allows(path: string, cwd?: string): boolean {
    const key = canonicalProgramPath(path, cwd);
    return key !== undefined && this.#allowed.has(key);
  }
}

/**
 * A program path with its directory canonicalised and its last component
 * kept; undefined when the directory cannot be resolved.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { canonicalProgramPath } from "./policy.ts";
 * assert(canonicalProgramPath("/usr/bin/../bin/sh") === canonicalProgramPath("/usr/bin/sh"));
 * ```
 */
export function canonicalProgramPath(path: string, cwd?: string): string | undefined {
  const absolute = path.startsWith("/") ? path : `${cwd ?? Deno.cwd()}/${path}`;
  const slash = absolute.lastIndexOf("/");
  const dir = absolute.slice(0, slash) || "/";
  const base = absolute.slice(slash + 1);
  try {
    const real = Deno.realPathSync(dir);
    return `${real === "/" ? "" : real}/${base}`;
  } catch {
    return undefined;
  }
}
