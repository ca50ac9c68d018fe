/**
 * The `netspawn` command: `netspawn exec ADDRESS [--] PROGRAM [ARG...]`.
 * Runs under Deno (`deno task exec ADDRESS -- PROGRAM ARGS…`) and, compiled,
 * as the npm package's `bin` under Node.js. See `netspawn --help`.
 *
 * @module
 */

import process from "node:process";
import type { Writable } from "node:stream";
import { runCli } from "./cli_main.ts";

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

const status = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: _writable(process.stdout),
  stderr: _writable(process.stderr),
});
process.exit(status);
