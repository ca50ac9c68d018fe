/**
 * Codec benchmark: the protocol core's decoders and encoders in MB/s, beside
 * a floor measured in the same run (copying the same bytes once), as ratios.
 *
 * Standalone: `deno run bench/codec.ts [--rounds N]`.
 *
 * @module
 */

import {
  encodeNetstrings,
  NetstringReader,
  RequestParser,
  RequestWriter,
  ResponseParser,
  ResponseWriter,
} from "../protocol/mod.ts";
import type { BenchResult } from "./server.ts";

/** Options of {@linkcode runCodecBench}. */
export interface CodecBenchOptions {
  /** Rounds; medians are reported. Default 3. */
  readonly rounds?: number;
  /** Megabytes per measure. Default 64. */
  readonly megabytes?: number;
}

interface _Case {
  readonly name: string;
  readonly bytes: number;
  readonly run: () => void;
}

/**
 * Run the codec benchmark.
 *
 * @example
 * ```ts ignore
 * import { runCodecBench } from "./codec.ts";
 * for (const r of await runCodecBench({ rounds: 1, megabytes: 8 })) console.log(r.name, r.value, r.ratio);
 * ```
 */
export function runCodecBench(options: CodecBenchOptions = {}): BenchResult[] {
  const rounds = options.rounds ?? 3;
  const total = (options.megabytes ?? 64) * 1024 * 1024;
  const cases = _cases(total);
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const started = performance.now();
      c.run();
      const mbs = c.bytes / 1e6 / ((performance.now() - started) / 1000);
      samples.set(c.name, [...(samples.get(c.name) ?? []), mbs]);
    }
  }
  const floor = _median(samples.get("copy floor")!);
  return cases.map((c) => {
    const values = samples.get(c.name)!;
    const value = _median(values);
    return c.name === "copy floor"
      ? { name: c.name, unit: "MB/s", value, samples: values }
      : { name: c.name, unit: "MB/s", value, floor, floorName: "copy floor", ratio: value / floor, samples: values };
  });
}

function _cases(total: number): _Case[] {
  const big = new Uint8Array(64 * 1024).fill(0x61);
  const bigCount = Math.max(1, Math.floor(total / big.length));
  const small = new Uint8Array(16).fill(0x62);
  const smallStream = encodeNetstrings(Array.from({ length: 4096 }, () => small));
  const smallRounds = Math.max(1, Math.floor(total / 8 / smallStream.length));
  const requestChunks = _request(big, bigCount);
  const responseChunks = _response(big, bigCount);
  const sink = new Uint8Array(big.length + 64);
  return [
    {
      name: "copy floor",
      bytes: bigCount * big.length,
      run: () => {
        for (let i = 0; i < bigCount; i++) sink.set(big);
      },
    },
    {
      name: "decode 64 KiB netstrings (server: stdin chunks)",
      bytes: requestChunks.reduce((n, c) => n + c.length, 0),
      run: () => _drain(new RequestParser(), requestChunks),
    },
    {
      name: "decode 64 KiB output pairs (client)",
      bytes: responseChunks.reduce((n, c) => n + c.length, 0),
      run: () => _drain(new ResponseParser(), responseChunks),
    },
    {
      name: "decode 16-byte netstrings",
      bytes: smallRounds * smallStream.length,
      run: () => {
        for (let r = 0; r < smallRounds; r++) {
          const reader = new NetstringReader();
          reader.push(smallStream);
          while (reader.next() !== undefined);
        }
      },
    },
    {
      name: "encode 64 KiB output pairs (server)",
      bytes: bigCount * big.length,
      run: () => {
        const w = new ResponseWriter();
        for (let i = 0; i < bigCount; i++) w.output("stdout", big);
      },
    },
    {
      name: "encode 64 KiB stdin chunks (client)",
      bytes: bigCount * big.length,
      run: () => {
        const w = new RequestWriter();
        w.argv(["cat"]);
        for (let i = 0; i < bigCount; i++) w.stdin(big);
      },
    },
  ];
}

function _request(chunk: Uint8Array, count: number): Uint8Array[] {
  const w = new RequestWriter();
  const out = [w.argv(["wc", "-c"])];
  for (let i = 0; i < count; i++) out.push(...w.stdin(chunk));
  out.push(w.stdinEnd());
  return out;
}

function _response(chunk: Uint8Array, count: number): Uint8Array[] {
  const w = new ResponseWriter();
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(w.output("stdout", chunk));
  out.push(w.status({ exitCode: 0, signal: null }));
  return out;
}

function _drain(parser: { push(c: Uint8Array): void; end(): void; next(): unknown }, chunks: Uint8Array[]): void {
  for (const c of chunks) {
    parser.push(c);
    while (parser.next() !== undefined);
  }
  parser.end();
  while (parser.next() !== undefined);
}

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.main) {
  const { formatBenchTable } = await import("./server.ts");
  console.log(formatBenchTable(runCodecBench()));
}
