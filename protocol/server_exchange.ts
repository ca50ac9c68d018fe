/**
 * The server's side of one connection as a sans-I/O machine, in the spirit of
 * h11's `Connection`: bytes from the client and events from the program go
 * in, actions come out (start this argv, write these bytes to the program,
 * send these bytes to the client, half-close, signal the group, close). The
 * rules that span both directions live here: the status is the last pair;
 * empty stdin; stdin after the program exited; bytes after the end marker;
 * when the reply is complete; what a protocol error, a deadline, a shutdown
 * or a vanished client does at each stage; and how much output is held for
 * a client that is still sending. Driven by {@linkcode SERVER_EXCHANGE_SPEC}.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import type { ExitStatus, OutputStream } from "./pairs.ts";
import { type CodecLimits, LIMITS } from "./limits.ts";
import { type MachineSpec, type Transition, TransitionTable } from "./machine.ts";
import { OutputBudget } from "./output_budget.ts";
import { type RequestEvent, RequestParser } from "./request_parser.ts";
import { ResponseWriter } from "./response_writer.ts";

/** Where an exchange is. */
export type ExchangeState = "request" | "starting" | "running" | "draining" | "replied" | "stopping" | "closed";

/** The inputs of the exchange's table: each call, decided by what the exchange knows. */
export type ExchangeInput =
  | "argv"
  | "request-error"
  | "no-request"
  | "request-timeout"
  | "spawned"
  | "spawned-doomed"
  | "spawn-failed"
  | "stdin"
  | "stdin-dropped"
  | "discard"
  | "stdin-end"
  | "stdin-done"
  | "output"
  | "output-end"
  | "last-output-end"
  | "sent"
  | "exit"
  | "exit-drained"
  | "drain-timeout"
  | "protocol-error"
  | "late-protocol-error"
  | "deadline"
  | "stdin-idle"
  | "shutdown"
  | "client-end"
  | "client-end-unsent"
  | "reply-flushed"
  | "client-gone"
  | "probe"
  | "linger-timeout";

/** The timers an exchange asks its I/O to run. */
export type ExchangeTimer = "request" | "deadline" | "idle" | "probe" | "drain" | "linger";

/** What an exchange asks its I/O to do, in order. */
export type ExchangeAction =
  /** Start the program; report {@linkcode ServerExchange.spawned} or {@linkcode ServerExchange.spawnFailed}. With `stdinEmpty` its stdin is /dev/null. */
  | { readonly type: "spawn"; readonly argv: readonly Uint8Array[]; readonly stdinEmpty: boolean }
  /** Write to the program's stdin; report {@linkcode ServerExchange.stdinDone} with the length when written or dropped. */
  | { readonly type: "write-stdin"; readonly data: Uint8Array }
  /** Close the program's stdin (after the writes before it). */
  | { readonly type: "close-stdin" }
  /** Send to the client (after the sends before it, in one write); report {@linkcode ServerExchange.sent}. */
  | { readonly type: "send"; readonly data: Uint8Array }
  /** Shut down the sending side of the connection once the sends before it are written. */
  | { readonly type: "half-close" }
  /** The reply is complete: the connection no longer counts against the connection limit. */
  | { readonly type: "complete" }
  /** Close the connection once the sends before it are written (at once if the client is gone). */
  | { readonly type: "close" }
  /** Close the connection now; bytes not yet written are dropped (a client that does not read its reply). */
  | { readonly type: "abort" }
  /** TERM the program's process group, then KILL it after the kill grace. */
  | { readonly type: "terminate" }
  /** Stop reading from the client until `resume-input`. */
  | { readonly type: "pause-input" }
  /** Read from the client again. */
  | { readonly type: "resume-input" }
  /** Stop reading the program's output until `resume-output`. */
  | { readonly type: "pause-output" }
  /** Read the program's output again. */
  | { readonly type: "resume-output" }
  /** Stop reading the program's output for good and close its pipes. */
  | { readonly type: "cancel-output" }
  /** Start (or restart) a timer; report {@linkcode ServerExchange.timer} when it fires. */
  | { readonly type: "arm"; readonly timer: ExchangeTimer; readonly seconds: number }
  /** Cancel a timer. */
  | { readonly type: "disarm"; readonly timer: ExchangeTimer }
  /** Nothing more will happen: the connection is closed and the program, if any, reaped. */
  | { readonly type: "done" };

/** The name of an action. */
export type ExchangeActionType = ExchangeAction["type"];

/** One row of the exchange's table. */
export type ExchangeTransition = Transition<ExchangeState, ExchangeInput, ExchangeActionType, never>;

