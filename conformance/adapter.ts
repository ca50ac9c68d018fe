/**
 * Running a client adapter: one process per case, a JSON request on its
 * stdin, one JSON result on its stdout (the `netspawn-conformance-adapter/1`
 * protocol in conformance/README.md).
 *
 * @module
 */

import { delay, withDeadline } from "./async.ts";
import { decodeBase64, encodeBase64 } from "./bytes.ts";
import { killGroup, readText } from "./process.ts";

/** The adapter protocol's name. */
export const ADAPTER_PROTOCOL = "netspawn-conformance-adapter/1";

/** Error categories an adapter may report. */
export const ADAPTER_ERRORS = [
  "CONNECT_FAILED",
  "PROTOCOL_ERROR",
  "CLOSED_WITHOUT_STATUS",
  "TIMEOUT",
  "SPAWN_FAILED",
  "UNSUPPORTED",
] as const;

/** An error category an adapter may report. */
export type AdapterErrorCategory = (typeof ADAPTER_ERRORS)[number];

/** What the runner asks an adapter to do. */
export interface AdapterRequest {
  /** The case id. */
  readonly case: string;
  /** The server's address. */
  readonly address: string;
  /** The program and arguments. */
  readonly argv: readonly Uint8Array[];
  /** Stdin, or null. */
  readonly stdin: Uint8Array | null;
  /** The library's timeout, or null. */
  readonly timeoutMs: number | null;
}

/** What an adapter reported. */
export type AdapterResult =
  | {
    readonly ok: true;
    readonly stdout: Uint8Array;
    readonly stderr: Uint8Array;
    readonly exitCode: number | null;
    readonly signal: string | null;
  }
  | { readonly ok: false; readonly error: AdapterErrorCategory; readonly detail?: string; readonly message?: string };

/** One adapter run: its result, or what was wrong with the adapter. */
export interface AdapterRun {
  /** The result, when the adapter kept to the protocol. */
  readonly result?: AdapterResult;
  /** Why the adapter's behaviour was not a result (crash, no JSON, timeout). */
  readonly problem?: string;
  /** What it wrote to stderr (cut to 4 KiB). */
  readonly stderr: string;
}

/**
 * The JSON an adapter receives.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { adapterInput } from "./adapter.ts";
 * const json = adapterInput({
 *   case: "client.result.exit-42",
 *   address: "unix:/tmp/netspawn-conf-x1y2/server.sock",
 *   argv: [new TextEncoder().encode("echo"), new TextEncoder().encode("hi")],
 *   stdin: new TextEncoder().encode("hello"),
 *   timeoutMs: 2000,
 * });
 * assertEquals(JSON.parse(json), {
 *   protocol: "netspawn-conformance-adapter/1",
 *   case: "client.result.exit-42",
 *   address: "unix:/tmp/netspawn-conf-x1y2/server.sock",
 *   argv: ["ZWNobw==", "aGk="],
 *   stdin: "aGVsbG8=",
 *   timeoutMs: 2000,
 * });
 * ```
 */
export function adapterInput(request: AdapterRequest): string {
  return JSON.stringify({
    protocol: ADAPTER_PROTOCOL,
    case: request.case,
    address: request.address,
    argv: request.argv.map(encodeBase64),
    stdin: request.stdin === null ? null : encodeBase64(request.stdin),
    timeoutMs: request.timeoutMs,
  });
}

/**
 * Read an adapter's stdout: exactly one JSON object of the protocol's shape.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseAdapterOutput } from "./adapter.ts";
 * assertEquals(parseAdapterOutput('{"ok":false,"error":"TIMEOUT"}'), {
 *   result: { ok: false, error: "TIMEOUT", detail: undefined, message: undefined },
 * });
 * assertEquals(parseAdapterOutput('{"ok":true,"stdout":"aGkK","stderr":"","exitCode":0,"signal":null}'), {
 *   result: { ok: true, stdout: new TextEncoder().encode("hi\n"), stderr: new Uint8Array(0), exitCode: 0, signal: null },
 * });
 * assertEquals(parseAdapterOutput('{"ok":true}'), { problem: "exactly one of exitCode and signal must be set" });
 * ```
 */
