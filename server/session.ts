/**
 * One client connection: drives the protocol core's {@linkcode RequestParser}
 * and {@linkcode ResponseWriter} over the socket, starts the program, pumps
 * stdin and both output pipes with backpressure, enforces the request
 * timeout and the deadline, and sends the status last.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import {
  type ExitStatus,
  ProtocolError,
  type RequestEvent,
  RequestParser,
  ResponseWriter,
  signalName,
} from "../protocol/mod.ts";
import { ConnWriter } from "./conn_writer.ts";
import { describeError } from "./errors.ts";
import type { ServerConfig } from "./options.ts";
import { ProcessGroup } from "./process_group.ts";
import type { Spawner } from "./spawner.ts";

/** What a session needs from its server. */
export interface SessionContext {
  /** Connection number, for logs. */
  readonly id: number;
  /** The client's address, for logs. */
  readonly peer: string;
  /** The server's configuration. */
  readonly config: ServerConfig;
  /** Starts programs. */
  readonly spawner: Spawner;
  /** Where the session logs. */
  readonly logger: Logger;
}

/** Where a session is. */
export type SessionPhase = "request" | "running" | "closing" | "closed";

/** A snapshot of a session, for state dumps. */
export interface SessionSnapshot {
  /** Connection number. */
  readonly id: number;
  /** Client address. */
  readonly peer: string;
  /** Phase. */
  readonly phase: SessionPhase;
  /** argv[0] as given, once known. */
  readonly program: string | undefined;
  /** The program's pid, once started. */
  readonly pid: number | undefined;
  /** Milliseconds since accept. */
  readonly ageMs: number;
  /** Bytes received from the client. */
  readonly bytesIn: number;
  /** Bytes sent to the client. */
  readonly bytesOut: number;
}

const _READ_SIZE = 64 * 1024;
/** How long a finished connection waits for the client's EOF after our own (a "lingering close"). */
const _LINGER_MS = 2000;

/**
 * Serves one connection from accept to close.
 *
 * @example
 * ```ts ignore
 * const session = new Session(conn, { id: 1, peer: "unix", config, spawner, logger });
 * await session.run();
 * ```
 */
export class Session {
  readonly #conn: Deno.Conn;
  readonly #ctx: SessionContext;
  readonly #parser: RequestParser;
  readonly #response = new ResponseWriter();
  readonly #out: ConnWriter;
  readonly #startedAt = performance.now();
  #phase: SessionPhase = "request";
  #pending: RequestEvent | undefined;
  #bytesIn = 0;
  #program: string | undefined;
  #child: Deno.ChildProcess | undefined;
  #group: ProcessGroup | undefined;
  #supervision: Promise<void> | undefined;
  #exited = false;
  #drained = false;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  #inputEnded = false;
  #resolveInputEnded: () => void = () => {};
  readonly #inputEndedPromise: Promise<void>;
  #resolveEnd: (kind: "reply" | "abort") => void = () => {};
  readonly #end: Promise<"reply" | "abort">;
  #result = "no request";
  #level: "debug" | "info" | "warning" = "info";
  #timers: (ReturnType<typeof setTimeout> | undefined)[] = [];
  #connClosed = false;

  /** Prepare to serve `conn`. */
  constructor(conn: Deno.Conn, ctx: SessionContext) {
    this.#conn = conn;
    this.#ctx = ctx;
    this.#parser = new RequestParser({ limits: ctx.config.limits });
    this.#out = new ConnWriter(conn, (error) => this.#onClientGone(error));
    this.#inputEndedPromise = new Promise((resolve) => this.#resolveInputEnded = resolve);
    this.#end = new Promise((resolve) => this.#resolveEnd = resolve);
  }

