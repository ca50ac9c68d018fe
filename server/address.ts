/**
 * TCP addresses as the command line writes them (`HOST:PORT`,
 * `[IPv6]:PORT`) and the loopback test that guards non-local listeners.
 *
 * @module
 */

import { isLoopbackHost } from "../protocol/mod.ts";
import { ServerError } from "./errors.ts";
import type { TcpListenAddress } from "./options.ts";

/**
 * Parse `HOST:PORT`, `[IPV6]:PORT` or `:PORT` (loopback 127.0.0.1).
 *
 * @throws {ServerError} `USAGE` for anything else.
 * @example
 * ```ts
 * import { parseTcpAddress } from "./address.ts";
 * console.assert(parseTcpAddress("[::1]:7000").hostname === "::1");
 * console.assert(parseTcpAddress("127.0.0.1:0").port === 0);
 * ```
 */
export function parseTcpAddress(text: string): TcpListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\[\]:]*)):([0-9]{1,5})$/.exec(text);
  if (match === null) {
    throw new ServerError("USAGE", `TCP address must be HOST:PORT or [IPV6]:PORT, got ${JSON.stringify(text)}`);
  }
  const port = Number(match[3]);
  if (port > 65535) throw new ServerError("USAGE", `TCP port must be from 0 to 65535, got ${port}`);
  const hostname = match[1] ?? (match[2] === "" ? "127.0.0.1" : match[2]);
  return { transport: "tcp", hostname, port };
}

/**
 * Refuse a non-loopback address unless the caller accepted the risk.
 *
 * @throws {ServerError} `NON_LOOPBACK`.
 * @example
 * ```ts
 * import { checkExposure } from "./address.ts";
 * checkExposure({ transport: "tcp", hostname: "127.0.0.1", port: 0 }, false);
 * ```
 */
export function checkExposure(address: TcpListenAddress, allowNonLoopback: boolean): void {
  if (allowNonLoopback || isLoopbackHost(address.hostname)) return;
  throw new ServerError(
    "NON_LOOPBACK",
    `refusing to listen on ${address.hostname}:${address.port}: it is not a loopback address and the protocol has no authentication; pass --allow-non-loopback to accept the risk`,
  );
}
