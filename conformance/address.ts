/**
 * Reaching servers: connecting to an address, and finding a free TCP port.
 * The address forms themselves (`unix:/path`, `tcp://HOST:PORT`) are the
 * protocol core's (`protocol/address.ts`).
 *
 * @module
 */

import type { Address } from "../protocol/mod.ts";

/**
 * Connect to an address (TCP with TCP_NODELAY).
 *
 * @example
 * ```ts ignore
 * import { connect } from "./address.ts";
 * const conn = await connect({ transport: "unix", path: "/run/netspawn.sock" });
 * conn.close();
 * ```
 */
export async function connect(address: Address): Promise<Deno.Conn> {
  if (address.transport === "unix") return await Deno.connect({ transport: "unix", path: address.path });
  const conn = await Deno.connect({ transport: "tcp", hostname: address.hostname, port: address.port });
  conn.setNoDelay(true);
  return conn;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (for a server to bind,
 * or for a client to find nothing listening).
 *
 * @example
 * ```ts ignore
 * import { unusedTcpPort } from "./address.ts";
 * console.log(unusedTcpPort());
 * ```
 */
export function unusedTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
