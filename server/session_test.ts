import { assert, assertEquals, assertLess } from "@std/assert";
import { EXAMPLES } from "../protocol/mod.ts";
import {
  alive,
  bytes,
  connect,
  decode,
  exchange,
  readAll,
  readPids,
  req,
  text,
  timed,
  waitFor,
  withServer,
  writeAll,
} from "./_test_util.ts";

const FAST = { killGrace: 0.3 };

Deno.test("every published example gets exactly its response", async () => {
  await withServer({}, async (_server, target) => {
    for (const example of EXAMPLES) {
      const reply = await exchange(target, bytes(example.request));
      assertEquals(text(reply.raw), example.response, example.title);
    }
  });
});

Deno.test("binary stdin comes back byte for byte, status last", async () => {
  await withServer({}, async (_server, target) => {
    const all = Uint8Array.from({ length: 515 }, (_, i) => i % 256);
    const head = bytes(`1:1,3:cat,${all.length}:`);
    const request = new Uint8Array([...head, ...all, ...bytes(",0:,")]);
    const conn = await connect(target);
    await writeAll(conn, request);
    const raw = await readAll(conn);
    conn.close();
    const expected = new Uint8Array([...bytes("6:stdout,515:"), ...all, ...bytes(",8:exitcode,1:0,")]);
    assertEquals(raw, expected);
  });
});

Deno.test("half-close after a full request without end marker: stdin ends, the whole reply arrives", async () => {
  await withServer({}, async (_server, target) => {
    const reply = await exchange(target, req(["cat"], "abc", false), { halfClose: true });
    assertEquals([reply.stdout, reply.status, reply.statusLast], ["abc", { exitCode: 0, signal: null }, true]);
    const marked = await exchange(target, req(["cat"], "xyz"), { halfClose: true });
    assertEquals([marked.stdout, marked.status], ["xyz", { exitCode: 0, signal: null }]);
  });
});

Deno.test("half-close before argv is complete: closed at once, nothing sent, nothing run", async () => {
  await withServer({}, async (server, target) => {
    const [reply, ms] = await timed(() => exchange(target, bytes("1:2,4:echo,"), { halfClose: true }));
    assertEquals(reply.raw.length, 0);
    assertLess(ms, 1000);
    await waitFor(() => server.snapshot().active === 0, "the connection to end");
  });
});

Deno.test("a connection closed without a byte is no request", async () => {
  await withServer({}, async (server, target) => {
    const conn = await connect(target);
    await conn.closeWrite();
    assertEquals((await readAll(conn)).length, 0);
    conn.close();
    await waitFor(() => server.snapshot().active === 0, "the connection to end");
  });
});

Deno.test("malformed requests are closed within a second with nothing sent; others are unaffected", async () => {
  await withServer({ requestTimeout: 30, deadline: 60 }, async (_server, target) => {
    const running = exchange(target, req(["sh", "-c", "read x; echo got $x"], "line\n"));
    for (
      const bad of ["x:", "0:,", "1:0,", "2:-1,", "01:1,", "1:a,", "99999999999:", ":", "1:1,4:true!", "1:1,4:t\0ue,"]
    ) {
      const conn = await connect(target);
      await writeAll(conn, bytes(bad));
      const [raw, ms] = await timed(() => readAll(conn, 2000));
      conn.close();
      assertEquals(raw.length, 0, `reply to ${JSON.stringify(bad)}`);
      assertLess(ms, 1000, `time to close ${JSON.stringify(bad)}`);
    }
    const reply = await running;
    assertEquals([reply.stdout, reply.status], ["got line\n", { exitCode: 0, signal: null }]);
  });
});

Deno.test("an incomplete request is closed after the request timeout, nothing sent", async () => {
  await withServer({ requestTimeout: 0.3, deadline: 30 }, async (_server, target) => {
    const conn = await connect(target);
    await writeAll(conn, bytes("1:2,4:echo,"));
    const [raw, ms] = await timed(() => readAll(conn, 3000));
    conn.close();
    assertEquals(raw.length, 0);
    assert(ms >= 250 && ms < 2000, `closed after ${ms} ms`);
  });
});

Deno.test("deadline: TERM to the group, the client receives termsig TERM; grandchildren die", async () => {
  await withServer({ deadline: 0.5, ...FAST }, async (_server, target, dir) => {
    const script = `sleep 60 & echo $! > ${dir}/pids; echo $$ >> ${dir}/pids; wait`;
    const [reply, ms] = await timed(() => exchange(target, req(["sh", "-c", script])));
    assertEquals(text(reply.raw), "7:termsig,4:TERM,");
    assert(ms >= 450 && ms < 3000, `took ${ms} ms`);
    const pids = readPids(`${dir}/pids`);
    assertEquals(pids.length, 2);
    await waitFor(() => pids.every((pid) => !alive(pid)), "the group to die");
  });
});