/** The exchange as data: states, inputs, transitions. */
export const SERVER_EXCHANGE_SPEC: MachineSpec<ExchangeState, ExchangeInput, ExchangeActionType, never> = {
  name: "server-exchange",
  role: "server",
  direction: "emit",
  summary:
    "One connection on the server: the request parser and the response writer joined to the program's life. Each call of the I/O layer (client bytes, client end of input or disconnect, the program started or not, its output, its exit, a write done, a timer) is decided into one input and takes one row; the row's actions go to the I/O layer in order. Flow control adds pause and resume actions after any row: client input pauses while 256 KiB or more of stdin wait for the program, and the program's output pauses while 256 KiB or more wait for the client, or, while the client is still sending stdin, while outputBuffer or more wait (within the server-wide outputBufferTotal). The status pair is sent only once the program is reaped and both of its pipes reached end of file; then the server half-closes at once and frees the connection's slot. It closes when the client's end of input has come and the reply is written, or when the linger time has passed, whichever is first: a client that reads neither its reply nor to its end cannot hold the connection longer.",
  states: {
    "request": "Reading argc and argv. Timers: request timeout, deadline.",
    "starting": "argv is complete and the program is being started; client input is paused.",
    "running": "The program runs: stdin is forwarded while it is open, output is sent as it is read.",
    "draining":
      "The program was reaped; its pipes are still open (a grandchild holds them): output is still sent, for at most the kill grace, then its group is terminated, and after one more grace the pipes are abandoned.",
    "replied":
      "The status pair was queued and the connection half-closed after it; client bytes are read and discarded until the client's end of input has come and the reply is written, or the linger time passes.",
    "stopping":
      "No reply will be sent (the client is gone, or a protocol error came before any byte was sent); the connection is closed and the program terminated; waiting for it to be reaped.",
    "closed": "Everything is finished. Terminal.",
  },
  inputs: {
    "argv": "The request's argv is complete and the byte after it does not break the protocol.",
    "request-error": "A protocol error before the program was asked for (bad argc, limits, incomplete request…).",
    "no-request": "The client's end of input before any byte.",
    "request-timeout": "The request timeout fired before argv was complete.",
    "spawned": "The program started.",
    "spawned-doomed": "The program started after a deadline or shutdown came while it was starting.",
    "spawn-failed": "The program could not start; the reply is one stderr line and exit code 127 or 126.",
    "stdin": "Bytes for the program's stdin, which is open.",
    "stdin-dropped":
      "Bytes for the program's stdin after it was closed (the program exited or closed it): counted and dropped.",
    "discard":
      "Client bytes that go nowhere: after a protocol error, or after the status (bytes after the end marker are counted by the request parser).",
    "stdin-end": "The end marker, or the client's end of input, ends stdin.",
    "stdin-done": "A write to the program's stdin finished or was dropped (the program closed its stdin).",
    "output": "Bytes read from the program's stdout or stderr.",
    "output-end": "One of the program's pipes reached end of file, and the reply is not due yet.",
    "last-output-end":
      "The last open pipe of a reaped program reached end of file. After the status, what is left of its group gets TERM, then KILL, unless keepBackground.",
    "sent": "Bytes were written to the client.",
    "exit": "The program was reaped while one of its pipes is still open.",
    "exit-drained":
      "The program was reaped and both of its pipes had reached end of file. After the status, what is left of its process group (background processes) gets TERM, then KILL, unless keepBackground.",
    "drain-timeout":
      "The kill grace passed after the program exited and its pipes are still open (a process that outlived it holds them): its group is terminated, the pipes abandoned, and the status sent.",
    "protocol-error": "The client broke the protocol after the program started and before any byte was sent to it.",
    "late-protocol-error":
      "The client broke the protocol after output was sent: the program is terminated and the client still gets its status.",
    "deadline": "The deadline (counted from accept) passed.",
    "stdin-idle":
      "The client sent no byte for the stdin idle time while the program's stdin was open (when that time is set): the program is terminated, as at the deadline.",
    "shutdown": "The server is shutting down.",
    "client-end":
      "The client's orderly end of input (a half-close or a close; only a write can tell which); after the status: with the whole reply written.",
    "client-end-unsent": "The client's end of input after the status, while part of the reply is still unwritten.",
    "reply-flushed": "After the status and the client's end of input, the last bytes of the reply were written.",
    "client-gone": "The client is gone: a read saw a reset, or a write failed.",
    "probe": "The probe interval passed after the client's end of input while the program runs.",
    "linger-timeout":
      "The linger time passed after the status without the client's end of input, or without the reply written.",
  },
  initial: "request",
  terminal: ["closed"],
  transitions: [
    { from: "request", on: "argv", to: "starting", emits: ["disarm", "pause-input", "spawn"] },
    { from: "request", on: "request-error", to: "closed", emits: ["close", "done"] },
    { from: "request", on: "no-request", to: "closed", emits: ["close", "done"] },
    { from: "request", on: "request-timeout", to: "closed", emits: ["close", "done"] },
    { from: "request", on: "deadline", to: "closed", emits: ["close", "done"] },
    { from: "request", on: "shutdown", to: "closed", emits: ["close", "done"] },
    { from: "request", on: "client-gone", to: "closed", emits: ["close", "done"] },
    { from: "starting", on: "spawned", to: "running", emits: ["resume-input"] },
    { from: "starting", on: "spawned-doomed", to: "running", emits: ["resume-input", "terminate"] },
    {
      from: "starting",
      on: "spawn-failed",
      to: "replied",
      emits: ["disarm", "send", "half-close", "complete", "arm"],
    },
    { from: "starting", on: "client-end", to: "starting" },
    { from: "starting", on: "deadline", to: "starting" },
    { from: "starting", on: "shutdown", to: "starting" },
    { from: "starting", on: "client-gone", to: "stopping", emits: ["close"] },
    { from: "running", on: "stdin", to: "running", emits: ["write-stdin"] },
    { from: "running", on: "stdin-dropped", to: "running" },
    { from: "running", on: "discard", to: "running" },
    { from: "running", on: "stdin-end", to: "running", emits: ["close-stdin"] },
    { from: "running", on: "stdin-done", to: "running" },
    { from: "running", on: "output", to: "running", emits: ["send"] },
    { from: "running", on: "output-end", to: "running" },
    { from: "running", on: "sent", to: "running" },
    { from: "running", on: "exit", to: "draining", emits: ["close-stdin", "arm"] },
    {
      from: "running",
      on: "exit-drained",
      to: "replied",
      emits: ["close-stdin", "disarm", "send", "half-close", "complete", "arm", "terminate"],
    },
    { from: "running", on: "protocol-error", to: "stopping", emits: ["terminate", "close"] },
    { from: "running", on: "late-protocol-error", to: "running", emits: ["terminate"] },
    { from: "running", on: "deadline", to: "running", emits: ["terminate"] },
    { from: "running", on: "stdin-idle", to: "running", emits: ["terminate"] },
    { from: "running", on: "shutdown", to: "running", emits: ["terminate"] },
    { from: "running", on: "client-end", to: "running", emits: ["arm"] },
    { from: "running", on: "client-gone", to: "stopping", emits: ["terminate", "close"] },
    { from: "running", on: "probe", to: "running", emits: ["send", "arm"] },
    { from: "draining", on: "stdin-dropped", to: "draining" },
    { from: "draining", on: "discard", to: "draining" },
    { from: "draining", on: "stdin-end", to: "draining" },
    { from: "draining", on: "stdin-done", to: "draining" },
    { from: "draining", on: "output", to: "draining", emits: ["send"] },
    { from: "draining", on: "output-end", to: "draining" },
    {
      from: "draining",
      on: "last-output-end",
      to: "replied",
      emits: ["disarm", "send", "half-close", "complete", "arm", "terminate"],
    },
    { from: "draining", on: "sent", to: "draining" },
    {
      from: "draining",
      on: "drain-timeout",
      to: "replied",
      emits: ["terminate", "cancel-output", "disarm", "send", "half-close", "complete", "arm"],
    },
    { from: "draining", on: "protocol-error", to: "closed", emits: ["terminate", "cancel-output", "close", "done"] },
    { from: "draining", on: "late-protocol-error", to: "draining", emits: ["terminate"] },
    { from: "draining", on: "deadline", to: "draining", emits: ["terminate"] },
    { from: "draining", on: "shutdown", to: "draining", emits: ["terminate"] },
    { from: "draining", on: "client-end", to: "draining", emits: ["arm"] },
    { from: "draining", on: "client-gone", to: "closed", emits: ["terminate", "cancel-output", "close", "done"] },
    { from: "draining", on: "probe", to: "draining", emits: ["send", "arm"] },
    { from: "replied", on: "discard", to: "replied" },
    { from: "replied", on: "sent", to: "replied" },
    { from: "replied", on: "stdin-done", to: "replied" },
    { from: "replied", on: "client-end", to: "closed", emits: ["disarm", "close", "done"] },
    { from: "replied", on: "client-end-unsent", to: "replied" },
    { from: "replied", on: "reply-flushed", to: "closed", emits: ["disarm", "close", "done"] },
    { from: "replied", on: "client-gone", to: "closed", emits: ["disarm", "close", "done"] },
    { from: "replied", on: "linger-timeout", to: "closed", emits: ["abort", "done"] },
    { from: "replied", on: "shutdown", to: "replied" },
    { from: "stopping", on: "spawned", to: "stopping", emits: ["terminate"] },
    { from: "stopping", on: "spawn-failed", to: "closed", emits: ["done"] },
    { from: "stopping", on: "output", to: "stopping" },
    { from: "stopping", on: "output-end", to: "stopping" },
    { from: "stopping", on: "stdin-done", to: "stopping" },
    { from: "stopping", on: "exit", to: "closed", emits: ["cancel-output", "done"] },
    { from: "stopping", on: "exit-drained", to: "closed", emits: ["done"] },
    { from: "stopping", on: "deadline", to: "stopping" },
    { from: "stopping", on: "shutdown", to: "stopping" },
    { from: "stopping", on: "probe", to: "stopping" },
  ],
};

