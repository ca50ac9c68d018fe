/**
 * The fast backend: programs start through `posix_spawn` with
 * `POSIX_SPAWN_SETSID` (their own session and process group, an empty signal
 * mask, every signal at its default, only fds 0–2), called through Deno's
 * FFI on a worker thread; their pipes and pidfds are watched by one epoll
 * loop ({@linkcode Poller}). Needs `--allow-ffi`, which, like `--allow-run`,
 * gives the server every permission in practice.
 *
 * @module
 */

import { type ExitStatus, type OutputStream, signalName } from "../protocol/mod.ts";
import { C, cString, errno, type Libc, openLibc, stableBytes } from "./libc.ts";
import { Poller } from "./poller.ts";
import type { FileProbe } from "./program_path.ts";
import { statProbe } from "./stat_probe.ts";
import type { ProgramEnvironment } from "./environment.ts";
import type { LaunchOutcome, LaunchSpec, Program, ProgramBackend, ProgramEvents } from "./program.ts";

/** Options of {@linkcode PosixSpawnBackend}. */
export interface PosixSpawnOptions {
  /** The programs' environment. */
  readonly environment: ProgramEnvironment;
  /** The programs' working directory (default: the server's). */
  readonly cwd?: string;
}

const _READ_SIZE = 64 * 1024;
const _READ_SIZE_BIG = BigInt(_READ_SIZE);
/** Reads of one pipe per readiness event, so one busy program cannot starve the others. */
const _READS_PER_WAKE = 4;
const _DEV_NULL = cString("/dev/null");
const _EMPTY_SIGSET_SIZE = 128;

/**
 * Starts programs with `posix_spawn`.
 *
 * @example
 * ```ts ignore
 * import { PosixSpawnBackend } from "./posix_spawn_backend.ts";
 * const backend = new PosixSpawnBackend({ environment: { clearEnv: false, env: undefined, searchPath: "/usr/bin:/bin" } });
 * const outcome = await backend.launch({ path: "/bin/true", argv: [new TextEncoder().encode("true")], stdinEmpty: true });
 * if (outcome.ok) outcome.program.start({ output: () => {}, outputEnd: () => {}, exited: (status) => console.log(status) });
 * ```
 */
export class PosixSpawnBackend implements ProgramBackend {
  readonly name = "posix-spawn" as const;
  readonly probe: FileProbe | undefined;
  readonly #c: Libc;
  readonly #poller: Poller;
  readonly #attr = stableBytes(512);
  readonly #envp: { readonly strings: Uint8Array; readonly pointers: BigUint64Array } | undefined;
  readonly #cwd: Uint8Array | undefined;
  readonly #scratch = stableBytes(_READ_SIZE);
  /** Launches in flight and programs not yet reaped. */
  #active = 0;

