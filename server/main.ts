/**
 * The netspawn server's command line: `deno run [permissions] server/main.ts
 * [options] PATH`. See `--help` and server/README.md.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { helpText, parseCommandLine, SERVER_VERSION } from "./cli.ts";
import { EXIT_CODES, ServerError } from "./errors.ts";
import { configureLogging } from "./logging.ts";
import { type Address, formatAddress } from "../protocol/mod.ts";
import { startServer } from "./server.ts";
import { FDS_PER_PROGRAM, fitToDescriptors, hardenProcess, sigusr1Blocked } from "./hardening.ts";
import { ffiGranted, openLibc } from "./libc.ts";
import { SERVER_DEFAULTS, type ServerOptions } from "./options.ts";
import { guardInspectorPort } from "./inspector_guard.ts";
import { installSignalHandlers } from "./signals.ts";

/**
 * Run the server from a command line; resolves with the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * Deno.exit(await main(["--version"]));
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  let line;
  try {
    line = parseCommandLine(args);
  } catch (error) {
    if (error instanceof ServerError) {
      console.error(`netspawn: ${error.message}\nTry --help.`);
      return error.exitCode;
    }
    throw error;
  }
  if (line.kind === "help") {
    console.log(helpText());
    return EXIT_CODES.ok;
  }
  if (line.kind === "version") {
    console.log(`netspawn version: ${SERVER_VERSION}`);
    return EXIT_CODES.ok;
  }
  const guard = guardInspectorPort(); // first: SIGUSR1 must find the inspector's port taken
  await configureLogging({ level: line.debug ? "debug" : line.logLevel, format: line.logFormat });
  const logger = getLogger(["netspawn", "server"]);
  const options = _hardened(line.options, logger);
  let server;
  try {
    server = await startServer(options);
  } catch (error) {
    guard.close();
    if (error instanceof ServerError) {
      // One style for every start-up failure, as for command-line syntax errors.
      const hint = error.exitCode === EXIT_CODES.usage ? "\nTry --help." : "";
      console.error(`netspawn: ${error.message}${hint}`);
      return error.exitCode;
    }
    throw error;
  }
  const removeHandlers = installSignalHandlers(server, logger);
  for (const problem of guard.problems) logger.warn("inspector guard: {problem}", { problem });
  const blocked = _sigusr1Blocked() ?? server.sigusr1Blocked;
  if (!guard.protected && blocked !== true) {
    const why = `SIGUSR1 is not guarded: this process does not hold the inspector port 127.0.0.1:9229 (${
      guard.problems.join("; ")
    }) and SIGUSR1 is not blocked, so any process of this user could open a V8 inspector in this server with kill -USR1`;
    if (!line.unguardedSigusr1) {
      removeHandlers();
      await server.close();
      guard.close();
      console.error(
        `netspawn: ${why}. Start through server/launch.pl (it blocks SIGUSR1), grant --allow-net=127.0.0.1:9229,[::1]:9229, or pass --unguarded-sigusr1 to accept the risk.\nTry --help.`,
      );
      return EXIT_CODES.usage;
    }
    logger.warn("{why} (--unguarded-sigusr1)", { why });
  } else if (!guard.protected) {
    logger.warn("the inspector port is not held by this server, but SIGUSR1 is blocked: no inspector can open");
  }
  for (const address of server.addresses) logger.info("listening on {address}", { address: formatAddress(address) });
  if (line.announce) console.log(announcement(server.addresses));
  await server.finished;
  removeHandlers();
  guard.close();
  logger.info("stopped");
  return EXIT_CODES.ok;
}

/** Whether SIGUSR1 is blocked in this process, read through FFI; undefined without it. */
function _sigusr1Blocked(): boolean | undefined {
  return ffiGranted() ? sigusr1Blocked(openLibc()) : undefined;
}

/**
 * With FFI: make the process non-dumpable, raise its open-files limit, and
 * fit `-m` and `--max-open` to what that limit carries (a full server must
 * still accept, not fail spawns with EMFILE).
 */
function _hardened(options: ServerOptions, logger: Logger): ServerOptions {
  if (!ffiGranted()) {
    logger.info("without --allow-ffi the server stays dumpable and -m is not checked against the open-files limit");
    return options;
  }
  const h = hardenProcess(openLibc());
  logger.info(
    "process hardened: non-dumpable {nonDumpable}; open files {before} -> {soft} (hard {hard}), {open} open, {budget} for connections",
    {
      nonDumpable: h.nonDumpable,
      before: h.nofile.before,
      soft: h.nofile.soft,
      hard: h.nofile.hard,
      open: h.openAtStart,
      budget: h.descriptorBudget,
    },
  );
  const asked = {
    maxConnections: options.maxConnections ?? SERVER_DEFAULTS.maxConnections,
    maxOpen: options.maxOpen ?? SERVER_DEFAULTS.maxOpen,
  };
  const fitted = fitToDescriptors(h.descriptorBudget, asked);
  for (const [flag, key] of [["-m", "maxConnections"], ["--max-open", "maxOpen"]] as const) {
    if (fitted[key] < asked[key]) {
      logger.warn(
        "{flag} {asked} capped to {fitted}: the open-files limit ({soft}) leaves {budget} descriptors for connections ({per} per program, 1 per connection); the others wait",
        {
          flag,
          asked: asked[key],
          fitted: fitted[key],
          soft: h.nofile.soft,
          budget: h.descriptorBudget,
          per: FDS_PER_PROGRAM,
        },
      );
    }
  }
  return { ...options, ...fitted };
}

/**
 * What `--announce` prints: each address in the form clients accept, and a
 * command that runs a program on the first one with nothing but Node.js.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { announcement } from "./main.ts";
 * const text = announcement([{ transport: "tcp", hostname: "::1", port: 7002 }]);
 * assertStringIncludes(text, "listening on tcp://[::1]:7002");
 * assertStringIncludes(text, "npx -y deno@2.9.6 task exec tcp://[::1]:7002 -- echo hello");
 * ```
 */
export function announcement(addresses: readonly Address[]): string {
  const lines = addresses.map((a) => `netspawn ${SERVER_VERSION} listening on ${formatAddress(a)}`);
  lines.push(
    "Try it from this directory (Deno installed: deno task exec …):",
    `  npx -y deno@2.9.6 task exec ${formatAddress(addresses[0])} -- echo hello`,
    "Stop it with Ctrl-C.",
  );
  return lines.join("\n");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
