/**
 * Socket addresses as the runner and adapters write them:
 * `unix:/absolute/path`, `tcp://HOST:PORT`, `tcp://[::1]:PORT`.
 *
 * @module
 */

/** Where a server listens. */
export type Address =
  | { readonly transport: "unix"; readonly path: string }
  | { readonly transport: "tcp"; readonly hostname: string; readonly port: number };

/** An address that cannot be parsed. */
export class AddressError extends Error {
  /** Stable error code. */
  readonly code = "BAD_ADDRESS";

  /** Create an error naming the bad address. */
  constructor(text: string, why: string) {
    super(`bad address "${text}": ${why}`);
    this.name = "AddressError";
  }
}

/**
 * Parse `unix:/path`, `tcp://host:port` or `HOST:PORT` (TCP).
 *
 * @throws {AddressError} for anything else.
 * @example
 * ```ts
 * import { parseAddress } from "./address.ts";
 * const a = parseAddress("tcp://[::1]:7000");
 * console.assert(a.transport === "tcp" && a.hostname === "::1" && a.port === 7000);
 * ```
 */
export function parseAddress(text: string): Address {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (!path.startsWith("/")) throw new AddressError(text, "a UNIX socket path must be absolute");
    return { transport: "unix", path };
  }
  const m = /^(?:tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})$/.exec(text);
  if (m === null) throw new AddressError(text, "expected unix:/PATH or tcp://HOST:PORT");
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new AddressError(text, "port must be 1-65535");
  return { transport: "tcp", hostname: m[1].replace(/^\[|\]$/g, ""), port };
}

/**
 * The address in the form {@linkcode parseAddress} reads.
 *
 * @example
 * ```ts
 * import { formatAddress } from "./address.ts";
 * console.assert(formatAddress({ transport: "tcp", hostname: "::1", port: 1 }) === "tcp://[::1]:1");
 * ```
 */
export function formatAddress(address: Address): string {
  if (address.transport === "unix") return `unix:${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `tcp://${host}:${address.port}`;
}

/**
 * Whether a TCP host is this machine (so files and pids are shared).
 *
 * @example
 * ```ts
 * import { isLoopback } from "./address.ts";
 * console.assert(isLoopback("127.0.0.1") && isLoopback("::1") && !isLoopback("192.0.2.1"));
 * ```
 */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\./.test(hostname);
}

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
