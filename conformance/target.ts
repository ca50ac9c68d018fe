/**
 * Servers under test. A target either points at a server that is already
 * running (`--unix`, `--tcp`) or starts one from a command template
 * (`--spawn 'CMD {socket}'`) for each set of server options the vectors need,
 * watching it for crashes.
 *
 * @module
 */

import { type Address, formatAddress, isLoopbackHost } from "../protocol/mod.ts";
import { connect, unusedTcpPort } from "./address.ts";
import { delay, pollUntil, withDeadline } from "./async.ts";
import { killGroup, readText } from "./process.ts";

/** A running server. */
export interface ServerInstance {
  /** Where it listens. */
  readonly address: Address;
  /** How it ended, if it is a process the target started and it is gone; else undefined. */
  exited(): string | undefined;
  /**
   * Like `exited`, but waiting up to `ms` for a process that may be dying: a
   * crash closes its connections a moment before its exit can be seen.
   */
  ended?(ms: number): Promise<string | undefined>;
  /** What it printed (spawned servers), for reports. */
  output(): string;
  /** Stop it (a no-op for servers the target did not start). */
  stop(): Promise<void>;
}

/** Something the runner can get servers from. */
export interface ServerTarget {
  /** For reports. */
  readonly description: string;
  /** The server shares this machine's files and pids. */
  readonly local: boolean;
  /** Why servers with these sockexec-style options cannot be had, or undefined. */
  cannotStart(args: readonly string[]): string | undefined;
  /** A server started with these options. */
  start(args: readonly string[]): Promise<ServerInstance>;
}

/** A server could not be started or reached. */
export class TargetError extends Error {
  /** Stable error code. */
  readonly code = "TARGET";

  /** Create an error with what went wrong. */
  constructor(message: string) {
    super(message);
    this.name = "TargetError";
  }
}

/**
 * A server already listening at an address. Vectors that need server options
 * are skipped: the runner cannot restart it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { fixedTarget } from "./target.ts";
 * const t = fixedTarget({ transport: "unix", path: "/run/netspawn.sock" });
 * assertEquals([t.description, t.local], ["unix:/run/netspawn.sock", true]);
 * assertEquals(t.cannotStart(["-t", "2"]), "needs a server started with -t 2 (use --spawn)");
 * assertEquals(t.cannotStart([]), undefined);
 * ```
 */
export function fixedTarget(address: Address): ServerTarget {
  return {
    description: formatAddress(address),
    local: address.transport === "unix" || isLoopbackHost(address.hostname),
    cannotStart: (args) =>
      args.length === 0 ? undefined : `needs a server started with ${args.join(" ")} (use --spawn)`,
    start: () => Promise.resolve({ address, exited: () => undefined, output: () => "", stop: () => Promise.resolve() }),
  };
}

/**
 * Check that a server accepts connections at `address` (one connection,
 * closed at once), so that a run against nothing stops with one clear error
 * instead of failing every case.
 *
 * @throws {TargetError} naming the address and why it cannot be reached.
 * @example
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { checkReachable, TargetError } from "./target.ts";
 * await assertRejects(
 *   () => checkReachable({ transport: "unix", path: "/nonexistent/netspawn.sock" }),
 *   TargetError,
 *   "cannot connect to unix:/nonexistent/netspawn.sock: no such socket; is the server running? (--spawn starts one)",
 * );
 * ```
 */
export async function checkReachable(address: Address, timeoutMs = 5000): Promise<void> {
  let conn: Deno.Conn;
  try {
    conn = await withDeadline(connect(address), timeoutMs, "connect");
  } catch (error) {
    throw new TargetError(
      `cannot connect to ${formatAddress(address)}: ${
        _connectFailure(error)
      }; is the server running? (--spawn starts one)`,
    );
  }
  conn.close();
}

function _connectFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such socket";
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@linkcode spawnTarget}. */
export interface SpawnOptions {
  /** How long a server may take to accept its first connection. */
  readonly readyTimeoutMs?: number;
}

