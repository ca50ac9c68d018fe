// Recognising a netspawn server's "cannot run" reply (private).

import type { ExitStatus } from "../../protocol/mod.ts";
import { SpawnError } from "./errors.ts";

/** How a netspawn server's reason line starts. */
const _PREFIX = "netspawn: cannot run ";

/** Bytes of stderr kept to recognise the reason line. */
export const _STDERR_HEAD = 4096;

/**
 * The spawn error a reply stands for, if it is a netspawn server's report
 * that the program could not be started: exit code 127 or 126, no stdout,
 * and stderr starting with `netspawn: cannot run `.
 */
export function _spawnFailure(status: ExitStatus, stdoutBytes: number, stderrHead: Uint8Array): SpawnError | undefined {
  if (status.exitCode !== 127 && status.exitCode !== 126) return undefined;
  if (stdoutBytes !== 0 || stderrHead.length < _PREFIX.length) return undefined;
  const text = new TextDecoder().decode(stderrHead);
  if (!text.startsWith(_PREFIX)) return undefined;
  const newline = text.indexOf("\n");
  return new SpawnError(status.exitCode, newline < 0 ? text : text.slice(0, newline));
}
