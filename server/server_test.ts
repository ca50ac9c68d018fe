import { assert, assertEquals, assertLess, assertRejects } from "@std/assert";
import { ServerError } from "./errors.ts";
import { startServer } from "./server.ts";
import {
  alive,
  assertStillWaiting,
  bytes,
  connect,
  decode,
  exchange,
  readAll,
  req,
  text,
  timed,
  waitFor,
  withServer,
  withTempDir,
  writeAll,
} from "./_test_util.ts";

Deno.test("-m N runs exactly N programs; the next request waits for a slot and is served when one ends", async () => {
  await withServer({ maxConnections: 2 }, async (server, target) => {
    const a = await connect(target);
    const b = await connect(target);
    await writeAll(a, req(["cat"], "a", false));
    await writeAll(b, req(["cat"], "b", false));
    await waitFor(() => server.snapshot().sessions.filter((s) => s.pid !== undefined).length === 2, "two programs");
    const c = await connect(target);
    await writeAll(c, req(["echo", "third"]));
    const third = readAll(c);
    await assertStillWaiting(third);
    assertEquals([server.snapshot().active, server.snapshot().sessions.filter((s) => s.pid !== undefined).length], [
      2,
      2,
    ]);
    await writeAll(a, bytes("0:,"));
    assertEquals(text(await readAll(a)), "6:stdout,1:a,8:exitcode,1:0,");
    assertEquals(decode(await third).stdout, "third\n");
    await writeAll(b, bytes("0:,"));
    assertEquals(decode(await readAll(b)).stdout, "b");
    for (const conn of [a, b, c]) conn.close();
  });
});

Deno.test("slow clients wait in their own budget: with 300 of them holding requests open, a normal client is served at once", async () => {
  await withServer({ maxConnections: 2, requestTimeout: 30 }, async (server, target) => {
    const slow: Deno.Conn[] = [];
    for (let i = 0; i < 300; i++) {
      const conn = await connect(target);
      await writeAll(conn, bytes("1:1,4:sl")); // a request that never completes, as a slowloris sends it
      slow.push(conn);
    }
    await waitFor(() => server.snapshot().open === 300, "300 requests held");
    const [reply, ms] = await timed(() => exchange(target, req(["echo", "served"])));
    assertEquals(reply.stdout, "served\n");
    assertLess(ms, 1000);
    for (const conn of slow) conn.close();
    await waitFor(() => server.snapshot().open === 0, "the slow connections to end");
  });
});

Deno.test("--max-open at its edge: beyond it, connections wait in the listen backlog until one ends", async () => {
  await withServer({ maxOpen: 2, requestTimeout: 30 }, async (server, target) => {
    const held = [await connect(target), await connect(target)];
    for (const conn of held) await writeAll(conn, bytes("1:1,"));
    await waitFor(() => server.snapshot().open === 2, "two requests held");
    const third = await connect(target); // queued by the kernel, not accepted
    await writeAll(third, req(["echo", "third"]));
    const reply = readAll(third);
    await assertStillWaiting(reply);
    held[0].close();
    assertEquals(decode(await reply).stdout, "third\n");
    held[1].close();
    third.close();
  });
});

Deno.test("a connection holds its open slot from accept to close: -m 1 --max-open 3 accepts 3 of 6 at once", async () => {
  await withServer({ maxConnections: 1, maxOpen: 3 }, async (server, target) => {
    const clients: Deno.Conn[] = [];
    for (let i = 0; i < 6; i++) {
      clients.push(await connect(target)); // in order, so that connection number i + 1 is clients[i]
      await writeAll(clients[i], req(["cat"], `${i}`, false));
    }
    const full = () => {
      const { active, open } = server.snapshot();
      return active === 1 && open === 3;
    };
    await waitFor(full, "one program running, two requests waiting");
    assertEquals(server.snapshot().accepted, 3);
    const served: string[] = [];
    for (let round = 0; round < 6; round++) {
      const running = server.snapshot().sessions.find((s) => s.phase === "running");
      if (running === undefined) throw new Error("no program runs");
      const conn = clients[running.id - 1];
      await writeAll(conn, bytes("0:,"));
      served.push(decode(await readAll(conn)).stdout);
      conn.close();
      if (round < 3) {
        await waitFor(() => server.snapshot().accepted >= 4 + round && full(), "the next one accepted");
        assertEquals(server.snapshot().accepted, 4 + round);
      }
      await waitFor(() => round === 5 || server.snapshot().sessions.some((s) => s.phase === "running"), "the next");
    }
    assertEquals(served.sort(), ["0", "1", "2", "3", "4", "5"]);
  });
});

