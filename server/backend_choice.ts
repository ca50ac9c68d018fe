/**
 * Which backend starts programs, decided once at start: `posix_spawn`
 * through FFI when `--allow-ffi` is granted (or asked for), else
 * `Deno.Command`.
 *
 * @module
 */

import { CommandBackend } from "./command_backend.ts";
import type { ProgramEnvironment } from "./environment.ts";
import { ServerError } from "./errors.ts";
import { ffiGranted } from "./libc.ts";
import type { ServerConfig } from "./options.ts";
import { PosixSpawnBackend } from "./posix_spawn_backend.ts";
import type { ProgramBackend } from "./program.ts";

/** The backend, and a line for the log saying which and why. */
export interface BackendChoice {
  /** The backend. */
  readonly backend: ProgramBackend;
  /** Which one, and why, for the start-up log. */
  readonly description: string;
}

/**
 * Create the backend the configuration asks for.
 *
 * @throws {ServerError} `USAGE` when the permission the backend needs is not granted.
 * @example
 * ```ts ignore
 * import { chooseBackend } from "./backend_choice.ts";
 * const { backend, description } = chooseBackend(config, environment);
 * ```
 */
export function chooseBackend(config: ServerConfig, environment: ProgramEnvironment): BackendChoice {
  const ffi = ffiGranted();
  const choice = config.spawnBackend === "auto" ? (ffi ? "posix-spawn" : "command") : config.spawnBackend;
  if (choice === "posix-spawn") {
    if (!ffi) throw new ServerError("USAGE", "--spawn-backend posix-spawn needs --allow-ffi");
    return {
      backend: new PosixSpawnBackend({ environment, cwd: config.cwd }),
      description: "programs start through posix_spawn (FFI, --allow-ffi granted): own session, clean signal mask",
    };
  }
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    throw new ServerError(
      "USAGE",
      "the server needs --allow-ffi (posix_spawn backend) or --allow-run without a list (Deno.Command backend, whose Deno.kill of process groups requires it)",
    );
  }
  return {
    backend: new CommandBackend({
      mode: config.spawnMode,
      setsidPath: config.setsidPath,
      environment,
      cwd: config.cwd,
    }),
    description: `programs start through Deno.Command (${
      config.spawnMode === "setsid" ? "through setsid(1): one more exec per program" : "detached: a fork of the server"
    }); --allow-ffi would use posix_spawn`,
  };
}
