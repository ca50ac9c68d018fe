/**
 * The program lookup's file probe through FFI `stat`: one system call and no
 * JavaScript exception per path (Deno turns every failed `statSync` into an
 * exception, which costs more than the call). Used with the posix_spawn
 * backend, which has the C library loaded anyway.
 *
 * @module
 */

import { C, errno, type Libc } from "./libc.ts";
import type { FileFacts, FileProbe } from "./program_path.ts";

/** Where `st_mode` sits in `struct stat`, per architecture (`st_mtim` is at 88 on both). */
const _MODE_OFFSET: Readonly<Record<string, number>> = { x86_64: 24, aarch64: 16 };
const _MTIME_OFFSET = 88;
const _S_IFMT = 0o170000;
const _S_IFDIR = 0o040000;
const _S_IFREG = 0o100000;

/**
 * A probe that calls `stat` through `c`, or undefined on an architecture whose `struct stat` it does not know.
 *
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * import { statProbe } from "./stat_probe.ts";
 * const probe = statProbe(openLibc());
 * console.log(probe?.("/usr/bin/true")); // { kind: "file", mode: 33261, mtime: … }
 * ```
 */
export function statProbe(c: Libc): FileProbe | undefined {
  const modeOffset = _MODE_OFFSET[Deno.build.arch];
  if (modeOffset === undefined) return undefined;
  const buffer = new Uint8Array(256);
  const view = new DataView(buffer.buffer);
  const name = new Uint8Array(4097); // PATH_MAX and its NUL; used only during the synchronous call
  const encoder = new TextEncoder();
  return (path: string): FileFacts => {
    const { read, written } = encoder.encodeInto(path, name);
    if (read < path.length || written >= name.length) return { kind: "missing", mode: 0, mtime: -1 };
    name[written] = 0;
    if (c.stat(name, buffer) !== 0) {
      return { kind: errno(c) === C.EACCES ? "denied" : "missing", mode: 0, mtime: -1 };
    }
    const mode = view.getUint32(modeOffset, true);
    const type = mode & _S_IFMT;
    const kind = type === _S_IFDIR ? "directory" : type === _S_IFREG ? "file" : "other";
    const mtime = Number(view.getBigInt64(_MTIME_OFFSET, true)) * 1000 + view.getInt32(_MTIME_OFFSET + 8, true) / 1e6;
    return { kind, mode: mode & 0o7777, mtime };
  };
}
