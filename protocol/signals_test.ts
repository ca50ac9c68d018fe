import { assertEquals } from "@std/assert";
import { isSignalNameValue } from "./pairs.ts";
import { signalName, signalNumber, UNKNOWN_SIGNAL_NAME } from "./signals.ts";

Deno.test("signal names and numbers round-trip for every Linux signal", () => {
  for (let n = 1; n <= 64; n++) {
    if (n === 32 || n === 33) {
      assertEquals(signalName(n), UNKNOWN_SIGNAL_NAME); // reserved by glibc
      continue;
    }
    const name = signalName(n);
    assertEquals(signalNumber(name), n, name);
    assertEquals(isSignalNameValue(name), true, name);
  }
  assertEquals([signalName(15), signalName(9), signalName(11), signalName(34), signalName(40)], [
    "TERM",
    "KILL",
    "SEGV",
    "RTMIN",
    "RTMIN+6",
  ]);
  assertEquals([signalName(0), signalName(65), signalName(-1), signalName(1.5)], ["???", "???", "???", "???"]);
  assertEquals([signalNumber("SIGTERM"), signalNumber("RTMIN+31"), signalNumber("RTMIN+01")], [
    15,
    undefined,
    undefined,
  ]);
  assertEquals(signalNumber("???"), undefined);
});
