// A scripted stand-in for a netspawn server, for the client's tests (private: public examples use a real server).
// It runs nothing: each connection is handed to a script that reads the request
// with the protocol core's RequestParser and answers with its ResponseWriter or
// with literal bytes. node:net only, so the tests run under Deno and Node.js.

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  concatBytes,
  type ExitStatus,
  type OutputStream,
  type RequestEvent,
  RequestParser,
  ResponseWriter,
} from "../../protocol/mod.ts";

/** Bytes of stdin a fake connection queues before it stops reading. */
const _QUEUE_LIMIT = 1024 * 1024;

/** A request as the fake server received it. */
export interface _FakeRequest {
  /** argv, decoded as UTF-8. */
  readonly argv: string[];
  /** All stdin bytes. */
  readonly stdin: Uint8Array;
  /** How stdin ended. */
  readonly end: "marker" | "eof";
}

/** One client connection of the fake server. */
export class _FakeConnection {
  /** The socket, for tests that need raw control. */
  readonly socket: Socket;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  readonly #parser = new RequestParser();
  readonly #events: RequestEvent[] = [];
  #queued = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  #error: unknown;
  readonly #writer = new ResponseWriter();

  /** Wrap an accepted socket. */
  constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("error", (error) => {
      this.#error ??= error;
      this.#onEnd();
    });
  }

  /** The next request event (copies of stdin data), or "closed" after the end. */
  async event(): Promise<RequestEvent> {
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) {
        if (event.type === "stdin") this.#queued -= event.data.length;
        if (this.#queued < _QUEUE_LIMIT / 2) this.socket.resume();
        return event;
      }
      if (this.#ended) return { type: "closed" };
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** Wait for argv; returns it decoded as UTF-8. */
  async argv(): Promise<string[]> {
    for (;;) {
      const event = await this.event();
      if (event.type === "argv") return event.argv.map((a) => new TextDecoder().decode(a));
      if (event.type === "closed") throw new Error(`fake server: connection ended before argv (${this.#error})`);
    }
  }

  /** Read stdin to its end; `keep: false` counts the bytes without keeping them. */
  async stdin(keep = true): Promise<{ bytes: Uint8Array; length: number; end: "marker" | "eof" }> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const event = await this.event();
      if (event.type === "stdin") {
        length += event.data.length;
        if (keep) parts.push(event.data);
      } else if (event.type === "stdin-end") {
        return { bytes: concatBytes(parts), length, end: event.cause };
      } else if (event.type === "closed") {
        throw new Error(`fake server: connection ended inside stdin (${this.#error})`);
      }
    }
  }

  /** Read the whole request: argv, then stdin to its end. */
  async request(): Promise<_FakeRequest> {
    const argv = await this.argv();
    const { bytes, end } = await this.stdin();
    return { argv, stdin: bytes, end };
  }

  /** Write raw bytes; resolves when the socket took them. */
  write(bytes: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Send an output pair. */
  output(stream: OutputStream, data: Uint8Array | string): Promise<void> {
    const bytes = this.#writer.output(stream, data);
    return bytes.length === 0 ? Promise.resolve() : this.write(bytes);
  }

  /** Send the status pair. */
  status(status: ExitStatus): Promise<void> {
    return this.write(this.#writer.status(status));
  }

  /** Send output pairs and the status pair, then close. */
  async reply(output: readonly [OutputStream, string | Uint8Array][], status: ExitStatus): Promise<void> {
    for (const [stream, data] of output) await this.output(stream, data);
    await this.status(status);
    this.end();
  }

  /** Close gracefully (the client reads to the end). */
  end(): void {
    this.socket.end();
  }

  #onData(chunk: Uint8Array): void {
    this.#parser.push(chunk);
    for (let event = this.#parser.next(); event !== undefined; event = this.#parser.next()) {
      if (event.type === "stdin") {
        const copy = new Uint8Array(event.data);
        this.#queued += copy.length;
        this.#events.push({ type: "stdin", data: copy });
      } else {
        this.#events.push(event);
      }
    }
    if (this.#queued >= _QUEUE_LIMIT) this.socket.pause();
    this.#notify();
  }

  #onEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      this.#parser.end();
      for (let event = this.#parser.next(); event !== undefined; event = this.#parser.next()) this.#events.push(event);
    } catch (error) {
      this.#error ??= error;
    }
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** What a fake server does with each connection. */
export type _FakeScript = (conn: _FakeConnection) => Promise<void> | void;

/** A running fake server. */
export interface _FakeServer extends AsyncDisposable {
  /** Its address: `unix:/tmp/…/server.sock` or `tcp://127.0.0.1:PORT`. */
  readonly address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resolves with the next connection's script outcome (rejects if the script threw). */
  readonly done: Promise<void>;
  /** Stop listening, destroy open connections, remove the socket directory; rethrows a script's error. */
  close(): Promise<void>;
}

/**
 * Start a fake server on a UNIX socket in a new temporary directory (or on
 * 127.0.0.1 with `transport: "tcp"`, or `::1` with `"tcp6"`). Each connection
 * runs `script`; an exception in a script is rethrown by `close()`.
 */
export async function _startFakeServer(
  script: _FakeScript,
  options: { transport?: "unix" | "tcp" | "tcp6" } = {},
): Promise<_FakeServer> {
  const transport = options.transport ?? "unix";
  const sockets = new Set<Socket>();
  const errors: unknown[] = [];
  let accepted = 0;
  let doneResolve: () => void = () => {};
  let doneReject: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    doneResolve = resolve;
    doneReject = reject;
  });
  done.catch(() => {});
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const conn = new _FakeConnection(socket);
    Promise.resolve().then(() => script(conn)).then(doneResolve, (error) => {
      errors.push(error);
      doneReject(error);
      socket.destroy();
    });
  });
  const dir = transport === "unix" ? await mkdtemp(join(tmpdir(), "netspawn-ts-")) : undefined;
  const address = await _listen(server, transport, dir);
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (errors.length > 0) throw errors[0];
  };
  return {
    address,
    get accepted() {
      return accepted;
    },
    done,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function _listen(server: Server, transport: "unix" | "tcp" | "tcp6", dir: string | undefined): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (dir !== undefined) server.listen(join(dir, "server.sock"), () => resolve());
    else server.listen(0, transport === "tcp6" ? "::1" : "127.0.0.1", () => resolve());
  });
  if (dir !== undefined) return `unix:${join(dir, "server.sock")}`;
  const info = server.address();
  if (info === null || typeof info === "string") throw new Error("fake server: no TCP address");
  return transport === "tcp6" ? `tcp://[::1]:${info.port}` : `tcp://127.0.0.1:${info.port}`;
}
