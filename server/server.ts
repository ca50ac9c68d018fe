/**
 * The netspawn server: listeners, accept loops sharing one connection limit,
 * a {@linkcode Session} per connection, and graceful shutdown.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { runAcceptLoop } from "./accept_loop.ts";
import { ConnectionSlots } from "./connection_slots.ts";
import { describeError, ServerError } from "./errors.ts";
import {
  type ListenAddress,
  resolveServerOptions,
  type ServerConfig,
  type ServerOptions,
  type TcpListenAddress,
  type UnixListenAddress,
} from "./options.ts";
import { Session, type SessionSnapshot } from "./session.ts";
import { Spawner } from "./spawner.ts";
import { isLoopbackHost } from "../protocol/mod.ts";
import { bindTcp } from "./tcp_listener.ts";
import { bindUnixSocket, type UnixSocketBinding } from "./unix_listener.ts";

/** A state dump of a running server. */
export interface ServerSnapshot {
  /** Where it listens. */
  readonly addresses: readonly ListenAddress[];
  /** Connections being served. */
  readonly active: number;
  /** The connection limit. */
  readonly maxConnections: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Whether it is shutting down. */
  readonly closing: boolean;
  /** Each connection being served. */
  readonly sessions: readonly SessionSnapshot[];
}

/** A server started by {@linkcode startServer}. */
export interface RunningServer extends AsyncDisposable {
  /** The addresses it listens on (TCP ports resolved). */
  readonly addresses: readonly ListenAddress[];
  /** The validated configuration. */
  readonly config: ServerConfig;
  /** Resolves when the server has closed. */
  readonly finished: Promise<void>;
  /**
   * Graceful shutdown: stop accepting, remove its own socket files, TERM
   * every program's process group (KILL after the kill grace; clients get
   * the termsig), and resolve when every connection is closed. Idempotent.
   */
  close(): Promise<void>;
  /** A state dump. */
  snapshot(): ServerSnapshot;
  /** Whether SIGUSR1 is blocked in the server (see launch.pl); undefined if unknown. */
  readonly sigusr1Blocked: boolean | undefined;
}

/** Options of {@linkcode startServer} beyond the server options. */
export interface StartOptions {
  /** The LogTape category to log under (default `["netspawn", "server"]`). */
  readonly logCategory?: readonly string[];
}

/**
 * Start a server: validate the options, bind every listener (all or none),
 * and start serving.
 *
 * @throws {ServerError} when an option is invalid or a listener cannot be bound.
 * @example
 * ```ts
 * import { startServer } from "./server.ts";
 * const dir = Deno.makeTempDirSync();
 * const server = await startServer({ listen: [{ transport: "unix", path: `${dir}/s.sock` }] });
 * const conn = await Deno.connect({ transport: "unix", path: `${dir}/s.sock` });
 * await conn.write(new TextEncoder().encode("1:2,4:echo,2:hi,0:,"));
 * const reply = new Uint8Array(64);
 * let length = 0;
 * for (let n = await conn.read(reply); n !== null; n = await conn.read(reply.subarray(length))) length += n;
 * conn.close();
 * console.assert(new TextDecoder().decode(reply.subarray(0, length)) === "6:stdout,3:hi\n,8:exitcode,1:0,");
 * await server.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function startServer(options: ServerOptions, start: StartOptions = {}): Promise<RunningServer> {
  const config = resolveServerOptions(options);
  _checkRunPermission();
  const logger = getLogger([...(start.logCategory ?? ["netspawn", "server"])]);
  const spawner = new Spawner(config);
  if (config.cwd !== undefined) _checkCwd(config.cwd);
  const bound = await _bindAll(config, logger);
  return new _Server(config, spawner, logger, bound);
}

type _Bound =
  | { readonly kind: "unix"; readonly binding: UnixSocketBinding; readonly address: UnixListenAddress }
  | { readonly kind: "tcp"; readonly listener: Deno.TcpListener; readonly address: TcpListenAddress };

async function _bindAll(config: ServerConfig, logger: Logger): Promise<_Bound[]> {
  const bound: _Bound[] = [];
  try {
    for (const address of config.listen) {
      if (address.transport === "unix") {
        const binding = await bindUnixSocket(address.path, config.socketMode);
        if (binding.replacedStale) logger.info("replaced stale socket {path}", { path: address.path });
        bound.push({ kind: "unix", binding, address });
      } else {
        const listener = bindTcp(address, config.backlog, config.allowNonLoopback);
        const port = listener.addr.port;
        if (!isLoopbackHost(address.hostname)) {
          logger.warn(
            "listening on non-loopback address {hostname}:{port} without authentication (--allow-non-loopback)",
            { hostname: address.hostname, port },
          );
        }
        bound.push({ kind: "tcp", listener, address: { ...address, port } });
      }
    }
  } catch (error) {
    for (const b of bound) _release(b);
    throw error;
  }
  return bound;
}

function _release(bound: _Bound): boolean {
  if (bound.kind === "unix") return bound.binding.release();
  try {
    bound.listener.close();
  } catch {
    // already closed
  }
  return true;
}

/** Deno.kill of a process group needs --allow-run without a list; fail at start rather than leak processes later. */
function _checkRunPermission(): void {
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    throw new ServerError(
      "USAGE",
      "the server needs --allow-run without a list: Deno.kill, which signals process groups, requires it",
    );
  }
}

