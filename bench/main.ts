// `deno task bench`: the codec benchmark, then the server benchmark, each measure beside a floor
// measured in the same run, reported as ratios. `--help` for options.
import { parseArgs } from "@std/cli/parse-args";
import { runCodecBench } from "./codec.ts";
import { formatBenchTable, runServerBench } from "./server.ts";

const USAGE = `Usage: deno task bench [options]

  --only codec|server   run one part (default: both)
  --rounds N            rounds; medians are reported (default 2)
  --seconds S           seconds per rate measure (default 2)
  --server 'CMD'        benchmark another sockexec-compatible server; {socket} is its socket path
  -h, --help            this help`;

const flags = parseArgs(Deno.args, {
  string: ["only", "rounds", "seconds", "server"],
  boolean: ["help"],
  alias: { h: "help" },
}) as {
  only?: string;
  rounds?: string;
  seconds?: string;
  server?: string;
  help?: boolean;
};
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (flags.only !== undefined && flags.only !== "codec" && flags.only !== "server") {
  console.error(`bench: --only must be codec or server\n${USAGE}`);
  Deno.exit(2);
}
const rounds = Number(flags.rounds ?? 2);
const seconds = Number(flags.seconds ?? 2);
if (!(rounds >= 1) || !(seconds > 0)) {
  console.error(`bench: --rounds and --seconds must be positive\n${USAGE}`);
  Deno.exit(2);
}
if (flags.only !== "server") {
  console.log("## Codec (protocol core)\n");
  console.log(formatBenchTable(runCodecBench({ rounds: Math.max(3, rounds) })) + "\n");
}
if (flags.only !== "codec") {
  console.log(`## Server${flags.server ? `: ${flags.server}` : " (netspawn)"}\n`);
  const results = await runServerBench({ rounds, seconds, server: flags.server, log: (l) => console.error(l) });
  console.log(formatBenchTable(results));
}
