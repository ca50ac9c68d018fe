/**
 * Benchmark of sockexec-compatible servers side by side, against floors
 * measured in the same run: sequential round trips of `true`, 32 concurrent
 * clients, the server's CPU per round trip, stdout and stdin throughput, and
 * the server's RSS growth while a client reads nothing. Measures are
 * interleaved over rounds (every server and floor once per round); medians
 * are reported with ratios.
 *
 * Standalone: `deno run -A bench/server.ts [--rounds N] [--seconds S] [--sockexec PATH] [--server 'NAME=CMD {socket}']`.
 *
 * @module
 */

/** A server to measure: a name and a command line in which `{socket}` is its socket path. */
export interface ServerUnderTest {
  /** Its column in the table. */
  readonly name: string;
  /** The command (run through `sh -c`); `{socket}` is replaced by a socket path. */
  readonly command: string;
}

/** Options of {@linkcode runServerBench}. */
export interface ServerBenchOptions {
  /** The servers, in table order. The first is the one ratios are given for. */
  readonly servers: readonly ServerUnderTest[];
  /** The server ratios compare against (by name), e.g. sockexec. */
  readonly baseline?: string;
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

/** One measure across servers. */
export interface ServerBenchRow {
  /** What was measured. */
  readonly measure: string;
  /** Unit. */
  readonly unit: string;
  /** Median per server name. */
  readonly values: Readonly<Record<string, number>>;
  /** The floor's median and what it is, if any. */
  readonly floor?: { readonly name: string; readonly value: number };
  /** Whether more is better (rates) or less (CPU, RSS). */
  readonly higherIsBetter: boolean;
}

const _ROOT = new URL("..", import.meta.url).pathname;
const _TRUE = new TextEncoder().encode("1:1,4:true,0:,");
const _EXPECTED = "8:exitcode,1:0,";

/**
 * The netspawn server as `deno task bench` runs it: through the launcher, every permission (so the posix_spawn backend).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { netspawnCommand } from "./server.ts";
 * assert(netspawnCommand().includes("{socket}"));
 * ```
 */
export function netspawnCommand(extra = ""): string {
  return `perl ${_ROOT}server/launch.pl ${Deno.execPath()} run -A --config ${_ROOT}deno.json ${_ROOT}server/main.ts -t 120 -m 200 ${extra} {socket}`;
}

/**
 * Run the benchmark; starts every server itself and stops them afterwards.
 *
 * @example
 * ```ts ignore
 * import { netspawnCommand, runServerBench } from "./server.ts";
 * const rows = await runServerBench({ servers: [{ name: "netspawn", command: netspawnCommand() }], rounds: 1 });
 * ```
 */
export async function runServerBench(options: ServerBenchOptions): Promise<ServerBenchRow[]> {
  const rounds = options.rounds ?? 2;
  const seconds = options.seconds ?? 2;
  const log = options.log ?? (() => {});
  const dir = Deno.makeTempDirSync({ prefix: "netspawn-bench-" });
  const floor = await _buildFloor(dir, log);
  const started: _Started[] = [];
  const samples = new Map<string, number[]>();
  const add = (key: string, value: number) => {
    samples.set(key, [...(samples.get(key) ?? []), value]);
    log(`  ${key}: ${value.toFixed(value < 10 ? 3 : 0)}`);
  };
  /** A measure that fails (a crashed server, a wrong reply) counts as NaN and is reported, not fatal. */
  const measure = async (key: string, run: () => Promise<number>) => {
    try {
      add(key, await run());
    } catch (error) {
      log(`  ${key}: FAILED: ${error instanceof Error ? error.message.slice(0, 200) : error}`);
      add(key, NaN);
    }
  };
  // Interrupted, the bench stops its servers too (a finally block does not run on a signal).
  const interrupted = () => {
    for (const { child } of started) {
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    Deno.exit(130);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, interrupted);
  try {
    for (const [i, server] of options.servers.entries()) {
      started.push(await _launch(server, `${dir}/s${i}`));
    }
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}/${rounds}`);
      add("floor/seq", await floor.run(1, seconds));
      add("floor/concurrent", await floor.run(2, seconds));
      add("floor/pipe", await _pipeFloor(options.stdoutBytes ?? 500_000_000));
      for (const s of _shuffled(started)) {
        const name = s.server.name;
        await measure(`${name}/seq`, async () => {
          const cpuBefore = _cpuMs(s.child.pid);
          const seq = await _sequential(s.socket, seconds);
          add(`${name}/cpu`, (_cpuMs(s.child.pid) - cpuBefore) / seq.count);
          return seq.rate;
        });
        await _revive(s, log);
        await measure(`${name}/concurrent`, async () => {
          const { rate, failed } = await _concurrent(s.socket, seconds, 32);
          add(`${name}/failed`, failed);
          return rate;
        });
        await _revive(s, log);
        await measure(`${name}/stdout`, () => _stdout(s.socket, options.stdoutBytes ?? 500_000_000));
        await _revive(s, log);
        await measure(`${name}/stdin`, () => _stdin(s.socket, options.stdinBytes ?? 200_000_000));
        await _revive(s, log);
        await measure(`${name}/rss`, () => _stalled(s.socket, s.child.pid, options.stalledBytes ?? 1_000_000_000));
        await _revive(s, log);
      }
    }
  } finally {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, interrupted);
    for (const { child } of started) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
    }
    Deno.removeSync(dir, { recursive: true });
  }
  const median = (key: string) => _median(samples.get(key) ?? []);
  const values = (measure: string) =>
    Object.fromEntries(options.servers.map((s) => [s.name, median(`${s.name}/${measure}`)]));
  return [
    {
      measure: "sequential round trips of `true`",
      unit: "/s",
      values: values("seq"),
      floor: { name: floor.name, value: median("floor/seq") },
      higherIsBetter: true,
    },
    {
      measure: "32 concurrent clients running `true`",
      unit: "/s",
      values: values("concurrent"),
      floor: { name: `two ${floor.name}s in parallel`, value: median("floor/concurrent") },
      higherIsBetter: true,
    },
    {
      measure: "round trips that failed among the 32 concurrent (wrong reply, or none in 5 s)",
      unit: "",
      values: values("failed"),
      higherIsBetter: false,
    },
    { measure: "server CPU per sequential round trip", unit: "ms", values: values("cpu"), higherIsBetter: false },
    {
      measure: "stdout, `head -c 500000000 /dev/zero`",
      unit: "MB/s",
      values: values("stdout"),
      floor: { name: "raw pipe read", value: median("floor/pipe") },
      higherIsBetter: true,
    },
    { measure: "stdin, 200 MB into `wc -c`", unit: "MB/s", values: values("stdin"), higherIsBetter: true },
    {
      measure: "server RSS growth, client reads nothing while the program writes 1 GB",
      unit: "MB",
      values: values("rss"),
      higherIsBetter: false,
    },
  ];
}

/**
 * The results as a Markdown table: a column per server, the floor, and each
 * server's ratio to the baseline server and to the floor.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatServerTable } from "./server.ts";
 * const table = formatServerTable([{ measure: "m", unit: "/s", values: { a: 2, b: 1 }, higherIsBetter: true }], "b");
 * assert(table.includes("| 2.00 |"));
 * ```
 */
export function formatServerTable(rows: readonly ServerBenchRow[], baseline?: string): string {
  const names = Object.keys(rows[0]?.values ?? {});
  const others = names.filter((n) => n !== baseline);
  const head = [
    "measure",
    ...names,
    "floor (same run)",
    ...(baseline === undefined ? [] : others.map((n) => `${n} ÷ ${baseline}`)),
    ...others.map((n) => `${n} ÷ floor`),
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const digits = row.unit === "ms" ? 3 : row.unit === "MB" ? 1 : 0;
    const cells = [
      row.measure,
      ...names.map((n) => `${row.values[n].toFixed(digits)} ${row.unit}`),
      row.floor === undefined ? "" : `${row.floor.value.toFixed(0)} ${row.unit} (${row.floor.name})`,
      ...(baseline === undefined
        ? []
        : others.map((n) => _ratio(row.values[n], row.values[baseline], row.higherIsBetter))),
      ...others.map((n) => row.floor === undefined ? "" : (row.values[n] / row.floor.value).toFixed(2)),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The codec results as a Markdown table. */
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

/** value ÷ baseline for rates; for costs (CPU, RSS) the same quotient, so lower is better. */
function _ratio(value: number, baseline: number, higherIsBetter: boolean): string {
  if (!(baseline > 0)) return "";
  return `${(value / baseline).toFixed(2)}${higherIsBetter ? "" : " (lower is better)"}`;
}

interface _Started {
  readonly server: ServerUnderTest;
  readonly base: string;
  child: Deno.ChildProcess;
  socket: string;
  exited: boolean;
  restarts: number;
}

async function _launch(server: ServerUnderTest, base: string, restarts = 0): Promise<_Started> {
  const socket = `${base}.${restarts}.sock`;
  const child = _startServer(server.command, socket);
  const started: _Started = { server, base, child, socket, exited: false, restarts };
  child.status.then(() => started.exited = true);
  await _waitForSocket(socket, child);
  return started;
}

/** Start a server again after it crashed (sockexec does, under some loads), and say so. */
async function _revive(s: _Started, log: (line: string) => void): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (!s.exited) return;
  const status = await s.child.status;
  log(`  ${s.server.name} died (${status.signal ?? `exit ${status.code}`}); restarting it`);
  const again = await _launch(s.server, s.base, s.restarts + 1);
  Object.assign(s, again);
}

function _startServer(command: string, socket: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: ["-c", `exec ${command.replaceAll("{socket}", socket)}`],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
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

/** One round trip of `true`; a reply that is wrong or takes over 5 s (sockexec hangs some under load) throws. */
async function _roundTrip(path: string, buffer: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    await conn.write(_TRUE);
    let total = 0;
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer.subarray(total))) total += n;
    // sockexec may send its reply in any order; only its bytes are checked.
    if (total !== _EXPECTED.length) throw new Error(`bad reply of ${total} bytes`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

async function _sequential(path: string, seconds: number): Promise<{ rate: number; count: number }> {
  const buffer = new Uint8Array(256);
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    await _roundTrip(path, buffer);
    count++;
  }
  return { rate: count / ((performance.now() - start) / 1000), count };
}

/** Round trips per second with `clients` in parallel, and the round trips that failed (wrong reply, or none in 5 s). */
async function _concurrent(path: string, seconds: number, clients: number): Promise<{ rate: number; failed: number }> {
  const start = performance.now();
  let count = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    const buffer = new Uint8Array(256);
    while (performance.now() - start < seconds * 1000) {
      try {
        await _roundTrip(path, buffer);
        count++;
      } catch {
        failed++;
      }
    }
  }));
  return { rate: count / ((performance.now() - start) / 1000), failed };
}

async function _request(path: string, argv: readonly string[]): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path });
  const ns = (s: string) => `${s.length}:${s},`;
  await conn.write(new TextEncoder().encode(ns(String(argv.length)) + argv.map(ns).join("")));
  return conn;
}

