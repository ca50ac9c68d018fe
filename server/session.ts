/**
 * One client connection: carries out what the protocol core's
 * {@linkcode ServerExchange} asks for — reads from and writes to the socket,
 * starts the program, moves its stdin and output, runs the timers, signals
 * its process group — and logs one line when it is over. Every rule of the
 * exchange lives in the exchange; this file only moves bytes and manages
 * the program.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import {
  concatBytes,
  type ExchangeAction,
  type ExchangeState,
  type ExchangeSummary,
  type ExchangeTimer,
  type OutputBudget,
  type OutputStream,
  ServerExchange,
} from "../protocol/mod.ts";
import { describeError } from "./errors.ts";
import type { ServerConfig } from "./options.ts";
import { ProcessGroup } from "./process_group.ts";
import type { Program, ProgramEvents } from "./program.ts";
import type { ProgramStarter, StartOutcome } from "./program_starter.ts";
import type { TimerHandle, TimerQueue } from "./timer_queue.ts";

/** What a session needs from its server. */
export interface SessionContext {
  /** Connection number, for logs. */
  readonly id: number;
  /** The client's address, for logs. */
  readonly peer: string;
  /** The server's configuration. */
  readonly config: ServerConfig;
  /** Starts programs. */
  readonly starter: ProgramStarter;
  /** The server-wide budget for output held for clients still sending stdin. */
  readonly budget: OutputBudget;
  /** The server's timers. */
  readonly timers: TimerQueue;
  /** Where the session logs. */
  readonly logger: Logger;
  /** The connection's two slots: one while it is open, one while its program runs. */
  readonly slots: SessionSlots;
  /** The program's group is still being terminated after the session ended (a KILL is due). */
  readonly straggler: (group: ProcessGroup) => void;
}

/** The slots a session holds (see `--max-open` and `-m`). */
export interface SessionSlots {
  /** The connection is closed: give back the slot it was accepted with. */
  releaseOpen(): void;
  /** Wait for a program slot. */
  takeRun(): Promise<void>;
  /** Give the program slot back. */
  releaseRun(): void;
}

/** A snapshot of a session, for state dumps. */
export interface SessionSnapshot {
  /** Connection number. */
  readonly id: number;
  /** Client address. */
  readonly peer: string;
  /** Where the exchange is. */
  readonly phase: ExchangeState;
  /** argv[0] as given, once known. */
  readonly program: string | undefined;
  /** The program's pid, once started. */
  readonly pid: number | undefined;
  /** Milliseconds since accept. */
  readonly ageMs: number;
  /** Bytes received from the client. */
  readonly bytesIn: number;
  /** Bytes queued for the client. */
  readonly bytesOut: number;
}

/** The first read is small (a request is a few dozen bytes); a full read grows it for bulk stdin. */
const _FIRST_READ = 4096;
const _BULK_READ = 64 * 1024;
/** Sends queued while a write is in flight are joined up to this size. */
const _JOIN_LIMIT = 64 * 1024;

/**
 * Serves one connection from accept to close.
 *
 * @example
 * ```ts ignore
 * const session = new Session(conn, context);
 * await session.run();
 * ```
 */
export class Session {
  readonly #conn: Deno.Conn;
  readonly #ctx: SessionContext;
  readonly #exchange: ServerExchange;
  readonly #startedAt = performance.now();
  readonly #timers = new Map<ExchangeTimer, TimerHandle>();
  readonly #queue: Uint8Array[] = [];
  readonly #events: ProgramEvents;
  #program: Program | undefined;
  #group: ProcessGroup | undefined;
  #name: string | undefined;
  #resourceProblem = false;
  #pumping = false;
  #writing = false;
  #halfClosePending = false;
  #closePending = false;
  #connClosed = false;
  #inputPaused = false;
  #resumeInput: (() => void) | undefined;
  #runHeld = false;
  #done = false;
  #finish: () => void = () => {};
  readonly #finished: Promise<void>;
  #readSize = _FIRST_READ;

