// protocol/ is sans-I/O: it imports only its own files and touches no runtime API.
import { assertEquals } from "@std/assert";

/** What a source file does that a sans-I/O module must not; empty when clean. */
export function ioViolations(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found: string[] = [];
  for (const m of code.matchAll(/(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']/g)) {
    const spec = m[1] ?? m[2];
    if (!/^\.\/[\w.-]+\.ts$/.test(spec)) found.push(`imports ${spec}`);
  }
  const withoutStrings = code.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
  const forbidden =
    /\b(Deno|process|require|globalThis|window|self|fetch|WebSocket|setTimeout|setInterval|queueMicrotask|Bun|navigator)\b/g;
  for (const m of withoutStrings.matchAll(forbidden)) found.push(`uses ${m[1]}`);
  return found;
}

Deno.test("protocol/ imports nothing from Deno, node:, npm: or sockets", async () => {
  const dir = new URL("./", import.meta.url);
  const offenders: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    const violations = ioViolations(await Deno.readTextFile(new URL(entry.name, dir)));
    offenders.push(...violations.map((v) => `${entry.name}: ${v}`));
  }
  assertEquals(offenders, []);
});

Deno.test("the purity check flags what it must", () => {
  assertEquals(ioViolations(`import { x } from "node:net";`), ["imports node:net"]);
  assertEquals(ioViolations(`export * from "npm:fast-check";`), ["imports npm:fast-check"]);
  assertEquals(ioViolations(`import { y } from "@std/assert";`), ["imports @std/assert"]);
  assertEquals(ioViolations(`const m = await import("./x.js");`), ["imports ./x.js"]);
  assertEquals(ioViolations(`Deno.connect({ port: 1 });`), ["uses Deno"]);
  assertEquals(ioViolations(`setTimeout(() => {}, 1);`), ["uses setTimeout"]);
  assertEquals(ioViolations(`const s = "a process group"; Deno.exit(1);`), ["uses Deno"]);
  assertEquals(ioViolations(`// Deno.exit()\n/* fetch("x") */\nimport { a } from "./a.ts";`), []);
});
