// A deliberately simple server for proving the server runner: it reads each request (with the
// protocol core's parser) and then, whatever was asked, does one canned thing:
//   --mode reply --reply JSON   send the bytes of a JSON string (chars 0-255), then close
//   --mode hang                 never reply, never close
//   --mode silent               close without a byte
//   --mode crash                die (SIGKILL) once a request's argv has arrived
//
//   deno run -A conformance/fakes/canned_server.ts --mode reply --reply '"8:exitcode,1:0,"' SOCKET
import { ProtocolError, RequestParser } from "../../protocol/mod.ts";

type Mode = "reply" | "hang" | "silent" | "crash";

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

async function serve(conn: Deno.Conn, mode: Mode, reply: Uint8Array): Promise<void> {
  const parser = new RequestParser();
  const buffer = new Uint8Array(65536);
  let complete = false;
  let argv = false;
  try {
    while (!complete) {
      const n = await conn.read(buffer);
      if (n === null) parser.end();
      else parser.push(buffer.slice(0, n));
      for (let e = parser.next(); e !== undefined; e = parser.next()) {
        if (e.type === "argv") argv = true;
        if (e.type === "stdin-end" || e.type === "closed") complete = true;
      }
      if (n === null) complete = true;
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
  if (mode === "crash" && argv) Deno.kill(Deno.pid, "SIGKILL");
  if (mode === "hang") return await new Promise(() => {});
  if (mode === "reply") {
    for (let b = reply; b.length > 0;) b = b.subarray(await conn.write(b));
  }
  conn.close();
}

if (import.meta.main) {
  const mode = (option("mode") ?? "reply") as Mode;
  const reply = Uint8Array.from(JSON.parse(option("reply") ?? '""') as string, (c) => c.charCodeAt(0));
  const path = Deno.args.at(-1)!;
  const listener = Deno.listen({ transport: "unix", path });
  for await (const conn of listener) serve(conn, mode, reply).catch(() => conn.close());
}
