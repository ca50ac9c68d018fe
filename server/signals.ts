/**
 * Process signals of the command-line server: TERM, INT and HUP shut down
 * gracefully (a second one kills the programs at once), USR2 writes a state
 * dump to the log. SIGUSR1 cannot be handled
 * safely in Deno ≥ 2.9.2 (it opens a V8 inspector); {@linkcode isSigusr1Blocked}
 * checks that the launcher blocked it.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { describeError } from "./errors.ts";
import type { RunningServer } from "./server.ts";

const _SHUTDOWN: readonly Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP"];

/**
 * Install the server's signal handlers; returns a function that removes them.
 *
 * @example
 * ```ts ignore
 * const remove = installSignalHandlers(server, logger);
 * await server.finished;
 * remove();
 * ```
 */
export function installSignalHandlers(server: RunningServer, logger: Logger): () => void {
  const dumpLogger = getLogger(["netspawn", "server", "dump"]);
  let signalled = false;
  const shutdown = (): void => {
    try {
      if (signalled) {
        logger.warn("second signal: killing every program now, without waiting for the kill grace");
        server.kill();
        return;
      }
      signalled = true;
      logger.info("shutting down: no new connections; terminating running programs (a second signal kills them now)");
      server.close().catch((error) => logger.error("shutdown failed: {error}", { error: describeError(error) }));
    } catch {
      // never throw from a signal handler
    }
  };
  const dump = (): void => {
    try {
      // With --v8-flags=--expose-gc the heap is collected first, so heapUsed is what is live.
      (globalThis as { gc?: () => void }).gc?.();
      const { heapUsed, rss } = Deno.memoryUsage();
      dumpLogger.info("state {state} memory {memory}", { state: server.snapshot(), memory: { heapUsed, rss } });
    } catch {
      // never throw from a signal handler
    }
  };
  for (const signal of _SHUTDOWN) Deno.addSignalListener(signal, shutdown);
  Deno.addSignalListener("SIGUSR2", dump);
  return () => {
    for (const signal of _SHUTDOWN) Deno.removeSignalListener(signal, shutdown);
    Deno.removeSignalListener("SIGUSR2", dump);
  };
}

/**
 * Whether SIGUSR1 is blocked in this process, as a program started with
 * `command` and `prefix` would inherit it (Deno passes its signal mask on to
 * the programs it spawns). Deno refuses to read /proc/self without
 * `--allow-all`, so a short-lived `grep` reads its own /proc/self/status
 * instead. Undefined when the probe cannot run.
 *
 * @example
 * ```ts ignore
 * import { probeSigusr1Blocked } from "./signals.ts";
 * console.log(probeSigusr1Blocked("/usr/bin/setsid", ["--"]));
 * ```
 */
export function probeSigusr1Blocked(command: string, prefix: readonly string[]): boolean | undefined {
  const argv = [command, ...prefix, "grep", "-E", "^SigBlk", "/proc/self/status"];
  let output: Deno.CommandOutput;
  try {
    output = new Deno.Command(argv[0], { args: argv.slice(1), stdin: "null", stderr: "null" }).outputSync();
  } catch {
    return undefined;
  }
  const match = /^SigBlk:\s*([0-9a-f]+)$/m.exec(new TextDecoder().decode(output.stdout));
  if (match === null) return undefined;
  return (BigInt(`0x${match[1]}`) & (1n << 9n)) !== 0n;
}
