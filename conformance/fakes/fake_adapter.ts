// A client adapter for proving the client runner (conformance/README.md, the adapter protocol).
// `--mode good` is a correct client built directly on the protocol core; the other modes are
// deliberately broken: crash, hang, garbage (no JSON), lenient (reports a result for a malformed
// response), wrong (corrupts stdout), no-end (never ends stdin).
//
//   deno run -A conformance/fakes/fake_adapter.ts --mode good
import { parseAddress, ProtocolError, RequestWriter, ResponseParser } from "../../protocol/mod.ts";
import { connect } from "../address.ts";
import { concatBytes, decodeBase64, encodeBase64 } from "../bytes.ts";

type Mode = "good" | "crash" | "hang" | "garbage" | "lenient" | "wrong" | "no-end";

interface Input {
  address: string;
  argv: string[];
  stdin: string | null;
  timeoutMs: number | null;
}

async function main(mode: Mode): Promise<void> {
  const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as Input;
  if (mode === "crash") {
    console.error("fake adapter: crashing on purpose");
    Deno.exit(3);
  }
  if (mode === "hang") await new Promise(() => setInterval(() => {}, 60_000)); // stays alive until killed
  if (mode === "garbage") {
    console.log("this is not JSON");
    return;
  }
  console.log(JSON.stringify(await _call(input, mode)));
}

async function _call(input: Input, mode: Mode): Promise<Record<string, unknown>> {
  let conn: Deno.Conn;
  try {
    conn = await connect(parseAddress(input.address));
  } catch (error) {
    return { ok: false, error: "CONNECT_FAILED", message: (error as Error).message };
  }
  const timer = input.timeoutMs === null ? undefined : setTimeout(() => conn.close(), input.timeoutMs);
  const out = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[] };
  let status: { exitCode: number | null; signal: string | null } | undefined;
  try {
    const w = new RequestWriter();
    const parts = [w.argv(input.argv.map(decodeBase64))];
    if (input.stdin !== null) parts.push(...w.stdin(decodeBase64(input.stdin)));
    if (mode !== "no-end") parts.push(w.stdinEnd());
    for (let b = concatBytes(parts); b.length > 0;) b = b.subarray(await conn.write(b));
    const parser = new ResponseParser();
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) parser.end();
      else parser.push(buffer.slice(0, n));
      for (let e = parser.next(); e !== undefined; e = parser.next()) {
        if (e.type === "status") status = e.status;
        else if (e.type === "stdout" || e.type === "stderr") out[e.type].push(e.data.slice());
      }
      if (n === null) break;
    }
  } catch (error) {
    if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
      return { ok: false, error: "TIMEOUT" };
    }
    if (!(error instanceof ProtocolError)) throw error;
    if (mode !== "lenient" || status === undefined) {
      const error_ = error.code === "CLOSED_WITHOUT_STATUS" ? "CLOSED_WITHOUT_STATUS" : "PROTOCOL_ERROR";
      return { ok: false, error: error_, detail: error.code, message: error.message };
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed by the timeout.
    }
  }
  const stdout = concatBytes(out.stdout);
  if (mode === "wrong" && stdout.length > 0) stdout[0] ^= 0x20;
  return {
    ok: true,
    stdout: encodeBase64(stdout),
    stderr: encodeBase64(concatBytes(out.stderr)),
    exitCode: status!.exitCode,
    signal: status!.signal,
  };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--mode");
  await main((at >= 0 ? Deno.args[at + 1] : "good") as Mode);
}