export function parseAdapterOutput(text: string): { result: AdapterResult } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { problem: `stdout is not one JSON object: "${text.slice(0, 200)}"` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { problem: "the result is not an object" };
  }
  const o = data as Record<string, unknown>;
  if (o.ok === false) {
    const error = ADAPTER_ERRORS.find((e) => e === o.error);
    if (error === undefined) return { problem: `unknown error category ${JSON.stringify(o.error)}` };
    return { result: { ok: false, error, detail: _str(o.detail), message: _str(o.message) } };
  }
  if (o.ok !== true) return { problem: '"ok" must be true or false' };
  const exitCode = o.exitCode ?? null;
  const signal = o.signal ?? null;
  if (exitCode !== null && !(Number.isInteger(exitCode) && (exitCode as number) >= 0 && (exitCode as number) <= 255)) {
    return { problem: `bad exitCode ${JSON.stringify(exitCode)}` };
  }
  if (signal !== null && typeof signal !== "string") return { problem: `bad signal ${JSON.stringify(signal)}` };
  if ((exitCode === null) === (signal === null)) return { problem: "exactly one of exitCode and signal must be set" };
  try {
    return {
      result: {
        ok: true,
        stdout: decodeBase64(_str(o.stdout) ?? ""),
        stderr: decodeBase64(_str(o.stderr) ?? ""),
        exitCode: exitCode as number | null,
        signal: signal as string | null,
      },
    };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

function _str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * Run an adapter command on one request, killing it (and its process group)
 * if it runs past `timeoutMs`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runAdapter } from "./adapter.ts";
 * // An adapter for a library that cannot express binary argv, written in the shell.
 * const adapter = `cat >/dev/null; echo '{"ok": false, "error": "UNSUPPORTED"}'`;
 * const request = { case: "client.x", address: "unix:/tmp/x.sock", argv: [Uint8Array.of(0xff)], stdin: null, timeoutMs: null };
 * const run = await runAdapter(adapter, request, 10_000);
 * assertEquals("result" in run && run.result, { ok: false, error: "UNSUPPORTED", detail: undefined, message: undefined });
 * ```
 */
export async function runAdapter(command: string, request: AdapterRequest, timeoutMs: number): Promise<AdapterRun> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("/bin/sh", {
      args: ["-c", command],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    return { problem: `cannot start the adapter: ${(error as Error).message}`, stderr: "" };
  }
  const writer = child.stdin.getWriter();
  const feeding = writer.write(new TextEncoder().encode(adapterInput(request))).then(() => writer.close()).catch(
    () => {},
  );
  const collected = Promise.all([readText(child.stdout, 16 << 20), readText(child.stderr, 4096)]);
  let timedOut = false;
  const status = await withDeadline(child.status, timeoutMs, "adapter").catch(async () => {
    timedOut = true;
    killGroup(child.pid, "SIGTERM");
    const ended = await Promise.race([child.status.then(() => true), delay(1000).then(() => false)]);
    if (!ended) killGroup(child.pid, "SIGKILL");
    return await child.status;
  });
  killGroup(child.pid, "SIGKILL"); // anything the adapter left behind in its group
  await feeding;
  const [stdout, stderr] = await collected;
  if (timedOut) return { problem: `the adapter did not finish within ${timeoutMs} ms`, stderr };
  if (!status.success) {
    const how = status.signal ? `was killed by ${status.signal}` : `exited with ${status.code}`;
    return {
      problem: `the adapter ${how}${stdout.trim() ? ` after printing "${stdout.trim().slice(0, 120)}"` : ""}`,
      stderr,
    };
  }
  const parsed = parseAdapterOutput(stdout.trim());
  return "result" in parsed ? { result: parsed.result, stderr } : { problem: parsed.problem, stderr };
}