  /** A snapshot for state dumps. */
  snapshot(): SessionSnapshot {
    return {
      id: this.#ctx.id,
      peer: this.#ctx.peer,
      phase: this.#phase,
      program: this.#program,
      pid: this.#child?.pid,
      ageMs: Math.round(performance.now() - this.#startedAt),
      bytesIn: this.#bytesIn,
      bytesOut: this.#out.written,
    };
  }

  /** Serve the connection; resolves when it is closed and its program reaped. Never rejects. */
  async run(): Promise<void> {
    try {
      this.#armTimers();
      const reading = this.#readLoop();
      const kind = await this.#end;
      if (kind === "reply") await this.#lingerClose();
      this.#closeConn();
      await this.#supervision;
      await reading;
    } catch (error) {
      this.#ctx.logger.error("connection {id}: internal error: {error}", {
        id: this.#ctx.id,
        error: describeError(error),
      });
      this.#abort();
      await this.#supervision?.catch(() => {});
    } finally {
      this.#cleanup();
      this.#logSummary();
    }
  }

  /** The server is shutting down: end the request or terminate the program (the client gets its termsig). */
  shutdown(): void {
    if (this.#phase === "request") {
      this.#fail("info", "server shutting down before the request was complete");
    } else if (this.#group !== undefined && !this.#drained) {
      this.#group.terminate(this.#ctx.config.killGrace);
    }
  }

  // ---- input -------------------------------------------------------------

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const buffer = new Uint8Array(_READ_SIZE);
        let n: number | null;
        try {
          n = await this.#conn.read(buffer);
        } catch (error) {
          // A reset is a client that has gone, never a half-close; anything else is our own close.
          if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
            this.#onClientGone(error);
          }
          n = null;
        }
        if (this.#phase === "closed") return;
        if (n === null) {
          this.#parser.end();
        } else {
          this.#bytesIn += n;
          this.#parser.push(buffer.subarray(0, n));
        }
        await this.#processEvents();
        if (n === null) {
          this.#inputEnded = true;
          this.#resolveInputEnded();
          this.#startProbes();
          return;
        }
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (this.#phase === "request" || this.#phase === "running") {
        this.#fail("warning", `protocol error ${error.message}`);
      }
      this.#inputEnded = true;
      this.#resolveInputEnded();
    }
  }

  #nextEvent(): RequestEvent | undefined {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      return pending;
    }
    return this.#parser.next();
  }

  async #processEvents(): Promise<void> {
    for (let event = this.#nextEvent(); event !== undefined; event = this.#nextEvent()) {
      if (this.#phase === "closed") return;
      switch (event.type) {
        case "argv":
          this.#start(event.argv);
          break;
        case "stdin":
          await this.#feed(event.data);
          break;
        case "stdin-end":
          this.#closeStdin();
          break;
        case "closed":
          if (this.#phase === "request") this.#fail("debug", "no request");
          return;
      }
    }
  }

  async #feed(data: Uint8Array): Promise<void> {
    const stdin = this.#stdin;
    if (stdin === undefined) return;
    try {
      await stdin.write(data);
    } catch {
      this.#stdin = undefined; // the program closed its stdin or ended: later stdin is dropped
    }
  }

  #closeStdin(): void {
    const stdin = this.#stdin;
    this.#stdin = undefined;
    stdin?.close().catch(() => {});
  }

  // ---- the program -------------------------------------------------------

  #start(argv: readonly Uint8Array[]): void {
    this.#clearTimer(0);
    this.#pending = this.#parser.next();
    const stdinEmpty = this.#pending?.type === "stdin-end";
    const outcome = this.#ctx.spawner.spawn(argv, stdinEmpty);
    this.#program = outcome.program;
    if (!outcome.ok) {
      this.#phase = "closing";
      this.#result = `cannot run (${outcome.exitCode}): ${outcome.message.trim()}`;
      if (outcome.resource) this.#level = "warning";
      this.#out.write([
        ...this.#response.output("stderr", outcome.message),
        this.#response.status({ exitCode: outcome.exitCode, signal: null }),
      ]).then(() => this.#resolveEnd("reply"));
      return;
    }
    const child = outcome.child;
    this.#phase = "running";
    this.#child = child;
    this.#group = new ProcessGroup(child.pid);
    if (!stdinEmpty) this.#stdin = child.stdin.getWriter();
    this.#supervision = this.#supervise(child);
  }

  async #supervise(child: Deno.ChildProcess): Promise<void> {
    const pumps = Promise.all([this.#pump("stdout", child.stdout), this.#pump("stderr", child.stderr)]);
    const status = await _exitStatus(child);
    this.#exited = true;
    this.#group!.leaderExited();
    this.#closeStdin();
    await this.#drain(pumps);
    this.#drained = true;
    await this.#out.flushed();
    this.#result = status.signal === null ? `exitcode ${status.exitCode}` : `termsig ${status.signal}`;
    if (this.#phase === "running" && !this.#out.failed) {
      this.#phase = "closing";
      await this.#out.write([this.#response.status(status)]);
      this.#resolveEnd(this.#out.failed ? "abort" : "reply");
    } else {
      this.#resolveEnd("abort");
    }
    if (!this.#group!.terminating) this.#group!.dispose();
  }

  async #pump(stream: "stdout" | "stderr", readable: ReadableStream<Uint8Array>): Promise<void> {
    const reader = readable.getReader();
    this.#readers.push(reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (this.#phase === "running" && !this.#out.failed) {
          await this.#out.write(this.#response.output(stream, value));
        }
      }
    } catch {
      // cancelled
    }
  }

  /** Wait for both pipes to reach EOF after the program exited, bounded; see the README. */
  async #drain(pumps: Promise<unknown>): Promise<void> {
    const grace = this.#ctx.config.killGrace;
    if (await _within(pumps, Math.min(grace, this.#deadlineLeft()))) return;
    this.#ctx.logger.debug("connection {id}: output pipes still open after the program exited; terminating its group", {
      id: this.#ctx.id,
    });
    this.#group!.terminate(grace);
    if (await _within(pumps, grace + 1)) return;
    this.#cancelReaders();
    await pumps;
  }

  #deadlineLeft(): number {
    const deadline = this.#ctx.config.deadline;
    if (deadline === 0) return Infinity;
    return Math.max(0, deadline - (performance.now() - this.#startedAt) / 1000);
  }

  // ---- ending ------------------------------------------------------------

  #onClientGone(error: unknown): void {
    if (this.#phase === "closed") return;
    this.#ctx.logger.debug("connection {id}: client gone: {error}", { id: this.#ctx.id, error: describeError(error) });
    this.#level = "warning";
    this.#result = "client gone";
    this.#terminate();
    this.#resolveEnd("abort");
  }

  /**
   * TERM the program's group (KILL after the grace). The output pumps go on
   * reading and discarding, so the program cannot die of SIGPIPE before it
   * has seen its TERM; the drain after it exits is bounded.
   */
  #terminate(): void {
    if (this.#group !== undefined && !this.#drained) this.#group.terminate(this.#ctx.config.killGrace);
  }

  /**
   * The client's input has ended: it half-closed, or it closed and is gone.
   * Only a write can tell, so while the program runs, an empty stdout pair
   * goes out whenever nothing was sent for a probe interval; a failed write
   * reports the client gone (srv.disconnect.silent).
   */
  #startProbes(): void {
    const every = this.#ctx.config.probeInterval;
    if (every === 0 || this.#phase !== "running") return;
    let probeBytes = 0;
    let seen = this.#out.written;
    const timer = setInterval(() => {
      if (this.#phase !== "running" || this.#out.failed) return clearInterval(timer);
      const sent = this.#out.written - probeBytes;
      if (sent === seen) {
        const probe = this.#response.probe();
        probeBytes += probe.length;
        this.#out.write([probe]);
      }
      seen = sent;
    }, every * 1000);
    this.#timers.push(timer);
  }

  /** End without a reply (malformed request, timeout, shutdown): close now, terminate the program. */
  #fail(level: "debug" | "info" | "warning", reason: string): void {
    if (this.#phase === "closed") return;
    this.#level = level;
    this.#result = reason;
    this.#abort();
  }

  #abort(): void {
    this.#phase = "closed";
    this.#closeConn();
    this.#terminate();
    this.#resolveEnd("abort");
  }

  async #lingerClose(): Promise<void> {
    // Closing a socket with unread input makes the kernel reset the
    // connection (TCP: the reply in flight may be destroyed; UNIX: the client
    // reads ECONNRESET instead of end of input). So the server half-closes,
    // keeps reading (and discarding) until the client's end of input, bounded.
    if (this.#inputEnded || this.#out.failed) return;
    try {
      await this.#conn.closeWrite();
    } catch {
      return;
    }
    await _within(this.#inputEndedPromise, _LINGER_MS / 1000);
  }

  #closeConn(): void {
    this.#phase = "closed";
    if (this.#connClosed) return;
    this.#connClosed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  #cancelReaders(): void {
    for (const reader of this.#readers) reader.cancel().catch(() => {});
  }

  #cleanup(): void {
    for (const timer of this.#timers) if (timer !== undefined) clearTimeout(timer);
    this.#timers = [];
    this.#closeConn();
    this.#stdin?.abort().catch(() => {});
    this.#stdin = undefined;
    if (this.#child !== undefined) this.#cancelReaders();
  }

  // ---- timers ------------------------------------------------------------

  #armTimers(): void {
    const { requestTimeout, deadline } = this.#ctx.config;
    this.#timers.push(
      requestTimeout > 0 ? setTimeout(() => this.#onRequestTimeout(), requestTimeout * 1000) : undefined,
      deadline > 0 ? setTimeout(() => this.#onDeadline(), deadline * 1000) : undefined,
    );
  }

  #clearTimer(index: number): void {
    const timer = this.#timers[index];
    if (timer !== undefined) clearTimeout(timer);
    this.#timers[index] = undefined;
  }

  #onRequestTimeout(): void {
    try {
      if (this.#phase !== "request") return;
      this.#fail("warning", `request timeout: argv not complete after ${this.#ctx.config.requestTimeout} s`);
    } catch (error) {
      this.#ctx.logger.error("connection {id}: {error}", { id: this.#ctx.id, error: describeError(error) });
    }
  }

  #onDeadline(): void {
    try {
      if (this.#phase === "request") {
        this.#fail("warning", `deadline: argv not complete after ${this.#ctx.config.deadline} s`);
      } else if (this.#group !== undefined && !this.#exited) {
        this.#level = "warning";
        this.#ctx.logger.debug("connection {id}: deadline reached, terminating pid {pid}", {
          id: this.#ctx.id,
          pid: this.#group.pgid,
        });
        this.#group.terminate(this.#ctx.config.killGrace);
      }
    } catch (error) {
      this.#ctx.logger.error("connection {id}: {error}", { id: this.#ctx.id, error: describeError(error) });
    }
  }

  #logSummary(): void {
    const properties = {
      id: this.#ctx.id,
      peer: this.#ctx.peer,
      program: this.#program ?? "-",
      pid: this.#child?.pid ?? "-",
      result: this.#result,
      durationMs: Math.round(performance.now() - this.#startedAt),
      bytesIn: this.#bytesIn,
      bytesOut: this.#out.written,
    };
    const template =
      "connection {id} from {peer}: {program} pid {pid}: {result}; {durationMs} ms, {bytesIn} bytes in, {bytesOut} bytes out";
    if (this.#level === "warning") this.#ctx.logger.warn(template, properties);
    else if (this.#level === "debug") this.#ctx.logger.debug(template, properties);
    else this.#ctx.logger.info(template, properties);
  }
}

/** The program's status as a status pair reports it. Deno rejects real-time signals; they get their names here. */
async function _exitStatus(child: Deno.ChildProcess): Promise<ExitStatus> {
  try {
    const status = await child.status;
    if (status.signal !== null) return { exitCode: null, signal: status.signal.replace(/^SIG/, "") };
    return { exitCode: status.code, signal: null };
  } catch (error) {
    const match = /Invalid signal: (\d+)/.exec(error instanceof Error ? error.message : "");
    if (match === null) throw error;
    return { exitCode: null, signal: signalName(Number(match[1])) };
  }
}

/** Whether `promise` settles within `seconds`. */
async function _within(promise: Promise<unknown>, seconds: number): Promise<boolean> {
  if (seconds === Infinity) {
    await promise;
    return true;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), seconds * 1000);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
