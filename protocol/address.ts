/**
 * Server addresses as text: where a client connects, and whether a TCP host
 * is this machine. Pure parsing; connecting is the caller's business.
 *
 * | text | meaning |
 * |---|---|
 * | `unix:/run/netspawn.sock` | a UNIX socket (relative paths allowed: `unix:run/x.sock`) |
 * | `/run/netspawn.sock`, `./x.sock`, `x.sock` | a bare path: a UNIX socket |
 * | `tcp://127.0.0.1:7000`, `tcp://localhost:7000` | TCP to a host name or IPv4 address |
 * | `tcp://[::1]:7000`, `[::1]:7000` | TCP to an IPv6 address |
 *
 * {@linkcode formatAddress} writes the canonical form (`unix:PATH`,
 * `tcp://HOST:PORT`, `tcp://[V6]:PORT`), which the server prints and logs
 * and every parser here reads back. A server's `--tcp` value is read by
 * {@linkcode parseTcpAddress}, which also takes `HOST:PORT` without the
 * scheme, `:PORT`, and port 0 (any free port).
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** A parsed address: a UNIX socket path, or a TCP host and port. */
export type Address =
  /** A UNIX stream socket. */
  | { readonly transport: "unix"; readonly path: string }
  /** A TCP endpoint; `hostname` is a name, an IPv4 address, or an IPv6 address without brackets. */
  | { readonly transport: "tcp"; readonly hostname: string; readonly port: number };

/**
 * Parse an address (see the module documentation for the forms).
 *
 * @throws {UsageError} `INVALID_ARGUMENT` for an empty address, a bad port, or a malformed `tcp://` or `[…]` form.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { parseAddress } from "./address.ts";
 * const tcp = parseAddress("tcp://[::1]:7000");
 * assert(tcp.transport === "tcp" && tcp.hostname === "::1" && tcp.port === 7000);
 * const unix = parseAddress("/run/netspawn.sock");
 * assert(unix.transport === "unix" && unix.path === "/run/netspawn.sock");
 * ```
 */
export function parseAddress(text: string): Address {
  if (typeof text !== "string" || text === "") throw _invalid(text, "an address must not be empty");
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length);
    if (path === "") throw _invalid(text, "the socket path is empty");
    return { transport: "unix", path };
  }
  if (text.startsWith("tcp://")) return _parseHostPort(text, text.slice("tcp://".length));
  if (text.startsWith("[")) return _parseHostPort(text, text);
  return { transport: "unix", path: text };
}

/**
 * The canonical text of an address: `unix:PATH`, `tcp://HOST:PORT`, or
 * `tcp://[V6]:PORT`. Parsing it gives the same address back.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { formatAddress, parseAddress } from "./address.ts";
 * assert(formatAddress(parseAddress("[::1]:7000")) === "tcp://[::1]:7000");
 * assert(formatAddress(parseAddress("x.sock")) === "unix:x.sock");
 * ```
 */
export function formatAddress(address: Address): string {
  if (address.transport === "unix") return `unix:${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `tcp://${host}:${address.port}`;
}

/**
 * An address given as text or already parsed, checked and parsed.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` as {@linkcode parseAddress} does, or for a malformed object.
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { toAddress } from "./address.ts";
 * assert(toAddress("unix:/x").transport === "unix");
 * assert(toAddress({ transport: "tcp", hostname: "127.0.0.1", port: 1 }).transport === "tcp");
 * ```
 */
export function toAddress(address: string | Address): Address {
  if (typeof address === "string") return parseAddress(address);
  if (address?.transport === "unix" && typeof address.path === "string" && address.path !== "") return address;
  if (address?.transport === "tcp" && typeof address.hostname === "string" && address.hostname !== "") {
    _checkPort(String(address.port), address.port);
    return address;
  }
  throw new UsageError(
    "INVALID_ARGUMENT",
    "an address must be a string, {transport:'unix',path} or {transport:'tcp',hostname,port}",
  );
}

/**
 * A TCP address a server listens on: `HOST:PORT`, `[V6]:PORT`, `:PORT`
 * (127.0.0.1), or any of those after `tcp://`. Port 0 asks for any free port.
 *
 * @throws {UsageError} `INVALID_ARGUMENT` for anything else.
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseTcpAddress } from "./address.ts";
 * assertEquals(parseTcpAddress("[::1]:7000"), { transport: "tcp", hostname: "::1", port: 7000 });
 * assertEquals(parseTcpAddress(":0"), { transport: "tcp", hostname: "127.0.0.1", port: 0 });
 * assertEquals(parseTcpAddress("tcp://127.0.0.1:7001").port, 7001);
 * ```
 */
export function parseTcpAddress(text: string): Address & { readonly transport: "tcp" } {
  const rest = text.startsWith("tcp://") ? text.slice("tcp://".length) : text;
  const address = _parseHostPort(text, rest.startsWith(":") ? `127.0.0.1${rest}` : rest, true);
  return address as Address & { readonly transport: "tcp" };
}

function _parseHostPort(text: string, rest: string, listening = false): Address {
  let hostname: string;
  let portText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":") throw _invalid(text, "expected [IPV6]:PORT");
    hostname = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (!hostname.includes(":")) throw _invalid(text, "brackets are for IPv6 addresses only");
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon < 0) throw _invalid(text, "expected HOST:PORT");
    hostname = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (hostname.includes(":")) throw _invalid(text, "write an IPv6 address in brackets: tcp://[::1]:PORT");
  }
  if (hostname === "" || /[\s/]/.test(hostname)) throw _invalid(text, "the host is empty or malformed");
  return { transport: "tcp", hostname, port: _checkPort(portText, Number(portText), text, listening ? 0 : 1) };
}

function _checkPort(portText: string, port: number, text: string = portText, min = 1): number {
  if (!/^[0-9]{1,5}$/.test(portText) || !Number.isInteger(port) || port < min || port > 65535) {
    throw _invalid(text, `the port must be a number from ${min} to 65535, got "${portText}"`);
  }
  return port;
}

function _invalid(text: unknown, why: string): UsageError {
  return new UsageError("INVALID_ARGUMENT", `bad address ${JSON.stringify(text)}: ${why}`);
}

/**
 * Whether a listen hostname only reaches this machine: `localhost`,
 * 127.0.0.0/8, `::1` (and its IPv4-mapped form of 127/8).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { isLoopbackHost } from "./address.ts";
 * assert(isLoopbackHost("127.0.0.1") && isLoopbackHost("::1"));
 * assert(!isLoopbackHost("0.0.0.0") && !isLoopbackHost("::"));
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return /^(?:0{0,4}:){2,7}0{0,3}1$/.test(host) && _isIpv6One(host);
}

/** `::1` in any spelling (`0:0:0:0:0:0:0:1`, `::0001`). */
function _isIpv6One(host: string): boolean {
  const [head, tail] = host.includes("::") ? host.split("::") : [host, undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  if (groups.length !== 8) return false;
  return groups.every((g, i) => parseInt(g === "" ? "0" : g, 16) === (i === 7 ? 1 : 0));
}
