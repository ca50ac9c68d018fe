/**
 * `deno task serve [options] [PATH]`: the server for trying things out, with
 * `--announce` and a line per connection (`--log-level info`), on
 * `/tmp/netspawn.sock` unless the options give an address.
 *
 * @module
 */

import { parseCommandLine } from "./cli.ts";
import { main } from "./main.ts";

/** Where `deno task serve` listens when given no address. */
export const SERVE_DEFAULT_PATH = "/tmp/netspawn.sock";

/**
 * The server's command line for `deno task serve ARGS`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { serveArgs } from "./serve.ts";
 * assertEquals(serveArgs([]).at(-1), "/tmp/netspawn.sock");
 * assertEquals(serveArgs(["/tmp/other.sock"]).at(-1), "/tmp/other.sock");
 * assertEquals(serveArgs(["-t", "5", "--tcp", "127.0.0.1:7001"]).includes("/tmp/netspawn.sock"), false);
 * ```
 */
export function serveArgs(args: readonly string[]): string[] {
  const given = ["--announce", "--log-level", "info", ...args];
  try {
    parseCommandLine(given);
    return given;
  } catch {
    const defaulted = [...given, SERVE_DEFAULT_PATH];
    try {
      parseCommandLine(defaulted);
      return defaulted;
    } catch {
      return given; // a real usage error: main reports it
    }
  }
}

if (import.meta.main) {
  Deno.exit(await main(serveArgs(Deno.args)));
}
