/**
 * The environment programs run with, computed once at start from the
 * server's own environment and the `--env-*` options.
 *
 * @module
 */

import { DEFAULT_SEARCH_PATH } from "./program_path.ts";
import type { EnvironmentOptions } from "./options.ts";

/** How to set up a program's environment with `Deno.Command`. */
export interface ProgramEnvironment {
  /** Pass `clearEnv: true`. */
  readonly clearEnv: boolean;
  /** Variables to pass (undefined: inherit the server's environment unchanged). */
  readonly env: Readonly<Record<string, string>> | undefined;
  /** The PATH programs are searched in: the programs' own PATH, or execvp's default. */
  readonly searchPath: string;
}

/**
 * Build the programs' environment. By default programs inherit the server's
 * environment; `clear` starts from nothing, `pass` copies variables from the
 * server, `set` sets them. Reading the server's environment needs
 * `--allow-env`; without it, only `set` applies and PATH defaults to
 * `/bin:/usr/bin`.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { buildEnvironment } from "./environment.ts";
 * const env = buildEnvironment({ clear: true, pass: [], set: { LANG: "C" } });
 * assert(env.clearEnv && env.env?.LANG === "C" && env.searchPath === "/bin:/usr/bin");
 * ```
 */
export function buildEnvironment(options: Required<EnvironmentOptions>): ProgramEnvironment {
  const own = (name: string): string | undefined => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
  if (!options.clear && options.pass.length === 0 && Object.keys(options.set).length === 0) {
    return { clearEnv: false, env: undefined, searchPath: own("PATH") ?? DEFAULT_SEARCH_PATH };
  }
  const env: Record<string, string> = {};
  for (const name of options.pass) {
    const value = own(name);
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.set);
  const path = env.PATH ?? (options.clear ? undefined : own("PATH"));
  return { clearEnv: options.clear, env, searchPath: path ?? DEFAULT_SEARCH_PATH };
}
