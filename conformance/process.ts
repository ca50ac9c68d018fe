/**
 * Small helpers for the processes the kit starts (spawned servers, adapters):
 * each runs in its own process group so it can be stopped with everything it started.
 *
 * @module
 */

/**
 * Send a signal to a process group; a group that is gone is not an error.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { killGroup } from "./process.ts";
 * // A shell and its own child, in a process group of their own.
 * const child = new Deno.Command("sh", { args: ["-c", "sleep 30 & wait"], detached: true }).spawn();
 * killGroup(child.pid, "SIGTERM");
 * assertEquals((await child.status).signal, "SIGTERM");
 * killGroup(child.pid, "SIGTERM"); // a group that is gone is no error
 * ```
 */
export function killGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * A stream's text, keeping at most `max` characters (the rest is read and dropped).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readText } from "./process.ts";
 * const text = await readText(ReadableStream.from([new TextEncoder().encode("hello")]), 3);
 * assertEquals(text, "hel");
 * ```
 */
export async function readText(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    if (size < max) parts.push(chunk.slice(0, max - size));
    size += chunk.length;
  }
  return parts.join("");
}
