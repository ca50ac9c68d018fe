/**
 * Running one server case: connect, play the script (optionally with its
 * sends split), record the response, wait for the close with a deadline,
 * look at side effects, and judge.
 *
 * @module
 */

import { RequestWriter } from "../protocol/mod.ts";
import { connect } from "./address.ts";
import { delay, pollUntil, withDeadline } from "./async.ts";
import { bytesOf, concatBytes, showBytes } from "./bytes.ts";
import { ResponseRecorder } from "./recorder.ts";
import { evaluateServer, mismatch, type ServerObservation } from "./server_expect.ts";
import type { ServerInstance } from "./target.ts";
import { type CaseResult, caseResult, judge } from "./verdict.ts";
import type { ServerExpectation, ServerStep, ServerVector } from "./vector.ts";

/** How a run varies a vector's sends. */
export interface Variant {
  /** For reports: `whole`, `bytewise`, `split@12`. */
  readonly name: string;
  /** Global byte offsets (over all sends) to split at, `bytewise`, or none. */
  readonly splits: readonly number[] | "bytewise" | null;
  /**
   * What `{tmp}` becomes in this run: a directory the run creates, and
   * removes after it. Split points are offsets into the bytes sent, so the
   * runner fixes `tmp` before it computes them (see `variantsOf`); without
   * it, the run makes a fresh temporary directory.
   */
  readonly tmp?: string;
}

/** Options of a case run. */
export interface CaseOptions {
  /** Pause between the parts of a split send (default 2 ms). */
  readonly splitDelayMs?: number;
  /** Most time a case may take when the vector does not say (default 10000 ms). */
  readonly caseTimeoutMs?: number;
}

/** The bytes each send step will write, with `{tmp}` substituted. */
export function sendBytes(steps: readonly ServerStep[], tmp: string): Uint8Array[] {
  return steps.flatMap((step) => {
    if ("send" in step) return [bytesOf(step.send)];
    if ("request" in step) return [_encodeRequest(step.request, tmp)];
    return [];
  });
}

/**
 * Run one case against a server and judge it.
 *
 * @example
 * ```ts ignore
 * import { runServerCase } from "./server_case.ts";
 * const result = await runServerCase(vector, instance, { name: "whole", splits: null });
 * console.log(result.verdict);
 * ```
 */
export async function runServerCase(
  vector: ServerVector,
  server: ServerInstance,
  variant: Variant,
  options: CaseOptions = {},
): Promise<CaseResult> {
  return (await observeServerCase(vector, server, variant, options)).result;
}

/**
 * Run one case and judge it; also return what was observed.
 *
 * @example
 * ```ts ignore
 * import { observeServerCase } from "./server_case.ts";
 * const { result, observation } = await observeServerCase(vector, instance, { name: "whole", splits: null });
 * console.log(result.verdict, observation.bytes.length);
 * ```
 */