Deno.test("a client that stops reading stalls the program, not the server's memory", async () => {
  await withServer({ deadline: 60, killGrace: 0.3 }, async (server, target) => {
    const rssBefore = Deno.memoryUsage().rss;
    const conn = await connect(target);
    await writeAll(conn, req(["head", "-c", "300000000", "/dev/zero"]));
    let last = -1;
    let stable = 0;
    await waitFor(() => {
      const out = server.snapshot().sessions[0]?.bytesOut ?? 0;
      stable = out === last && out > 0 ? stable + 1 : 0;
      last = out;
      return stable >= 10;
    }, "output to stall");
    assertLess(last, 16 * 1024 * 1024, "bytes sent while the client reads nothing");
    assertLess(Deno.memoryUsage().rss - rssBefore, 64 * 1024 * 1024);
    const reply = decode(await readAll(conn, 60_000));
    conn.close();
    assertEquals([reply.stdout.length, reply.status], [300000000, { exitCode: 0, signal: null }]);
  });
});

Deno.test("a program that does not read stdin stalls the client's sends", async () => {
  await withServer({ deadline: 1, killGrace: 0.3 }, async (server, target) => {
    const conn = await connect(target);
    await writeAll(conn, bytes("1:2,5:sleep,2:30,"));
    const chunk = bytes(`65536:${"x".repeat(65536)},`);
    let sent = 0;
    const sending = (async () => {
      try {
        for (let i = 0; i < 1000; i++) {
          await writeAll(conn, chunk);
          sent += chunk.length;
        }
      } catch {
        // closed at the end of the test
      }
    })();
    let last = -1;
    let stable = 0;
    await waitFor(() => {
      const inbound = server.snapshot().sessions[0]?.bytesIn ?? 0;
      stable = inbound === last ? stable + 1 : 0;
      last = inbound;
      return stable >= 10;
    }, "stdin to stall");
    assertLess(sent, 8 * 1024 * 1024);
    assertLess(last, 8 * 1024 * 1024);
    conn.close();
    await sending;
    await waitFor(() => server.snapshot().active === 0, "the connection to end");
  });
});

Deno.test("UNIX, TCP IPv4 and TCP IPv6 listeners at once", async () => {
  await withTempDir(async (dir) => {
    const server = await startServer({
      listen: [
        { transport: "unix", path: `${dir}/s.sock` },
        { transport: "tcp", hostname: "127.0.0.1", port: 0 },
        { transport: "tcp", hostname: "::1", port: 0 },
      ],
    });
    try {
      const [unix, v4, v6] = server.addresses;
      if (unix.transport !== "unix" || v4.transport !== "tcp" || v6.transport !== "tcp") throw new Error("order");
      for (
        const target of [{ path: unix.path }, { hostname: "127.0.0.1", port: v4.port }, {
          hostname: "::1",
          port: v6.port,
        }]
      ) {
        assertEquals(text((await exchange(target, req(["echo", "hi"]))).raw), "6:stdout,3:hi\n,8:exitcode,1:0,");
      }
    } finally {
      await server.close();
    }
  });
});

Deno.test("TCP: a full request followed by a half-close gets the whole reply", async () => {
  const server = await startServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
  try {
    const address = server.addresses[0];
    if (address.transport !== "tcp") throw new Error("tcp expected");
    for (let i = 0; i < 20; i++) {
      const reply = await exchange({ hostname: "127.0.0.1", port: address.port }, req(["echo", `${i}`]), {
        halfClose: true,
      });
      assertEquals(reply.stdout, `${i}\n`);
    }
    const twice = await exchange({ hostname: "127.0.0.1", port: address.port }, bytes("1:2,4:echo,2:hi,0:,0:,"));
    assertEquals(twice.stdout, "hi\n");
  } finally {
    await server.close();
  }
});

Deno.test("non-loopback TCP is refused unless the risk is accepted", async () => {
  const error = await assertRejects(
    () => startServer({ listen: [{ transport: "tcp", hostname: "0.0.0.0", port: 0 }] }),
    ServerError,
  );
  assertEquals(error.code, "NON_LOOPBACK");
  const server = await startServer({
    listen: [{ transport: "tcp", hostname: "0.0.0.0", port: 0 }],
    allowNonLoopback: true,
  });
  await server.close();
});