/** Read to the end; note whether `8:exitcode,1:0,` went by (sockexec may send it before the output). */
async function _drain(conn: Deno.Conn): Promise<{ total: number; tail: string; statusSeen: boolean }> {
  const buf = new Uint8Array(1 << 20);
  let total = 0;
  let carry = new Uint8Array(0);
  let statusSeen = false;
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf.subarray(carry.length))) {
    // Keep the last bytes of the previous read in front, so a status split across reads is found.
    const data = buf.subarray(0, carry.length + n);
    total += n;
    statusSeen ||= _hasStatus(data);
    carry = data.slice(Math.max(0, data.length - 64));
    buf.set(carry);
  }
  return { total, tail: new TextDecoder().decode(carry), statusSeen };
}

const _STATUS_BYTES = new TextEncoder().encode(_EXPECTED);

/** Whether `data` holds the status pair; found by its 'x', a byte output of /dev/zero or wc never has. */
function _hasStatus(data: Uint8Array): boolean {
  for (let at = data.indexOf(0x78); at >= 0; at = data.indexOf(0x78, at + 1)) {
    const start = at - 3;
    if (start < 0) continue;
    let match = true;
    for (let k = 0; k < _STATUS_BYTES.length && match; k++) match = data[start + k] === _STATUS_BYTES[k];
    if (match) return true;
  }
  return false;
}

