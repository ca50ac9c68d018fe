// The server against every server vector of the conformance kit: in-process (through the kit's
// library) and as a process started by the runner's --spawn, with every send split at every byte
// boundary in one of the two.
import { assertEquals } from "@std/assert";
import {
  loadVectors,
  runServerVectors,
  type ServerInstance,
  type ServerTarget,
  spawnTarget,
} from "../conformance/mod.ts";
import type { ServerVector } from "../conformance/mod.ts";
import { parseCommandLine } from "./cli.ts";
import { startServer } from "./server.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function serverVectors(): Promise<ServerVector[]> {
  return (await loadVectors()).map((l) => l.vector).filter((v): v is ServerVector => v.kind === "server");
}

/** Descriptors this test process inherited beyond 0-2 (a test harness may leak some). */
function inheritedFds(): number[] {
  return [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name)).filter((fd) => fd > 2 && fd < 64)
    .filter((fd) => {
      try {
        return !/^(anon_inode|\/dev\/urandom|\/proc\/)/.test(Deno.readLinkSync(`/proc/self/fd/${fd}`));
      } catch {
        return false;
      }
    });
}

/** Servers started in this process with a given backend, from the same command line the vectors give. */
function inProcess(backend: "posix-spawn" | "command"): ServerTarget {
  return {
    description: `in-process netspawn server (${backend})`,
    local: true,
    cannotStart: () => undefined,
    start: (args) => _startInProcess(args, backend),
  };
}

async function _startInProcess(args: readonly string[], backend: "posix-spawn" | "command"): Promise<ServerInstance> {
  {
    const dir = await Deno.makeTempDir({ prefix: "netspawn-conf-inproc-" });
    const line = parseCommandLine([...args, `${dir}/s.sock`]);
    if (line.kind !== "serve") throw new Error(`not a serve command line: ${args.join(" ")}`);
    const server = await startServer({ ...line.options, spawnBackend: backend });
    return {
      address: { transport: "unix", path: `${dir}/s.sock` },
      exited: () => undefined,
      output: () => "",
      stop: async () => {
        await server.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  }
}

function failures(results: Awaited<ReturnType<typeof runServerVectors>>): string[] {
  return results.filter((r) => r.verdict !== "PASS" && r.verdict !== "NON-STRICT").map((r) =>
    `${r.id} [${r.variant}] ${r.verdict}: ${r.reasons.join(" / ")}`
  );
}

for (const [backend, split] of [["posix-spawn", "every"], ["command", "random:2"]] as const) {
  Deno.test(`in-process, ${backend} backend: every server vector strictly, sends split (${split})`, async () => {
    // With the command backend, programs inherit whatever this test process inherited; launch.pl
    // closes such descriptors for a real server, which the --spawn run below checks. posix_spawn
    // closes every descriptor above 2 itself.
    const skip = backend === "command" && inheritedFds().length > 0 ? ["server.isolation.fds"] : [];
    const vectors = (await serverVectors()).filter((v) => !skip.includes(v.id));
    const results = await runServerVectors({ target: inProcess(backend), vectors, split, jobs: 6 });
    assertEquals(failures(results), []);
    const nonStrict = [...new Set(results.filter((r) => r.verdict === "NON-STRICT").map((r) => r.id))];
    assertEquals(nonStrict, [], "every vector strictly");
  });
}

Deno.test("--spawn: every server vector against the command-line server, split at random points", async () => {
  const template =
    `perl ${ROOT}server/launch.pl ${Deno.execPath()} run -A --config ${ROOT}deno.json ${ROOT}server/main.ts {socket}`;
  const results = await runServerVectors({
    target: spawnTarget(template),
    vectors: await serverVectors(),
    split: "random:3",
  });
  assertEquals(failures(results), []);
});
