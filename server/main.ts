/**
 * The netspawn server's command line: `deno run [permissions] server/main.ts
 * [options] PATH`. See `--help` and server/README.md.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { helpText, parseCommandLine, SERVER_VERSION } from "./cli.ts";
import { EXIT_CODES, ServerError } from "./errors.ts";
import { configureLogging } from "./logging.ts";
import { type Address, formatAddress } from "../protocol/mod.ts";
import { startServer } from "./server.ts";
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
  let server;
  try {
    server = await startServer(line.options);
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
  for (const problem of guard.problems) logger.debug("inspector guard: {problem}", { problem });
  if (!guard.protected && server.sigusr1Blocked !== true) {
    logger.warn(
      "SIGUSR1 is not guarded: the inspector port 127.0.0.1:9229 could not be held ({problems}) and SIGUSR1 is not blocked, so any process of this user can open a V8 inspector in this server with kill -USR1; allow --allow-net=127.0.0.1:9229 or start through server/launch.pl --block-sigusr1 (see server/README.md)",
      { problems: guard.problems.join("; ") },
    );
  }
  for (const address of server.addresses) logger.info("listening on {address}", { address: formatAddress(address) });
  if (line.announce) console.log(announcement(server.addresses));
  await server.finished;
  removeHandlers();
  guard.close();
  logger.info("stopped");
  return EXIT_CODES.ok;
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
