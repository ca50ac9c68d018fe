// Property-based tests: round trips, chunking invariance, typed errors only, bounded memory.
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { _normalRequest, _normalResponse, _run, _splitAt, concat } from "./_test_util.ts";
import { type ParseOutcome, runParser } from "./drive.ts";
import { ProtocolError } from "./errors.ts";
import type { ExitStatus } from "./pairs.ts";
import { decodeNetstrings, encodeNetstrings, NetstringDecoder } from "./netstring.ts";
import { RequestParser } from "./request_parser.ts";
import { RequestWriter } from "./request_writer.ts";
import { ResponseParser } from "./response_parser.ts";
import { ResponseWriter } from "./response_writer.ts";
import { signalName } from "./signals.ts";
import { _ExchangeSim, type _SimEvent } from "./_exchange_sim.ts";
import { OutputBudget } from "./output_budget.ts";

const RUNS = { numRuns: 400 };
const payload = fc.uint8Array({ maxLength: 300 });
const splits = fc.array(fc.nat({ max: 4000 }), { maxLength: 12 });

/** Bytes biased towards the netstring alphabet, so random inputs reach deep states. */
const netstringish = fc.array(
  fc.oneof(
    fc.constantFrom(..."0123456789:,".split("").map((c) => c.charCodeAt(0))),
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(..."stdouterrxicgm".split("").map((c) => c.charCodeAt(0))),
  ),
  { maxLength: 120 },
).map((a) => Uint8Array.from(a));

/** Well-formed streams with random mutations (a byte changed, dropped or inserted). */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "drop", "insert", "cut"))
    .map(([bytes, at, value, how]) => {
      if (bytes.length === 0) return bytes;
      const i = at % bytes.length;
      if (how === "set") return Uint8Array.from(bytes, (b, j) => (j === i ? value : b));
      if (how === "drop") return concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      if (how === "insert") return concat([bytes.subarray(0, i), Uint8Array.of(value), bytes.subarray(i)]);
      return bytes.subarray(0, i);
    });
}

const argvArb = fc.array(fc.uint8Array({ maxLength: 40 }).map((a) => a.map((b) => b || 1)), {
  minLength: 1,
  maxLength: 6,
});
const requestArb = fc.record({ argv: argvArb, stdin: fc.array(payload, { maxLength: 5 }), end: fc.boolean() });
const statusArb: fc.Arbitrary<ExitStatus> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((exitCode) => ({ exitCode, signal: null })),
  fc.integer({ min: 1, max: 64 }).map((n) => ({ exitCode: null, signal: signalName(n) })),
);
const outputArb = fc.array(fc.tuple(fc.constantFrom("stdout" as const, "stderr" as const), payload), { maxLength: 6 });

function encodeReq(r: { argv: Uint8Array[]; stdin: Uint8Array[]; end: boolean }): Uint8Array {
  const w = new RequestWriter();
  return concat([w.argv(r.argv), ...r.stdin.flatMap((c) => w.stdin(c)), ...(r.end ? [w.stdinEnd()] : [])]);
}

function encodeResp(out: [("stdout" | "stderr"), Uint8Array][], status: ExitStatus): Uint8Array {
  const w = new ResponseWriter();
  return concat([...out.map(([s, d]) => w.output(s, d)), w.status(status)]);
}

Deno.test("netstrings round-trip through the encoder and the decoder", () => {
  fc.assert(
    fc.property(fc.array(payload, { maxLength: 20 }), (payloads) => {
      assertEquals(decodeNetstrings(encodeNetstrings(payloads)), payloads);
    }),
    RUNS,
  );
});

Deno.test("any split of a valid netstring stream decodes the same", () => {
  fc.assert(
    fc.property(fc.array(payload, { maxLength: 10 }), splits, (payloads, points) => {
      const got = runParser(new NetstringDecoder(), _splitAt(encodeNetstrings(payloads), points));
      assertEquals(got, { events: payloads });
    }),
    RUNS,
  );
});

Deno.test("requests round-trip through the writer and the parser, for any split", () => {
  fc.assert(
    fc.property(requestArb, splits, (request, points) => {
      const bytes = encodeReq(request);
      const outcome = _run(() => new RequestParser(), _splitAt(bytes, points));
      assertEquals(outcome.error, undefined);
      const [first, ...rest] = outcome.events;
      assertEquals(first.type === "argv" ? first.argv : undefined, request.argv);
      const stdin = concat(rest.flatMap((e) => (e.type === "stdin" ? [e.data] : [])));
      assertEquals(stdin, concat(request.stdin));
      const tail = rest.filter((e) => e.type !== "stdin");
      assertEquals(tail, [{ type: "stdin-end", cause: request.end ? "marker" : "eof" }, { type: "closed" }]);
    }),
    RUNS,
  );
});

