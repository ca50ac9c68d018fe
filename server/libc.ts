/**
 * The C library calls the fast spawn backend makes through Deno's FFI
 * (`--allow-ffi`): pipes, `posix_spawn` with its own session, pidfds, epoll,
 * non-blocking reads and writes, signals and `prctl`. Loaded by the backend that uses it. Linux with glibc ≥ 2.34 (for
 * `posix_spawn_file_actions_addclosefrom_np`) and Linux ≥ 5.3 (pidfd).
 *
 * @module
 */

const _SYMBOLS = {
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  stat: { parameters: ["buffer", "buffer"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  pidfd_open: { parameters: ["i32", "u32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  posix_spawn_now: {
    name: "posix_spawn",
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "pointer"],
    result: "i32",
  },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addopen: { parameters: ["buffer", "i32", "buffer", "i32", "u32"], result: "i32" },
  posix_spawn_file_actions_addclosefrom_np: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawn_file_actions_addchdir_np: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  pthread_sigmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  sigfillset: { parameters: ["buffer"], result: "i32" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  environ: { type: "pointer" },
} as const;

/** The loaded C library. */
export type Libc = Deno.DynamicLibrary<typeof _SYMBOLS>["symbols"];

/** Constants of Linux on x86-64 and aarch64 used with {@linkcode Libc}. */
export const C = {
  O_RDONLY: 0,
  O_RDWR: 2,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  WNOHANG: 1,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLLIN: 0x1,
  EPOLLOUT: 0x4,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EPOLLONESHOT: 0x40000000,
  POSIX_SPAWN_SETSIGDEF: 0x04,
  POSIX_SPAWN_SETSIGMASK: 0x08,
  POSIX_SPAWN_SETSID: 0x80,
  PR_SET_DUMPABLE: 4,
  PR_GET_DUMPABLE: 3,
  RLIMIT_NOFILE: 7,
  EINTR: 4,
  EAGAIN: 11,
  EPIPE: 32,
  EACCES: 13,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGCONT: 18,
} as const;

/**
 * Load the C library. The caller keeps the result for as long as it needs it.
 *
 * @throws {Deno.errors.NotCapable} without `--allow-ffi`.
 * @example
 * ```ts ignore
 * import { openLibc } from "./libc.ts";
 * console.log(openLibc().kill(Deno.pid, 0)); // 0: this process exists
 * ```
 */
export function openLibc(): Libc {
  return Deno.dlopen("libc.so.6", _SYMBOLS).symbols;
}

/** Whether this process may use FFI (`--allow-ffi` without a list). */
export function ffiGranted(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/** The calling thread's errno: read it right after a failed synchronous call. */
export function errno(c: Libc): number {
  return new Deno.UnsafePointerView(c.__errno_location()!).getInt32();
}

/**
 * Memory C may keep a pointer to: V8 keeps small typed arrays inside its own
 * heap and may move them at any garbage collection, but never moves the
 * backing store of an explicit ArrayBuffer. Every buffer handed to C beyond
 * one synchronous call (a string in an environment block, a pid written by
 * posix_spawn on another thread) comes from here.
 */
export function stableBytes(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new ArrayBuffer(size));
}

/** Bytes of `text` with a terminating NUL, for C, in {@linkcode stableBytes}. */
export function cString(text: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const out = stableBytes(bytes.length + 1);
  out.set(bytes);
  return out;
}