/**
 * Servers started from a shell command template. `{socket}` becomes a fresh
 * UNIX socket path in a temporary directory, `{port}` a free TCP port on
 * 127.0.0.1; a vector's server options replace `{args}`, or go just before the
 * first placeholder when there is no `{args}`. The command runs as
 * `/bin/sh -c 'exec CMD'` in its own process group, which `stop` TERMs (then KILLs).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { spawnTarget } from "./target.ts";
 * const t = spawnTarget("perl server/launch.pl deno run -A server/main.ts {socket}");
 * assertEquals([t.local, t.cannotStart(["-t", "2"])], [true, undefined]);
 * const server = await spawnTarget("exec sleep 30 # {socket}", { readyTimeoutMs: 100 }).start([]).catch((e) => e);
 * assertEquals(server.name, "TargetError"); // sleep never listens
 * ```
 */
export function spawnTarget(template: string, options: SpawnOptions = {}): ServerTarget {
  if (!template.includes("{socket}") && !template.includes("{port}")) {
    throw new TargetError(`--spawn needs {socket} or {port} in "${template}"`);
  }
  return {
    description: `spawn: ${template}`,
    local: true,
    cannotStart: () => undefined,
    start: (args) => _spawn(template, args, options.readyTimeoutMs ?? 20_000),
  };
}

/**
 * Quote a word for /bin/sh.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { shellQuote } from "./target.ts";
 * assertEquals(shellQuote("it's"), `'it'\\''s'`);
 * assertEquals(shellQuote("/tmp/a.sock"), "/tmp/a.sock");
 * ```
 */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The command line for a template, options and address. */
export function _command(template: string, args: readonly string[], socket: string, port: number): string {
  const quoted = args.map(shellQuote).join(" ");
  let cmd = template;
  if (cmd.includes("{args}")) cmd = cmd.replaceAll("{args}", quoted);
  else if (quoted) {
    const at = Math.min(...["{socket}", "{port}"].map((p) => cmd.indexOf(p)).filter((i) => i >= 0));
    cmd = `${cmd.slice(0, at)}${quoted} ${cmd.slice(at)}`;
  }
  return cmd.replaceAll("{socket}", shellQuote(socket)).replaceAll("{port}", String(port));
}

async function _spawn(template: string, args: readonly string[], readyMs: number): Promise<ServerInstance> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-conf-srv-" });
  const socket = `${dir}/server.sock`;
  const port = template.includes("{port}") ? unusedTcpPort() : 0;
  const address: Address = template.includes("{port}")
    ? { transport: "tcp", hostname: "127.0.0.1", port }
    : { transport: "unix", path: socket };
  const cmd = _command(template, args, socket, port);
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", `exec ${cmd}`],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const log: string[] = [];
  const drained = Promise.all([child.stdout, child.stderr].map((s) => readText(s, 32768).then((t) => log.push(t))));
  let ended: string | undefined;
  const status = child.status.then((s) => {
    ended = s.signal ? `was killed by ${s.signal}` : `exited with code ${s.code}`;
  });
  const instance: ServerInstance = {
    address,
    exited: () => ended,
    ended: async (ms) => {
      if (ended === undefined) await Promise.race([status, delay(ms)]);
      return ended;
    },
    output: () => log.join(""),
    stop: async () => {
      if (ended === undefined) killGroup(child.pid, "SIGTERM");
      const stopped = await pollUntil(() => ended !== undefined, 5000);
      if (!stopped) killGroup(child.pid, "SIGKILL");
      await status;
      killGroup(child.pid, "SIGKILL"); // what a crashed server left in its process group
      await drained;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  const ready = await pollUntil(async () => ended !== undefined || await _accepts(address), readyMs, 20);
  if (ended !== undefined || !ready) {
    await instance.stop();
    const why = ended ?? `not accepting connections after ${readyMs} ms`;
    throw new TargetError(`server "${cmd}" ${why}; it printed:\n${log.join("").slice(-2000)}`);
  }
  return instance;
}

async function _accepts(address: Address): Promise<boolean> {
  try {
    const conn = await connect(address);
    conn.close();
    return true;
  } catch {
    return false;
  }
}
