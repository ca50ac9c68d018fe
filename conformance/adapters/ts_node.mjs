// Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for the TypeScript
// client as built for npm (`deno task build:npm`), under Node.js:
//   deno task conformance client --adapter 'node conformance/adapters/ts_node.mjs'
// NETSPAWN_NPM_PACKAGE may name another copy of the package (a directory holding its package.json).

import { Buffer } from "node:buffer";
import process from "node:process";
import { pathToFileURL } from "node:url";

const packageDir = process.env.NETSPAWN_NPM_PACKAGE
  ? pathToFileURL(`${process.env.NETSPAWN_NPM_PACKAGE.replace(/\/$/, "")}/`)
  : new URL("../../npm/", import.meta.url);
const { exec, NetspawnError, UsageError } = await import(new URL("esm/clients/ts/mod.js", packageDir).href);

async function run(input) {
  if (input.protocol !== "netspawn-conformance-adapter/1") {
    return { ok: false, error: "UNSUPPORTED", message: `unknown protocol ${input.protocol}` };
  }
  try {
    const result = await exec(input.address, input.argv.map((a) => new Uint8Array(Buffer.from(a, "base64"))), {
      stdin: input.stdin === null ? undefined : new Uint8Array(Buffer.from(input.stdin, "base64")),
      timeout: input.timeoutMs ?? undefined,
      maxOutput: Infinity,
    });
    return {
      ok: true,
      stdout: Buffer.from(result.stdout).toString("base64"),
      stderr: Buffer.from(result.stderr).toString("base64"),
      exitCode: result.exitCode,
      signal: result.signal,
    };
  } catch (error) {
    if (error instanceof NetspawnError) {
      const detail = error.code === "PROTOCOL_ERROR" ? error.protocolCode : undefined;
      return { ok: false, error: error.code, detail, message: error.message };
    }
    if (error instanceof UsageError) return { ok: false, error: "UNSUPPORTED", message: error.message };
    throw error;
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
process.stdout.write(`${JSON.stringify(await run(JSON.parse(Buffer.concat(chunks).toString("utf-8"))))}\n`);
