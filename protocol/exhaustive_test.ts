// Exhaustive small-scope checks: every input up to a small size drives each
// parser without breaking an invariant, and together the inputs take every
// transition of every parser's table and raise every error code it can raise.
import { assert, assertEquals } from "@std/assert";
import { _ExchangeSim, type _SimEvent } from "./_exchange_sim.ts";
import { _bytewise, _latin1, _normalRequest, _normalResponse, concat } from "./_test_util.ts";
import { runParser } from "./drive.ts";
import { ERROR_CODES, type ErrorCode, ProtocolError } from "./errors.ts";
import type { CodecLimits } from "./limits.ts";
import type { Transition } from "./machine.ts";
import { decodeNetstrings } from "./netstring.ts";
import {
  REQUEST_PARSER_SPEC,
  type RequestEvent,
  type RequestInput,
  RequestParser,
  type RequestState,
} from "./request_parser.ts";
import { SERVER_EXCHANGE_SPEC } from "./server_exchange.ts";
import {
  RESPONSE_PARSER_SPEC,
  type ResponseEvent,
  type ResponseInput,
  ResponseParser,
  type ResponseState,
} from "./response_parser.ts";

/** Every sequence of up to `max` symbols from the alphabet, concatenated. */
function* sequences(alphabet: readonly Uint8Array[], max: number): Generator<Uint8Array> {
  let level: Uint8Array[][] = [[]];
  yield new Uint8Array(0);
  for (let n = 1; n <= max; n++) {
    const next: Uint8Array[][] = [];
    for (const prefix of level) {
      for (const symbol of alphabet) {
        const seq = [...prefix, symbol];
        next.push(seq);
        yield concat(seq);
      }
    }
    level = next;
  }
}

const symbols = (list: string[]) => list.map(_latin1);
const BYTES = symbols(["0", "1", ":", ",", "a"]);
const LIMITS: Partial<CodecLimits> = { maxArgc: 2, maxArgvBytes: 2, maxNetstringLength: 8, maxLengthDigits: 1 };

const REQUEST_TOKENS = symbols(["1:1,", "1:2,", "1:3,", "1:a,", "0:,", "1:\x00,", "3:abc,", "1:", ",", "9:", "10:"]);
const RESPONSE_TOKENS = symbols([
  "6:stdout,",
  "6:stderr,",
  "8:exitcode,",
  "7:termsig,",
  "1:0,",
  "4:TERM,",
  "3:256,",
  "0:,",
  "7:unknown,",
  "1:",
  "9:",
]);

interface Coverage {
  transitions: Set<string>;
  errors: Set<ErrorCode>;
}

const key = (t: Transition<string, string>) => `${t.from} --${t.on}--> ${t.to}`;

function checkRequest(bytes: Uint8Array, coverage: Coverage): void {
  const parser = new RequestParser({ limits: LIMITS, trace: (t) => coverage.transitions.add(key(t)) });
  const whole = runParser(parser, [bytes]);
  const label = JSON.stringify(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  const bytewise = runParser(new RequestParser({ limits: LIMITS }), _bytewise(bytes));
  assertEquals(_normalRequest(bytewise), _normalRequest(whole), `bytewise differs for ${label}`);
  const types = whole.events.map((e: RequestEvent) => e.type).join(" ");
  if (whole.error) {
    coverage.errors.add(whole.error.code);
    assertEquals(parser.state, "failed", label);
    assert(whole.error.offset <= bytes.length, label);
    assert(/^(argv( stdin)*( stdin-end)?)?$/.test(types), `${label}: ${types}`);
  } else {
    assertEquals(parser.state, "closed", label);
    assert(/^(argv( stdin)* stdin-end )?closed$/.test(types), `${label}: ${types}`);
  }
  assert(parser.retained <= 2 + 1, label);
}

function checkResponse(bytes: Uint8Array, coverage: Coverage): void {
  const parser = new ResponseParser({ limits: LIMITS, trace: (t) => coverage.transitions.add(key(t)) });
  const whole = runParser(parser, [bytes]);
  const label = JSON.stringify(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  const bytewise = runParser(new ResponseParser({ limits: LIMITS }), _bytewise(bytes));
  assertEquals(_normalResponse(bytewise), _normalResponse(whole), `bytewise differs for ${label}`);
  const types = whole.events.map((e: ResponseEvent) => (e.type === "stderr" ? "stdout" : e.type)).join(" ");
  if (whole.error) {
    coverage.errors.add(whole.error.code);
    assertEquals(parser.state, "failed", label);
    assert(whole.error.offset <= bytes.length, label);
    assert(/^(stdout ?)*(status( stdout)*)?$/.test(types), `${label}: ${types}`);
  } else {
    assertEquals(parser.state, "ended", label);
    assert(/^(stdout )*status( stdout)* end$/.test(types), `${label}: ${types}`);
  }
  assert(parser.retained <= 16, label);
}

function checkNetstrings(bytes: Uint8Array, coverage: Coverage): void {
  let whole: string;
  try {
    whole = decodeNetstrings(bytes, { limits: LIMITS }).join("|");
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    coverage.errors.add(error.code);
    whole = `${error.code}@${error.offset}`;
  }
  assert(whole.length >= 0);
}

function assertCovered<S extends string, I extends string>(
  spec: { transitions: readonly Transition<S, I>[]; name: string },
  coverage: Coverage,
) {
  const missing = spec.transitions.map(key).filter((k) => !coverage.transitions.has(k));
  assertEquals(missing, [], `${spec.name}: transitions never taken`);
}

function errorsOf(layers: string[]): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => layers.includes(ERROR_CODES[c].layer)).sort();
}