async function _stdout(path: string, bytes: number): Promise<number> {
  const start = performance.now();
  const conn = await _request(path, ["head", "-c", String(bytes), "/dev/zero"]);
  await conn.write(new TextEncoder().encode("0:,"));
  const { total, statusSeen } = await _drain(conn);
  conn.close();
  if (total < bytes || !statusSeen) throw new Error(`stdout: got ${total} bytes, status seen: ${statusSeen}`);
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
  const { tail, statusSeen } = await reading;
  conn.close();
  const expected = Math.ceil(bytes / 65536) * 65536;
  if (!tail.includes(`${expected}\n`) || !statusSeen) throw new Error(`stdin: reply ${tail}`);
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

/** User plus system CPU of a process, in milliseconds (clock ticks of 10 ms). */
function _cpuMs(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface _Floor {
  readonly name: string;
  run(loops: number, seconds: number): Promise<number>;
}

/**
 * The physical floor of a round trip: a C loop that does what a server must per request without sockets
 * (pipes, posix_spawn with its own session, drain, reap). Compiled from the source below when a C compiler
 * is available; otherwise a Deno.Command loop stands in (and the table says so).
 */
async function _buildFloor(dir: string, log: (line: string) => void): Promise<_Floor> {
  Deno.writeTextFileSync(`${dir}/floor.c`, _FLOOR_C);
  try {
    const cc = await new Deno.Command("cc", { args: ["-O2", "-o", `${dir}/floor`, `${dir}/floor.c`] }).output();
    if (cc.success) {
      return {
        name: "C posix_spawn loop",
        run: (loops, seconds) => _runFloor(`${dir}/floor`, loops, seconds),
      };
    }
    log(`cc failed: ${new TextDecoder().decode(cc.stderr)}`);
  } catch {
    log("no C compiler: the floor is a Deno.Command loop");
  }
  return {
    name: "Deno.Command loop",
    run: (loops, seconds) =>
      _runFloor(`${Deno.execPath()} run -A ${_ROOT}bench/server.ts --floor-loop`, loops, seconds),
  };
}

async function _runFloor(command: string, loops: number, seconds: number): Promise<number> {
  const runs = Array.from(
    { length: loops },
    () => new Deno.Command("sh", { args: ["-c", `exec ${command} ${seconds}`], stdout: "piped" }).output(),
  );
  const outputs = await Promise.all(runs);
  return outputs.reduce((sum, o) => sum + Number(new TextDecoder().decode(o.stdout)), 0);
}

/** The fallback floor loop itself: spawn `true` and wait, without sockets. */
async function _floorLoop(seconds: number): Promise<number> {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    const child = new Deno.Command("true", { stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
    await Promise.all([child.stdout.cancel(), child.stderr.cancel(), child.status]);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

const _FLOOR_C = String.raw`/* The floor of a round trip: pipes, posix_spawn of true in its own session, drain, reap. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2, start = now();
  char *args[] = {"true", NULL}, buffer[65536];
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  long count = 0;
  while (now() - start < seconds) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return 1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    pid_t pid;
    if (posix_spawn(&pid, "/bin/true", &actions, &attr, args, environ)) return 1;
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    while (read(out[0], buffer, sizeof buffer) > 0) {}
    while (read(err[0], buffer, sizeof buffer) > 0) {}
    close(out[0]);
    close(err[0]);
    int status;
    waitpid(pid, &status, 0);
    count++;
  }
  printf("%.1f\n", count / (now() - start));
  return 0;
}
`;

async function _pipeFloor(bytes: number): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command("head", { args: ["-c", String(bytes), "/dev/zero"], stdout: "piped" }).spawn();
  let total = 0;
  for await (const chunk of child.stdout) total += chunk.length;
  await child.status;
  if (total !== bytes) throw new Error("pipe floor: short read");
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

function _shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function _median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.main && Deno.args[0] === "--floor-loop") {
  console.log(await _floorLoop(Number(Deno.args[1])));
}
