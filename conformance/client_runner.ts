/**
 * Running client vectors: for each case, a scripted fake server, then the
 * adapter of the library under test, then a verdict on both what the library
 * reported and what it sent.
 *
 * @module
 */

import { type Address, formatAddress } from "../protocol/mod.ts";
import { unusedTcpPort } from "./address.ts";
import { type AdapterRun, runAdapter } from "./adapter.ts";
import { mapPool } from "./async.ts";
import { bytesOf } from "./bytes.ts";
import { evaluateRequest, evaluateResult } from "./client_expect.ts";
import { type FakeServer, startFakeServer } from "./fake_server.ts";
import { type CaseResult, caseResult, type Findings, judge } from "./verdict.ts";
import type { ClientVector } from "./vector.ts";

/** Options of {@linkcode runClientVectors}. */
export interface ClientRunOptions {
  /** The adapter command (run by /bin/sh). */
  readonly adapter: string;
  /** The vectors to run. */
  readonly vectors: readonly ClientVector[];
  /** Fake servers listen on UNIX sockets (default) or on 127.0.0.1. */
  readonly transport?: "unix" | "tcp";
  /** Cases at once (default 4). */
  readonly jobs?: number;
  /** Most time a case may take when the vector does not say (default 15000 ms). */
  readonly caseTimeoutMs?: number;
  /** Called with every result as it comes. */
  readonly onResult?: (result: CaseResult) => void;
}

/**
 * Run client vectors through an adapter; results come back in vector order.
 *
 * @example
 * ```ts ignore
 * import { runClientVectors } from "./client_runner.ts";
 * const results = await runClientVectors({ adapter: "python3 my_adapter.py", vectors });
 * ```
 */
export function runClientVectors(options: ClientRunOptions): Promise<CaseResult[]> {
  return mapPool(options.vectors, options.jobs ?? 4, async (v) => {
    const result = await runClientCase(v, options);
    options.onResult?.(result);
    return result;
  });
}

/**
 * Run one client case.
 *
 * @example
 * ```ts ignore
 * import { runClientCase } from "./client_runner.ts";
 * const result = await runClientCase(vector, { adapter: "deno run -A adapter.ts" });
 * ```
 */
export async function runClientCase(
  v: ClientVector,
  options: Pick<ClientRunOptions, "adapter" | "transport" | "caseTimeoutMs">,
): Promise<CaseResult> {
  const started = performance.now();
  const timeoutMs = v.timeoutMs ?? options.caseTimeoutMs ?? 15_000;
  const dir = await Deno.makeTempDir({ prefix: "netspawn-conf-client-" });
  let fake: FakeServer | undefined;
  try {
    const tcp = options.transport === "tcp";
    let address: Address;
    if (v.server === null) {
      address = tcp
        ? { transport: "tcp", hostname: "127.0.0.1", port: unusedTcpPort() }
        : { transport: "unix", path: `${dir}/nobody.sock` };
    } else {
      fake = await startFakeServer(v.server.script, { socketPath: tcp ? undefined : `${dir}/server.sock`, timeoutMs });
      address = fake.address;
    }
    const run = await runAdapter(options.adapter, {
      case: v.id,
      address: formatAddress(address),
      argv: v.call.argv.map(bytesOf),
      stdin: v.call.stdin === undefined || v.call.stdin === null ? null : bytesOf(v.call.stdin),
      timeoutMs: v.call.timeoutMs ?? null,
    }, timeoutMs);
    await fake?.close();
    return _judge(v, run, fake, performance.now() - started);
  } finally {
    await fake?.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function _judge(v: ClientVector, run: AdapterRun, fake: FakeServer | undefined, durationMs: number): CaseResult {
  const _result = (verdict: CaseResult["verdict"], reasons: string[], observed?: string) =>
    caseResult(v, { variant: "adapter", verdict, reasons, durationMs, observed });
  const stderr = run.stderr.trim() ? ` (adapter stderr: ${run.stderr.trim().split("\n").slice(-2).join(" | ")})` : "";
  if (run.result === undefined) return _result("FAIL", [`${run.problem}${stderr}`]);
  const result = run.result;
  if (!result.ok && result.error === "UNSUPPORTED") {
    return _result("SKIP", [`the adapter cannot express this case: ${result.message ?? ""}`]);
  }
  const sent = fake && v.server?.expectRequest ? evaluateRequest(v.server.expectRequest, fake.request) : [];
  const withRequest = (f: Findings): Findings => ({ must: [...sent, ...f.must], should: f.should });
  const strict = withRequest(evaluateResult(v.expect, result));
  const alternatives = (v.accept ?? []).map((a) => ({
    reason: a.reason,
    findings: withRequest(evaluateResult(a.expect, result)),
  }));
  const { verdict, reasons } = judge(strict, alternatives);
  const observed = result.ok
    ? `result: ${result.signal === null ? `exitCode ${result.exitCode}` : `signal ${result.signal}`}`
    : `error ${result.error}${result.detail ? ` (${result.detail})` : ""}`;
  return _result(verdict, verdict === "PASS" ? [] : reasons.map((r) => r + stderr), observed);
}
