// The client's socket (private): node:net, so the same code runs in Deno, Node.js and Bun.

import { Socket } from "node:net";
import type { Address } from "../../protocol/mod.ts";

/** Write errors that mean "the server closed the connection", not "the call failed". */
const _PEER_CLOSED = new Set(["EPIPE", "ECONNRESET"]);

/** Completion callback of a stream write. */
type _WriteCallback = (error?: Error | null) => void;

/**
 * A socket whose failed writes do not destroy it. When the server has sent
 * its whole reply and closed, a write of stdin the program never read fails
 * with EPIPE or ECONNRESET; a plain `net.Socket` would then destroy itself and
 * drop the reply that is still waiting to be read. This one records the
 * failure in {@linkcode _ExecSocket.writeClosed} and keeps reading to the end.
 */
export class _ExecSocket extends Socket {
  #writeClosed = false;
  #tcp = false;
  #resetSeen = false;

  /** True once a write failed because the server closed the connection. */
  get writeClosed(): boolean {
    return this.#writeClosed;
  }

  /** Connect to `address`. */
  open(address: Address): void {
    if (address.transport === "unix") {
      this.connect({ path: address.path });
    } else {
      this.#tcp = true;
      this.connect({ port: address.port, host: address.hostname });
      this.once("connect", () => this.setNoDelay(true));
    }
  }

  /**
   * A reset by the server (ECONNRESET: it closed with stdin it never read
   * still queued) is its end of the reply: bytes already read but not yet
   * delivered to a paused reader are delivered first, then `end`, instead of
   * being dropped with the socket.
   */
  override destroy(error?: Error): this {
    if (error !== undefined && _errorCode(error) === "ECONNRESET" && !this.#resetSeen && this.readableLength > 0) {
      this.#resetSeen = true;
      this.push(null);
      return this;
    }
    return super.destroy(error);
  }

  /**
   * Close at once, dropping unsent data. Over TCP the connection is reset
   * (RST), which a server can tell apart from a half-close (a FIN): the
   * clearest "the client is gone" a TCP client can send.
   */
  abandon(): void {
    if (this.#tcp && !this.connecting && !this.destroyed && typeof this.resetAndDestroy === "function") {
      this.resetAndDestroy();
    } else {
      this.destroy();
    }
  }

  /** Write `chunk`; resolves once the socket accepted it (false if the server closed the connection). */
  send(chunk: Uint8Array): Promise<boolean> {
    return new Promise((resolve) => {
      this.write(chunk, (error) => resolve(!error && !this.#writeClosed));
    });
  }

  override _write(chunk: Uint8Array, encoding: BufferEncoding, callback: _WriteCallback): void {
    super._write(chunk, encoding, this.#guard(callback));
  }

  override _writev(chunks: Array<{ chunk: Uint8Array; encoding: BufferEncoding }>, callback: _WriteCallback): void {
    const parent = Socket.prototype._writev;
    if (parent !== undefined) return parent.call(this, chunks, this.#guard(callback));
    this.#writeEach(chunks, 0, callback);
  }

  #writeEach(chunks: Array<{ chunk: Uint8Array; encoding: BufferEncoding }>, i: number, done: _WriteCallback): void {
    if (i === chunks.length) return done();
    this._write(chunks[i].chunk, chunks[i].encoding, (error) => {
      if (error) return done(error);
      this.#writeEach(chunks, i + 1, done);
    });
  }

  #guard(callback: _WriteCallback): _WriteCallback {
    return (error) => {
      if (error && _PEER_CLOSED.has(_errorCode(error) ?? "")) {
        this.#writeClosed = true;
        return callback();
      }
      callback(error);
    };
  }
}

/** The `code` of a system error (`ENOENT`, `ECONNREFUSED`, …), if it has one. */
export function _errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
