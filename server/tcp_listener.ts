/**
 * TCP listeners: IPv4 or IPv6, loopback unless the risk is accepted.
 *
 * @module
 */

import { checkExposure } from "./address.ts";
import { ServerError } from "./errors.ts";
import type { TcpListenAddress } from "./options.ts";

/**
 * Listen on a TCP address. Accepted connections get TCP_NODELAY from the
 * session, which sends small frames.
 *
 * @throws {ServerError} `NON_LOOPBACK` or `BIND_FAILED`.
 * @example
 * ```ts
 * import { bindTcp } from "./tcp_listener.ts";
 * const listener = bindTcp({ transport: "tcp", hostname: "127.0.0.1", port: 0 }, 100, false);
 * console.assert(listener.addr.port > 0);
 * listener.close();
 * ```
 */
export function bindTcp(
  address: TcpListenAddress,
  backlog: number,
  allowNonLoopback: boolean,
): Deno.TcpListener {
  checkExposure(address, allowNonLoopback);
  try {
    return Deno.listen({ transport: "tcp", hostname: address.hostname, port: address.port, tcpBacklog: backlog });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ServerError("BIND_FAILED", `cannot listen on ${address.hostname}:${address.port}: ${message}`, {
      cause: error,
    });
  }
}
