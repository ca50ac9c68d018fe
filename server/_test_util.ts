// Helpers for the server tests (not part of the public API).
import { concatBytes, encodeRequest, type ExitStatus, ResponseParser, runParser } from "../protocol/mod.ts";
import { type RunningServer, startServer } from "./server.ts";
import type { ServerOptions } from "./options.ts";

const _ENC = new TextEncoder();
const _DEC = new TextDecoder();

/** Bytes of a string. */
export function bytes(text: string): Uint8Array {
  return _ENC.encode(text);
}

/** Text of bytes. */
export function text(data: Uint8Array): string {
  return _DEC.decode(data);
}

/** A request for argv with optional stdin, as netstrings. */
export function req(argv: readonly string[], stdin?: string, end = true): Uint8Array {
  return encodeRequest({ argv, stdin, end });
}

/** A decoded response. */
export interface Reply {
  readonly raw: Uint8Array;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: ExitStatus | undefined;
  /** Whether the status pair was the last thing received. */
  readonly statusLast: boolean;
  /** Protocol error code of the response, if malformed. */
  readonly error: string | undefined;
}

/** Decode a complete response with the protocol core's parser. */
export function decode(raw: Uint8Array): Reply {
  const { events, error } = runParser(new ResponseParser(), [raw]);
  let stdout = "";
  let stderr = "";
  let status: ExitStatus | undefined;
  let statusLast = false;
  for (const e of events) {
    if (e.type === "stdout") stdout += text(e.data);
    else if (e.type === "stderr") stderr += text(e.data);
    else if (e.type === "status") {
      status = e.status;
      statusLast = true;
    }
    if (e.type === "stdout" || e.type === "stderr") statusLast = false;
  }
  return { raw, stdout, stderr, status, statusLast, error: error?.code };
}

/** How to reach a server. */
export type Target = { readonly path: string } | { readonly hostname: string; readonly port: number };

/** Connect to a target. */
export function connect(target: Target): Promise<Deno.Conn> {
  return "path" in target
    ? Deno.connect({ transport: "unix", path: target.path })
    : Deno.connect({ hostname: target.hostname, port: target.port });
}

/** Read until EOF or until `deadlineMs` passes (then throws). */
export async function readAll(conn: Deno.Conn, deadlineMs = 10_000): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no EOF within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = await Promise.race([conn.read(buf).catch(() => null), timeout]);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return concatBytes(chunks);
}

/** Send a request, optionally half-close, read the whole reply. */
export async function exchange(
  target: Target,
  request: Uint8Array,
  options: { halfClose?: boolean; deadlineMs?: number } = {},
): Promise<Reply> {
  const conn = await connect(target);
  try {
    await writeAll(conn, request);
    if (options.halfClose) await conn.closeWrite();
    return decode(await readAll(conn, options.deadlineMs));
  } finally {
    conn.close();
  }
}

/** Write every byte. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

/** A temporary directory removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "netspawn-test-" });
  try {
    return await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Start a server on a UNIX socket in a temp dir, run `fn`, close the server. */
export async function withServer<T>(
  options: Partial<ServerOptions>,
  fn: (server: RunningServer, target: { path: string }, dir: string) => Promise<T>,
): Promise<T> {
  return await withTempDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const server = await startServer({ listen: [{ transport: "unix", path }], ...options });
    try {
      return await fn(server, { path }, dir);
    } finally {
      await server.close();
    }
  });
}

/** Poll `predicate` until it holds, or throw after `deadlineMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 5000,
): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (!(await predicate())) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Pids listed one per line in a file (written by a test's shell script). */
export function readPids(path: string): number[] {
  try {
    return Deno.readTextFileSync(path).split(/\s+/).filter((s) => s !== "").map(Number);
  } catch {
    return [];
  }
}

/** Milliseconds taken by `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/**
 * Assert that `promise` is still unsettled after `ms` (a bounded negative check: something must not have
 * happened yet, e.g. a reply held back by a limit).
 */
export async function assertStillWaiting(promise: Promise<unknown>, ms = 300): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    promise.then(() => "settled", () => "settled"),
    new Promise<"waiting">((resolve) => timer = setTimeout(() => resolve("waiting"), ms)),
  ]);
  clearTimeout(timer);
  if (outcome !== "waiting") throw new Error(`settled within ${ms} ms, expected it to wait`);
}
