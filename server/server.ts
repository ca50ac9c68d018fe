/**
 * The netspawn server: listeners, accept loops sharing one connection limit,
 * a {@linkcode Session} per connection, and graceful shutdown.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { type AcceptLoop, startAcceptLoop } from "./accept_loop.ts";
import { chooseBackend } from "./backend_choice.ts";
import { ConnectionSlots } from "./connection_slots.ts";
import { buildEnvironment } from "./environment.ts";
import { describeError, ServerError } from "./errors.ts";
import { resolveServerOptions, type ServerConfig, type ServerOptions } from "./options.ts";
import type { ProcessGroup } from "./process_group.ts";
import type { BackendName } from "./program.ts";
import { ProgramStarter } from "./program_starter.ts";
import { Session, type SessionSnapshot } from "./session.ts";
import { TimerQueue } from "./timer_queue.ts";
import { type Address, formatAddress, isLoopbackHost, OutputBudget } from "../protocol/mod.ts";
import { bindTcp, type TcpAddress } from "./tcp_listener.ts";
import { bindUnixSocket, type UnixSocketBinding } from "./unix_listener.ts";

/** A state dump of a running server. */
export interface ServerSnapshot {
  /** Where it listens. */
  readonly addresses: readonly Address[];
  /** Programs running (connections holding a program slot). */
  readonly active: number;
  /** Connections open (see `--max-open`). */
  readonly open: number;
  /** The program limit (-m). */
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
  readonly addresses: readonly Address[];
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
  /** KILL every running program's group now (impatient shutdown: a second TERM or INT). */
  kill(): void;
  /** A state dump. */
  snapshot(): ServerSnapshot;
  /** Whether SIGUSR1 is blocked in the server (see launch.pl); undefined if unknown. */
  readonly sigusr1Blocked: boolean | undefined;
  /** The backend that starts programs. */
  readonly backend: BackendName;
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
 * import { assert } from "@std/assert";
 * import { startServer } from "./server.ts";
 * const dir = Deno.makeTempDirSync();
 * const server = await startServer({ listen: [{ transport: "unix", path: `${dir}/s.sock` }] });
 * const conn = await Deno.connect({ transport: "unix", path: `${dir}/s.sock` });
 * await conn.write(new TextEncoder().encode("1:2,4:echo,2:hi,0:,"));
 * const reply = new Uint8Array(64);
 * let length = 0;
 * for (let n = await conn.read(reply); n !== null; n = await conn.read(reply.subarray(length))) length += n;
 * conn.close();
 * assert(new TextDecoder().decode(reply.subarray(0, length)) === "6:stdout,3:hi\n,8:exitcode,1:0,");
 * await server.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function startServer(options: ServerOptions, start: StartOptions = {}): Promise<RunningServer> {
  const config = resolveServerOptions(options);
  const logger = getLogger([...(start.logCategory ?? ["netspawn", "server"])]);
  if (config.cwd !== undefined) _checkCwd(config.cwd);
  const environment = buildEnvironment(config.env);
  const { backend, description } = chooseBackend(config, environment);
  let starter: ProgramStarter;
  let bound: _Bound[];
  try {
    starter = new ProgramStarter({ backend, environment, allow: config.allow, cwd: config.cwd });
    bound = await _bindAll(config, logger);
  } catch (error) {
    await backend.close();
    throw error;
  }
  logger.info(description);
  return new _Server(config, starter, logger, bound);
}

type _Bound =
  | { readonly kind: "unix"; readonly binding: UnixSocketBinding; readonly address: Address }
  | { readonly kind: "tcp"; readonly listener: Deno.TcpListener; readonly address: TcpAddress };

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
        const resolved = { ...address, port: listener.addr.port };
        if (!isLoopbackHost(address.hostname)) {
          logger.warn("listening on non-loopback address {address} without authentication (--allow-non-loopback)", {
            address: formatAddress(resolved),
          });
        }
        bound.push({ kind: "tcp", listener, address: resolved });
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

function _checkCwd(cwd: string): void {
  let ok = false;
  try {
    ok = Deno.statSync(cwd).isDirectory;
  } catch {
    ok = false;
  }
  if (!ok) throw new ServerError("BAD_CWD", `--cwd ${cwd} is not a directory`);
}

/** The client, in the address form of the protocol core (an unnamed UNIX client is `unix`). */
function _peer(conn: Deno.Conn): string {
  const addr = conn.remoteAddr;
  if (addr.transport === "tcp") return formatAddress({ transport: "tcp", hostname: addr.hostname, port: addr.port });
  if (addr.transport === "unix") {
    return addr.path ? formatAddress({ transport: "unix", path: addr.path }) : "unix:(unnamed)";
  }
  return addr.transport;
}

class _Server implements RunningServer {
  readonly addresses: readonly Address[];
  readonly config: ServerConfig;
  readonly finished: Promise<void>;
  readonly sigusr1Blocked: boolean | undefined;
  readonly backend: BackendName;
  readonly #starter: ProgramStarter;
  readonly #logger: Logger;
  readonly #bound: _Bound[];
  readonly #slots: ConnectionSlots;
  readonly #open: ConnectionSlots;
  readonly #budget: OutputBudget;
  readonly #timers = new TimerQueue();
  readonly #sessions = new Map<Session, Promise<void>>();
  readonly #stragglers = new Set<ProcessGroup>();
  readonly #loops: AcceptLoop[];
  #closing: Promise<void> | undefined;
  #resolveFinished: () => void = () => {};
  #accepted = 0;

