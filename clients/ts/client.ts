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
 * import { Client } from "./client.ts";
 * import { _startFakeServer } from "./_test_server.ts";
 * // A stand-in for a netspawn server: it runs nothing, it echoes argv[1] and exits 0.
 * await using server = await _startFakeServer(async (conn) => {
 *   const { argv } = await conn.request();
 *   conn.reply([["stdout", `${argv[1]}\n`]], { exitCode: 0, signal: null });
 * });
 * const client = new Client(server.address, { timeout: 5000 });
 * const { stdout } = await client.exec(["echo", "hi"], { encoding: "utf-8" });
 * console.assert(stdout === "hi\n");
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
