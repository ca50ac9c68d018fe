/**
 * Logging setup for the command line: LogTape, written synchronously to
 * stderr so no line is lost at exit, as text or JSON lines.
 *
 * @module
 */

import { configure, getTextFormatter, jsonLinesFormatter, type LogRecord } from "@logtape/logtape";

/** Lowest level of lines written. */
export type LogLevelName = "debug" | "info" | "warning" | "error";

/** Log line formats. */
export type LogFormat = "text" | "json";

/** Logging options. */
export interface LoggingOptions {
  /** Lowest level written: `debug` with `-d`, else `warning` unless `--log-level` says otherwise. */
  readonly level: LogLevelName;
  /** Line format. */
  readonly format: LogFormat;
  /** Where lines go (default: stderr). */
  readonly write?: (line: string) => void;
}

const _ENCODER = new TextEncoder();

/**
 * Configure LogTape for the server: category `netspawn` at `level`, state
 * dumps (`netspawn.server.dump`) always.
 *
 * @example
 * ```ts
 * import { configureLogging } from "./logging.ts";
 * const lines: string[] = [];
 * await configureLogging({ level: "warning", format: "json", write: (line) => lines.push(line) });
 * ```
 */
export async function configureLogging(options: LoggingOptions): Promise<void> {
  const format = options.format === "json"
    ? jsonLinesFormatter
    : getTextFormatter({ timestamp: "date-time-tz", value: "bare" });
  const write = options.write ?? ((line: string) => _writeAllSync(_ENCODER.encode(line)));
  const sink = (record: LogRecord): void => {
    try {
      write(format(record));
    } catch {
      // a log line must never take the server down (EMFILE, closed stderr)
    }
  };
  await configure({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: ["netspawn"], lowestLevel: options.level, sinks: ["stderr"] },
      { category: ["netspawn", "server", "dump"], lowestLevel: "info", sinks: ["stderr"], parentSinks: "override" },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}

function _writeAllSync(bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += Deno.stderr.writeSync(bytes.subarray(at));
}
