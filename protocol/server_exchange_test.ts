import { assert, assertEquals, assertThrows } from "@std/assert";
import { _ExchangeSim } from "./_exchange_sim.ts";
import { UsageError } from "./errors.ts";
import { OutputBudget } from "./output_budget.ts";
import {
  type ExchangeAction,
  OUTPUT_WINDOW,
  ServerExchange,
  type ServerExchangeOptions,
  STDIN_WINDOW,
} from "./server_exchange.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Actions as short strings: `send(6:stdout,…)`, `arm(deadline 60)`, `spawn(cat|pipe)`. */
function show(actions: readonly ExchangeAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case "spawn":
        return `spawn(${a.argv.map(dec).join(" ")}|${a.stdinEmpty ? "null" : "pipe"})`;
      case "write-stdin":
        return `write-stdin(${dec(a.data)})`;
      case "send":
        return `send(${dec(a.data)})`;
      case "arm":
        return `arm(${a.timer} ${a.seconds})`;
      case "disarm":
        return `disarm(${a.timer})`;
      default:
        return a.type;
    }
  });
}

const OPTIONS: ServerExchangeOptions = { requestTimeout: 10, deadline: 60, killGrace: 2, probeInterval: 1 };

function started(request: string, options: ServerExchangeOptions = OPTIONS): ServerExchange {
  const x = new ServerExchange(options);
  x.receive(enc(request));
  x.spawned();
  x.takeActions();
  return x;
}

Deno.test("a whole exchange: timers, spawn with an empty stdin, output, status last, half-close, linger", () => {
  const x = new ServerExchange(OPTIONS);
  assertEquals(show(x.takeActions()), ["arm(request 10)", "arm(deadline 60)"]);
  x.receive(enc("1:2,4:echo,2:hi,0:,"));
  assertEquals(show(x.takeActions()), ["disarm(request)", "pause-input", "spawn(echo hi|null)"]);
  x.spawned();
  assertEquals(show(x.takeActions()), ["resume-input"]);
  x.output("stdout", enc("hi\n"));
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  assertEquals(show(x.takeActions()), ["send(6:stdout,3:hi\n,)"]);
  x.exited({ exitCode: 0, signal: null });
  assertEquals(show(x.takeActions()), [
    "close-stdin",
    "disarm(deadline)",
    "disarm(probe)",
    "disarm(drain)",
    "send(8:exitcode,1:0,)",
    "half-close",
    "complete",
    "arm(linger 2)",
    "terminate",
  ]);
  x.receive(enc("0:,"));
  x.receiveEnd();
  assertEquals(show(x.takeActions()), [], "the client's end of input, with the reply not yet written");
  x.sent(30);
  assertEquals(show(x.takeActions()), ["disarm(linger)", "close", "done"]);
  assertEquals(x.state, "closed");
  const summary = x.summary();
  assertEquals([summary.ending, summary.replied, summary.discarded, summary.bytesIn], ["exit", true, 3, 22]);
});

Deno.test("stdin: a pipe unless the end marker follows argv in the same bytes; the look-ahead is kept", () => {
  const spawnOf = (request: string, end = false) => {
    const x = new ServerExchange(OPTIONS);
    x.receive(enc(request));
    if (end) x.receiveEnd();
    return show(x.takeActions()).find((a) => a.startsWith("spawn"));
  };
  assertEquals(spawnOf("1:1,3:cat,0:,"), "spawn(cat|null)");
  assertEquals(spawnOf("1:1,3:cat,"), "spawn(cat|pipe)");
  assertEquals(spawnOf("1:1,3:cat,", true), "spawn(cat|pipe)");
  assertEquals(spawnOf("1:1,3:cat,2:h"), "spawn(cat|pipe)");
  const x = new ServerExchange(OPTIONS);
  x.receive(enc("1:1,3:cat,5:hello,0:,"));
  x.takeActions();
  x.spawned();
  assertEquals(show(x.takeActions()), ["resume-input", "write-stdin(hello)", "close-stdin"]);
});

Deno.test("a request broken right after argv starts nothing", () => {
  const x = new ServerExchange(OPTIONS);
  x.takeActions();
  x.receive(enc("1:1,4:true,x"));
  assertEquals(show(x.takeActions()), ["close", "done"]);
  assertEquals(x.summary().error?.code, "BAD_LENGTH");
  assertEquals(x.summary().ending, "request-error");
});

