// The habits of sockexec's real clients (lua-resty-exec, sockexec's C client, multistreamer), each a
// requirement of the server, shown against both program backends.
import { assert, assertEquals, assertLess } from "@std/assert";
import { configureLogging } from "./logging.ts";
import type { SpawnBackendChoice } from "./options.ts";
import {
  bytes,
  connect,
  decode,
  readAll,
  req,
  type Target,
  text,
  timed,
  waitFor,
  withServer,
  writeAll,
} from "./_test_util.ts";
import { encodeNetstring, ResponseParser, runParser } from "../protocol/mod.ts";

const BACKENDS: readonly SpawnBackendChoice[] = ["posix-spawn", "command"];
const MiB = 1024 * 1024;

/** A request for `cat` carrying `size` bytes of stdin in 64 KiB chunks, then the end marker. */
function catRequest(size: number): { request: Uint8Array[]; data: Uint8Array } {
  const data = Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 12)) & 0xff);
  const request = [bytes("1:1,3:cat,")];
  for (let at = 0; at < size; at += 64 * 1024) request.push(encodeNetstring(data.subarray(at, at + 64 * 1024)));
  request.push(bytes("0:,"));
  return { request, data };
}

/** Send every part before reading anything (as lua-resty-exec and sockexec's C client do); false if the sends stall for `stallMs`. */
async function sendAllFirst(conn: Deno.Conn, parts: readonly Uint8Array[], stallMs: number): Promise<boolean> {
  const sending = (async () => {
    for (const part of parts) await writeAll(conn, part);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<"stalled">((resolve) => timer = setTimeout(() => resolve("stalled"), stallMs));
  const outcome = await Promise.race([sending.then(() => "sent" as const), stalled]);
  clearTimeout(timer);
  if (outcome === "stalled") sending.catch(() => {}); // it completes once the reply is read
  return outcome === "sent";
}

function stdoutOf(raw: Uint8Array): { data: Uint8Array; pairs: number[]; status: unknown } {
  const { events, error } = runParser(new ResponseParser(), [raw]);
  assertEquals(error, undefined);
  const chunks = events.flatMap((e) => (e.type === "stdout" ? [e.data] : []));
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  const status = events.find((e) => e.type === "status");
  return { data, pairs: chunks.map((c) => c.length), status: status?.type === "status" ? status.status : undefined };
}

for (const backend of BACKENDS) {
  const options = { spawnBackend: backend };

  Deno.test(`${backend}: output pairs carry at most 4096 data bytes (--max-pair-bytes raises it)`, async () => {
    for (const [max, expected] of [[undefined, 4096], [65536, 65536]] as const) {
      await withServer({ ...options, maxPairBytes: max }, async (_server, target) => {
        const conn = await connect(target);
        await writeAll(conn, req(["head", "-c", String(MiB), "/dev/zero"]));
        const { data, pairs, status } = stdoutOf(await readAll(conn));
        conn.close();
        assertEquals([data.length, status], [MiB, { exitCode: 0, signal: null }]);
        assert(Math.max(...pairs) <= expected, `largest pair ${Math.max(...pairs)} > ${expected}`);
        if (max === undefined) assertEquals(pairs.filter((n) => n === 4096).length >= MiB / 4096 / 2, true);
      });
    }
  });

  Deno.test(`${backend}: cat echoes 16 MiB to a client that sends all of stdin before reading (the defaults)`, async () => {
    await withServer(options, async (_server, target) => {
      const { request, data } = catRequest(16 * MiB);
      const conn = await connect(target);
      assert(await sendAllFirst(conn, request, 20_000), "the client could send all of stdin without reading");
      const reply = stdoutOf(await readAll(conn, 30_000));
      conn.close();
      assertEquals([reply.data.length, reply.status], [data.length, { exitCode: 0, signal: null }]);
      assertEquals(reply.data, data);
    });
  });

  Deno.test(`${backend}: --output-buffer at its edge: 1 MiB passes with a 2 MiB buffer, 8 MiB stalls until the client reads`, async () => {
    await withServer({ ...options, outputBuffer: 2 * MiB }, async (_server, target) => {
      const small = catRequest(MiB);
      const a = await connect(target);
      assert(await sendAllFirst(a, small.request, 10_000), "1 MiB fits the 2 MiB buffer");
      assertEquals(stdoutOf(await readAll(a)).data, small.data);
      a.close();
      const large = catRequest(8 * MiB);
      const b = await connect(target);
      assertEquals(await sendAllFirst(b, large.request, 1000), false, "8 MiB does not fit: the sends stall");
      // Nothing is lost: once the client reads, everything arrives.
      assertEquals(stdoutOf(await readAll(b, 30_000)).data, large.data);
      b.close();
    });
  });

  Deno.test(`${backend}: --output-buffer-total bounds all connections together (0: none holds more than its window)`, async () => {
    await withServer({ ...options, outputBufferTotal: 0 }, async (_server, target) => {
      const { request, data } = catRequest(4 * MiB);
      const conn = await connect(target);
      assertEquals(await sendAllFirst(conn, request, 1000), false, "with no shared budget the echo stalls");
      assertEquals(stdoutOf(await readAll(conn, 30_000)).data, data);
      conn.close();
    });
  });

  Deno.test(`${backend}: bytes after the end marker are discarded while the program runs (multistreamer's 'q')`, async () => {
    await withServer(options, async (_server, target) => {
      const conn = await connect(target);
      await writeAll(conn, req(["sh", "-c", "sleep 0.3; echo done"]));
      await writeAll(conn, bytes("q"));
      const reply = decode(await readAll(conn));
      conn.close();
      assertEquals([reply.stdout, reply.status, reply.statusLast], ["done\n", { exitCode: 0, signal: null }, true]);
    });
  });

  Deno.test(`${backend}: a slot is freed when the reply is complete, not when the client closes (-m 2, five clients)`, async () => {
    await withServer({ ...options, maxConnections: 2 }, async (_server, target) => {
      const client = async () => {
        const conn = await connect(target);
        await writeAll(conn, req(["sleep", "0.5"]));
        const reply = decode(await readAll(conn, 10_000));
        // Read to the end, then keep the socket open a while, as a slow client does.
        setTimeout(() => conn.close(), 1500);
        return reply.status;
      };
      const [statuses, ms] = await timed(() => Promise.all(Array.from({ length: 5 }, client)));
      assertEquals(statuses, Array(5).fill({ exitCode: 0, signal: null }));
      assertLess(ms, 2000, "three waves of 0.5 s, not held by the late closes");
      await new Promise((resolve) => setTimeout(resolve, 1600)); // the late closes
    });
  });

  Deno.test(`${backend}: an argc holding a non-digit closes the connection at once, before its netstring ends`, async () => {
    await withServer({ ...options, requestTimeout: 30 }, async (_server, target) => {
      for (const bad of ["3:ab", "2:0", "1:x"]) {
        const conn = await connect(target);
        await writeAll(conn, bytes(bad));
        const [raw, ms] = await timed(() => readAll(conn, 5000));
        conn.close();
        assertEquals(raw.length, 0, bad);
        assertLess(ms, 1000, bad);
      }
    });
  });
}

Deno.test("the log line names the real reason a connection ended", async () => {
  const lines: Record<string, unknown>[] = [];
  await configureLogging({ level: "info", format: "json", write: (line) => lines.push(JSON.parse(line)) });
  try {
    await withServer({ deadline: 1, killGrace: 0.5 }, async (_server, target: Target) => {
      const run = async (request: Uint8Array) => {
        const conn = await connect(target);
        await writeAll(conn, request);
        const reply = text(await readAll(conn));
        conn.close();
        return reply;
      };
      await run(bytes("1:1,4:true,0:,q"));
      await run(req(["sleep", "5"]));
      await run(bytes("1:1,3:cat,5:hello,x"));
      await run(bytes("3:ab"));
      await waitFor(() => lines.filter((l) => String(l.message).startsWith("connection ")).length >= 4, "4 lines");
    });
  } finally {
    await configureLogging({ level: "warning", format: "text" });
  }
  const results = lines.filter((l) => String(l.message).startsWith("connection "))
    .map((l) => String((l.properties as Record<string, unknown>).result));
  assertEquals(
    results.sort(),
    [
      "deadline of 1 s; program termsig TERM; status sent",
      "exitcode 0; 1 bytes after the end of stdin discarded",
      'protocol error BAD_ARGC at byte 2: argc holds "a", not a digit',
      "protocol error BAD_LENGTH at byte 18: byte x where a netstring length digit is expected; program termsig TERM",
    ].sort(),
  );
});
