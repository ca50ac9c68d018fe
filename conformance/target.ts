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
import { delay, pollUntil } from "./async.ts";
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
 * import { fixedTarget } from "./target.ts";
 * const t = fixedTarget({ transport: "unix", path: "/run/netspawn.sock" });
 * console.assert(t.cannotStart(["-t", "2"]) !== undefined && t.cannotStart([]) === undefined);
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
 * import { spawnTarget } from "./target.ts";
 * const t = spawnTarget("sockexec {socket}");
 * console.assert(t.local && t.cannotStart(["-t", "2"]) === undefined);
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
 * import { shellQuote } from "./target.ts";
 * console.assert(shellQuote("it's") === `'it'\\''s'`);
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