Deno.test("responses round-trip through the writer and the parser, for any split", () => {
  fc.assert(
    fc.property(outputArb, statusArb, splits, (out, status, points) => {
      const outcome = _run(() => new ResponseParser(), _splitAt(encodeResp(out, status), points));
      assertEquals(outcome.error, undefined);
      for (const stream of ["stdout", "stderr"] as const) {
        const got = concat(outcome.events.flatMap((e) => (e.type === stream ? [e.data] : [])));
        assertEquals(got, concat(out.filter(([s]) => s === stream).map(([, d]) => d)));
      }
      assertEquals(outcome.events.slice(-2), [{ type: "status", status }, { type: "end" }]);
    }),
    RUNS,
  );
});

const inputs = fc.oneof(
  netstringish,
  mutated(requestArb.map(encodeReq)),
  mutated(fc.tuple(outputArb, statusArb).map(([o, s]) => encodeResp(o, s))),
);

Deno.test("any input: only typed errors, and the same outcome (error code and offset too) for any split", () => {
  fc.assert(
    fc.property(inputs, splits, (bytes, points) => {
      // _run rethrows anything but ProtocolError, which fails the property.
      const request = () => new RequestParser();
      const response = () => new ResponseParser();
      assertEquals(_normalRequest(_run(request, _splitAt(bytes, points))), _normalRequest(_run(request, [bytes])));
      assertEquals(_normalResponse(_run(response, _splitAt(bytes, points))), _normalResponse(_run(response, [bytes])));
      const render = (o: ParseOutcome<Uint8Array>) =>
        JSON.stringify([o.events.map((p) => Array.from(p)), o.error?.code, o.error?.offset]);
      const whole = runParser(new NetstringDecoder(), [bytes]);
      assertEquals(render(runParser(new NetstringDecoder(), _splitAt(bytes, points))), render(whole));
    }),
    { numRuns: 1500 },
  );
});

Deno.test("memory held by the parsers stays within the limits, whatever the input", () => {
  const limits = { maxArgc: 9, maxArgvBytes: 24, maxNetstringLength: 30 };
  fc.assert(
    fc.property(inputs, splits, (bytes, points) => {
      const request = new RequestParser({ limits });
      const response = new ResponseParser({ limits });
      for (const chunk of _splitAt(bytes, points)) {
        for (const parser of [request, response]) {
          try {
            parser.push(chunk);
            while (parser.next() !== undefined) {
              // Bounded at every step: argv so far plus the netstring being assembled.
              if (request.retained > limits.maxArgvBytes + 1) throw new Error(`request holds ${request.retained}`);
              if (response.retained > 16) throw new Error(`response holds ${response.retained}`);
            }
          } catch (error) {
            if (!(error instanceof ProtocolError)) throw error;
          }
        }
      }
    }),
    { numRuns: 800 },
  );
});

Deno.test("server exchange: any run the world allows keeps the protocol, and a well-behaved ending finishes it", () => {
  const chunks = fc.oneof(
    requestArb.map((r) => [encodeReq(r)]),
    fc.array(fc.oneof(inputs, requestArb.map(encodeReq)), { minLength: 1, maxLength: 4 }),
  );
  const program = fc.array(fc.noBias(fc.nat({ max: 1_000_000 })), { minLength: 1, maxLength: 80 });
  fc.assert(
    fc.property(chunks, splits, program, fc.boolean(), (requests, points, choices, small) => {
      const budget = new OutputBudget(small ? 1 : 1 << 30);
      const sim = new _ExchangeSim({
        requestTimeout: 5,
        deadline: 9,
        killGrace: 1,
        probeInterval: small ? 0 : 1,
        stdinIdleTimeout: small ? 0 : 2,
        maxPairBytes: small ? 2 : 4096,
        outputBuffer: small ? 8 : 1 << 20,
        budget,
      });
      const tokens = _splitAt(concat(requests), points).map((b) => String.fromCharCode(...b));
      let at = 0;
      for (const choice of choices) {
        const enabled = sim.enabled(at < tokens.length ? [tokens[at]] : []);
        if (enabled.length === 0) break;
        const event = _weighted(enabled, choice);
        sim.apply(event);
        if (event.kind === "bytes") at++;
      }
      sim.finish(400);
      assertEquals(sim.done, true);
      assertEquals(sim.exchange.summary().replied, sim.statusSent);
      assertEquals(budget.used, 0);
    }),
    { numRuns: 1500 },
  );
});

/** Weights that make long runs likely: endings (a disconnect, a shutdown, a timer) are rare. */
const _WEIGHTS: Record<_SimEvent["kind"], number> = {
  "bytes": 40,
  "spawned": 40,
  "output": 25,
  "sent": 25,
  "stdin-done": 25,
  "output-end": 8,
  "exit": 6,
  "end": 4,
  "spawn-failed": 2,
  "timer": 2,
  "gone": 1,
  "shutdown": 1,
};

function _weighted(enabled: readonly _SimEvent[], choice: number): _SimEvent {
  const total = enabled.reduce((sum, e) => sum + _WEIGHTS[e.kind], 0);
  let at = choice % total;
  for (const event of enabled) {
    at -= _WEIGHTS[event.kind];
    if (at < 0) return event;
  }
  return enabled[0];
}
