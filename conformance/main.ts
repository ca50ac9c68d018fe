// The conformance runner: `deno task conformance --help`.
import { formatAddress } from "../protocol/mod.ts";
import { missingForAdapter } from "./bundled_adapters.ts";
import { parseRunnerArgs, type RunnerOptions, USAGE, UsageError as CliUsageError } from "./cli.ts";
import { runClientVectors } from "./client_runner.ts";
import { runCodecVector } from "./codec_runner.ts";
import { loadVectors, VectorLoadError, VECTORS_DIR } from "./load.ts";
import { jsonReport, junitReport, type ReportHeader, textReport } from "./report.ts";
import { globMatcher, isSelected, parseExpectFail } from "./select.ts";
import { runServerVectors } from "./server_runner.ts";
import { checkReachable, fixedTarget, spawnTarget, TargetError } from "./target.ts";
import { type CaseResult, exitCodeOf, summarize } from "./verdict.ts";
import type { ClientVector, CodecVector, ServerVector, Vector } from "./vector.ts";

async function main(args: string[]): Promise<number> {
  let options: RunnerOptions | "help";
  try {
    options = parseRunnerArgs(args);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    console.error(`conformance: ${error.message}\nRun with --help for usage.`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const missing = options.bundled !== undefined && !options.list ? missingForAdapter(options.bundled) : [];
  if (missing.length > 0) {
    console.error(`conformance: the bundled adapter "${options.bundled!.name}" cannot run here: ${missing.join("; ")}`);
    return 2;
  }
  try {
    return await run(options);
  } catch (error) {
    if (error instanceof VectorLoadError || error instanceof TargetError || error instanceof Deno.errors.NotFound) {
      console.error(`conformance: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

async function run(options: RunnerOptions): Promise<number> {
  const dir = options.vectors ? new URL(`file://${await Deno.realPath(options.vectors)}/`) : VECTORS_DIR;
  const all = (await loadVectors(dir)).map((l) => l.vector).filter((v) => v.kind === options.mode);
  const vectors = all.filter((v) => isSelected(v, options));
  if (all.length === 0) {
    console.error(`conformance: there are no ${options.mode} vectors in ${dir.pathname}; nothing was tested`);
    return 2;
  }
  if (vectors.length === 0) {
    const selection = [
      ...(options.run.length > 0 ? [`--run ${options.run.join(",")}`] : []),
      ...(options.skip.length > 0 ? [`--skip ${options.skip.join(",")}`] : []),
    ];
    console.error(
      `conformance: ${selection.join(" ")} selects none of the ${all.length} ${options.mode} vectors` +
        ` (--list shows them); nothing was tested`,
    );
    return 2;
  }
  if (options.list) {
    for (const v of vectors) console.log(`${v.id.padEnd(48)} ${v.level.padEnd(6)} ${v.title}`);
    console.error(`${vectors.length} of ${all.length} ${options.mode} vectors`);
    return 0;
  }
  const expected = options.expectFail
    ? parseExpectFail(await Deno.readTextFile(options.expectFail)).map(globMatcher)
    : [];
  const mark = (r: CaseResult): CaseResult => (expected.some((m) => m(r.id)) ? { ...r, expectedFail: true } : r);
  const progress = options.format === "text" && !options.output && Deno.stderr.isTerminal();
  const onResult = (r: CaseResult) => {
    if (progress) Deno.stderr.writeSync(new TextEncoder().encode(r.verdict === "PASS" ? "." : r.verdict[0]));
  };
  const { header, results } = await execute(options, vectors, onResult);
  if (progress) console.error();
  const marked = results.map(mark);
  const text = textReport(header, marked, options.verbose);
  const machine = options.format === "json"
    ? jsonReport(header, marked)
    : options.format === "junit"
    ? junitReport(header, marked)
    : undefined;
  if (machine !== undefined && options.output) {
    await Deno.writeTextFile(options.output, machine);
    console.log(text);
  } else {
    console.log(machine ?? text);
  }
  return exitCodeOf(summarize(marked));
}

async function execute(
  options: RunnerOptions,
  vectors: Vector[],
  onResult: (r: CaseResult) => void,
): Promise<{ header: ReportHeader; results: CaseResult[] }> {
  if (options.mode === "codec") {
    const results = (vectors as CodecVector[]).map(runCodecVector);
    results.forEach(onResult);
    return { header: { mode: "codec", subject: "netspawn protocol core (protocol/)" }, results };
  }
  if (options.mode === "client") {
    const results = await runClientVectors({
      adapter: options.adapter!,
      vectors: vectors as ClientVector[],
      transport: options.transport,
      jobs: options.jobs,
      caseTimeoutMs: options.timeoutMs,
      onResult,
    });
    const name = options.bundled === undefined ? "" : `${options.bundled.name}: `;
    return { header: { mode: "client", subject: `adapter: ${name}${options.adapter}` }, results };
  }
  const t = options.target!;
  if (t.kind === "address") await checkReachable(t.address); // else every case would fail the same way
  const target = t.kind === "spawn" ? spawnTarget(t.template) : fixedTarget(t.address);
  const results = await runServerVectors({
    target,
    vectors: vectors as ServerVector[],
    jobs: options.jobs,
    split: options.split,
    seed: options.seed,
    fresh: options.fresh,
    caseTimeoutMs: options.timeoutMs,
    onResult,
  });
  const subject = t.kind === "spawn" ? `spawn: ${t.template}` : formatAddress(t.address);
  return { header: { mode: "server", subject }, results };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