Deno.test("bytes after the end marker are discarded and counted; the status still comes (multistreamer)", () => {
  const x = started("1:1,3:cat,0:,");
  x.receive(enc("q"));
  x.receive(enc("1:x,"));
  assertEquals(show(x.takeActions()), []);
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: 0, signal: null });
  assert(show(x.takeActions()).includes("send(8:exitcode,1:0,)"));
  assertEquals(x.summary().discarded, 5);
});

Deno.test("output pairs carry at most maxPairBytes, several in one send", () => {
  const x = started("1:1,3:cat,0:,", { ...OPTIONS, maxPairBytes: 4 });
  x.output("stdout", enc("abcdefghij"));
  assertEquals(show(x.takeActions()), ["send(6:stdout,4:abcd,6:stdout,4:efgh,6:stdout,2:ij,)"]);
});

Deno.test("the status waits for both pipes; output after the exit is still sent", () => {
  const x = started("1:1,2:sh,0:,");
  x.exited({ exitCode: 3, signal: null });
  assertEquals(show(x.takeActions()), ["close-stdin", "arm(drain 2)"]);
  x.output("stderr", enc("late"));
  x.outputEnd("stderr");
  x.outputEnd("stdout");
  assertEquals(show(x.takeActions()), [
    "send(6:stderr,4:late,)",
    "disarm(deadline)",
    "disarm(probe)",
    "disarm(drain)",
    "send(8:exitcode,1:3,)",
    "half-close",
    "complete",
    "arm(linger 2)",
    "terminate",
  ]);
});

Deno.test("pipes held open after the exit: after the grace the group is terminated, the pipes abandoned, the status sent", () => {
  const x = started("1:1,2:sh,0:,");
  x.exited({ exitCode: 0, signal: null });
  x.takeActions();
  x.timer("drain");
  assertEquals(show(x.takeActions()), [
    "terminate",
    "cancel-output",
    "disarm(deadline)",
    "disarm(probe)",
    "disarm(drain)",
    "send(8:exitcode,1:0,)",
    "half-close",
    "complete",
    "arm(linger 2)",
  ]);
});

Deno.test("after a normal exit, what the program left in its group is terminated, unless keepBackground", () => {
  for (const keepBackground of [false, true]) {
    const x = started("1:1,2:sh,0:,", { ...OPTIONS, keepBackground });
    x.outputEnd("stdout");
    x.outputEnd("stderr");
    x.exited({ exitCode: 0, signal: null });
    assertEquals(show(x.takeActions()).includes("terminate"), !keepBackground);
  }
});

Deno.test("a protocol error before any output: closed at once with nothing sent, the program terminated", () => {
  const x = started("1:1,3:cat,");
  x.receive(enc("1:a,x"));
  assertEquals(show(x.takeActions()), ["write-stdin(a)", "terminate", "close"]);
  x.output("stdout", enc("a"));
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: null, signal: "TERM" });
  assertEquals(show(x.takeActions()), ["done"]);
  assertEquals([x.summary().ending, x.summary().error?.code, x.summary().replied], [
    "protocol-error",
    "BAD_LENGTH",
    false,
  ]);
});

Deno.test("a protocol error after output: the program is terminated and the client still gets its status", () => {
  const x = started("1:1,3:cat,");
  x.output("stdout", enc("hello"));
  x.receive(enc("x"));
  assertEquals(show(x.takeActions()), ["send(6:stdout,5:hello,)", "terminate"]);
  x.receive(enc("more garbage"));
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: null, signal: "TERM" });
  assert(show(x.takeActions()).includes("send(7:termsig,4:TERM,)"));
  assertEquals([x.summary().ending, x.summary().error?.code, x.summary().discarded], [
    "protocol-error",
    "BAD_LENGTH",
    12,
  ]);
});

Deno.test("the deadline: closes a request, terminates a program (whose status then comes), dooms a starting one", () => {
  const request = new ServerExchange(OPTIONS);
  request.receive(enc("1:2,"));
  request.takeActions();
  request.timer("deadline");
  assertEquals(show(request.takeActions()), ["close", "done"]);
  const running = started("1:1,5:sleep,0:,");
  running.timer("deadline");
  assertEquals(show(running.takeActions()), ["terminate"]);
  assertEquals(running.summary().ending, "deadline");
  const starting = new ServerExchange(OPTIONS);
  starting.receive(enc("1:1,5:sleep,"));
  starting.takeActions();
  starting.timer("deadline");
  starting.spawned();
  assertEquals(show(starting.takeActions()), ["resume-input", "terminate"]);
});

