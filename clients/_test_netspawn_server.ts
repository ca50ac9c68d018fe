// netspawn's own server, started in this process for the other languages' end-to-end tests (private).

import { startServer } from "../server/mod.ts";

/** A running server and where it listens. */
export interface _TestServer extends AsyncDisposable {
  /** `unix:PATH` of its UNIX socket (in a fresh temporary directory). */
  readonly unix: string;
  /** `tcp://127.0.0.1:PORT` of its loopback TCP listener. */
  readonly tcp: string;
}

/** Start netspawn's server on a UNIX socket and a TCP port; dispose to stop it and remove its directory. */
export async function _startTestServer(): Promise<_TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-clients-e2e-" });
  const server = await startServer({
    listen: [{ transport: "unix", path: `${dir}/s.sock` }, { transport: "tcp", hostname: "127.0.0.1", port: 0 }],
    killGrace: 1,
  });
  const tcp = server.addresses.find((a) => a.transport === "tcp");
  if (tcp?.transport !== "tcp") throw new Error("the server has no TCP listener");
  return {
    unix: `unix:${dir}/s.sock`,
    tcp: `tcp://127.0.0.1:${tcp.port}`,
    [Symbol.asyncDispose]: async () => {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** What a finished command printed. */
export interface _Ran {
  /** Its exit code. */
  readonly code: number;
  /** stdout and stderr together, as text. */
  readonly output: string;
}

/** Run a command to its end (killed after `ms`), with `env` added to this process's environment. */
export async function _run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; ms: number },
): Promise<_Ran> {
  const child = new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.ms),
  }).spawn();
  const { code, stdout, stderr } = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, output: `${text(stdout)}${text(stderr)}` };
}

/** Whether `command args…` runs and exits 0 (a tool is installed). */
export async function _works(command: string, args: readonly string[]): Promise<boolean> {
  try {
    return (await _run(command, args, { ms: 60_000 })).code === 0;
  } catch {
    return false;
  }
}

/** Register a visibly skipped test (and say so on the console) when something a test needs is missing. */
export function _skipped(name: string, missing: string): void {
  console.log(`SKIPPED: ${name} (${missing})`);
  Deno.test({ name: `${name} (skipped: ${missing})`, ignore: true, fn() {} });
}
