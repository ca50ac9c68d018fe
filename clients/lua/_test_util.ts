// Helpers of the Lua client's Deno tests (private): finding interpreters and
// nginx, running Lua with a deadline, starting an in-process netspawn server,
// and writing the conformance kit's codec vectors as a Lua file.

import { bytesOf, type BytesSpec, type CodecEvent, loadVectors } from "../../conformance/mod.ts";
import { ERROR_CODES, EXAMPLES } from "../../protocol/mod.ts";
import { type RunningServer, startServer } from "../../server/mod.ts";
import { CLIENT_ERROR_CODES } from "../ts/errors.ts";

/** The repository's root directory, with a trailing slash. */
export const ROOT = new URL("../..", import.meta.url).pathname;

/** Whether this run is CI's, where nothing may be skipped. */
export const IN_CI = (Deno.env.get("CI") ?? "") !== "";

/** The Lua interpreters the client is tested under. */
export const INTERPRETERS = ["lua5.4", "luajit"] as const;

/** What a finished process printed. */
export interface _Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command to its end, killing it after `deadlineMs`. */
export async function _run(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; deadlineMs?: number; stdin?: string } = {},
): Promise<_Ran> {
  const child = new Deno.Command(command, {
    args: [...args],
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.deadlineMs ?? 120_000);
  try {
    const out = await child.output();
    const decoder = new TextDecoder();
    return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** Why `command` cannot be used here (not installed, or `probe` fails), or undefined when it can. */
export async function _missing(command: string, probe: readonly string[]): Promise<string | undefined> {
  try {
    const ran = await _run(command, probe, { deadlineMs: 10_000 });
    return ran.code === 0 ? undefined : `${command} ${probe.join(" ")} failed: ${ran.stderr.trim().split("\n")[0]}`;
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? `${command} is not installed` : String(error);
  }
}

/**
 * Register a test that needs `requirement` (a reason it cannot run, or
 * undefined). Missing outside CI: a visible skip (an ignored test whose name
 * says why, and a console line). Missing in CI: a failing test, since CI must
 * install everything (.ci/run).
 */
export function _testNeeding(name: string, requirement: string | undefined, fn: () => Promise<void>): void {
  if (requirement === undefined) {
    // sanitizeOps off: conformance/fake_server.ts leaves its polling delays, and the server its
    // TERM-to-KILL timers, pending after they close (reported to the lead); processes and sockets
    // are still checked by the resource sanitizer.
    Deno.test({ name, fn, sanitizeOps: false });
  } else if (IN_CI) {
    Deno.test(name, () => {
      throw new Error(`${requirement} (CI must install it: see .ci/run)`);
    });
  } else {
    console.warn(`SKIP ${name}: ${requirement}`);
    Deno.test({ name: `${name} (skipped: ${requirement})`, ignore: true, fn() {} });
  }
}

/** The requirement of a Lua interpreter with LuaSocket (undefined when met). */
export function _luaMissing(lua: string): Promise<string | undefined> {
  return _missing(lua, ["-e", "require('socket'); require('socket.unix')"]);
}

/** A netspawn server in this process on a UNIX socket in a new temporary directory and on 127.0.0.1. */
export async function _startTestServer(): Promise<
  { server: RunningServer; addresses: string[]; dir: string; close: () => Promise<void> }
> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-lua-" });
  const server = await startServer({
    listen: [{ transport: "unix", path: `${dir}/netspawn.sock` }, { transport: "tcp", hostname: "127.0.0.1", port: 0 }],
  });
  const addresses = server.addresses.map((a) =>
    a.transport === "unix" ? `unix:${a.path}` : `tcp://${a.hostname}:${a.port}`
  );
  return {
    server,
    addresses,
    dir,
    close: async () => {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A Lua string literal holding exactly these bytes. */
export function _luaString(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString().padStart(3, "0")}`;
  }
  return out + '"';
}

const _text = (s: string) => _luaString(new TextEncoder().encode(s));
const _bytes = (spec: BytesSpec) => _luaString(bytesOf(spec));

function _event(e: CodecEvent): string {
  if ("stdout" in e) return `{"stdout", ${_bytes(e.stdout)}}`;
  if ("stderr" in e) return `{"stderr", ${_bytes(e.stderr)}}`;
  if ("exitcode" in e) return `{"exitcode", ${e.exitcode}}`;
  if ("termsig" in e) return `{"termsig", ${_text(e.termsig)}}`;
  if ("end" in e) return `{"end"}`;
  throw new Error(`not a response event: ${JSON.stringify(e)}`);
}

/**
 * The kit's response decode vectors, request encode vectors, the protocol
 * core's error codes, the client's codes and the spawn-failure example, as a
 * Lua chunk that returns them (read by clients/lua/test/unit_test.lua).
 */
export async function _vectorsAsLua(): Promise<string> {
  const response: string[] = [];
  const request: string[] = [];
  for (const { vector: v } of await loadVectors()) {
    if (v.kind !== "codec") continue;
    if (v.codec === "response" && v.direction === "decode") {
      const limits = v.limits
        ? `{max_length_digits = ${v.limits.maxLengthDigits ?? "nil"}, max_netstring_length = ${
          v.limits.maxNetstringLength ?? "nil"
        }}`
        : "nil";
      const error = v.expect.error
        ? `{code = ${_text(v.expect.error.code)}, offset = ${v.expect.error.offset ?? "nil"}}`
        : "nil";
      response.push(
        `{id = ${_text(v.id)}, input = ${_bytes(v.input)}, limits = ${limits}, events = {${
          (v.expect.events ?? []).map(_event).join(", ")
        }}, error = ${error}}`,
      );
    } else if (v.codec === "request" && v.direction === "encode" && "argv" in v.value) {
      const value = v.value;
      const expect = "bytes" in v.expect ? `bytes = ${_bytes(v.expect.bytes)}` : `error = true`;
      request.push(
        `{id = ${_text(v.id)}, argv = {${value.argv.map(_bytes).join(", ")}}, stdin = {${
          (value.stdin ?? []).map(_bytes).join(", ")
        }}, ["end"] = ${value.end ?? "nil"}, ${expect}}`,
      );
    }
  }
  const protocolCodes = Object.entries(ERROR_CODES).filter(([, info]) =>
    info.layer === "netstring" || info.layer === "response"
  ).map(([c]) => c);
  const spawn = EXAMPLES.find((e) => e.response.includes("cannot run"));
  if (spawn === undefined) throw new Error("protocol/examples.ts has no spawn-failure example");
  const spawnArgv = [...spawn.request.matchAll(/\d+:([^,]*),/g)].slice(1, -1).map((m) => _text(m[1]));
  return [
    "return {",
    `  response = {\n    ${response.join(",\n    ")}\n  },`,
    `  request = {\n    ${request.join(",\n    ")}\n  },`,
    `  protocol_codes = {${protocolCodes.map(_text).join(", ")}},`,
    `  client_codes = {${Object.keys(CLIENT_ERROR_CODES).map(_text).join(", ")}},`,
    `  spawn_failure = {argv = {${spawnArgv.join(", ")}}, response = ${_text(spawn.response)}},`,
    "}",
  ].join("\n");
}

/** The "N passed, N failed, N skipped" line of the Lua test runner, parsed. */
export function _summary(output: string): { passed: number; failed: number; skipped: number } | undefined {
  const m = output.match(/^(\d+) passed, (\d+) failed, (\d+) skipped$/m);
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) } : undefined;
}