const _TABLE = new TransitionTable(SERVER_EXCHANGE_SPEC);

/** Why a connection ended, for its log line. */
export type ExchangeEnding =
  | "exit"
  | "spawn-failed"
  | "no-request"
  | "request-error"
  | "request-timeout"
  | "protocol-error"
  | "deadline"
  | "stdin-idle"
  | "shutdown"
  | "client-gone";

/** What happened on a connection, for its log line. */
export interface ExchangeSummary {
  /** Where the exchange is. */
  readonly state: ExchangeState;
  /** The first cause of the ending: `exit` for a program that ended on its own. */
  readonly ending: ExchangeEnding | undefined;
  /** The program's status, once reaped. */
  readonly status: ExitStatus | undefined;
  /** The protocol error the client made, if any. */
  readonly error: ProtocolError | undefined;
  /** The spawn failure's exit code and message, if the program could not start. */
  readonly spawnFailure: { readonly exitCode: number; readonly message: string } | undefined;
  /** Whether the status pair was sent. */
  readonly replied: boolean;
  /** Bytes received from the client. */
  readonly bytesIn: number;
  /** Bytes queued for the client. */
  readonly bytesOut: number;
  /** Stdin bytes dropped because the program's stdin was closed. */
  readonly stdinDropped: number;
  /** Bytes after the end marker (or after a protocol error, or after the status), discarded. */
  readonly discarded: number;
}

