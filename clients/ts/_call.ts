// One request on one connection (private): the socket driving the protocol core's machines.

import {
  type Arg,
  type ExitStatus,
  type OutputStream,
  ProtocolError,
  RequestWriter,
  ResponseParser,
} from "../../protocol/mod.ts";
import { type Address, formatAddress } from "../../protocol/mod.ts";
import {
  AbortedError,
  ClosedWithoutStatusError,
  ConnectError,
  OutputLimitError,
  ProtocolViolationError,
  StdinClosedError,
  TimeoutError,
} from "./errors.ts";
import type { StdinSource } from "./options.ts";
import { _OutputChannel } from "./_output_channel.ts";
import { _RecentBytes } from "./_recent_bytes.ts";
import type { _Settings } from "./_settings.ts";
import { _errorCode, _ExecSocket } from "./_socket.ts";
import { _spawnFailure, _STDERR_HEAD } from "./_spawn_failure.ts";
import { _stdinChunks } from "./_stdin_source.ts";

/** Largest stdin netstring the client sends; bigger writes are split (servers limit netstring sizes). */
export const _STDIN_PIECE = 64 * 1024;

/** Bytes the stdin stream queues before `writer.ready` waits. */
const _STDIN_HIGH_WATER_MARK = 64 * 1024;

/**
 * A request in flight. The request writer turns argv and stdin into bytes;
 * the response parser turns the server's bytes into output and status
 * events. Every way the call can end goes through `#finish` (the reply is
 * complete) or `#fail` (anything else), which release the socket, timer and
 * listeners exactly once.
 */
export class _Call {
  /** The program's stdin. */
  readonly stdin: WritableStream<Uint8Array>;
  /** The program's stdout. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The program's stderr. */
  readonly stderr: ReadableStream<Uint8Array>;
  /** How the program ended; settles when the reply is complete or the call fails. */
  readonly status: Promise<ExitStatus>;

  readonly #address: Address;
  readonly #writer = new RequestWriter();
  readonly #parser = new ResponseParser();
  readonly #recent = new _RecentBytes();
  readonly #out: Record<OutputStream, _OutputChannel>;
  readonly #maxOutput: number;
  readonly #socket: _ExecSocket | undefined;
  #stdinController: WritableStreamDefaultController | undefined;
  #released: () => void = () => {};
  readonly #ended = new Promise<false>((resolve) => this.#released = () => resolve(false));
  #resolve: (status: ExitStatus) => void = () => {};
  #reject: (error: unknown) => void = () => {};
  #done = false;
  #connected = false;
  #paused = false;
  #exit: ExitStatus | undefined;
  #outputBytes = 0;
  #stdoutBytes = 0;
  #stderrHead: Uint8Array = new Uint8Array(0);
  #readError: unknown;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #unlisten: (() => void)[] = [];

  /**
   * Start the call: connect, send argv, and (per the settings) stdin.
   * @throws {UsageError} `INVALID_ARGUMENT` for an argv the protocol cannot carry.
   */
  constructor(address: Address, argv: readonly Arg[], settings: _Settings) {
    const head = this.#writer.argv(argv);
    this.#address = address;
    this.#maxOutput = settings.maxOutput;
    this.status = new Promise<ExitStatus>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.status.catch(() => {}); // a caller that only reads the streams must not get an unhandled rejection
    const onRoom = () => this.#resumeIfRoom();
    this.#out = { stdout: new _OutputChannel(onRoom), stderr: new _OutputChannel(onRoom) };
    this.stdout = this.#out.stdout.stream;
    this.stderr = this.#out.stderr.stream;
    this.stdin = this.#stdinStream();
    const aborted = settings.signals.find((s) => s.aborted);
    if (aborted !== undefined) {
      this.#fail(new AbortedError(aborted.reason));
      return;
    }
    this.#socket = this.#openSocket(address, head);
    this.#watch(settings);
    if (settings.stdin.kind === "null") this.#closeStdin();
    if (settings.stdin.kind === "source") this.#pump(settings.stdin.source);
  }

  /** Cancel the call: close the connection (the server terminates the program); fails with ABORTED. */
  abort(reason?: unknown): void {
    this.#fail(new AbortedError(reason));
  }