export async function observeServerCase(
  vector: ServerVector,
  server: ServerInstance,
  variant: Variant,
  options: CaseOptions = {},
): Promise<{ result: CaseResult; observation: ServerObservation }> {
  const started = performance.now();
  const tmp = variant.tmp ?? await Deno.makeTempDir({ prefix: "netspawn-conf-case-" });
  if (variant.tmp !== undefined) await Deno.mkdir(tmp, { recursive: true });
  try {
    const obs = await _observe(vector, server, variant, tmp, options);
    const strict = evaluateServer(vector.expect, obs);
    const alternatives = (vector.accept ?? []).map((a) => ({
      reason: a.reason,
      findings: evaluateServer(a.expect, obs),
    }));
    const { verdict, reasons } = judge(strict, alternatives);
    const durationMs = performance.now() - started;
    const result = caseResult(vector, { variant: variant.name, verdict, reasons, durationMs, observed: _summary(obs) });
    return { result, observation: obs };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function _observe(
  vector: ServerVector,
  server: ServerInstance,
  variant: Variant,
  tmp: string,
  options: CaseOptions,
): Promise<ServerObservation> {
  const caseMs = vector.timeoutMs ?? options.caseTimeoutMs ?? 10_000;
  const deadline = performance.now() + caseMs;
  const t0 = performance.now();
  const recorder = new ResponseRecorder(t0);
  const problems: string[] = [];
  let conn: Deno.Conn;
  try {
    conn = await withDeadline(connect(server.address), Math.min(caseMs, 5000), "connect");
  } catch (error) {
    return _failedObservation(recorder, `cannot connect: ${(error as Error).message}`);
  }
  let reading = vector.readAfterSending ? undefined : _read(conn, recorder);
  const plan = _plan(sendBytes(vector.steps, tmp), variant.splits);
  let closedByClient = false;
  let sendIndex = 0;
  for (const step of vector.steps) {
    if ("send" in step || "request" in step) {
      const writing = _write(conn, plan[sendIndex++], options.splitDelayMs ?? 2);
      if (reading !== undefined) {
        await writing;
      } else if (!await _within(writing, deadline - performance.now())) {
        // A client that reads nothing before it has sent everything: the sends stalled.
        problems.push("the sends stalled while the client read nothing (the server did not take its input)");
        break;
      }
    } else if ("delayMs" in step) {
      await delay(step.delayMs);
    } else if ("await" in step) {
      const problem = await _await(recorder, step.await, deadline);
      if (problem) problems.push(problem);
    } else if ("halfClose" in step) {
      await conn.closeWrite().catch(() => {});
    } else {
      closedByClient = true;
      _close(conn);
    }
  }
  const lastStepAt = recorder.now();
  reading ??= _read(conn, recorder);
  if (!closedByClient) {
    const wait = Math.min(deadline - performance.now(), _closeWait(vector));
    await recorder.until(() => recorder.closedAt !== null, Math.max(0, wait));
    _close(conn);
  }
  await reading;
  const { files, pids } = await _sideEffects(vector, tmp);
  return {
    bytes: recorder.bytes(),
    decoded: recorder.decoded(),
    closedAt: recorder.closedAt,
    lastStepAt,
    stepProblems: problems,
    files,
    pids,
    closedByClient,
  };
}

/** How long to wait for the server's close after the last step. */
function _closeWait(vector: ServerVector): number {
  const all = [vector.expect, ...(vector.accept ?? []).map((a) => a.expect)];
  const limits = all.map((e) => e.closeWithinMs).filter((n): n is number => n !== undefined);
  return limits.length === all.length ? Math.max(...limits) + 500 : Number.POSITIVE_INFINITY;
}

function _failedObservation(recorder: ResponseRecorder, problem: string): ServerObservation {
  return {
    bytes: new Uint8Array(0),
    decoded: recorder.decoded(),
    closedAt: 0,
    lastStepAt: 0,
    stepProblems: [problem],
    files: new Map(),
    pids: new Map(),
    closedByClient: false,
  };
}

async function _read(conn: Deno.Conn, recorder: ResponseRecorder): Promise<void> {
  const buffer = new Uint8Array(65536);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return recorder.close(false);
      recorder.add(buffer.subarray(0, n));
    }
  } catch (error) {
    // Our own close ends the read with BadResource or Interrupted: not the server's doing.
    if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) return;
    recorder.close(true);
  }
}

function _plan(sends: Uint8Array[], splits: readonly number[] | "bytewise" | null): Uint8Array[][] {
  let offset = 0;
  return sends.map((bytes) => {
    const start = offset;
    offset += bytes.length;
    if (splits === null) return [bytes];
    if (splits === "bytewise") return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    const cuts = splits.filter((p) => p > start && p < offset).map((p) => p - start);
    const parts: Uint8Array[] = [];
    let last = 0;
    for (const cut of [...cuts, bytes.length]) {
      parts.push(bytes.subarray(last, cut));
      last = cut;
    }
    return parts;
  });
}

/** Whether `promise` settles within `ms`. */
async function _within(promise: Promise<void>, ms: number): Promise<boolean> {
  try {
    await withDeadline(promise, Math.max(1, ms), "send");
    return true;
  } catch {
    return false;
  }
}

async function _write(conn: Deno.Conn, parts: Uint8Array[], pauseMs: number): Promise<void> {
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) await delay(pauseMs);
    try {
      for (let p = parts[i]; p.length > 0;) p = p.subarray(await conn.write(p));
    } catch {
      return; // The server closed or reset: what it sent is judged, not our failed write.
    }
  }
}

