/**
 * `Client`: calls to one server, with shared defaults.
 *
 * @module
 */

import type { Arg } from "../../protocol/mod.ts";
import { type Address, toAddress } from "../../protocol/mod.ts";
import { _exec, type ExecResult } from "./exec.ts";
import type { CallOptions, ExecOptions, SpawnOptions } from "./options.ts";
import { _spawn, type Child } from "./spawn.ts";

/** Defaults a {@linkcode Client} applies to each call; a call's own options win (both signals apply). */
export type ClientOptions = CallOptions;

/**
 * A client for one server. Each call opens its own connection (the
 * protocol runs one program per connection), so a `Client` holds no socket
 * and needs no closing; it keeps the address and the defaults.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { startServer } from "../../server/mod.ts";
 * import { Client } from "./client.ts";
 * // A netspawn server in this process, on a free loopback port.
 * await using server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 *
 * const client = new Client(server.addresses[0], { timeout: 5000 });
 * const { stdout } = await client.exec(["echo", "hi"], { encoding: "utf-8" });
 * assertEquals(stdout, "hi\n");
 * const { exitCode } = await client.exec(["sh", "-c", "exit 3"]);
 * assertEquals(exitCode, 3);
 * ```
 */
export class Client {
  /** The server's address. */
  readonly address: Address;
  /** The defaults of every call. */
  readonly defaults: ClientOptions;

  /**
   * Create a client; nothing connects until a call.
   * @throws {UsageError} `INVALID_ARGUMENT` for a malformed address.
   */
  constructor(address: string | Address, defaults: ClientOptions = {}) {
    this.address = toAddress(address);
    this.defaults = { ...defaults };
  }

  /** Run `argv` and collect its output as strings; see `exec`. */
  exec(argv: readonly Arg[], options: ExecOptions & { readonly encoding: "utf-8" }): Promise<ExecResult<string>>;
  /** Run `argv` and collect its output as bytes; see `exec`. */
  exec(argv: readonly Arg[], options?: ExecOptions): Promise<ExecResult<Uint8Array>>;
  exec(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult<Uint8Array> | ExecResult<string>> {
    return _exec(this.address, argv, options, this.defaults);
  }

  /**
   * Run `argv`, streaming; see `spawn`.
   * @throws {UsageError} `INVALID_ARGUMENT` for a bad argv or option.
   */
  spawn(argv: readonly Arg[], options: SpawnOptions = {}): Child {
    return _spawn(this.address, argv, options, this.defaults);
  }
}
