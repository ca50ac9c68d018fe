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
import type { ListenAddress, TcpListenAddress } from "./options.ts";
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
      logger.fatal("{message}", { message: error.message, code: error.code });
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
  for (const address of server.addresses) {
    logger.info("listening on {address}", {
      address: address.transport === "unix" ? address.path : `${address.hostname}:${address.port}`,
    });
  }
  if (line.announce) console.log(announcement(server.addresses));
  await server.finished;
  removeHandlers();
  guard.close();
  logger.info("stopped");
  return EXIT_CODES.ok;
}

/**
 * What `--announce` prints: each address and a one-line client call.
 *
 * @example
 * ```ts
 * import { announcement } from "./main.ts";
 * console.assert(announcement([{ transport: "unix", path: "/tmp/x.sock" }]).includes("/tmp/x.sock"));
 * ```
 */
export function announcement(addresses: readonly ListenAddress[]): string {
  const lines = addresses.map((a) =>
    `netspawn ${SERVER_VERSION} listening on ${a.transport === "unix" ? `unix:${a.path}` : `tcp:${_hostPort(a)}`}`
  );
  const first = addresses[0];
  const connect = first.transport === "unix"
    ? `{transport:"unix",path:${JSON.stringify(first.path)}}`
    : `{hostname:${JSON.stringify(first.hostname)},port:${first.port}}`;
  lines.push(
    "Try it (prints 6:stdout,6:hello\\n,8:exitcode,1:0,):",
    `  deno eval 'const c=await Deno.connect(${connect});await c.write(new TextEncoder().encode("1:2,4:echo,5:hello,0:,"));await c.readable.pipeTo(Deno.stdout.writable)'`,
    "Stop it with Ctrl-C.",
  );
  return lines.join("\n");
}

function _hostPort(a: TcpListenAddress): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