function _checkCwd(cwd: string): void {
  let ok = false;
  try {
    ok = Deno.statSync(cwd).isDirectory;
  } catch {
    ok = false;
  }
  if (!ok) throw new ServerError("BAD_CWD", `--cwd ${cwd} is not a directory`);
}

function _peer(conn: Deno.Conn): string {
  const addr = conn.remoteAddr;
  if (addr.transport === "tcp") {
    return addr.hostname.includes(":") ? `[${addr.hostname}]:${addr.port}` : `${addr.hostname}:${addr.port}`;
  }
  if (addr.transport === "unix") return addr.path ? `unix:${addr.path}` : "unix";
  return addr.transport;
}

class _Server implements RunningServer {
  readonly addresses: readonly ListenAddress[];
  readonly config: ServerConfig;
  readonly finished: Promise<void>;
  readonly sigusr1Blocked: boolean | undefined;
  readonly #spawner: Spawner;
  readonly #logger: Logger;
  readonly #bound: _Bound[];
  readonly #slots: ConnectionSlots;
  readonly #sessions = new Map<Session, Promise<void>>();
  readonly #loops: Promise<void>[];
  #stop: () => void = () => {};
  #closing: Promise<void> | undefined;
  #resolveFinished: () => void = () => {};
  #accepted = 0;

  constructor(config: ServerConfig, spawner: Spawner, logger: Logger, bound: _Bound[]) {
    this.config = config;
    this.#spawner = spawner;
    this.sigusr1Blocked = spawner.sigusr1Blocked;
    this.#logger = logger;
    this.#bound = bound;
    this.addresses = bound.map((b) => b.address);
    this.#slots = new ConnectionSlots(config.maxConnections);
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    const stopped = new Promise<void>((resolve) => this.#stop = resolve);
    this.#loops = bound.map((b) => {
      const listener: Deno.Listener<Deno.Conn> = b.kind === "unix" ? b.binding.listener : b.listener;
      return runAcceptLoop({
        listener,
        slots: this.#slots,
        stopped,
        serve: (conn) => this.#serve(conn, b.kind === "tcp"),
        onError: (error) => this.#logger.warn("accept failed, retrying: {error}", { error: describeError(error) }),
      });
    });
  }

  snapshot(): ServerSnapshot {
    return {
      addresses: this.addresses,
      active: this.#slots.active,
      maxConnections: this.config.maxConnections,
      accepted: this.#accepted,
      closing: this.#closing !== undefined,
      sessions: [...this.#sessions.keys()].map((s) => s.snapshot()),
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #serve(conn: Deno.Conn, tcp: boolean): void {
    const id = ++this.#accepted;
    if (this.#closing !== undefined) {
      conn.close();
      this.#slots.release();
      return;
    }
    if (tcp) {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // the peer may already be gone; the session will notice
      }
    }
    const session = new Session(conn, {
      id,
      peer: _peer(conn),
      config: this.config,
      spawner: this.#spawner,
      logger: this.#logger,
    });
    const running = session.run().finally(() => {
      this.#sessions.delete(session);
      this.#slots.release();
    });
    this.#sessions.set(session, running);
  }

  async #shutdown(): Promise<void> {
    this.#stop();
    for (const b of this.#bound) {
      if (!_release(b)) {
        this.#logger.warn("socket {path} was replaced by someone else; leaving it in place", {
          path: b.kind === "unix" ? b.address.path : "",
        });
      }
    }
    for (const session of this.#sessions.keys()) session.shutdown();
    await Promise.all(this.#loops);
    while (this.#sessions.size > 0) await Promise.all([...this.#sessions.values()]);
    this.#resolveFinished();
  }
}