  /**
   * Load libc, start the poller, prepare the spawn attributes and the environment.
   * @throws {Deno.errors.NotCapable} without `--allow-ffi`.
   */
  constructor(options: PosixSpawnOptions) {
    this.#c = openLibc();
    this.probe = statProbe(this.#c);
    _ensureStdio(this.#c);
    this.#poller = new Poller(this.#c);
    this.#envp = _environmentBlock(this.#c, options.environment);
    this.#cwd = options.cwd === undefined ? undefined : cString(options.cwd);
    const c = this.#c;
    c.posix_spawnattr_init(this.#attr);
    c.posix_spawnattr_setflags(this.#attr, C.POSIX_SPAWN_SETSID | C.POSIX_SPAWN_SETSIGMASK | C.POSIX_SPAWN_SETSIGDEF);
    const empty = stableBytes(_EMPTY_SIGSET_SIZE);
    const all = stableBytes(_EMPTY_SIGSET_SIZE);
    c.sigemptyset(empty);
    c.sigfillset(all);
    c.posix_spawnattr_setsigmask(this.#attr, empty);
    c.posix_spawnattr_setsigdefault(this.#attr, all);
  }

  /** The loaded C library, for other users of FFI in this server. */
  get libc(): Libc {
    return this.#c;
  }

  async launch(spec: LaunchSpec): Promise<LaunchOutcome> {
    const c = this.#c;
    const stdin = spec.stdinEmpty ? undefined : this.#pipe();
    const stdout = this.#pipe();
    const stderr = this.#pipe();
    const pipes = [stdin, stdout, stderr];
    if (pipes.some((p) => p === null)) {
      for (const p of pipes) if (p) _closeAll(c, p);
      return _failure(126, "too many open files", true);
    }
    const [inPipe, outPipe, errPipe] = pipes as [Int32Array | undefined, Int32Array, Int32Array];
    const actions = stableBytes(128);
    c.posix_spawn_file_actions_init(actions);
    if (inPipe === undefined) c.posix_spawn_file_actions_addopen(actions, 0, _DEV_NULL, C.O_RDONLY, 0);
    else c.posix_spawn_file_actions_adddup2(actions, inPipe[0], 0);
    c.posix_spawn_file_actions_adddup2(actions, outPipe[1], 1);
    c.posix_spawn_file_actions_adddup2(actions, errPipe[1], 2);
    c.posix_spawn_file_actions_addclosefrom_np(actions, 3);
    if (this.#cwd !== undefined) c.posix_spawn_file_actions_addchdir_np(actions, this.#cwd);
    const { strings, pointers } = _block(spec.argv);
    const pid = new Int32Array(new ArrayBuffer(4));
    const path = cString(spec.path);
    // Alone, the spawn runs on this thread (no hand-off to a worker); with others in flight, on a worker, so
    // this thread serves them meanwhile.
    const alone = this.#active === 0;
    this.#active++;
    const result = alone
      ? c.posix_spawn_now(pid, path, actions, this.#attr, pointers, this.#environ())
      : await c.posix_spawn(pid, path, actions, this.#attr, pointers, this.#environ());
    void [strings, pointers, path]; // kept alive until the call returned: the child read them
    c.posix_spawn_file_actions_destroy(actions);
    for (const end of [inPipe?.[0], outPipe[1], errPipe[1]]) if (end !== undefined) c.close(end);
    if (result !== 0) {
      this.#active--;
      for (const end of [inPipe?.[1], outPipe[0], errPipe[0]]) if (end !== undefined) c.close(end);
      return _spawnError(result);
    }
    const pidfd = c.pidfd_open(pid[0], 0);
    if (pidfd < 0) {
      // Without a pidfd the program cannot be waited for without blocking: stop it now.
      c.kill(-pid[0], C.SIGKILL);
      c.waitpid(pid[0], new Int32Array(1), 0);
      this.#active--;
      for (const end of [inPipe?.[1], outPipe[0], errPipe[0]]) if (end !== undefined) c.close(end);
      return _failure(126, "too many open files", true);
    }
    const program = new _SpawnedProgram(c, this.#poller, this.#scratch, {
      pid: pid[0],
      pidfd,
      stdin: inPipe?.[1],
      stdout: outPipe[0],
      stderr: errPipe[0],
    }, () => this.#active--);
    return { ok: true, program };
  }

  async close(): Promise<void> {
    await this.#poller.close();
  }

  /** A pipe with both ends close-on-exec; null when out of descriptors. */
  #pipe(): Int32Array | null {
    const fds = new Int32Array(2);
    if (this.#c.pipe2(fds, C.O_CLOEXEC) !== 0) return null;
    return fds;
  }

  #environ(): Deno.PointerValue {
    if (this.#envp !== undefined) return Deno.UnsafePointer.of(this.#envp.pointers);
    // The live `environ` array: the server's environment as it is now.
    return new Deno.UnsafePointerView(this.#c.environ as Deno.PointerObject).getPointer(0);
  }
}

const _NO_EVENTS: ProgramEvents = { output: () => {}, outputEnd: () => {}, exited: () => {} };

/** The descriptors of one started program. */
interface _Fds {
  readonly pid: number;
  readonly pidfd: number;
  readonly stdin: number | undefined;
  readonly stdout: number;
  readonly stderr: number;
}

interface _Write {
  readonly data: Uint8Array;
  at: number;
  readonly resolve: (written: boolean) => void;
}

class _SpawnedProgram implements Program {
  readonly pid: number;
  readonly #c: Libc;
  readonly #poller: Poller;
  readonly #scratch: Uint8Array;
  #events: ProgramEvents = _NO_EVENTS;
  #pidfd: number;
  readonly #reaped: () => void;
  #stdin: number | undefined;
  readonly #out = new Map<OutputStream, number>();
  readonly #writes: _Write[] = [];
  #closeStdinWhenDone = false;
  #paused = false;
  #exited = false;

  constructor(c: Libc, poller: Poller, scratch: Uint8Array, fds: _Fds, reaped: () => void) {
    this.#c = c;
    this.#reaped = reaped;
    this.#poller = poller;
    this.#scratch = scratch;
    this.pid = fds.pid;
    this.#pidfd = fds.pidfd;
    this.#stdin = fds.stdin;
    this.#out.set("stdout", fds.stdout);
    this.#out.set("stderr", fds.stderr);
    for (const fd of [fds.stdin, fds.stdout, fds.stderr]) if (fd !== undefined) _nonBlocking(c, fd);
  }

  start(events: ProgramEvents): void {
    this.#events = events;
    this.#poller.watch(this.#pidfd, "in", () => this.#reap());
    for (const stream of this.#out.keys()) this.#watchOutput(stream);
  }

  writeStdin(data: Uint8Array): Promise<boolean> {
    if (this.#stdin === undefined || this.#closeStdinWhenDone) return Promise.resolve(false);
    if (data.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#writes.push({ data, at: 0, resolve });
      if (this.#writes.length === 1) this.#flush();
    });
  }

  closeStdin(): void {
    this.#closeStdinWhenDone = true;
    if (this.#writes.length === 0) this.#dropStdin();
  }

  pauseOutput(): void {
    this.#paused = true;
  }

  resumeOutput(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const stream of this.#out.keys()) this.#watchOutput(stream);
  }

  cancelOutput(): void {
    for (const stream of [...this.#out.keys()]) this.#closeOutput(stream);
  }

  signal(signal: "SIGTERM" | "SIGKILL" | "SIGCONT"): boolean {
    const signo = signal === "SIGTERM" ? C.SIGTERM : signal === "SIGKILL" ? C.SIGKILL : C.SIGCONT;
    if (this.#c.kill(-this.pid, signo) === 0) return true;
    return !this.#exited && this.#c.kill(this.pid, signo) === 0;
  }

  #watchOutput(stream: OutputStream): void {
    const fd = this.#out.get(stream);
    if (fd !== undefined) this.#poller.watch(fd, "in", () => this.#read(stream));
  }

  #read(stream: OutputStream): void {
    for (let i = 0; i < _READS_PER_WAKE; i++) {
      const fd = this.#out.get(stream);
      if (fd === undefined || this.#paused) return;
      const n = Number(this.#c.read(fd, this.#scratch, _READ_SIZE_BIG));
      if (n > 0) {
        this.#events.output(stream, this.#scratch.subarray(0, n));
        continue;
      }
      const error = n < 0 ? errno(this.#c) : 0;
      if (error === C.EINTR) continue;
      if (error === C.EAGAIN) break;
      this.#closeOutput(stream);
      this.#events.outputEnd(stream);
      // A program's pipes end and it exits at about the same time: look now instead of waiting for each wake-up.
      return this.#sweep();
    }
    this.#watchOutput(stream);
  }

  /** Read what the other pipe holds and reap the program if it is gone, without waiting for their wake-ups. */
  #sweep(): void {
    for (const stream of [...this.#out.keys()]) if (!this.#paused) this.#read(stream);
    if (!this.#exited && this.#pidfd >= 0) this.#reap(false);
  }

  #closeOutput(stream: OutputStream): void {
    const fd = this.#out.get(stream);
    if (fd === undefined) return;
    this.#out.delete(stream);
    this.#poller.forget(fd);
    this.#c.close(fd);
  }

  #flush(): void {
    const fd = this.#stdin;
    while (this.#writes.length > 0 && fd !== undefined) {
      const write = this.#writes[0];
      const n = Number(this.#c.write(fd, write.data.subarray(write.at), BigInt(write.data.length - write.at)));
      if (n >= 0) {
        write.at += n;
        if (write.at < write.data.length) continue;
        this.#writes.shift();
        write.resolve(true);
        continue;
      }
      const error = errno(this.#c);
      if (error === C.EINTR) continue;
      if (error === C.EAGAIN) return this.#poller.watch(fd, "out", () => this.#flush());
      return this.#dropStdin(); // EPIPE: the program closed its stdin, or is gone
    }
    if (this.#closeStdinWhenDone) this.#dropStdin();
  }

  /** Close stdin now; writes still queued are dropped. */
  #dropStdin(): void {
    this.#closeStdinWhenDone = true;
    for (const write of this.#writes.splice(0)) write.resolve(false);
    const fd = this.#stdin;
    if (fd === undefined) return;
    this.#stdin = undefined;
    this.#poller.forget(fd);
    this.#c.close(fd);
  }

  /** Reap the program if it is gone; `woken` when its pidfd said so (else an early look that may find it running). */
  #reap(woken = true): void {
    const status = new Int32Array(1);
    const pid = this.#c.waitpid(this.pid, status, C.WNOHANG);
    if (pid === 0) {
      if (woken) this.#poller.watch(this.#pidfd, "in", () => this.#reap());
      return;
    }
    this.#poller.forget(this.#pidfd);
    this.#c.close(this.#pidfd);
    this.#pidfd = -1;
    this.#exited = true;
    this.#reaped();
    // A program that is gone takes no more stdin, even if a grandchild holds the pipe open.
    this.#dropStdin();
    this.#events.exited(pid < 0 ? { exitCode: 255, signal: null } : _decode(status[0]));
    this.#sweep();
  }
}

/** The environment block to pass, or undefined for the server's own (live) environment. */
function _environmentBlock(c: Libc, environment: ProgramEnvironment): ReturnType<typeof _block> | undefined {
  if (!environment.clearEnv && environment.env === undefined) return undefined;
  const variables: Record<string, string> = environment.clearEnv ? {} : _serverEnvironment(c);
  return _block({ ...variables, ...environment.env });
}

/** The server's environment, read through `environ` (no `--allow-env` needed). */
function _serverEnvironment(c: Libc): Record<string, string> {
  const out: Record<string, string> = {};
  const array = new Deno.UnsafePointerView(c.environ as Deno.PointerObject).getPointer(0);
  if (array === null) return out;
  const view = new Deno.UnsafePointerView(array);
  for (let i = 0;; i++) {
    const entry = view.getPointer(i * 8);
    if (entry === null) return out;
    const text = Deno.UnsafePointerView.getCString(entry);
    const eq = text.indexOf("=");
    if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
  }
}

/** A wait status as the protocol reports it. */
function _decode(status: number): ExitStatus {
  const signal = status & 0x7f;
  if (signal === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: null, signal: signalName(signal) };
}

function _nonBlocking(c: Libc, fd: number): void {
  c.fcntl(fd, C.F_SETFL, c.fcntl(fd, C.F_GETFL, 0) | C.O_NONBLOCK);
}

function _closeAll(c: Libc, fds: Int32Array): void {
  for (const fd of fds) c.close(fd);
}

/** Strings as one NUL-separated block and a NULL-terminated array of pointers into it. */
function _block(items: readonly Uint8Array[] | Readonly<Record<string, string>>): {
  readonly strings: Uint8Array;
  readonly pointers: BigUint64Array;
} {
  const encoder = new TextEncoder();
  const list = Array.isArray(items)
    ? items as readonly Uint8Array[]
    : Object.entries(items).map(([name, value]) => encoder.encode(`${name}=${value}`));
  let size = 0;
  for (const item of list) size += item.length + 1;
  const strings = stableBytes(Math.max(size, 1));
  const pointers = new BigUint64Array(new ArrayBuffer(8 * (list.length + 1)));
  const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(strings));
  let at = 0;
  for (let i = 0; i < list.length; i++) {
    strings.set(list[i], at);
    pointers[i] = BigInt(base) + BigInt(at);
    at += list[i].length + 1;
  }
  return { strings, pointers };
}

/**
 * Descriptors 0–2 must be open before pipes are made: a pipe end that lands
 * on 0, 1 or 2 would be closed in the program by its own dup2. Missing ones
 * get /dev/null.
 */
function _ensureStdio(c: Libc): void {
  for (let fd = 0; fd <= 2; fd++) {
    if (c.fcntl(fd, C.F_GETFD, 0) < 0) c.open(_DEV_NULL, C.O_RDWR, 0);
  }
}

function _failure(exitCode: 127 | 126, reason: string, resource: boolean): LaunchOutcome {
  return { ok: false, exitCode, reason, resource };
}

/** posix_spawn's result is an errno. */
function _spawnError(code: number): LaunchOutcome {
  switch (code) {
    case 2: // ENOENT
    case 20: // ENOTDIR
      return _failure(127, "program not found", false);
    case 13: // EACCES
    case 1: // EPERM
      return _failure(126, "permission denied", false);
    case 8: // ENOEXEC
      return _failure(126, "exec format error", false);
    case 21: // EISDIR
      return _failure(126, "is a directory", false);
    case 24: // EMFILE
    case 23: // ENFILE
      return _failure(126, "too many open files", true);
    case 11: // EAGAIN: RLIMIT_NPROC
      return _failure(126, "too many processes", true);
    case 12: // ENOMEM
      return _failure(126, "out of memory", true);
    default:
      return _failure(126, `posix_spawn failed with errno ${code}`, true);
  }
}
