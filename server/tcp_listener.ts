/**
 * TCP listeners: IPv4 or IPv6, loopback unless the risk is accepted.
 *
 * @module
 */

import { type Address, formatAddress, isLoopbackHost } from "../protocol/mod.ts";
import { ServerError } from "./errors.ts";

/** A TCP address to listen on. */
export type TcpAddress = Address & { readonly transport: "tcp" };

/**
 * Listen on a TCP address. Accepted connections get TCP_NODELAY from the
 * session, which sends small pairs.
 *
 * @throws {ServerError} `NON_LOOPBACK` or `BIND_FAILED`.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { bindTcp } from "./tcp_listener.ts";
 * const listener = bindTcp({ transport: "tcp", hostname: "127.0.0.1", port: 0 }, 100, false);
 * assert(listener.addr.port > 0);
 * listener.close();
 * ```
 */
export function bindTcp(
  address: TcpAddress,
  backlog: number,
  allowNonLoopback: boolean,
): Deno.TcpListener {
  checkExposure(address, allowNonLoopback);
  try {
    return Deno.listen({ transport: "tcp", hostname: address.hostname, port: address.port, tcpBacklog: backlog });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ServerError("BIND_FAILED", `cannot listen on ${formatAddress(address)}: ${message}`, {
      cause: error,
    });
  }
}

/**
 * Refuse a non-loopback address unless the caller accepted the risk.
 *
 * @throws {ServerError} `NON_LOOPBACK`.
 * @example
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkExposure } from "./tcp_listener.ts";
 * checkExposure({ transport: "tcp", hostname: "127.0.0.1", port: 0 }, false);
 * assertThrows(() => checkExposure({ transport: "tcp", hostname: "0.0.0.0", port: 7000 }, false));
 * ```
 */
export function checkExposure(address: TcpAddress, allowNonLoopback: boolean): void {
  if (allowNonLoopback || isLoopbackHost(address.hostname)) return;
  throw new ServerError(
    "NON_LOOPBACK",
    `refusing to listen on ${
      formatAddress(address)
    }: it is not a loopback address and the protocol has no authentication; pass --allow-non-loopback to accept the risk`,
  );
}