Deno.test("the request timeout closes an incomplete request and is disarmed once argv is complete", () => {
  const x = new ServerExchange(OPTIONS);
  x.receive(enc("1:2,4:echo,"));
  x.takeActions();
  x.timer("request");
  assertEquals(show(x.takeActions()), ["close", "done"]);
  assertEquals(x.summary().ending, "request-timeout");
  const late = started("1:1,4:true,");
  late.timer("request");
  assertEquals(show(late.takeActions()), []);
});

Deno.test("a client that is gone: terminate and close; done once the program is reaped, nothing more sent", () => {
  const x = started("1:1,3:cat,");
  x.clientGone();
  assertEquals(show(x.takeActions()), ["terminate", "close"]);
  x.output("stdout", enc("ignored"));
  x.exited({ exitCode: null, signal: "TERM" });
  assertEquals(show(x.takeActions()), ["cancel-output", "done"]);
  const starting = new ServerExchange(OPTIONS);
  starting.receive(enc("1:1,3:cat,"));
  starting.takeActions();
  starting.clientGone();
  assertEquals(show(starting.takeActions()), ["close"]);
  starting.spawned();
  assertEquals(show(starting.takeActions()), ["terminate"]);
});

Deno.test("a program that cannot start: one stderr pair and its exit code, then close", () => {
  const x = new ServerExchange(OPTIONS);
  x.receive(enc("1:1,4:nope,0:,"));
  x.takeActions();
  x.receiveEnd();
  x.spawnFailed(127, "netspawn: cannot run nope: program not found\n");
  assertEquals(show(x.takeActions()), [
    "disarm(deadline)",
    "disarm(probe)",
    "disarm(drain)",
    "send(6:stderr,45:netspawn: cannot run nope: program not found\n,8:exitcode,3:127,)",
    "half-close",
    "complete",
    "arm(linger 2)",
    "resume-input",
  ]);
  x.sent(75);
  assertEquals(show(x.takeActions()), ["disarm(linger)", "close", "done"]);
});

Deno.test("a client that half-closed gets its reply, then the connection closes once it is written", () => {
  const x = started("1:1,3:cat,2:hi,");
  x.receiveEnd();
  assertEquals(show(x.takeActions()), ["close-stdin", "arm(probe 1)"]);
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: 0, signal: null });
  assertEquals(show(x.takeActions()).slice(-4), ["half-close", "complete", "arm(linger 2)", "terminate"]);
  x.sent(15);
  assertEquals(show(x.takeActions()), ["disarm(linger)", "close", "done"]);
});

Deno.test("a client that reads neither its reply nor to its end is cut off after the linger time", () => {
  const x = started("1:1,3:cat,0:,");
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: 0, signal: null });
  x.takeActions();
  x.receiveEnd();
  assertEquals(show(x.takeActions()), [], "ended its input, but the reply is not written");
  x.timer("linger");
  assertEquals(show(x.takeActions()), ["abort", "done"]);
});

Deno.test("probes: an empty stdout pair after a silent interval following the client's end of input", () => {
  const x = started("1:1,5:sleep,0:,");
  x.receiveEnd();
  assertEquals(show(x.takeActions()), ["arm(probe 1)"]);
  x.timer("probe");
  assertEquals(show(x.takeActions()), ["send(6:stdout,0:,)", "arm(probe 1)"]);
  x.output("stdout", enc("x"));
  x.takeActions();
  x.timer("probe");
  assertEquals(show(x.takeActions()), ["arm(probe 1)"]);
  const never = started("1:1,5:sleep,0:,", { ...OPTIONS, probeInterval: 0 });
  never.receiveEnd();
  assertEquals(show(never.takeActions()), []);
});

Deno.test("stdin after the program closed it or exited is dropped and counted, never run again", () => {
  const x = started("1:1,4:head,");
  x.receive(enc("3:abc,"));
  x.takeActions();
  x.stdinDone(3, false);
  x.receive(enc("2:de,"));
  assertEquals(show(x.takeActions()), []);
  assertEquals(x.summary().stdinDropped, 5);
  x.outputEnd("stdout");
  x.outputEnd("stderr");
  x.exited({ exitCode: 0, signal: null });
  x.receive(enc("2:fg,"));
  assertEquals(x.summary().discarded, 5);
});

Deno.test("client input pauses while too much stdin waits for the program, and resumes as it is taken", () => {
  const x = started("1:1,3:cat,");
  const chunk = "x".repeat(64 * 1024);
  let paused = false;
  for (let sent = 0; !paused; sent += chunk.length) {
    x.receive(enc(`${chunk.length}:${chunk},`));
    paused = x.takeActions().some((a) => a.type === "pause-input");
    assert(sent <= STDIN_WINDOW, "input paused in time");
  }
  x.stdinDone(chunk.length, true);
  assertEquals(show(x.takeActions()), ["resume-input"]);
});

