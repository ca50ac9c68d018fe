// A model of the I/O around a ServerExchange, for the exchange's tests: it
// knows which events the world can deliver next (a program reports output
// only once started, a write is confirmed only once asked for, a timer fires
// only while armed), carries out the actions, and checks after every step
// that the actions obey the protocol. Not part of the public API.

import { concatBytes } from "./bytes.ts";
import { runParser } from "./drive.ts";
import type { ExitStatus, OutputStream } from "./pairs.ts";
import { ResponseParser } from "./response_parser.ts";
import {
  type ExchangeAction,
  type ExchangeTimer,
  ServerExchange,
  type ServerExchangeOptions,
} from "./server_exchange.ts";

/** Something the world can do to an exchange. Client bytes are written one char per byte (latin1). */
export type _SimEvent =
  | { readonly kind: "bytes"; readonly data: string }
  | { readonly kind: "end" }
  | { readonly kind: "gone" }
  | { readonly kind: "spawned" }
  | { readonly kind: "spawn-failed" }
  | { readonly kind: "output"; readonly stream: OutputStream; readonly data: string }
  | { readonly kind: "output-end"; readonly stream: OutputStream }
  | { readonly kind: "exit" }
  | { readonly kind: "sent" }
  | { readonly kind: "stdin-done"; readonly written: boolean }
  | { readonly kind: "timer"; readonly timer: ExchangeTimer }
  | { readonly kind: "shutdown" };

/** Client byte tokens the exhaustive and property tests draw from. */
export const _SIM_TOKENS: readonly string[] = ["1:1,3:cat,", "5:hello,", "0:,", "q", "1:", "x"];

const _ENC = new TextEncoder();

/** The world around one exchange. */
export class _ExchangeSim {
  readonly exchange: ServerExchange;
  readonly log: ExchangeAction[] = [];
  readonly sentBytes: Uint8Array[] = [];
  spawnRequested = false;
  started = false;
  spawnFailed = false;
  exited = false;
  terminated = false;
  readonly pipes = new Set<OutputStream>(["stdout", "stderr"]);
  outputPaused = false;
  outputCancelled = false;
  inputPaused = false;
  stdinClosed = false;
  stdinFailed = false;
  readonly stdinWrites: number[] = [];
  readonly sends: number[] = [];
  connClosed = false;
  halfClosed = false;
  completed = false;
  done = false;
  clientEnded = false;
  clientGone = false;
  shutDown = false;
  statusSent = false;
  readonly timers = new Set<ExchangeTimer>();
  readonly outputs = { stdout: 0, stderr: 0 };
  readonly given = { stdout: "", stderr: "" };
  readonly #maxOutputs: number;

  /** `maxOutputs` bounds the output events of each stream (to keep exhaustive searches finite). */
  constructor(options: ServerExchangeOptions = {}, maxOutputs = Infinity) {
    this.exchange = new ServerExchange(options);
    this.#maxOutputs = maxOutputs;
    this.#take();
  }

  /** Every event the world could deliver now. */
  enabled(tokens: readonly string[] = _SIM_TOKENS): _SimEvent[] {
    const out: _SimEvent[] = [];
    const connected = !this.connClosed && !this.clientGone;
    if (connected && !this.clientEnded && !this.inputPaused) {
      for (const data of tokens) out.push({ kind: "bytes", data });
    }
    if (connected && !this.clientEnded) out.push({ kind: "end" });
    if (connected) out.push({ kind: "gone" });
    if (this.spawnRequested && !this.started && !this.spawnFailed) {
      out.push({ kind: "spawned" }, { kind: "spawn-failed" });
    }
    if (this.started && !this.outputPaused && !this.outputCancelled) {
      for (const stream of this.pipes) {
        if (this.outputs[stream] < this.#maxOutputs) {
          out.push({ kind: "output", stream, data: stream === "stdout" ? "out" : "e" });
        }
        out.push({ kind: "output-end", stream });
      }
    }
    if (this.started && !this.exited) out.push({ kind: "exit" });
    if (this.sends.length > 0 && !this.clientGone) out.push({ kind: "sent" });
    if (this.stdinWrites.length > 0) {
      out.push({ kind: "stdin-done", written: !this.exited && !this.stdinClosed });
      if (!this.exited && !this.stdinClosed) out.push({ kind: "stdin-done", written: false });
    }
    for (const timer of this.timers) out.push({ kind: "timer", timer });
    if (!this.shutDown) out.push({ kind: "shutdown" });
    return out;
  }