Deno.test("deadline: a program ignoring TERM gets KILL after the grace", async () => {
  await withServer({ deadline: 0.3, killGrace: 0.3 }, async (_server, target) => {
    const [reply, ms] = await timed(() =>
      exchange(target, req(["sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"]))
    );
    assertEquals(text(reply.raw), "7:termsig,4:KILL,");
    assert(ms >= 550 && ms < 3000, `took ${ms} ms`);
  });
});

Deno.test("client disconnect: the group gets TERM (grandchildren too)", async () => {
  await withServer({ deadline: 30, ...FAST }, async (server, target, dir) => {
    const script = `sleep 60 & echo $! > ${dir}/pids; echo $$ >> ${dir}/pids; while :; do echo tick; sleep 0.02; done`;
    const conn = await connect(target);
    await writeAll(conn, req(["sh", "-c", script]));
    await conn.read(new Uint8Array(16));
    await waitFor(() => readPids(`${dir}/pids`).length === 2, "the pids");
    conn.close();
    const pids = readPids(`${dir}/pids`);
    await waitFor(() => pids.every((pid) => !alive(pid)), "the group to die");
    await waitFor(() => server.snapshot().active === 0, "the connection to end");
  });
});

Deno.test("the status comes after output a grandchild writes later", async () => {
  await withServer({}, async (_server, target) => {
    const reply = await exchange(target, req(["sh", "-c", "(sleep 0.2; echo late) & echo early"]));
    assertEquals(text(reply.raw), "6:stdout,6:early\n,6:stdout,5:late\n,8:exitcode,1:0,");
  });
});

Deno.test("a grandchild holding the pipes is terminated after the kill grace; the status still comes", async () => {
  await withServer({ deadline: 30, ...FAST }, async (_server, target, dir) => {
    const script = `sleep 60 & echo $! > ${dir}/pids; echo early`;
    const [reply, ms] = await timed(() => exchange(target, req(["sh", "-c", script])));
    assertEquals(text(reply.raw), "6:stdout,6:early\n,8:exitcode,1:0,");
    assertLess(ms, 3000);
    const [pid] = readPids(`${dir}/pids`);
    await waitFor(() => !alive(pid), "the grandchild to die");
  });
});

/** fd -> target of a child's descriptors, from `ls -l /proc/self/fd` (without ls's own directory handle). */
function childFds(listing: string): Map<number, string> {
  const fds = new Map<number, string>();
  for (const line of listing.split("\n")) {
    const match = / (\d+) -> (.*)$/.exec(line);
    if (match !== null && !/^\/proc\/\d+\/fd$/.test(match[2])) fds.set(Number(match[1]), match[2]);
  }
  return fds;
}

/** Targets of the descriptors this test process inherited (not opened by Deno or the server). */
function inheritedTargets(): Set<string> {
  const targets = new Set<string>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      targets.add(Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
    } catch {
      // the directory handle itself
    }
  }
  return targets;
}

/** No server socket or pipe reaches a program: besides 0-2 it may only hold what the test runner inherited. */
async function assertIsolated(target: { path: string }, before: Set<string>): Promise<void> {
  const other = await connect(target);
  await writeAll(other, req(["cat"], "x", false));
  const fds = childFds((await exchange(target, req(["ls", "-l", "/proc/self/fd"]))).stdout);
  other.close();
  assertEquals([0, 1, 2].every((fd) => fds.has(fd)), true);
  for (const [fd, where] of fds) {
    if (fd <= 2) continue;
    assert(!where.startsWith("socket:"), `fd ${fd} is a socket: ${where}`);
    assert(before.has(where), `fd ${fd} (${where}) was opened by the server`);
  }
  const stat = await exchange(target, req(["sh", "-c", "echo $$; cat /proc/$$/stat"]));
  const [pid, line] = stat.stdout.split("\n");
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  assertEquals([fields[2], fields[3]], [pid, pid], "pgid and sid equal the pid");
  const mask = await exchange(target, req(["grep", "-E", "^SigBlk", "/proc/self/status"]));
  assertEquals(mask.stdout, "SigBlk:\t0000000000000000\n");
}

Deno.test("posix_spawn: programs get exactly fds 0-2, lead their own session, have no signal blocked", async () => {
  // posix_spawn closes every descriptor above 2 itself, even one the server inherited without close-on-exec.
  await withServer({ spawnBackend: "posix-spawn" }, async (_server, target) => await assertIsolated(target, new Set()));
});

