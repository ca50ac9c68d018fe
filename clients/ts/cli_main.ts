/**
 * The `netspawn exec` command, with its input and output passed in, so it
 * runs the same from `cli.ts` (process streams) and from tests.
 *
 * @module
 */

import { signalNumber, UsageError } from "../../protocol/mod.ts";
import { type CliCommand, cliHelp, DEFAULT_CLI_COMMAND, parseCliArgs } from "./cli_args.ts";
import { AbortedError, NetspawnError, SpawnError } from "./errors.ts";
import { type Child, spawn } from "./spawn.ts";
import { _errorCode } from "./_socket.ts";
import { _VERSION } from "./_version.ts";

/** Exit status for a failed call (as ssh uses). */
const _FAILED = 255;
/** Exit status for a usage error. */
const _USAGE = 2;
/** Exit status when local output was closed early (`| head -1`): 128 + SIGPIPE, as other tools give. */
const _BROKEN_PIPE = 141;

/** How the command was invoked, for help and usage messages. */
export interface CliOptions {
  /**
   * The words a user types to run the command, as help and usage errors
   * show them: `netspawn exec` (the npm package's `bin`, the default) or
   * `deno task exec` (from the repository).
   */
  readonly command?: string;
}

/** A local stdout or stderr write failed (private): the call is cancelled with this as the reason. */
class _LocalWriteError extends Error {
  /** The system's error code (`EPIPE`, …), if any. */
  readonly systemCode: string | undefined;

  constructor(systemCode: string | undefined, cause: unknown) {
    super(`cannot write local output: ${_reason(cause)}`, { cause });
    this.systemCode = systemCode;
  }
}

/** Where the command reads and writes. */
export interface CliIo {
  /** Local stdin, read only as fast as the server takes it. */
  readonly stdin: AsyncIterable<Uint8Array>;
  /** Local stdout; not closed by the command. */
  readonly stdout: WritableStream<Uint8Array>;
  /** Local stderr; not closed by the command. */
  readonly stderr: WritableStream<Uint8Array>;
}

/**
 * Run the command line `args` (without the program name) and return the
 * exit status: the remote program's exit code, 128+N for signal N, 126/127
 * when the server could not start it, 255 when the call failed, 141 when
 * local output was closed early (quietly, as `yes | head -1` ends), 2 for a
 * usage error.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { runCli } from "./cli_main.ts";
 * const output: string[] = [];
 * const sink = new WritableStream<Uint8Array>({ write: (c) => void output.push(new TextDecoder().decode(c)) });
 * const stdin = (async function* (): AsyncGenerator<Uint8Array> {})();
 * const status = await runCli(["exec", "-x"], { stdin, stdout: sink, stderr: sink }, { command: "deno task exec" });
 * assertEquals(status, 2);
 * assertEquals(output.join(""), 'netspawn: unknown option "-x"\nTry "deno task exec --help".\n');
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo, options: CliOptions = {}): Promise<number> {
  const name = options.command ?? DEFAULT_CLI_COMMAND;
  let command: CliCommand;
  try {
    command = parseCliArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await _say(io.stderr, `netspawn: ${_reason(error)}\nTry "${name} --help".\n`);
    return _USAGE;
  }
  if (command.kind === "help") return _say(io.stdout, cliHelp(name)).then(() => 0);
  if (command.kind === "version") return _say(io.stdout, `netspawn ${_VERSION}\n`).then(() => 0);
  return await _exec(command, io);
}

async function _exec(command: CliCommand & { kind: "exec" }, io: CliIo): Promise<number> {
  let child: Child;
  try {
    child = spawn(command.address, command.argv, {
      stdin: command.noStdin ? "null" : "piped",
      timeout: command.timeout,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await _say(io.stderr, `netspawn: ${_reason(error)}\n`);
    return _USAGE;
  }
  if (!command.noStdin) _forwardStdin(io.stdin, child);
  try {
    await Promise.all([
      _forwardOutput(child.stdout, io.stdout, child),
      _forwardOutput(child.stderr, io.stderr, child),
      child.status,
    ]);
  } catch (error) {
    return await _failure(await _firstFailure(child, error), io);
  }
  const status = await child.status;
  if (status.signal === null) return status.exitCode;
  const signo = signalNumber(status.signal);
  if (signo !== undefined) return 128 + signo;
  await _say(io.stderr, `netspawn: the program was killed by signal ${status.signal}\n`);
  return _FAILED;
}

/** Stream local stdin to the program; stop quietly when the program no longer takes it. */
async function _forwardStdin(stdin: AsyncIterable<Uint8Array>, child: Child): Promise<void> {
  const writer = child.stdin.getWriter();
  const iterator = stdin[Symbol.asyncIterator]();
  child.status.then(() => iterator.return?.(), () => iterator.return?.()).catch(() => {});
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      await writer.write(next.value);
    }
    await writer.close();
  } catch (error) {
    // A NetspawnError means the program no longer takes stdin (STDIN_CLOSED) or the call failed: status tells.
    if (!(error instanceof NetspawnError)) child.abort(new Error(`cannot read local stdin: ${_reason(error)}`));
  } finally {
    writer.releaseLock();
  }
}

/** Stream program output to a local stream; a local write failure cancels the call with a `_LocalWriteError`. */
async function _forwardOutput(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  child: Child,
): Promise<void> {
  const reader = from.getReader();
  const writer = to.getWriter();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      try {
        await writer.write(next.value);
      } catch (error) {
        const local = new _LocalWriteError(_errorCode(error), error);
        child.abort(local);
        throw local;
      }
    }
  } finally {
    reader.releaseLock();
    writer.releaseLock();
  }
}

/** The call's own error if it failed (unless a local write failure cancelled it), else the local one. */
async function _firstFailure(child: Child, error: unknown): Promise<unknown> {
  const failure = await child.status.then(() => error, (callError: unknown) => callError);
  return failure instanceof AbortedError && failure.cause instanceof _LocalWriteError ? failure.cause : failure;
}

async function _failure(error: unknown, io: CliIo): Promise<number> {
  if (error instanceof SpawnError) return error.exitCode; // the server's line is already on stderr
  if (error instanceof _LocalWriteError) {
    if (error.systemCode === "EPIPE") return _BROKEN_PIPE; // the reader went away: nothing to report
    await _say(io.stderr, `netspawn: ${error.message}\n`);
    return _FAILED;
  }
  if (error instanceof NetspawnError) {
    const cause = error.cause instanceof Error && error.code === "ABORTED" ? error.cause.message : error.message;
    await _say(io.stderr, `netspawn: ${cause}\n`);
    return _FAILED;
  }
  throw error;
}

function _reason(error: unknown): string {
  if (error instanceof UsageError) return error.message.replace(/^INVALID_ARGUMENT: /, "");
  return error instanceof Error ? error.message : String(error);
}

async function _say(stream: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
  } catch {
    // nowhere left to report to
  } finally {
    writer.releaseLock();
  }
}
