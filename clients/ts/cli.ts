/**
 * The `netspawn exec` command: `netspawn exec ADDRESS [--] PROGRAM [ARG...]`.
 * Runs under Deno from the repository (`deno task exec ADDRESS -- PROGRAM
 * ARGS…`) and, compiled, as the npm package's `bin` under Node.js
 * (`netspawn exec …`). It runs only as the main module: importing it does
 * nothing but define {@linkcode cliCommandName}.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runCli } from "./cli_main.ts";

/**
 * How users run this file, for help and usage messages: from the TypeScript
 * sources it is the repository's `deno task exec`; compiled (`.js`) it is the
 * npm package's `bin`, `netspawn exec`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { cliCommandName } from "./cli.ts";
 * assertEquals(cliCommandName("file:///repo/clients/ts/cli.ts"), "deno task exec");
 * assertEquals(cliCommandName("file:///app/node_modules/netspawn/esm/clients/ts/cli.js"), "netspawn exec");
 * ```
 */
export function cliCommandName(moduleUrl: string): string {
  return moduleUrl.endsWith(".ts") ? "deno task exec" : "netspawn exec";
}

/** A Web Streams view of a Node.js writable that never closes it. */
function _writable(stream: Writable): WritableStream<Uint8Array> {
  stream.on("error", () => {}); // reported through the write callbacks below
  return new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        stream.write(chunk, (error) => error ? reject(error) : resolve());
      }),
  });
}

/**
 * Whether this module is the program's entry point: `import.meta.main` in
 * Deno (and Node.js ≥ 24.2); on older Node.js, the script path Node.js was
 * given (the npm `bin` is a symlink to this file) names this file.
 */
function _isMain(): boolean {
  const main = (import.meta as { main?: boolean }).main;
  if (typeof main === "boolean") return main;
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (_isMain()) {
  const status = await runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: _writable(process.stdout),
    stderr: _writable(process.stderr),
  }, { command: cliCommandName(import.meta.url) });
  process.exit(status);
}