/** Options of a {@linkcode ServerExchange}. Times in seconds; 0 disables a timer. */
export interface ServerExchangeOptions {
  /** Request decoder limits. */
  readonly limits?: Partial<CodecLimits>;
  /** Most data bytes per output pair. */
  readonly maxPairBytes?: number;
  /** Output held for a client that is still sending stdin. */
  readonly outputBuffer?: number;
  /** The server-wide budget that `outputBuffer` borrows from (default: a budget of its own, unlimited). */
  readonly budget?: OutputBudget;
  /** Argv must be complete this long after accept. */
  readonly requestTimeout?: number;
  /** The program is terminated this long after accept. */
  readonly deadline?: number;
  /** Grace between TERM and KILL; also bounds the drain after the program exits. */
  readonly killGrace?: number;
  /** Silence after the client's end of input before an empty stdout pair probes it. */
  readonly probeInterval?: number;
  /** How long to read after the status for the client's end of input. */
  readonly lingerTimeout?: number;
  /** Leave processes the program left in its group running after it exits (default false: TERM, then KILL). */
  readonly keepBackground?: boolean;
  /** Terminate the program when the client sends nothing this long while its stdin is open (default 0: never). */
  readonly stdinIdleTimeout?: number;
  /** Called with every transition taken, for tracing and coverage. */
  readonly trace?: (transition: ExchangeTransition) => void;
}

/** Output the exchange lets wait for the client whatever the client does: its backpressure window. */
export const OUTPUT_WINDOW = 256 * 1024;

/** Stdin bytes written to the program but not yet taken, above which client input pauses. */
export const STDIN_WINDOW = 256 * 1024;

const _NONE: readonly ExchangeAction[] = [];

/**
 * One connection of a server, sans I/O. Call the methods as things happen,
 * then take the actions with {@linkcode ServerExchange.takeActions} and
 * carry them out in order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ServerExchange } from "./server_exchange.ts";
 * const text = (b: Uint8Array) => new TextDecoder().decode(b);
 * const x = new ServerExchange({ requestTimeout: 0, deadline: 0 });
 * x.receive(new TextEncoder().encode("1:2,4:echo,2:hi,0:,"));
 * const [, , spawn] = x.takeActions();
 * assertEquals(spawn.type === "spawn" && spawn.stdinEmpty, true);
 * x.spawned();
 * x.output("stdout", new TextEncoder().encode("hi\n"));
 * x.outputEnd("stdout");
 * x.outputEnd("stderr");
 * x.exited({ exitCode: 0, signal: null });
 * const sends = x.takeActions().flatMap((a) => (a.type === "send" ? [text(a.data)] : []));
 * assertEquals(sends.join(""), "6:stdout,3:hi\n,8:exitcode,1:0,");
 * ```
 */
