// Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for the TypeScript
// client under Deno, from its sources:
//   deno task conformance client --adapter 'deno run -A conformance/adapters/ts_deno.ts'

import { exec, NetspawnError, UsageError } from "../../clients/ts/mod.ts";

interface _Input {
  readonly protocol: string;
  readonly address: string;
  readonly argv: readonly string[];
  readonly stdin: string | null;
  readonly timeoutMs: number | null;
}

function _fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function _toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function _run(input: _Input): Promise<Record<string, unknown>> {
  if (input.protocol !== "netspawn-conformance-adapter/1") {
    return { ok: false, error: "UNSUPPORTED", message: `unknown protocol ${input.protocol}` };
  }
  try {
    const result = await exec(input.address, input.argv.map(_fromBase64), {
      stdin: input.stdin === null ? undefined : _fromBase64(input.stdin),
      timeout: input.timeoutMs ?? undefined,
      maxOutput: Infinity,
    });
    return {
      ok: true,
      stdout: _toBase64(result.stdout),
      stderr: _toBase64(result.stderr),
      exitCode: result.exitCode,
      signal: result.signal,
    };
  } catch (error) {
    if (error instanceof NetspawnError) {
      const detail = error.code === "PROTOCOL_ERROR" && "protocolCode" in error ? error.protocolCode : undefined;
      return { ok: false, error: error.code, detail, message: error.message };
    }
    if (error instanceof UsageError) return { ok: false, error: "UNSUPPORTED", message: error.message };
    throw error;
  }
}

const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as _Input;
console.log(JSON.stringify(await _run(input)));