  constructor(config: ServerConfig, starter: ProgramStarter, logger: Logger, bound: _Bound[]) {
    this.config = config;
    this.#starter = starter;
    this.backend = starter.backend.name;
    this.sigusr1Blocked = "sigusr1Blocked" in starter.backend
      ? starter.backend.sigusr1Blocked as boolean | undefined
      : false;
    this.#logger = logger;
    this.#bound = bound;
    this.addresses = bound.map((b) => b.address);
    this.#slots = new ConnectionSlots(config.maxConnections);
    this.#open = new ConnectionSlots(config.maxOpen);
    this.#budget = new OutputBudget(config.outputBufferTotal);
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    this.#loops = bound.map((b) => {
      const listener: Deno.Listener<Deno.Conn> = b.kind === "unix" ? b.binding.listener : b.listener;
      return startAcceptLoop({
        listener,
        slots: this.#open,
        serve: (conn) => this.#serve(conn, b.kind === "tcp"),
        onError: (error) => this.#logger.warn("accept failed, retrying: {error}", { error: describeError(error) }),
      });
    });
  }

  snapshot(): ServerSnapshot {
    return {
      addresses: this.addresses,
      active: this.#slots.active,
      open: this.#open.active,
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

  kill(): void {
    for (const session of this.#sessions.keys()) session.kill();
    for (const group of this.#stragglers) if (group.killPending) group.kill();
  }

  #serve(conn: Deno.Conn, tcp: boolean): void {
    const id = ++this.#accepted;
    if (this.#closing !== undefined) {
      // Accepted while the loops were being stopped: no new work during shutdown.
      conn.close();
      this.#open.release();
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
      starter: this.#starter,
      budget: this.#budget,
      timers: this.#timers,
      logger: this.#logger,
      slots: {
        releaseOpen: () => this.#open.release(),
        takeRun: () => this.#slots.take(),
        releaseRun: () => this.#slots.release(),
      },
      straggler: (group) => this.#straggler(group),
    });
    this.#sessions.set(session, session.run().then(() => void this.#sessions.delete(session)));
  }

  /** A finished connection's group still due a KILL: kept so that shutdown can KILL it at once. */
  #straggler(group: ProcessGroup): void {
    for (const old of this.#stragglers) if (!old.killPending) this.#stragglers.delete(old);
    this.#stragglers.add(group);
  }

  async #shutdown(): Promise<void> {
    for (const loop of this.#loops) loop.stop();
    this.#slots.close();
    this.#open.close();
    for (const b of this.#bound) {
      if (!_release(b)) {
        this.#logger.warn("socket {path} was replaced by someone else; leaving it in place", {
          path: formatAddress(b.address),
        });
      }
    }
    for (const session of this.#sessions.keys()) session.shutdown();
    await Promise.all(this.#loops.map((loop) => loop.done));
    while (this.#sessions.size > 0) await Promise.all([...this.#sessions.values()]);
    for (const group of this.#stragglers) if (group.killPending) group.kill();
    this.#stragglers.clear();
    this.#timers.close();
    await this.#starter.backend.close();
    this.#resolveFinished();
  }
}