for (const spawnMode of ["setsid", "detached"] as const) {
  Deno.test(`the same holds with the command backend in ${spawnMode} mode (beside what the test runner inherited)`, async () => {
    const before = inheritedTargets();
    await withServer({ spawnBackend: "command", spawnMode }, async (_server, target) => {
      await assertIsolated(target, before);
      const missing = await exchange(target, req(["/nonexistent/cmd"]));
      assertEquals(missing.status, { exitCode: 127, signal: null });
    });
  });
}

Deno.test("posix_spawn: a file that is executable but not a program gets 126 exec format error", async () => {
  await withServer({ spawnBackend: "posix-spawn" }, async (_server, target, dir) => {
    Deno.writeTextFileSync(`${dir}/garbage`, "not a program\n");
    Deno.chmodSync(`${dir}/garbage`, 0o755);
    const reply = await exchange(target, req([`${dir}/garbage`]));
    assertEquals([reply.stderr, reply.status], [
      `netspawn: cannot run ${dir}/garbage: exec format error\n`,
      { exitCode: 126, signal: null },
    ]);
  });
});

Deno.test("programs that cannot start get one stderr line and 127 or 126", async () => {
  await withServer({}, async (_server, target, dir) => {
    Deno.writeTextFileSync(`${dir}/plain`, "data");
    Deno.chmodSync(`${dir}/plain`, 0o644);
    const cases: [string, number, string][] = [
      ["no-such-program-xyz", 127, "program not found"],
      ["/nonexistent/cmd", 127, "program not found"],
      [dir, 126, "is a directory"],
      [`${dir}/plain`, 126, "permission denied"],
      ["", 127, "program not found"],
    ];
    for (const [program, code, reason] of cases) {
      const reply = await exchange(target, req([program, "arg"]));
      assertEquals(reply.stderr, `netspawn: cannot run ${program}: ${reason}\n`);
      assertEquals([reply.stdout, reply.status, reply.statusLast], ["", { exitCode: code, signal: null }, true]);
    }
  });
});

Deno.test("the allow-list: allowed programs run, others get 126 not allowed", async () => {
  await withServer({ allow: ["echo", "/bin/sh"] }, async (_server, target) => {
    assertEquals((await exchange(target, req(["echo", "ok"]))).stdout, "ok\n");
    assertEquals((await exchange(target, req(["sh", "-c", "echo via sh"]))).stdout, "via sh\n");
    const denied = await exchange(target, req(["cat"]));
    assertEquals(denied.stderr, "netspawn: cannot run cat: not allowed\n");
    assertEquals(denied.status, { exitCode: 126, signal: null });
  });
});

Deno.test("environment and working directory options", async () => {
  await withServer(
    { env: { clear: true, pass: ["HOME"], set: { NETSPAWN_X: "1" } }, cwd: "/" },
    async (_server, target) => {
      const env = await exchange(target, req(["/usr/bin/env"]));
      const lines = env.stdout.trim().split("\n").filter((l) => !l.startsWith("PWD=")).sort();
      assertEquals(lines, [`HOME=${Deno.env.get("HOME")}`, "NETSPAWN_X=1"]);
      assertEquals((await exchange(target, req(["/bin/pwd"]))).stdout, "/\n");
    },
  );
});

Deno.test("limits are enforced at their edges", async () => {
  const limits = { maxArgc: 3, maxArgvBytes: 10, maxNetstringLength: 8 };
  await withServer({ limits }, async (_server, target) => {
    assertEquals((await exchange(target, req(["echo", "a", "b"]))).stdout, "a b\n");
    assertEquals((await exchange(target, req(["echo", "a", "b", "c"]))).raw.length, 0, "argc 4 > 3");
    assertEquals((await exchange(target, req(["echo", "123456"]))).stdout, "123456\n", "10 argv bytes");
    assertEquals((await exchange(target, req(["echo", "1234567"]))).raw.length, 0, "11 argv bytes");
    assertEquals((await exchange(target, req(["cat"], "12345678"))).stdout, "12345678", "8-byte chunk");
    assertEquals((await exchange(target, req(["cat"], "123456789"))).raw.length, 0, "9-byte chunk");
  });
});