Deno.test("while the client still sends stdin, output is held up to outputBuffer; after its end, only the window", () => {
  const x = started("1:1,3:cat,", { ...OPTIONS, outputBuffer: 1024 * 1024 });
  const read = new Uint8Array(64 * 1024);
  let held = 0;
  for (;;) {
    x.output("stdout", read);
    held += read.length;
    if (x.takeActions().some((a) => a.type === "pause-output")) break;
    assert(held < 2 * 1024 * 1024);
  }
  assert(held >= 1024 * 1024 - read.length && held <= 1024 * 1024 + read.length, `held ${held}`);
  x.receive(enc("0:,"));
  x.sent(held - OUTPUT_WINDOW);
  assertEquals(show(x.takeActions()).includes("resume-output"), false);
  x.sent(OUTPUT_WINDOW);
  assert(show(x.takeActions()).includes("resume-output"));
});

Deno.test("the server-wide budget bounds what all connections hold together", () => {
  const budget = new OutputBudget(512 * 1024);
  const options = { ...OPTIONS, outputBuffer: 16 * 1024 * 1024, budget };
  const a = started("1:1,3:cat,", options);
  const b = started("1:1,3:cat,", options);
  const read = new Uint8Array(64 * 1024);
  const fill = (x: ServerExchange) => {
    let held = 0;
    while (!x.takeActions().some((act) => act.type === "pause-output")) {
      x.output("stdout", read);
      held += read.length;
    }
    return held;
  };
  const heldA = fill(a);
  const heldB = fill(b);
  assert(heldA <= OUTPUT_WINDOW + 512 * 1024 + 2 * read.length, `a held ${heldA}`);
  assert(heldB <= OUTPUT_WINDOW + 2 * read.length, `b held ${heldB}`);
  a.clientGone();
  b.clientGone();
  assertEquals(budget.used, 0);
});

Deno.test("shutdown: closes a request, terminates a program; a finished reply lingers on", () => {
  const request = new ServerExchange(OPTIONS);
  request.receive(enc("1:"));
  request.shutdown();
  assertEquals(show(request.takeActions()).slice(-2), ["close", "done"]);
  const running = started("1:1,5:sleep,0:,");
  running.shutdown();
  assertEquals(show(running.takeActions()), ["terminate"]);
  assertEquals(running.summary().ending, "shutdown");
});

Deno.test("no request: end of input before any byte", () => {
  const x = new ServerExchange(OPTIONS);
  x.takeActions();
  x.receiveEnd();
  assertEquals(show(x.takeActions()), ["close", "done"]);
  assertEquals(x.summary().ending, "no-request");
});

Deno.test("calls that cannot happen in a state raise INVALID_STATE", () => {
  const x = new ServerExchange(OPTIONS);
  assertThrows(() => x.spawned(), UsageError, "INVALID_STATE");
  assertThrows(() => x.exited({ exitCode: 0, signal: null }), UsageError, "INVALID_STATE");
});

Deno.test("the simulated world: a well-behaved run ends closed with exactly one status, last", () => {
  const sim = new _ExchangeSim(OPTIONS);
  for (const data of ["1:1,3:cat,", "5:hello,", "0:,"]) sim.apply({ kind: "bytes", data });
  sim.apply({ kind: "spawned" });
  sim.apply({ kind: "output", stream: "stdout", data: "hello" });
  sim.finish();
  assertEquals(sim.done, true);
  assertEquals(dec(sim.reply()), "6:stdout,5:hello,8:exitcode,1:0,");
});

Deno.test("the stdin idle timeout: restarted by every byte, off once stdin ends, terminates the program when it fires", () => {
  const options = { ...OPTIONS, stdinIdleTimeout: 5 };
  const x = started("1:1,3:cat,", options);
  x.receive(enc("2:hi,"));
  assertEquals(show(x.takeActions()), ["write-stdin(hi)", "arm(idle 5)"]);
  x.timer("idle");
  assertEquals(show(x.takeActions()), ["terminate"]);
  assertEquals(x.summary().ending, "stdin-idle");
  const ended = started("1:1,3:cat,", options);
  ended.receive(enc("0:,"));
  assertEquals(show(ended.takeActions()), ["close-stdin", "disarm(idle)"]);
  const never = started("1:1,3:cat,");
  never.receive(enc("2:hi,"));
  assertEquals(show(never.takeActions()), ["write-stdin(hi)"]);
});