async function _await(
  recorder: ResponseRecorder,
  want: { stdout?: Parameters<typeof bytesOf>[0]; stderr?: Parameters<typeof bytesOf>[0]; withinMs: number },
  deadline: number,
): Promise<string | undefined> {
  const ms = Math.min(want.withinMs, Math.max(0, deadline - performance.now()));
  const seen = () =>
    (["stdout", "stderr"] as const).every((s) =>
      want[s] === undefined || mismatch({ contains: want[s]! }, recorder.decoded()[s]) === undefined
    );
  if (await recorder.until(seen, ms)) return undefined;
  const d = recorder.decoded();
  return `awaited output not seen within ${want.withinMs} ms (stdout "${showBytes(d.stdout)}", stderr "${
    showBytes(d.stderr)
  }")`;
}

function _close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** Files and pids named by any of the vector's expectations, waited for up to their deadlines. */
async function _sideEffects(vector: ServerVector, tmp: string) {
  const all: ServerExpectation[] = [vector.expect, ...(vector.accept ?? []).map((a) => a.expect)];
  const files = new Map<string, Uint8Array | null>();
  const pids = new Map<string, string | undefined>();
  for (const f of vector.expect.files ?? []) {
    const path = f.path.replaceAll("{tmp}", tmp);
    await pollUntil(async () => {
      const content = await _readFile(path);
      return content !== null && mismatch(f.content, content) === undefined;
    }, f.withinMs);
  }
  for (const f of all.flatMap((e) => e.files ?? [])) {
    files.set(f.path, await _readFile(f.path.replaceAll("{tmp}", tmp)));
  }
  for (const p of all.flatMap((e) => e.pidsGone ?? [])) {
    if (!pids.has(p.pidFile)) pids.set(p.pidFile, await _pidGone(p.pidFile.replaceAll("{tmp}", tmp), p.withinMs));
  }
  return { files, pids };
}

async function _readFile(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch {
    return null;
  }
}

/** Undefined once the process in the pid file is gone (or a zombie), else what is wrong. */
async function _pidGone(pidFile: string, ms: number): Promise<string | undefined> {
  const text = new TextDecoder().decode(await _readFile(pidFile) ?? new Uint8Array(0)).trim();
  if (!/^\d+$/.test(text)) return `no pid in ${pidFile}`;
  let problem: string | undefined;
  const gone = async () => {
    const state = await processState(Number(text));
    if (state !== null && typeof state === "object") problem = state.problem;
    return state === null || state === "Z";
  };
  if (await pollUntil(gone, ms)) return undefined;
  return problem ?? `process ${text} still running after ${ms} ms`;
}

/**
 * A process's state letter (`S`, `R`, `Z`, …), null when there is no such
 * process, or why it could not be checked. Reads /proc (Deno asks for
 * --allow-all there); without that permission, asks `ps`.
 *
 * @example
 * ```ts ignore
 * import { processState } from "./server_case.ts";
 * console.log(await processState(Deno.pid)); // "R" or "S"
 * ```
 */
export async function processState(pid: number): Promise<string | null | { problem: string }> {
  try {
    return /^\d+ \(.*\) (\S) /.exec(await Deno.readTextFile(`/proc/${pid}/stat`))?.[1] ?? null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
  }
  try {
    const out = await new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)], stderr: "null" }).output();
    const stat = new TextDecoder().decode(out.stdout).trim();
    return stat === "" ? null : stat[0];
  } catch (error) {
    return {
      problem: `cannot check process ${pid}: no access to /proc (run with -A) and no ps (${(error as Error).message})`,
    };
  }
}

function _encodeRequest(request: Extract<ServerStep, { request: unknown }>["request"], tmp: string): Uint8Array {
  const w = new RequestWriter();
  const parts = [w.argv(request.argv.map((a) => a.replaceAll("{tmp}", tmp)))];
  for (const chunk of request.stdin ?? []) parts.push(...w.stdin(bytesOf(chunk)));
  if (request.end ?? true) parts.push(w.stdinEnd());
  return concatBytes(parts);
}

function _summary(obs: ServerObservation): string {
  const d = obs.decoded;
  const status = d.statuses.map((s) => (s.signal === null ? `exitcode ${s.exitCode}` : `termsig ${s.signal}`));
  const closed = obs.closedByClient
    ? "client closed"
    : obs.closedAt === null
    ? "never closed"
    : `closed ${Math.round(obs.closedAt - obs.lastStepAt)} ms after the last step`;
  return [
    `${obs.bytes.length} bytes`,
    status.join(", ") || "no status",
    d.error ? `protocol error ${d.error.code}@${d.error.offset}` : "",
    closed,
  ].filter((s) => s).join("; ");
}