Deno.test("whatever follows the end marker is discarded: repeated markers, chunks, a raw byte (multistreamer)", async () => {
  await withServer({}, async (_server, target) => {
    for (const tail of ["0:,", "3:abc,", "q"]) {
      const reply = await exchange(target, bytes(`1:2,4:echo,2:hi,0:,${tail}`));
      assertEquals(text(reply.raw), "6:stdout,3:hi\n,8:exitcode,1:0,", tail);
    }
    // multistreamer: the byte comes after the end marker, while the program runs; it runs to its end.
    const conn = await connect(target);
    await writeAll(conn, bytes("1:3,2:sh,2:-c,20:sleep 0.2; echo done,0:,"));
    await writeAll(conn, bytes("q"));
    const reply = decode(await readAll(conn));
    conn.close();
    assertEquals([reply.stdout, reply.status], ["done\n", { exitCode: 0, signal: null }]);
  });
});

Deno.test("what a program leaves in the background is terminated after it exits; --keep-background leaves it", async () => {
  for (const keepBackground of [false, true]) {
    await withServer({ killGrace: 0.5, keepBackground }, async (_server, target, dir) => {
      const script = `sleep 100 >/dev/null 2>&1 & echo $! > ${dir}/pid; echo started`;
      const reply = await exchange(target, req(["sh", "-c", script]));
      assertEquals([reply.stdout, reply.status], ["started\n", { exitCode: 0, signal: null }]);
      const [pid] = readPids(`${dir}/pid`);
      if (keepBackground) {
        assert(alive(pid), "--keep-background: the sleep runs on");
        Deno.kill(pid, "SIGKILL");
      } else {
        await waitFor(() => !alive(pid), "the background sleep to be terminated");
      }
    });
  }
});

Deno.test("a process that escaped into a session of its own holds the reply for the kill grace at most", async () => {
  await withServer({ killGrace: 0.5 }, async (_server, target, dir) => {
    const script = `setsid sleep 100 & echo $! > ${dir}/pid; exit 0`;
    const [reply, ms] = await timed(() => exchange(target, req(["sh", "-c", script])));
    assertEquals(reply.status, { exitCode: 0, signal: null });
    assertLess(ms, 2000, "the grace (0.5 s), not the sleep");
    const [pid] = readPids(`${dir}/pid`);
    await waitFor(() => pid !== undefined, "the pid");
    Deno.kill(pid, "SIGKILL"); // it escaped the group: only a cgroup would catch it
  });
});

Deno.test("stdin sent after the program exited is dropped, nothing is run again", async () => {
  await withServer({}, async (_server, target, dir) => {
    const conn = await connect(target);
    await writeAll(conn, req(["sh", "-c", `echo run >> ${dir}/runs`], undefined, false));
    await waitFor(() => _exists(`${dir}/runs`), "the program to run");
    await writeAll(conn, bytes("5:hello,0:,")).catch(() => {});
    const reply = decode(await readAll(conn));
    conn.close();
    assertEquals(reply.status, { exitCode: 0, signal: null });
    assertEquals(Deno.readTextFileSync(`${dir}/runs`), "run\n");
  });
});

Deno.test("a signal without a name in Deno is reported by its protocol name", async () => {
  await withServer({}, async (_server, target) => {
    assertEquals(text((await exchange(target, req(["sh", "-c", "kill -40 $$"]))).raw), "7:termsig,7:RTMIN+6,");
  });
});

Deno.test("concurrent connections are isolated", async () => {
  await withServer({}, async (_server, target) => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => exchange(target, req(["sh", "-c", `echo ${i}; exit ${i}`]))),
    );
    replies.forEach((reply, i) => assertEquals([reply.stdout, reply.status?.exitCode], [`${i}\n`, i]));
  });
});

Deno.test("large output arrives whole, status last", async () => {
  await withServer({}, async (_server, target) => {
    const reply = await exchange(target, req(["head", "-c", "3000000", "/dev/zero"]));
    assertEquals([reply.stdout.length, reply.status, reply.statusLast], [3000000, { exitCode: 0, signal: null }, true]);
  });
});

function _exists(path: string): boolean {
  try {
    return Deno.statSync(path).size > 0;
  } catch {
    return false;
  }
}

Deno.test("bytes the client sends after the reply (a late second end marker) do not reset the connection", async () => {
  await withServer({}, async (_server, target) => {
    for (let i = 0; i < 5; i++) {
      const conn = await connect(target);
      await writeAll(conn, bytes("1:2,4:echo,2:hi,0:,"));
      const first = new Uint8Array(64);
      const n = await conn.read(first) ?? 0;
      assert(n > 0);
      await writeAll(conn, bytes("0:,"));
      let rest = "";
      const buf = new Uint8Array(64);
      for (let m = await conn.read(buf); m !== null; m = await conn.read(buf)) rest += text(buf.subarray(0, m));
      conn.close();
      assertEquals(text(first.subarray(0, n)) + rest, "6:stdout,3:hi\n,8:exitcode,1:0,");
    }
  });
});