Deno.test("request parser: every byte string up to 7 bytes over {0,1,:,,,a}, and token sequences", () => {
  const coverage: Coverage = { transitions: new Set(), errors: new Set() };
  let count = 0;
  for (const bytes of sequences(BYTES, 7)) {
    checkRequest(bytes, coverage);
    count++;
  }
  assertEquals(count, (5 ** 8 - 1) / 4);
  for (const bytes of sequences(REQUEST_TOKENS, 4)) checkRequest(bytes, coverage);
  assertCovered<RequestState, RequestInput>(REQUEST_PARSER_SPEC, coverage);
  assertEquals([...coverage.errors].sort(), errorsOf(["netstring", "request"]));
});

Deno.test("response parser: every byte string up to 7 bytes over {0,1,:,,,a}, and token sequences", () => {
  const coverage: Coverage = { transitions: new Set(), errors: new Set() };
  for (const bytes of sequences(BYTES, 7)) checkResponse(bytes, coverage);
  for (const bytes of sequences(RESPONSE_TOKENS, 4)) checkResponse(bytes, coverage);
  assertCovered<ResponseState, ResponseInput>(RESPONSE_PARSER_SPEC, coverage);
  assertEquals([...coverage.errors].sort(), errorsOf(["netstring", "response"]));
});

Deno.test("netstring decoder: every byte string up to 7 bytes over {0,1,:,,,a}", () => {
  const coverage: Coverage = { transitions: new Set(), errors: new Set() };
  for (const bytes of sequences([...BYTES, _latin1("9")], 7)) checkNetstrings(bytes, coverage);
  assertEquals([...coverage.errors].sort(), errorsOf(["netstring"]));
});

// ---- the server exchange ---------------------------------------------------

/** Client scripts: the bytes a client sends, in order (one token per step). */
const EXCHANGE_SCRIPTS: readonly (readonly string[])[] = [
  ["1:1,3:cat,", "2:hi,", "2:ho,", "0:,"],
  ["1:1,3:cat,0:,"],
  ["1:1,3:cat,", "x", "q"],
  ["1:", "x"],
  ["1:2,"],
  [],
];

type _Path = readonly _SimEvent[];

function _replay(path: _Path, trace?: (t: Transition<string, string>) => void): { sim: _ExchangeSim; at: number } {
  const sim = new _ExchangeSim(
    { requestTimeout: 5, deadline: 9, killGrace: 1, probeInterval: 1, stdinIdleTimeout: 3, trace },
    1,
  );
  let at = 0;
  for (const event of path) {
    sim.apply(event);
    if (event.kind === "bytes") at++;
  }
  return { sim, at };
}

function _moves(sim: _ExchangeSim, script: readonly string[], at: number): _SimEvent[] {
  const next = script[at];
  return sim.enabled(next === undefined ? [] : [next]);
}

function _key(sim: _ExchangeSim, at: number): string {
  const s = sim.exchange.summary();
  return JSON.stringify([
    at,
    s.state,
    s.ending,
    s.bytesOut > 0,
    sim.statusSent,
    [...sim.timers].sort(),
    [...sim.pipes].sort(),
    Math.min(sim.stdinWrites.length, 2),
    Math.min(sim.sends.length, 2),
    sim.outputs,
    sim.spawnRequested,
    sim.started,
    sim.spawnFailed,
    sim.exited,
    sim.terminated,
    sim.outputPaused,
    sim.outputCancelled,
    sim.inputPaused,
    sim.stdinClosed,
    sim.stdinFailed,
    sim.clientEnded,
    sim.clientGone,
    sim.shutDown,
    sim.connClosed,
  ]);
}

Deno.test("server exchange: every reachable state of small scripts, every row taken, every run can finish", () => {
  const covered = new Set<string>();
  const trace = (t: Transition<string, string>) => covered.add(key(t));
  let states = 0;
  for (const script of EXCHANGE_SCRIPTS) {
    const seen = new Set<string>();
    let frontier: _Path[] = [[]];
    for (let depth = 0; frontier.length > 0; depth++) {
      const next: _Path[] = [];
      for (const path of frontier) {
        const { sim, at } = _replay(path, trace);
        const k = _key(sim, at);
        if (seen.has(k)) continue;
        seen.add(k);
        states++;
        for (const move of _moves(sim, script, at)) next.push([...path, move]);
        // From here a well-behaved world finishes the connection: done, and a status exactly when replied.
        sim.finish();
        assert(sim.done, `never done after ${path.map((e) => e.kind).join(" ")}`);
        assertEquals(sim.exchange.summary().replied, sim.statusSent, "replied iff the status was sent");
      }
      frontier = next;
    }
  }
  const missing = SERVER_EXCHANGE_SPEC.transitions.map(key).filter((k) => !covered.has(k));
  assertEquals(missing, [], "server-exchange: rows never taken");
  console.log(`server exchange: ${states} states`);
});