Deno.test("UNIX socket: exact mode, live server refused, stale socket replaced, other files kept", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const first = await startServer({ listen: [{ transport: "unix", path }], socketMode: 0o600 });
    assertEquals(Deno.lstatSync(path).mode! & 0o777, 0o600);
    const live = await assertRejects(() => startServer({ listen: [{ transport: "unix", path }] }), ServerError);
    assertEquals([live.code, live.exitCode], ["SOCKET_IN_USE", 111]);
    assertEquals((await exchange({ path }, req(["echo", "still"]))).stdout, "still\n");
    await first.close();

    const stale = new Deno.Command("python3", {
      args: ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`],
    }).outputSync();
    assert(stale.success && Deno.lstatSync(path).isSocket);
    const second = await startServer({ listen: [{ transport: "unix", path }] });
    assertEquals(Deno.lstatSync(path).mode! & 0o777, 0o660);
    assertEquals((await exchange({ path }, req(["echo", "new"]))).stdout, "new\n");
    await second.close();

    Deno.writeTextFileSync(path, "not a socket");
    const file = await assertRejects(() => startServer({ listen: [{ transport: "unix", path }] }), ServerError);
    assertEquals(file.code, "NOT_A_SOCKET");
    assertEquals(Deno.readTextFileSync(path), "not a socket");
  });
});

Deno.test("on close a server removes only its own socket file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const a = await startServer({ listen: [{ transport: "unix", path }] });
    await a.close();
    assert(!_exists(path), "own socket removed");
    const b = await startServer({ listen: [{ transport: "unix", path }] });
    Deno.renameSync(path, `${dir}/moved.sock`);
    const c = await startServer({ listen: [{ transport: "unix", path }] });
    await b.close();
    assert(_exists(path), "the replacement survives");
    assertEquals((await exchange({ path }, req(["echo", "c"]))).stdout, "c\n");
    await c.close();
    assert(!_exists(path));
  });
});

Deno.test("graceful close: running programs get TERM, clients their termsig, the socket goes", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.sock`;
    const server = await startServer({ listen: [{ transport: "unix", path }], killGrace: 0.5 });
    const conn = await connect({ path });
    await writeAll(conn, req(["sh", "-c", `echo $$ > ${dir}/pid; exec sleep 60`]));
    await waitFor(() => _exists(`${dir}/pid`) && Deno.readTextFileSync(`${dir}/pid`).trim() !== "", "the pid");
    const pid = Number(Deno.readTextFileSync(`${dir}/pid`));
    const idle = await connect({ path });
    await server.close();
    assertEquals(text(await readAll(conn)), "7:termsig,4:TERM,");
    assertEquals((await readAll(idle)).length, 0);
    assert(!alive(pid));
    assert(!_exists(path));
    conn.close();
    idle.close();
  });
});

function _exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("--probe-interval: a half-closed client of a silent program gets empty stdout pairs, never after the status; 0 sends none", async () => {
  const silent = req(["sleep", "1"]);
  await withServer({ probeInterval: 0.2 }, async (_server, target) => {
    const reply = await exchange(target, silent, { halfClose: true });
    const raw = text(reply.raw);
    assert(/^(6:stdout,0:,){2,}8:exitcode,1:0,$/.test(raw), raw);
    assertEquals([reply.stdout, reply.status?.exitCode], ["", 0]);
  });
  await withServer({ probeInterval: 0 }, async (_server, target) => {
    assertEquals(text((await exchange(target, silent, { halfClose: true })).raw), "8:exitcode,1:0,");
  });
  await withServer({ probeInterval: 0.2 }, async (_server, target) => {
    // A client that keeps its side open is not probed: its reads and writes still work.
    assertEquals(text((await exchange(target, req(["sleep", "1"], undefined, false))).raw), "8:exitcode,1:0,");
  });
});

Deno.test("--stdin-idle-timeout: a client silent that long with stdin open gets the termsig; one that keeps sending is served", async () => {
  await withServer({ stdinIdleTimeout: 0.3, killGrace: 0.3 }, async (_server, target) => {
    const [silent, ms] = await timed(() => exchange(target, req(["cat"], "a", false)));
    assertEquals(text(silent.raw), "6:stdout,1:a,7:termsig,4:TERM,");
    assert(ms >= 300, `ended after ${ms} ms`);
    const conn = await connect(target);
    await writeAll(conn, req(["cat"], undefined, false));
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // pacing, 0.6 s in all: longer than the timeout
      await writeAll(conn, bytes(`1:${i},`));
    }
    await writeAll(conn, bytes("0:,"));
    const reply = decode(await readAll(conn));
    conn.close();
    assertEquals([reply.stdout, reply.status?.exitCode], ["012345", 0]);
  });
});