  /** Prepare to serve `conn`. */
  constructor(conn: Deno.Conn, ctx: SessionContext) {
    this.#conn = conn;
    this.#ctx = ctx;
    const config = ctx.config;
    this.#exchange = new ServerExchange({
      limits: config.limits,
      maxPairBytes: config.maxPairBytes,
      outputBuffer: config.outputBuffer,
      budget: ctx.budget,
      requestTimeout: config.requestTimeout,
      deadline: config.deadline,
      killGrace: config.killGrace,
      probeInterval: config.probeInterval,
      lingerTimeout: config.lingerTimeout,
      keepBackground: config.keepBackground,
      stdinIdleTimeout: config.stdinIdleTimeout,
    });
    this.#finished = new Promise((resolve) => this.#finish = resolve);
    this.#events = {
      output: (stream: OutputStream, bytes: Uint8Array) => this.#call(() => this.#exchange.output(stream, bytes)),
      outputEnd: (stream: OutputStream) => this.#call(() => this.#exchange.outputEnd(stream)),
      exited: (status) => this.#call(() => this.#exchange.exited(status)),
    };
  }

  /** A snapshot for state dumps. */
  snapshot(): SessionSnapshot {
    const summary = this.#exchange.summary();
    return {
      id: this.#ctx.id,
      peer: this.#ctx.peer,
      phase: summary.state,
      program: this.#name,
      pid: this.#program?.pid,
      ageMs: Math.round(performance.now() - this.#startedAt),
      bytesIn: summary.bytesIn,
      bytesOut: summary.bytesOut,
    };
  }

  /** Serve the connection; resolves when it is closed and its program reaped. Never rejects. */
  run(): Promise<void> {
    this.#pump();
    this.#read();
    return this.#finished;
  }

  /** The server is shutting down. */
  shutdown(): void {
    this.#call(() => this.#exchange.shutdown());
  }

  /** KILL the program's group now, without the grace. */
  kill(): void {
    this.#group?.kill();
  }

  // ---- the exchange -------------------------------------------------------

  /** Tell the exchange something, then carry out what it asks. */
  #call(tell: () => void): void {
    if (this.#done) return;
    try {
      tell();
    } catch (error) {
      this.#internalError(error);
      return;
    }
    this.#pump();
  }

  /** Carry out the exchange's actions in order; actions produced meanwhile follow the current batch. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let batch = this.#exchange.takeActions(); batch.length > 0; batch = this.#exchange.takeActions()) {
        for (const action of batch) this.#do(action);
      }
    } catch (error) {
      this.#internalError(error);
    } finally {
      this.#pumping = false;
    }
  }

  #do(action: ExchangeAction): void {
    switch (action.type) {
      case "spawn":
        this.#ctx.slots.takeRun().then(() => {
          this.#runHeld = true;
          if (this.#done) return this.#release();
          this.#spawn(action.argv, action.stdinEmpty);
        });
        return;
      case "write-stdin": {
        const length = action.data.length;
        this.#program!.writeStdin(action.data).then((written) =>
          this.#call(() => this.#exchange.stdinDone(length, written))
        );
        return;
      }
      case "close-stdin":
        return this.#program?.closeStdin();
      case "send":
        this.#queue.push(action.data);
        if (!this.#writing) this.#write();
        return;
      case "half-close":
        this.#halfClosePending = true;
        if (!this.#writing) this.#write();
        return;
      case "complete":
        return this.#release();
      case "close":
        this.#closePending = true;
        if (!this.#writing) this.#write();
        return;
      case "abort":
        return this.#closeConn();
      case "terminate":
        return this.#group?.terminate(this.#ctx.config.killGrace);
      case "pause-input":
        this.#inputPaused = true;
        return;
      case "resume-input": {
        this.#inputPaused = false;
        const resume = this.#resumeInput;
        this.#resumeInput = undefined;
        resume?.();
        return;
      }
      case "pause-output":
        return this.#program?.pauseOutput();
      case "resume-output":
        return this.#program?.resumeOutput();
      case "cancel-output":
        return this.#program?.cancelOutput();
      case "arm":
        return this.#arm(action.timer, action.seconds);
      case "disarm":
        return this.#disarm(action.timer);
      case "done":
        return this.#end();
    }
  }

  #spawn(argv: readonly Uint8Array[], stdinEmpty: boolean): void {
    let started: StartOutcome | Promise<StartOutcome>;
    try {
      started = this.#ctx.starter.start(argv, stdinEmpty);
    } catch (error) {
      started = { ok: false, exitCode: 126, message: `netspawn: ${describeError(error)}\n`, name: "?", resource: true };
    }
    if (started instanceof Promise) started.then((outcome) => this.#started(outcome));
    else this.#started(started);
  }

  #started(outcome: StartOutcome): void {
    this.#name = outcome.name;
    if (outcome.ok) {
      this.#program = outcome.program;
      this.#group = new ProcessGroup(outcome.program);
      this.#call(() => this.#exchange.spawned());
      outcome.program.start(this.#events);
    } else {
      this.#resourceProblem = outcome.resource;
      this.#call(() => this.#exchange.spawnFailed(outcome.exitCode, outcome.message));
    }
  }

  // ---- the socket ---------------------------------------------------------

  async #read(): Promise<void> {
    while (!this.#connClosed) {
      if (this.#inputPaused) {
        await new Promise<void>((resolve) => this.#resumeInput = resolve);
        continue;
      }
      const buffer = new Uint8Array(this.#readSize);
      let n: number | null;
      try {
        n = await this.#conn.read(buffer);
      } catch (error) {
        // A reset is a client that has gone; anything else is our own close.
        if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
          this.#call(() => this.#exchange.clientGone());
        }
        return;
      }
      if (this.#connClosed) return;
      if (n === null) return this.#call(() => this.#exchange.receiveEnd());
      if (n === buffer.length) this.#readSize = _BULK_READ;
      this.#call(() => this.#exchange.receive(buffer.subarray(0, n)));
    }
  }

  /** Write what is queued (joined into one write), then the half-close or close that waits for it. */
  async #write(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#connClosed) {
        const data = this.#next();
        try {
          for (let at = 0; at < data.length;) at += await this.#conn.write(at === 0 ? data : data.subarray(at));
        } catch {
          this.#queue.length = 0;
          this.#call(() => this.#exchange.clientGone());
          break;
        }
        this.#call(() => this.#exchange.sent(data.length));
      }
      if (this.#halfClosePending && !this.#connClosed) {
        this.#halfClosePending = false;
        await this.#conn.closeWrite().catch(() => {});
      }
    } finally {
      this.#writing = false;
    }
    if (this.#closePending) this.#closeConn();
    else if (this.#queue.length > 0 || this.#halfClosePending) this.#write();
  }

  /**
   * The next bytes to write: small sends queued meanwhile are joined into one
   * write (fewer system calls); a large one goes alone, uncopied. Each send
   * holds whole pairs, so every pair goes out in one write either way.
   */
  #next(): Uint8Array {
    const queue = this.#queue;
    let count = 0;
    let total = 0;
    while (count < queue.length && (count === 0 || total + queue[count].length <= _JOIN_LIMIT)) {
      total += queue[count++].length;
    }
    return count === 1 ? queue.shift()! : concatBytes(queue.splice(0, count));
  }

  #closeConn(): void {
    if (this.#connClosed) return;
    this.#connClosed = true;
    this.#queue.length = 0;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#ctx.slots.releaseOpen();
    this.#resumeInput?.();
    if (this.#done) this.#finish();
  }

  // ---- timers, the slot, the end -----------------------------------------

  #arm(timer: ExchangeTimer, seconds: number): void {
    this.#disarm(timer);
    this.#timers.set(
      timer,
      this.#ctx.timers.schedule(seconds, () => {
        this.#timers.delete(timer);
        this.#call(() => this.#exchange.timer(timer));
      }),
    );
  }

  #disarm(timer: ExchangeTimer): void {
    const handle = this.#timers.get(timer);
    if (handle === undefined) return;
    handle.cancel();
    this.#timers.delete(timer);
  }

  /** Give back the program slot: once the reply is complete, or at the end. */
  #release(): void {
    if (this.#runHeld) {
      this.#runHeld = false;
      this.#ctx.slots.releaseRun();
    }
  }

  #end(): void {
    this.#done = true;
    for (const handle of this.#timers.values()) handle.cancel();
    this.#timers.clear();
    this.#exchange.dispose();
    const group = this.#group;
    if (group?.killPending) this.#ctx.straggler(group);
    this.#release();
    this.#log(this.#exchange.summary());
    if (this.#connClosed) this.#finish();
  }

  #internalError(error: unknown): void {
    this.#ctx.logger.error("connection {id}: internal error: {error}", {
      id: this.#ctx.id,
      error: describeError(error),
    });
    this.#group?.terminate(this.#ctx.config.killGrace);
    this.#program?.cancelOutput();
    this.#closeConn();
    if (!this.#done) this.#end();
  }

  #log(summary: ExchangeSummary): void {
    const level = _level(summary, this.#resourceProblem);
    const logger = this.#ctx.logger;
    if (!logger.isEnabledFor(level)) return;
    const properties = {
      id: this.#ctx.id,
      peer: this.#ctx.peer,
      program: this.#name ?? "-",
      pid: this.#program?.pid ?? "-",
      result: _result(summary, this.#ctx.config),
      durationMs: Math.round(performance.now() - this.#startedAt),
      bytesIn: summary.bytesIn,
      bytesOut: summary.bytesOut,
    };
    const template =
      "connection {id} from {peer}: {program} pid {pid}: {result}; {durationMs} ms, {bytesIn} bytes in, {bytesOut} bytes out";
    if (level === "warning") logger.warn(template, properties);
    else if (level === "debug") logger.debug(template, properties);
    else logger.info(template, properties);
  }
}

function _level(summary: ExchangeSummary, resource: boolean): "debug" | "info" | "warning" {
  switch (summary.ending) {
    case "no-request":
      return "debug";
    case "exit":
      return "info";
    case "spawn-failed":
      return resource ? "warning" : "info";
    default:
      return "warning";
  }
}

/** What the log line says happened: the real reason the connection ended, and how the program ended. */
function _result(summary: ExchangeSummary, config: ServerConfig): string {
  const status = summary.status === undefined
    ? undefined
    : summary.status.signal === null
    ? `exitcode ${summary.status.exitCode}`
    : `termsig ${summary.status.signal}`;
  const then = status === undefined ? "" : `; program ${status}`;
  let text: string;
  switch (summary.ending) {
    case "exit":
      text = status ?? "ended";
      break;
    case "spawn-failed":
      text = `cannot run (${summary.spawnFailure?.exitCode}): ${summary.spawnFailure?.message.trim()}`;
      break;
    case "no-request":
      text = "no request";
      break;
    case "request-error":
    case "protocol-error":
      text = `protocol error ${summary.error?.message ?? ""}${then}`;
      break;
    case "request-timeout":
      text = `request timeout: argv not complete after ${config.requestTimeout} s`;
      break;
    case "deadline":
      text = `deadline of ${config.deadline} s${then}`;
      break;
    case "shutdown":
      text = `server shutting down${then}`;
      break;
    case "client-gone":
      text = `client gone${then}`;
      break;
    default:
      text = "ended";
  }
  if (summary.discarded > 0) text += `; ${summary.discarded} bytes after the end of stdin discarded`;
  if (summary.stdinDropped > 0) text += `; ${summary.stdinDropped} stdin bytes dropped (stdin closed)`;
  if (summary.ending !== "exit" && summary.replied) text += "; status sent";
  return text;
}
