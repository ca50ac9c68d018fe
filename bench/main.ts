// `deno task bench`: the codec benchmark, then the server benchmark: netspawn (posix_spawn backend), netspawn's
// portable backend, and sockexec when given, side by side in one run with floors measured in the same run.
import { parseArgs } from "@std/cli/parse-args";
import { runCodecBench } from "./codec.ts";
import {
  formatBenchTable,
  formatServerTable,
  netspawnCommand,
  runServerBench,
  type ServerUnderTest,
} from "./server.ts";

const USAGE = `Usage: deno task bench [options]

  --only codec|server     run one part (default: both)
  --rounds N              rounds; medians are reported (default 2)
  --seconds S             seconds per rate measure (default 2)
  --sockexec PATH         also measure sockexec (a built binary), as the baseline of the ratios
                          (default: $NETSPAWN_BENCH_SOCKEXEC when set)
  --no-portable           leave out netspawn's portable backend (Deno.Command)
  --server 'NAME=CMD'     also measure another server; {socket} is its socket path (repeatable)
  --json                  print the results as JSON instead of tables
  -h, --help              this help`;

const flags = parseArgs(Deno.args, {
  string: ["only", "rounds", "seconds", "sockexec", "server"],
  boolean: ["help", "json", "portable"],
  collect: ["server"],
  default: { portable: true },
  negatable: ["portable"],
  alias: { h: "help" },
}) as {
  only?: string;
  rounds?: string;
  seconds?: string;
  sockexec?: string;
  server?: string[];
  portable: boolean;
  json?: boolean;
  help?: boolean;
};
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const fail = (message: string): never => {
  console.error(`bench: ${message}\n${USAGE}`);
  Deno.exit(2);
};
if (flags.only !== undefined && flags.only !== "codec" && flags.only !== "server") {
  fail("--only must be codec or server");
}
const rounds = Number(flags.rounds ?? 2);
const seconds = Number(flags.seconds ?? 2);
if (!(rounds >= 1) || !(seconds > 0)) fail("--rounds and --seconds must be positive");

const servers: ServerUnderTest[] = [{ name: "netspawn", command: netspawnCommand() }];
if (flags.portable) servers.push({ name: "netspawn portable", command: netspawnCommand("--spawn-backend command") });
const sockexec = flags.sockexec ?? Deno.env.get("NETSPAWN_BENCH_SOCKEXEC");
if (sockexec !== undefined) servers.push({ name: "sockexec", command: `${sockexec} -t 120 -m 200 {socket}` });
for (const spec of flags.server ?? []) {
  const eq = spec.indexOf("=");
  if (eq <= 0) fail(`--server takes NAME=CMD, got ${spec}`);
  servers.push({ name: spec.slice(0, eq), command: spec.slice(eq + 1) });
}

const output: Record<string, unknown> = {};
if (flags.only !== "server") {
  const codec = runCodecBench({ rounds: Math.max(3, rounds) });
  output.codec = codec;
  if (!flags.json) console.log("## Codec (protocol core)\n\n" + formatBenchTable(codec) + "\n");
}
if (flags.only !== "codec") {
  const rows = await runServerBench({ servers, rounds, seconds, log: (line) => console.error(line) });
  output.server = rows;
  if (!flags.json) {
    console.log(`## Servers (${rounds} rounds of ${seconds} s, medians)\n`);
    console.log(formatServerTable(rows, sockexec === undefined ? undefined : "sockexec"));
  }
}
if (flags.json) console.log(JSON.stringify(output, null, 2));