export class ServerExchange {
  readonly #parser: RequestParser;
  readonly #writer: ResponseWriter;
  readonly #budget: OutputBudget;
  readonly #outputBuffer: number;
  readonly #killGrace: number;
  readonly #probeInterval: number;
  readonly #lingerTimeout: number;
  readonly #keepBackground: boolean;
  readonly #stdinIdle: number;
  readonly #trace: ((transition: ExchangeTransition) => void) | undefined;
  #state: ExchangeState = "request";
  #actions: ExchangeAction[] = [];
  #lookahead: RequestEvent | undefined;
  #ending: ExchangeEnding | undefined;
  #error: ProtocolError | undefined;
  #status: ExitStatus | undefined;
  #spawnFailure: { readonly exitCode: number; readonly message: string } | undefined;
  #doomed = false;
  #inputEnded = false;
  #stdinOpen = false;
  #stdinEnded = false;
  #stdinPending = 0;
  #stdinDropped = 0;
  readonly #pipes = new Set<OutputStream>(["stdout", "stderr"]);
  #unsent = 0;
  #borrowed = 0;
  #inputPaused = false;
  #outputPaused = false;
  #sentSinceProbe = false;
  #connClosed = false;
  #replied = false;
  #bytesIn = 0;
  #bytesOut = 0;
  #discarded = 0;

  /** A connection just accepted; its first actions arm the request timeout and the deadline. */
  constructor(options: ServerExchangeOptions = {}) {
    this.#parser = new RequestParser({ limits: options.limits });
    this.#writer = new ResponseWriter({ maxPairBytes: options.maxPairBytes });
    this.#budget = options.budget ?? new OutputBudget(Number.MAX_SAFE_INTEGER);
    this.#outputBuffer = options.outputBuffer ?? LIMITS.outputBuffer.default;
    this.#killGrace = options.killGrace ?? LIMITS.killGrace.default;
    this.#probeInterval = options.probeInterval ?? LIMITS.probeInterval.default;
    this.#lingerTimeout = options.lingerTimeout ?? LIMITS.lingerTimeout.default;
    this.#keepBackground = options.keepBackground ?? false;
    this.#stdinIdle = options.stdinIdleTimeout ?? LIMITS.stdinIdleTimeout.default;
    this.#trace = options.trace;
    const requestTimeout = options.requestTimeout ?? LIMITS.requestTimeout.default;
    const deadline = options.deadline ?? LIMITS.deadline.default;
    if (requestTimeout > 0) this.#act({ type: "arm", timer: "request", seconds: requestTimeout });
    if (deadline > 0) this.#act({ type: "arm", timer: "deadline", seconds: deadline });
  }

  /** Where the exchange is. */
  get state(): ExchangeState {
    return this.#state;
  }

