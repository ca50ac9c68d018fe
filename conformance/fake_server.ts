/**
 * The scripted fake server of client vectors: it accepts one connection,
 * records and decodes the request the client sends (with the protocol core's
 * request parser), and plays its script — send bytes, pause, close, or hang.
 *
 * @module
 */

import { type Address, ProtocolError, RequestParser } from "../protocol/mod.ts";
import { delay } from "./async.ts";
import { bytesOf, concatBytes } from "./bytes.ts";
import type { FakeServerStep } from "./vector.ts";

/** What the client sent. */
export interface RecordedRequest {
  /** argv, once complete. */
  argv: Uint8Array[] | null;
  /** Every stdin byte. */
  stdin: Uint8Array;
  /** How stdin ended: the end marker, a half-close, or not at all. */
  end: "marker" | "eof" | null;
  /** The request broke the protocol. */
  error: ProtocolError | null;
  /** Connections accepted (a client should open one). */
  connections: number;
}

/** A running fake server. */
export interface FakeServer {
  /** Where it listens. */
  readonly address: Address;
  /** Resolves when the script has been played (or could not be). */
  readonly done: Promise<void>;
  /** What the client sent so far. */
  readonly request: RecordedRequest;
  /** Stop listening and close the connection. */
  close(): Promise<void>;
}

/** Options of {@linkcode startFakeServer}. */
export interface FakeServerOptions {
  /** Listen on a UNIX socket at this path, or on 127.0.0.1 when absent. */
  readonly socketPath?: string;
  /** Longest wait for the client's connection or request. */
  readonly timeoutMs: number;
}

/**
 * Start a fake server that plays `script` to the first client.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startFakeServer } from "./fake_server.ts";
 * const fake = await startFakeServer([{ awaitRequest: true }, { send: "8:exitcode,1:0," }, { close: true }], {
 *   timeoutMs: 5000,
 * });
 * // A client: a request, then everything until the server closes.
 * const address = fake.address as { hostname: string; port: number };
 * const conn = await Deno.connect({ hostname: address.hostname, port: address.port });
 * await conn.write(new TextEncoder().encode("1:1,4:true,0:,"));
 * const reply = new Response(conn.readable).text();
 * await fake.done;
 * assertEquals(await reply, "8:exitcode,1:0,");
 * assertEquals(fake.request.argv?.map((a) => new TextDecoder().decode(a)), ["true"]);
 * assertEquals([fake.request.end, fake.request.connections], ["marker", 1]);
 * await fake.close();
 * ```
 */
export function startFakeServer(script: readonly FakeServerStep[], options: FakeServerOptions): Promise<FakeServer> {
  const listener = options.socketPath
    ? Deno.listen({ transport: "unix", path: options.socketPath })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address: Address = options.socketPath
    ? { transport: "unix", path: options.socketPath }
    : { transport: "tcp", hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port };
  const request: RecordedRequest = { argv: null, stdin: new Uint8Array(0), end: null, error: null, connections: 0 };
  const conns: Deno.Conn[] = [];
  let wake: () => void = () => {};
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        request.connections++;
        conns.push(conn);
        if (conns.length === 1) {
          _record(conn, request, () => wake());
          wake();
        }
      }
    } catch {
      // Listener closed.
    }
  })();
  const until = async (check: () => boolean) => {
    const end = performance.now() + options.timeoutMs;
    while (!check() && performance.now() < end) {
      await Promise.race([changed(), delay(Math.max(1, end - performance.now()))]);
    }
    return check();
  };
  const done = (async () => {
    if (!await until(() => conns.length > 0)) return;
    const conn = conns[0];
    for (const step of script) {
      if ("awaitRequest" in step) {
        await until(() => request.end !== null || request.error !== null);
      } else if ("send" in step) {
        try {
          for (let b = bytesOf(step.send); b.length > 0;) b = b.subarray(await conn.write(b));
        } catch {
          return;
        }
      } else if ("delayMs" in step) {
        await delay(step.delayMs);
      } else if ("close" in step) {
        _close(conn);
        return;
      } else {
        return; // hang: keep the connection open until close()
      }
    }
    _close(conn);
  })();
  return Promise.resolve({
    address,
    done,
    request,
    close: async () => {
      _close(listener);
      for (const c of conns) _close(c);
      await accepting;
      await done;
    },
  });
}

function _record(conn: Deno.Conn, request: RecordedRequest, changed: () => void): void {
  const parser = new RequestParser();
  const stdin: Uint8Array[] = [];
  const pull = () => {
    for (let e = parser.next(); e !== undefined; e = parser.next()) {
      if (e.type === "argv") request.argv = [...e.argv];
      else if (e.type === "stdin") stdin.push(e.data.slice());
      else if (e.type === "stdin-end") request.end = e.cause;
    }
  };
  (async () => {
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) {
          parser.end();
          pull();
          return;
        }
        parser.push(buffer.slice(0, n));
        pull();
        request.stdin = concatBytes(stdin);
        changed();
      }
    } catch (error) {
      if (error instanceof ProtocolError) request.error = error;
    } finally {
      request.stdin = concatBytes(stdin);
      changed();
    }
  })();
}

function _close(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed.
  }
}