  #stdinStream(): WritableStream<Uint8Array> {
    return new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#stdinController = controller;
        },
        write: (chunk) => this.#writeStdin(chunk),
        close: () => this.#send([this.#writer.stdinEnd()]),
        abort: (reason) => this.#fail(new AbortedError(reason)),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: _STDIN_HIGH_WATER_MARK }),
    );
  }

  #openSocket(address: Address, head: Uint8Array): _ExecSocket {
    const socket = new _ExecSocket();
    socket.on("connect", () => {
      this.#connected = true;
    });
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#endOfInput());
    socket.on("close", () => this.#endOfInput());
    socket.on("error", (error: Error) => this.#onSocketError(error));
    try {
      socket.open(address);
    } catch (error) {
      queueMicrotask(() => this.#fail(new ConnectError(formatAddress(address), _errorCode(error), { cause: error })));
      return socket;
    }
    socket.write(head);
    return socket;
  }

  #watch(settings: _Settings): void {
    if (settings.timeout !== Infinity) {
      const timeout = settings.timeout;
      this.#timer = setTimeout(() => this.#fail(new TimeoutError(timeout)), timeout);
    }
    for (const signal of settings.signals) {
      const onAbort = () => this.#fail(new AbortedError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlisten.push(() => signal.removeEventListener("abort", onAbort));
    }
  }

  /** End stdin at once; the stream stays unlocked (and closed). */
  #closeStdin(): void {
    const writer = this.stdin.getWriter();
    writer.close().catch(() => {});
    writer.releaseLock();
  }

  /** Send a stdin source through the stdin stream, then end stdin. */
  async #pump(source: StdinSource): Promise<void> {
    const writer = this.stdin.getWriter();
    try {
      for await (const chunk of _stdinChunks(source)) {
        await writer.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      }
      await writer.close();
    } catch (error) {
      // A closed stdin means the reply is complete or the call already failed: the status tells.
      if (!this.#done && !(error instanceof StdinClosedError)) this.#fail(new AbortedError(error));
    } finally {
      writer.releaseLock();
    }
  }

  async #writeStdin(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("stdin chunks must be Uint8Array");
    for (let at = 0; at < chunk.length; at += _STDIN_PIECE) {
      await this.#send(this.#writer.stdin(chunk.subarray(at, at + _STDIN_PIECE)));
    }
  }

  /** Write parts; resolves when the socket took the last one. */
  async #send(parts: readonly Uint8Array[]): Promise<void> {
    const socket = this.#socket;
    if (this.#done || socket === undefined || socket.writeClosed) throw new StdinClosedError();
    if (parts.length === 0) return;
    for (const part of parts.slice(0, -1)) socket.write(part);
    const accepted = await Promise.race([socket.send(parts[parts.length - 1]), this.#ended]);
    if (!accepted) throw new StdinClosedError();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#done) return;
    this.#recent.push(chunk);
    this.#parser.push(chunk);
    this.#drain();
  }

  #onSocketError(error: Error): void {
    if (this.#done) return;
    if (!this.#connected) {
      this.#fail(new ConnectError(formatAddress(this.#address), _errorCode(error), { cause: error }));
      return;
    }
    this.#readError = error;
    this.#endOfInput();
  }

  /** The server closed the connection (or it broke): the reply ends here. */
  #endOfInput(): void {
    if (this.#done) return;
    if (!this.#connected) {
      this.#fail(new ConnectError(formatAddress(this.#address), undefined, { cause: this.#readError }));
      return;
    }
    this.#parser.end();
    this.#drain();
  }

  /** Pull every event the parser has; act on each. */
  #drain(): void {
    for (;;) {
      let event;
      try {
        event = this.#parser.next();
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.#fail(this.#protocolFailure(error));
        return;
      }
      if (event === undefined) break;
      if (event.type === "status") {
        this.#exit = event.status;
      } else if (event.type === "end") {
        this.#finish();
        return;
      } else if (!this.#output(event.type, event.data)) {
        return;
      }
    }
    if (this.#out.stdout.full || this.#out.stderr.full) {
      this.#paused = true;
      this.#socket?.pause();
    }
  }

  #output(stream: OutputStream, data: Uint8Array): boolean {
    this.#outputBytes += data.length;
    if (this.#outputBytes > this.#maxOutput) {
      this.#fail(new OutputLimitError(this.#maxOutput));
      return false;
    }
    if (stream === "stdout") {
      this.#stdoutBytes += data.length;
    } else if (this.#stderrHead.length < _STDERR_HEAD) {
      const head = new Uint8Array(Math.min(_STDERR_HEAD, this.#stderrHead.length + data.length));
      head.set(this.#stderrHead);
      head.set(data.subarray(0, head.length - this.#stderrHead.length), this.#stderrHead.length);
      this.#stderrHead = head;
    }
    this.#out[stream].enqueue(data);
    return true;
  }

  #resumeIfRoom(): void {
    if (!this.#paused || this.#done || this.#out.stdout.full || this.#out.stderr.full) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  #protocolFailure(error: ProtocolError): Error {
    const cause = this.#readError ?? error;
    if (error.code === "CLOSED_WITHOUT_STATUS") return new ClosedWithoutStatusError(this.#recent.total, { cause });
    const { bytes, start } = this.#recent.around(error.offset);
    return new ProtocolViolationError(error.code, error.offset, error.message, bytes, start, { cause });
  }

  /** The reply is complete. */
  #finish(): void {
    const exit = this.#exit!;
    this.#release();
    const failure = _spawnFailure(exit, this.#stdoutBytes, this.#stderrHead);
    this.#out.stdout.close();
    this.#out.stderr.close();
    this.#stdinController?.error(new StdinClosedError());
    if (failure === undefined) this.#resolve(exit);
    else this.#reject(failure);
  }

  /** The call failed (or was cancelled). */
  #fail(error: Error): void {
    if (this.#done) return;
    this.#release(true);
    this.#out.stdout.error(error);
    this.#out.stderr.error(error);
    this.#stdinController?.error(error);
    this.#reject(error);
  }

  /** Release everything the call holds; `abandon` resets a TCP connection rather than closing it. */
  #release(abandon = false): void {
    this.#done = true;
    this.#released();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const unlisten of this.#unlisten) unlisten();
    if (abandon) this.#socket?.abandon();
    else this.#socket?.destroy();
  }
}
