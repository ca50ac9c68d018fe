/**
 * Benchmark of a sockexec-compatible server against floors measured in the
 * same run: sequential round trips of `true`, 32 concurrent clients, stdout
 * and stdin throughput, and the server's RSS while a client reads nothing.
 * Measures are interleaved over rounds; medians are reported, each with its
 * ratio to its floor.
 *
 * Standalone: `deno run -A bench/server.ts [--rounds N] [--seconds S] [--server 'CMD {socket}']`.
 *
 * @module
 */

/** Options of {@linkcode runServerBench}. */
export interface ServerBenchOptions {
  /** Command that starts the server; `{socket}` is replaced by the socket path. Default: netspawn via launch.pl. */
  readonly server?: string;
  /** Rounds (each measure once per round). Default 2. */
  readonly rounds?: number;
  /** Seconds per rate measure. Default 2. */
  readonly seconds?: number;
  /** Bytes for the stdout measure. Default 500 MB. */
  readonly stdoutBytes?: number;
  /** Bytes for the stdin measure. Default 200 MB. */
  readonly stdinBytes?: number;
  /** Bytes the program writes while the client reads nothing. Default 1 GB. */
  readonly stalledBytes?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One measure with its floor. */
export interface BenchResult {
  /** What was measured. */
  readonly name: string;
  /** Unit of `value` and `floor`. */
  readonly unit: string;
  /** Median over rounds. */
  readonly value: number;
  /** The floor's median, if the measure has one. */
  readonly floor?: number;
  /** What the floor is. */
  readonly floorName?: string;
  /** value / floor (for RSS: none). */
  readonly ratio?: number;
  /** Every round's value. */
  readonly samples: readonly number[];
}

const _HERE = new URL(".", import.meta.url).pathname;
const _ROOT = new URL("..", import.meta.url).pathname;
const _TRUE = new TextEncoder().encode("1:1,4:true,0:,");

/**
 * Run the benchmark; starts the server itself and stops it afterwards.
 *
 * @example
 * ```ts ignore
 * import { runServerBench } from "./server.ts";
 * for (const r of await runServerBench({ rounds: 1, seconds: 1 })) console.log(r.name, r.value, r.ratio);
 * ```
 */
export async function runServerBench(options: ServerBenchOptions = {}): Promise<BenchResult[]> {
  const rounds = options.rounds ?? 2;
  const seconds = options.seconds ?? 2;
  const log = options.log ?? (() => {});
  const dir = Deno.makeTempDirSync({ prefix: "netspawn-bench-" });
  const socket = `${dir}/bench.sock`;
  const server = _startServer(options.server, socket);
  const samples = new Map<string, number[]>();
  const add = (name: string, value: number) => {
    samples.set(name, [...(samples.get(name) ?? []), value]);
    log(`  ${name}: ${value.toFixed(name.includes("RSS") ? 1 : 0)}`);
  };
  try {
    await _waitForSocket(socket, server);
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}`);
      add("spawn floor, 1 loop", await _floorSpawn(1, seconds, "plain"));
      add("spawn floor, 1 loop, own session", await _floorSpawn(1, seconds, "setsid"));
      add("sequential round trips", await _sequential(socket, seconds));
      add("spawn floor, 2 loops", await _floorSpawn(2, seconds, "plain"));
      add("32 concurrent clients", await _concurrent(socket, seconds, 32));
      add("pipe floor", await _pipeFloor(options.stdoutBytes ?? 500_000_000));
      add("stdout", await _stdout(socket, options.stdoutBytes ?? 500_000_000));
      add("stdin", await _stdin(socket, options.stdinBytes ?? 200_000_000));
      add(
        "RSS growth, client reads nothing",
        await _stalled(socket, server.pid, options.stalledBytes ?? 1_000_000_000),
      );
    }
  } finally {
    try {
      server.kill("SIGTERM");
    } catch {
      // already gone
    }
    await server.status;
    Deno.removeSync(dir, { recursive: true });
  }
  const median = (name: string) => _median(samples.get(name) ?? []);
  const result = (name: string, unit: string, floorName?: string): BenchResult => {
    const value = median(name);
    if (floorName === undefined) return { name, unit, value, samples: samples.get(name) ?? [] };
    const floor = median(floorName);
    return { name, unit, value, floor, floorName, ratio: value / floor, samples: samples.get(name) ?? [] };
  };
  return [
    result("sequential round trips", "/s", "spawn floor, 1 loop"),
    {
      ...result("sequential round trips", "/s", "spawn floor, 1 loop, own session"),
      name: "sequential (vs own-session floor)",
    },
    result("32 concurrent clients", "/s", "spawn floor, 2 loops"),
    result("stdout", "MB/s", "pipe floor"),
    result("stdin", "MB/s", "pipe floor"),
    result("RSS growth, client reads nothing", "MB"),
  ];
}

/** The results as a Markdown table. */
export function formatBenchTable(results: readonly BenchResult[]): string {
  const lines = ["| measure | measured | floor | ratio |", "|---|---|---|---|"];
  for (const r of results) {
    const floor = r.floor === undefined ? "" : `${r.floor.toFixed(0)} ${r.unit} (${r.floorName})`;
    lines.push(
      `| ${r.name} | ${r.value.toFixed(r.unit === "MB" ? 1 : 0)} ${r.unit} | ${floor} | ${r.ratio?.toFixed(2) ?? ""} |`,
    );
  }
  return lines.join("\n");
}

function _startServer(command: string | undefined, socket: string): Deno.ChildProcess {
  const line = command?.replaceAll("{socket}", socket) ??
    `perl ${_ROOT}server/launch.pl ${Deno.execPath()} run --allow-read --allow-write --allow-net --allow-run --allow-env --allow-sys ${_ROOT}server/main.ts -t 120 ${socket}`;
  return new Deno.Command("sh", { args: ["-c", `exec ${line}`], stdin: "null", stdout: "null", stderr: "inherit" })
    .spawn();
}

async function _waitForSocket(path: string, server: Deno.ChildProcess): Promise<void> {
  let exited = false;
  server.status.then(() => exited = true);
  const until = performance.now() + 20_000;
  while (performance.now() < until && !exited) {
    try {
      const conn = await Deno.connect({ transport: "unix", path });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`the server did not listen on ${path}`);
}

async function _roundTrip(path: string): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(_TRUE);
    const buf = new Uint8Array(256);
    let total = 0;
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf.subarray(total))) total += n;
    if (new TextDecoder().decode(buf.subarray(0, total)) !== "8:exitcode,1:0,") throw new Error("bad reply");
  } finally {
    conn.close();
  }
}

async function _sequential(path: string, seconds: number): Promise<number> {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    await _roundTrip(path);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

async function _concurrent(path: string, seconds: number, clients: number): Promise<number> {
  const start = performance.now();
  let count = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() - start < seconds * 1000) {
      await _roundTrip(path);
      count++;
    }
  }));
  return count / ((performance.now() - start) / 1000);
}

async function _request(path: string, argv: readonly string[]): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path });
  const ns = (s: string) => `${s.length}:${s},`;
  await conn.write(new TextEncoder().encode(ns(String(argv.length)) + argv.map(ns).join("")));
  return conn;
}

async function _drain(conn: Deno.Conn): Promise<{ total: number; tail: string }> {
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  let tail = "";
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    total += n;
    if (n >= 32) tail = new TextDecoder().decode(buf.subarray(n - 32, n));
    else tail = (tail + new TextDecoder().decode(buf.subarray(0, n))).slice(-32);
  }
  return { total, tail };
}

async function _stdout(path: string, bytes: number): Promise<number> {
  const start = performance.now();
  const conn = await _request(path, ["head", "-c", String(bytes), "/dev/zero"]);
  await conn.write(new TextEncoder().encode("0:,"));
  const { total, tail } = await _drain(conn);
  conn.close();
  if (total < bytes || !tail.endsWith("8:exitcode,1:0,")) throw new Error(`stdout: got ${total} bytes, tail ${tail}`);
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

async function _stdin(path: string, bytes: number): Promise<number> {
  const start = performance.now();
  const conn = await _request(path, ["wc", "-c"]);
  const chunk = new Uint8Array(65536 + 8);
  const header = new TextEncoder().encode("65536:");
  chunk.set(header);
  chunk[header.length + 65536] = 0x2c;
  const frame = chunk.subarray(0, header.length + 65536 + 1);
  const reading = _drain(conn);
  for (let sent = 0; sent < bytes; sent += 65536) {
    for (let at = 0; at < frame.length;) at += await conn.write(frame.subarray(at));
  }
  await conn.write(new TextEncoder().encode("0:,"));
  const { tail } = await reading;
  conn.close();
  const expected = Math.ceil(bytes / 65536) * 65536;
  if (!tail.includes(`${expected}\n`)) throw new Error(`stdin: reply ${tail}`);
  return expected / 1e6 / ((performance.now() - start) / 1000);
}

async function _stalled(path: string, serverPid: number, bytes: number): Promise<number> {
  const before = _rssMb(serverPid);
  const conn = await _request(path, ["head", "-c", String(bytes), "/dev/zero"]);
  await conn.write(new TextEncoder().encode("0:,"));
  let peak = before;
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    peak = Math.max(peak, _rssMb(serverPid));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await _drain(conn);
  conn.close();
  return peak - before;
}

function _rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]) / 1024;
}

async function _floorSpawn(loops: number, seconds: number, mode: "plain" | "setsid"): Promise<number> {
  const children = Array.from({ length: loops }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-run", "--allow-read", `${_HERE}server.ts`, "--floor-spawn", String(seconds), mode],
      stdout: "piped",
      stderr: "inherit",
    }).output());
  const outputs = await Promise.all(children);
  return outputs.reduce((sum, o) => sum + Number(new TextDecoder().decode(o.stdout)), 0);
}

/** The floor loop itself, in its own process: spawn `true` and wait, without sockets. */
async function _floorSpawnLoop(seconds: number, mode: string): Promise<number> {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    const child = mode === "setsid"
      ? new Deno.Command("/usr/bin/setsid", { args: ["--", "true"], stdin: "null", stdout: "piped", stderr: "piped" })
        .spawn()
      : new Deno.Command("true", { stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
    await Promise.all([child.stdout.cancel(), child.stderr.cancel(), child.status]);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

async function _pipeFloor(bytes: number): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command("head", { args: ["-c", String(bytes), "/dev/zero"], stdout: "piped" }).spawn();
  let total = 0;
  for await (const chunk of child.stdout) total += chunk.length;
  await child.status;
  if (total !== bytes) throw new Error("pipe floor: short read");
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

function _median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function _flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "--floor-spawn") {
    console.log(await _floorSpawnLoop(Number(args[1]), args[2]));
  } else if (args.includes("--help")) {
    console.log(
      "Usage: deno run -A bench/server.ts [--rounds N] [--seconds S] [--server 'CMD {socket}']\n" +
        "  [--stdout-bytes N] [--stdin-bytes N] [--stalled-bytes N]",
    );
  } else {
    const number = (name: string) => {
      const value = _flag(args, name);
      return value === undefined ? undefined : Number(value);
    };
    const results = await runServerBench({
      server: _flag(args, "--server"),
      rounds: number("--rounds"),
      seconds: number("--seconds"),
      stdoutBytes: number("--stdout-bytes"),
      stdinBytes: number("--stdin-bytes"),
      stalledBytes: number("--stalled-bytes"),
      log: (line) => console.error(line),
    });
    console.log(formatBenchTable(results));
  }
}