  /** The actions produced since the last call, in order. */
  takeActions(): readonly ExchangeAction[] {
    if (this.#actions.length === 0) return _NONE;
    const actions = this.#actions;
    this.#actions = [];
    return actions;
  }

  /** What happened so far, for the connection's log line. */
  summary(): ExchangeSummary {
    return {
      state: this.#state,
      ending: this.#ending,
      status: this.#status,
      error: this.#error,
      spawnFailure: this.#spawnFailure,
      replied: this.#replied,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      stdinDropped: this.#stdinDropped,
      discarded: this.#discarded + this.#parser.discarded,
    };
  }

  // ---- the client ---------------------------------------------------------

  /** Bytes from the client. They are held by reference until consumed. */
  receive(bytes: Uint8Array): void {
    if (this.#state === "closed" || this.#connClosed) return;
    this.#bytesIn += bytes.length;
    if (this.#error !== undefined || this.#state === "replied") {
      this.#discarded += bytes.length;
      this.#fire("discard");
    } else {
      this.#parser.push(bytes);
      this.#pull();
    }
    this.#settle();
  }

  /** The client's orderly end of input (half-close or close). */
  receiveEnd(): void {
    if (this.#inputEnded || this.#state === "closed" || this.#connClosed) return;
    this.#inputEnded = true;
    if (this.#error === undefined) this.#parser.end();
    switch (this.#state) {
      case "request":
        this.#pull();
        break;
      case "running":
      case "draining":
        this.#pull();
        if (this.#isOpen()) this.#fire("client-end");
        break;
      case "replied":
        this.#fire(this.#unsent === 0 ? "client-end" : "client-end-unsent");
        break;
      default:
        this.#fire("client-end");
    }
    this.#settle();
  }

  /** The client is gone (a reset, or a failed write). */
  clientGone(): void {
    if (this.#state === "closed" || this.#connClosed) return;
    this.#end("client-gone");
    this.#dropUnsent();
    this.#fire("client-gone");
    this.#settle();
  }

  /** `bytes` of earlier `send` actions were written to the client. */
  sent(bytes: number): void {
    if (this.#state === "closed" || this.#connClosed) return;
    this.#unsent = Math.max(0, this.#unsent - bytes);
    const flushed = this.#state === "replied" && this.#inputEnded && this.#unsent === 0;
    this.#fire(flushed ? "reply-flushed" : "sent");
    this.#settle();
  }

  // ---- the program --------------------------------------------------------

  /** The program asked for by `spawn` started. */
  spawned(): void {
    if (this.#state === "stopping") return this.#fire("spawned");
    this.#stdinOpen = !this.#stdinEnded;
    this.#fire(this.#doomed ? "spawned-doomed" : "spawned");
    this.#pull();
    if (this.#inputEnded && this.#isOpen()) this.#armProbe();
    this.#settle();
  }

  /** The program could not start: `message` is the one-line reason (ending in a newline), `exitCode` 127 or 126. */
  spawnFailed(exitCode: number, message: string): void {
    this.#spawnFailure = { exitCode, message };
    this.#ending ??= "spawn-failed";
    if (this.#state === "stopping") return this.#fire("spawn-failed");
    this.#pipes.clear();
    this.#status = { exitCode, signal: null };
    this.#fire("spawn-failed");
    this.#settle();
  }

  /** A `write-stdin` of `bytes` finished: written, or dropped because the program's stdin is closed. */
  stdinDone(bytes: number, written: boolean): void {
    if (this.#state === "closed") return;
    this.#stdinPending = Math.max(0, this.#stdinPending - bytes);
    if (!written) {
      this.#stdinOpen = false;
      this.#stdinDropped += bytes;
    }
    this.#fire("stdin-done");
    this.#settle();
  }

  /** Bytes read from the program's stdout or stderr (copied before this returns). */
  output(stream: OutputStream, bytes: Uint8Array): void {
    if (this.#state === "closed" || this.#state === "replied") return;
    this.#fire("output", this.#state === "stopping" ? undefined : this.#writer.output(stream, bytes));
    this.#settle();
  }

  /** The program's stdout or stderr reached end of file (or was abandoned). */
  outputEnd(stream: OutputStream): void {
    if (this.#state === "closed" || this.#state === "replied" || !this.#pipes.delete(stream)) return;
    this.#fire(this.#state === "draining" && this.#pipes.size === 0 ? "last-output-end" : "output-end");
    this.#settle();
  }

  /** The program was reaped. */
  exited(status: ExitStatus): void {
    if (this.#state === "closed") return;
    this.#status = status;
    this.#ending ??= "exit";
    this.#stdinOpen = false;
    this.#fire(this.#pipes.size === 0 ? "exit-drained" : "exit");
    this.#settle();
  }

  // ---- time and the server ------------------------------------------------

  /** A timer armed by an `arm` action fired. */
  timer(timer: ExchangeTimer): void {
    switch (timer) {
      case "request":
        if (this.#state === "request") {
          this.#end("request-timeout");
          this.#fire("request-timeout");
        }
        break;
      case "deadline":
        if (this.#state === "closed" || this.#state === "replied") return;
        this.#end("deadline");
        if (this.#state === "starting") this.#doomed = true;
        this.#fire("deadline");
        break;
      case "idle":
        if (this.#state === "running" && !this.#stdinEnded) {
          this.#end("stdin-idle");
          this.#fire("stdin-idle");
        }
        break;
      case "probe":
        if (this.#state === "running" || this.#state === "draining" || this.#state === "stopping") {
          this.#fire("probe");
        }
        break;
      case "drain":
        if (this.#state === "draining") this.#fire("drain-timeout");
        break;
      case "linger":
        if (this.#state === "replied") this.#fire("linger-timeout");
        break;
    }
    this.#settle();
  }

  /** The server is shutting down. */
  shutdown(): void {
    if (this.#state === "closed") return;
    if (this.#state !== "replied" && this.#state !== "stopping") this.#end("shutdown");
    if (this.#state === "starting") this.#doomed = true;
    this.#fire("shutdown");
    this.#settle();
  }

  /** Give back what this exchange borrowed from the shared budget (call once the connection is gone). */
  dispose(): void {
    this.#dropUnsent();
  }

  // ---- internals ----------------------------------------------------------

  #act(action: ExchangeAction): void {
    this.#actions.push(action);
  }

  #isOpen(): boolean {
    return this.#state === "running" || this.#state === "draining";
  }

  #end(ending: ExchangeEnding): void {
    this.#ending ??= ending;
  }

  /** Pull request events while the state takes them. */
  #pull(): void {
    if (this.#state !== "request" && !this.#isOpen()) return;
    if (this.#error !== undefined) return;
    try {
      if (this.#lookahead !== undefined && this.#state !== "request") {
        const event = this.#lookahead;
        this.#lookahead = undefined;
        this.#handle(event);
      }
      for (let event = this.#parser.next(); event !== undefined; event = this.#parser.next()) {
        this.#handle(event);
        if (this.#state === "starting" || this.#state === "closed") return;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#protocolError(error);
    }
  }

  #handle(event: RequestEvent): void {
    switch (event.type) {
      case "argv":
        return this.#start(event.argv);
      case "stdin":
        if (this.#state === "running" && this.#stdinOpen) {
          this.#stdinPending += event.data.length;
          return this.#fire("stdin", event.data);
        }
        this.#stdinDropped += event.data.length;
        return this.#fire("stdin-dropped");
      case "stdin-end":
        this.#stdinEnded = true;
        this.#stdinOpen = false;
        return this.#fire("stdin-end");
      case "closed":
        if (this.#state === "request") {
          this.#end("no-request");
          this.#fire("no-request");
        }
        return;
    }
  }

  #start(argv: readonly Uint8Array[]): void {
    // Look one event ahead: an end of stdin right after argv starts the program with /dev/null as stdin.
    let next: RequestEvent | undefined;
    try {
      next = this.#parser.next();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return this.#protocolError(error);
    }
    const stdinEmpty = next?.type === "stdin-end";
    if (stdinEmpty) this.#stdinEnded = true;
    else this.#lookahead = next;
    this.#spawnArgs = { argv, stdinEmpty };
    this.#fire("argv");
  }

  #spawnArgs: { readonly argv: readonly Uint8Array[]; readonly stdinEmpty: boolean } | undefined;

  /** The stdin idle timer runs while the program's stdin is open; every byte from the client restarts it. */
  #idle(): void {
    if (this.#stdinIdle <= 0) return;
    const open = this.#state === "running" && !this.#stdinEnded;
    if (open && this.#idleArmedAt !== this.#bytesIn) {
      this.#idleArmedAt = this.#bytesIn;
      this.#act({ type: "arm", timer: "idle", seconds: this.#stdinIdle });
    } else if (!open && this.#idleArmedAt >= 0) {
      this.#idleArmedAt = -1;
      this.#act({ type: "disarm", timer: "idle" });
    }
  }

  #idleArmedAt = -1;

  /** After each call: a reply to a client whose input already ended closes once written; then flow control. */
  #settle(): void {
    this.#idle();
    if (this.#justReplied) {
      this.#justReplied = false;
      if (this.#state === "replied" && this.#inputEnded) {
        this.#fire(this.#unsent === 0 ? "client-end" : "client-end-unsent");
      }
    }
    this.#flow();
  }

  #justReplied = false;

  #protocolError(error: ProtocolError): void {
    this.#error = error;
    this.#stdinEnded = true;
    this.#lookahead = undefined;
    if (this.#state === "request") {
      this.#end("request-error");
      return this.#fire("request-error");
    }
    this.#end("protocol-error");
    this.#fire(this.#bytesOut > 0 ? "late-protocol-error" : "protocol-error");
  }

  #armProbe(): void {
    if (this.#probeInterval > 0) this.#act({ type: "arm", timer: "probe", seconds: this.#probeInterval });
  }

  #send(data: Uint8Array): void {
    if (data.length === 0 || this.#connClosed) return;
    this.#unsent += data.length;
    this.#bytesOut += data.length;
    this.#sentSinceProbe = true;
    this.#act({ type: "send", data });
  }

  #dropUnsent(): void {
    this.#unsent = 0;
    this.#budget.adjust(-this.#borrowed);
    this.#borrowed = 0;
  }

  /** Take the table's row for `input` and carry out its actions; `payload` goes with `write-stdin` or `send`. */
  #fire(input: ExchangeInput, payload?: Uint8Array): void {
    const t = _TABLE.step(this.#state, input);
    this.#trace?.(t);
    this.#state = t.to;
    for (const name of t.emits ?? []) this.#emit(name, input, payload);
  }

  #emit(name: ExchangeActionType, input: ExchangeInput, payload: Uint8Array | undefined): void {
    switch (name) {
      case "spawn":
        this.#act({ type: "spawn", argv: this.#spawnArgs!.argv, stdinEmpty: this.#spawnArgs!.stdinEmpty });
        this.#spawnArgs = undefined;
        return;
      case "write-stdin":
        return this.#act({ type: "write-stdin", data: payload! });
      case "send":
        return this.#send(this.#payloadFor(input, payload));
      case "arm":
        return this.#arm(input);
      case "disarm":
        return this.#disarm(input);
      case "close":
        if (this.#connClosed) return;
        this.#connClosed = true;
        return this.#act({ type: "close" });
      case "half-close":
        this.#replied = true;
        this.#justReplied = true;
        return this.#act({ type: "half-close" });
      case "done":
        this.#dropUnsent();
        return this.#act({ type: "done" });
      case "pause-input":
        this.#inputPaused = true;
        return this.#act({ type: "pause-input" });
      case "resume-input":
        if (!this.#inputPaused) return;
        this.#inputPaused = false;
        return this.#act({ type: "resume-input" });
      case "abort":
        this.#connClosed = true;
        return this.#act({ type: "abort" });
      case "terminate":
        // After a normal exit, the group holds only what the program left in the background.
        if (this.#keepBackground && (input === "exit-drained" || input === "last-output-end")) return;
        return this.#act({ type: "terminate" });
      case "close-stdin":
      case "complete":
      case "cancel-output":
      case "pause-output":
      case "resume-output":
        return this.#act({ type: name });
    }
  }

  /** What a `send` carries for the input that emitted it. */
  #payloadFor(input: ExchangeInput, payload: Uint8Array | undefined): Uint8Array {
    switch (input) {
      case "output":
        return payload ?? _EMPTY;
      case "probe":
        if (this.#sentSinceProbe) {
          this.#sentSinceProbe = false;
          return _EMPTY;
        }
        return this.#writer.probe();
      case "spawn-failed":
        return this.#reply(this.#writer.output("stderr", this.#spawnFailure!.message));
      default:
        return this.#reply(new Uint8Array(0));
    }
  }

  /** The status pair (after `before`), once. */
  #reply(before: Uint8Array): Uint8Array {
    const status = this.#writer.status(this.#status!);
    if (before.length === 0) return status;
    const both = new Uint8Array(before.length + status.length);
    both.set(before);
    both.set(status, before.length);
    return both;
  }

  #arm(input: ExchangeInput): void {
    switch (input) {
      case "exit":
        return this.#act({ type: "arm", timer: "drain", seconds: this.#killGrace });
      case "client-end":
      case "probe":
        return this.#armProbe();
      default:
        // entering replied: the reply is written and the client's end of input comes within the linger time
        return this.#act({ type: "arm", timer: "linger", seconds: this.#lingerTimeout });
    }
  }

  #disarm(input: ExchangeInput): void {
    if (input === "argv") return this.#act({ type: "disarm", timer: "request" });
    if (input === "client-end" || input === "client-gone" || input === "reply-flushed") {
      return this.#act({ type: "disarm", timer: "linger" });
    }
    for (const timer of ["deadline", "probe", "drain"] as const) this.#act({ type: "disarm", timer });
  }

  /** Pause or resume client input and program output to keep within the windows and budgets. */
  #flow(): void {
    if (this.#state === "closed") return;
    // Output held beyond the window borrows from the server-wide budget.
    const over = Math.max(0, this.#unsent - OUTPUT_WINDOW);
    if (over !== this.#borrowed) {
      this.#budget.adjust(over - this.#borrowed);
      this.#borrowed = over;
    }
    const wantOutput = this.#state === "stopping" || this.#unsent < OUTPUT_WINDOW ||
      (!this.#stdinEnded && this.#unsent < this.#outputBuffer && this.#budget.available);
    if (wantOutput === this.#outputPaused && this.#state !== "request" && this.#state !== "starting") {
      this.#outputPaused = !wantOutput;
      this.#act({ type: wantOutput ? "resume-output" : "pause-output" });
    }
    if (this.#state !== "running" && this.#state !== "draining" && this.#state !== "replied") return;
    const wantInput = this.#stdinEnded || this.#stdinPending < STDIN_WINDOW;
    if (wantInput === this.#inputPaused) {
      this.#inputPaused = !wantInput;
      this.#act({ type: wantInput ? "resume-input" : "pause-input" });
    }
  }
}

const _EMPTY = new Uint8Array(0);