  /** Deliver an event, carry out the actions, check them. */
  apply(event: _SimEvent): void {
    const x = this.exchange;
    switch (event.kind) {
      case "bytes":
        x.receive(Uint8Array.from(event.data, (c) => c.charCodeAt(0) & 0xff));
        break;
      case "end":
        this.clientEnded = true;
        x.receiveEnd();
        break;
      case "gone":
        this.clientGone = true;
        this.sends.length = 0;
        x.clientGone();
        break;
      case "spawned":
        this.started = true;
        x.spawned();
        break;
      case "spawn-failed":
        this.spawnFailed = true;
        x.spawnFailed(127, "netspawn: cannot run x: program not found\n");
        break;
      case "output":
        this.outputs[event.stream]++;
        this.given[event.stream] += event.data;
        x.output(event.stream, _ENC.encode(event.data));
        break;
      case "output-end":
        this.pipes.delete(event.stream);
        x.outputEnd(event.stream);
        break;
      case "exit":
        this.exited = true;
        x.exited(this.#status());
        break;
      case "sent":
        x.sent(this.sends.shift()!);
        break;
      case "stdin-done":
        if (!event.written) this.stdinFailed = true;
        x.stdinDone(this.stdinWrites.shift()!, event.written);
        break;
      case "timer":
        this.timers.delete(event.timer);
        x.timer(event.timer);
        break;
      case "shutdown":
        this.shutDown = true;
        x.shutdown();
        break;
    }
    this.#take();
  }

  /** Let a well-behaved world finish: the program ends, writes complete, the client reads to the end. */
  finish(maxSteps = 200): void {
    const order: _SimEvent["kind"][] = ["sent", "stdin-done", "spawned", "output-end", "exit", "end", "timer"];
    for (let step = 0; step < maxSteps && !this.done; step++) {
      const enabled = this.enabled([]);
      const next = order.map((kind) => enabled.find((e) => e.kind === kind)).find((e) => e !== undefined);
      if (next === undefined) break;
      this.apply(next);
    }
  }

  /** The bytes sent so far. */
  reply(): Uint8Array {
    return concatBytes(this.sentBytes);
  }

  #status(): ExitStatus {
    return this.terminated ? { exitCode: null, signal: "TERM" } : { exitCode: 0, signal: null };
  }

  #take(): void {
    for (const action of this.exchange.takeActions()) {
      this.log.push(action);
      this.#check(action);
      this.#carryOut(action);
    }
    this.#checkReply();
  }

  #carryOut(action: ExchangeAction): void {
    switch (action.type) {
      case "spawn":
        this.spawnRequested = true;
        break;
      case "write-stdin":
        this.stdinWrites.push(action.data.length);
        break;
      case "close-stdin":
        this.stdinClosed = true;
        break;
      case "send":
        this.sentBytes.push(action.data.slice());
        if (!this.clientGone) this.sends.push(action.data.length);
        this.#checkReply();
        break;
      case "half-close":
        this.halfClosed = true;
        break;
      case "complete":
        this.completed = true;
        break;
      case "close":
      case "abort":
        this.connClosed = true;
        break;
      case "terminate":
        this.terminated = true;
        break;
      case "pause-input":
        this.inputPaused = true;
        break;
      case "resume-input":
        this.inputPaused = false;
        break;
      case "pause-output":
        this.outputPaused = true;
        break;
      case "resume-output":
        this.outputPaused = false;
        break;
      case "cancel-output":
        this.outputCancelled = true;
        break;
      case "arm":
        this.timers.add(action.timer);
        break;
      case "disarm":
        this.timers.delete(action.timer);
        break;
      case "done":
        this.done = true;
        this.timers.clear();
        break;
    }
  }

  #check(action: ExchangeAction): void {
    const fail = (why: string) => {
      throw new Error(`${why}: ${action.type} after ${this.log.slice(0, -1).map((a) => a.type).join(" ")}`);
    };
    if (this.done) fail("an action after done");
    switch (action.type) {
      case "spawn":
        if (this.spawnRequested) fail("a second spawn");
        break;
      case "write-stdin":
        if (!this.started || this.stdinClosed || this.exited) fail("a write to a stdin that is not open");
        break;
      case "send":
        if (this.connClosed || this.halfClosed) fail("a send after close or half-close");
        if (this.statusSent) fail("a send after the status");
        break;
      case "half-close":
        if (!this.statusSent) fail("a half-close before the status");
        break;
      case "complete":
        if (!this.halfClosed || this.completed) fail("complete before the half-close, or twice");
        break;
      case "terminate":
        if (!this.spawnRequested) fail("terminate with no program");
        break;
      case "done":
        if (!this.connClosed) fail("done with the connection open");
        if (this.started && !this.exited) fail("done before the program was reaped");
        break;
      case "pause-output":
        if (this.outputPaused) fail("pause-output twice");
        break;
      case "resume-output":
        if (!this.outputPaused) fail("resume-output without a pause");
        break;
    }
  }

  #checkReply(): void {
    const { events, error } = runParser(new ResponseParser(), [this.reply()], { end: false });
    if (error !== undefined) throw new Error(`the reply breaks the protocol: ${error.message}`);
    const statuses = events.filter((e) => e.type === "status").length;
    if (statuses > 1) throw new Error("two status pairs");
    const first = statuses === 1 && !this.statusSent;
    this.statusSent = statuses === 1;
    if (this.statusSent && events.at(-1)?.type !== "status") throw new Error("output after the status");
    if (!first || this.spawnFailed) return;
    // The status is last: the program was reaped, its pipes ended (or were given up), all its output delivered.
    if (!this.exited) throw new Error("the status before the program was reaped");
    if (this.pipes.size > 0 && !this.outputCancelled) throw new Error("the status before the pipes ended");
    for (const stream of ["stdout", "stderr"] as const) {
      const got = events.flatMap((e) => (e.type === stream ? [new TextDecoder().decode(e.data)] : [])).join("");
      if (got !== this.given[stream]) {
        throw new Error(`${stream} lost: got ${got}, the program wrote ${this.given[stream]}`);
      }
    }
  }
}
