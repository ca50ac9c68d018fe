/**
 * A UNIX socket listener that never exposes a wider mode than asked, takes
 * over a stale socket file but never a live server's, and on release removes
 * only the socket file it created itself.
 *
 * @module
 */

import { ServerError } from "./errors.ts";

/** A bound UNIX socket. */
export interface UnixSocketBinding {
  /** The listener. */
  readonly listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  /** The socket path. */
  readonly path: string;
  /** Whether a stale socket file was replaced. */
  readonly replacedStale: boolean;
  /**
   * Close the listener and remove the socket file if it is still the one
   * this binding created. Returns false when the path was replaced or removed
   * by someone else (the file is then left alone).
   */
  release(): boolean;
}

const _PROBE_TIMEOUT_MS = 1000;

/**
 * Listen on `path` with `mode`. A stale socket (nothing accepts on it) is
 * replaced; a live one, or any other kind of file, is refused.
 *
 * The mode is applied through the process umask while the socket is created,
 * so the file never exists with a wider mode; without `--allow-sys` (which
 * `Deno.umask` needs) the mode is set with chmod right after creation.
 *
 * @throws {ServerError} `SOCKET_IN_USE`, `NOT_A_SOCKET` or `BIND_FAILED`.
 * @example
 * ```ts ignore
 * import { bindUnixSocket } from "./unix_listener.ts";
 * const binding = await bindUnixSocket("/tmp/netspawn.sock", 0o660);
 * binding.release();
 * ```
 */
export async function bindUnixSocket(path: string, mode: number): Promise<UnixSocketBinding> {
  const replacedStale = await _clearStale(path);
  const listener = _listen(path, mode);
  const identity = _identity(path);
  let released = false;
  return {
    listener,
    path,
    replacedStale,
    release(): boolean {
      if (released) return true;
      released = true;
      const current = _identity(path);
      if (identity === undefined || current === undefined || current !== identity) {
        // Deno's close() unlinks the path by name: keep the listener open
        // rather than delete a socket that another server now owns. The fd
        // is closed when the process exits.
        return false;
      }
      try {
        listener.close();
      } catch {
        // already closed
      }
      // Deno unlinks the path only when the listener resource is dropped,
      // which waits for a pending accept to finish: remove it now.
      if (_identity(path) === identity) {
        try {
          Deno.removeSync(path);
        } catch {
          // removed meanwhile
        }
      }
      return true;
    },
  };
}

/** Remove a stale socket at `path`; true if one was removed. */
async function _clearStale(path: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new ServerError("BIND_FAILED", `cannot inspect ${path}: ${_message(error)}`, { cause: error });
  }
  if (!info.isSocket) {
    throw new ServerError("NOT_A_SOCKET", `${path} exists and is not a socket; refusing to replace it`);
  }
  if (await _isLive(path)) {
    throw new ServerError("SOCKET_IN_USE", `a server is already listening on ${path}`);
  }
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ServerError("BIND_FAILED", `cannot remove stale socket ${path}: ${_message(error)}`, { cause: error });
    }
  }
  return true;
}

/** Connect probe: accepted (or still pending after a second) means live; refused means stale. */
async function _isLive(path: string): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), _PROBE_TIMEOUT_MS);
  });
  const attempt = Deno.connect({ transport: "unix", path }).then(
    (conn) => {
      conn.close();
      return "live" as const;
    },
    (error: unknown) => {
      if (error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.NotFound) {
        return "stale" as const;
      }
      return error;
    },
  );
  try {
    const outcome = await Promise.race([attempt, timeout]);
    if (outcome === "stale") return false;
    if (outcome === "live" || outcome === "timeout") return true;
    throw new ServerError("BIND_FAILED", `cannot probe ${path}: ${_message(outcome)}`, { cause: outcome });
  } finally {
    clearTimeout(timer);
  }
}

function _listen(path: string, mode: number): Deno.Listener<Deno.UnixConn, Deno.UnixAddr> {
  let previous: number | undefined;
  try {
    previous = Deno.umask(~mode & 0o777);
  } catch {
    previous = undefined; // no --allow-sys: chmod after listen instead
  }
  let listener;
  try {
    listener = Deno.listen({ transport: "unix", path });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new ServerError("SOCKET_IN_USE", `${path} was created by someone else while binding`, { cause: error });
    }
    throw new ServerError("BIND_FAILED", `cannot listen on ${path}: ${_message(error)}`, { cause: error });
  } finally {
    if (previous !== undefined) Deno.umask(previous);
  }
  if (previous === undefined) {
    try {
      Deno.chmodSync(path, mode);
    } catch (error) {
      listener.close();
      throw new ServerError("BIND_FAILED", `cannot set mode of ${path}: ${_message(error)}`, { cause: error });
    }
  }
  return listener;
}

function _identity(path: string): string | undefined {
  try {
    const info = Deno.lstatSync(path);
    return info.isSocket ? `${info.dev}:${info.ino}` : undefined;
  } catch {
    return undefined;
  }
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
