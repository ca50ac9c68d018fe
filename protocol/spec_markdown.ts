/**
 * Renders the specification data as Markdown: `protocol/SPEC.md` is this
 * function's output, and a test fails when the committed file differs.
 *
 * @module
 */

import { EXAMPLES } from "./examples.ts";
import type { AnyMachineSpec, Spec } from "./spec.ts";

/**
 * The specification as a Markdown document.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { SPEC } from "./spec.ts";
 * import { renderSpecMarkdown } from "./spec_markdown.ts";
 * assert(renderSpecMarkdown(SPEC).startsWith("# The sockexec netstring exec protocol"));
 * ```
 */
export function renderSpecMarkdown(spec: Spec): string {
  return [
    `# ${spec.title}`,
    `Version ${spec.version}. Generated from \`protocol/spec.ts\` by \`deno task spec\`; do not edit by hand.`,
    _overview(),
    _section(
      "Profiles",
      _table(["Profile", "Status", "Summary"], spec.profiles.map((p) => [`\`${p.name}\``, p.status, p.summary])),
    ),
    _section("Grammar", _grammar(spec)),
    _section(
      "Response pair types",
      _table(["Type", "Value"], spec.pairTypes.map((f) => [`\`${f.type}\``, f.meaning])),
    ),
    _section("Examples", _examples()),
    _section("State machines", spec.machines.map(_machine).join("\n\n")),
    _section(
      "Limits",
      _table(
        ["Limit", "Scope", "Default", "Server option", "Exceeding it"],
        Object.entries(spec.limits).map((
          [name, l],
        ) => [`\`${name}\``, l.scope, `${l.default} ${l.unit}`, `\`${l.option}\``, l.description]),
      ),
    ),
    _section(
      "Error codes",
      _table(
        ["Code", "Layer", "Meaning"],
        Object.entries(spec.errors).map(([code, e]) => [`\`${code}\``, e.layer, e.description]),
      ),
    ),
    _section(
      "Requirements",
      "Ids are stable: a requirement is never renumbered, and a withdrawn id is never reused. Conformance vectors name the ids they check.\n\n" +
        _table(
          ["Id", "Level", "Binds", "Requirement", "sockexec 3.1.1"],
          spec.requirements.map((r) => [`\`${r.id}\``, r.level, r.party, r.text, r.sockexec ?? ""]),
        ),
    ),
  ].join("\n\n") + "\n";
}

function _overview(): string {
  return _section(
    "Overview",
    [
      "A client connects to a server over a UNIX or TCP stream socket and sends a request: a netstring holding argc, argc netstrings holding the program's argv, then any number of netstrings carrying the program's stdin, and the empty netstring `0:,` to close that stdin. The server starts the program as soon as argv is complete — directly, never through a shell — and streams back pairs of netstrings: `stdout` or `stderr` with bytes the program wrote, and one status pair, `exitcode` or `termsig`. Then it closes the connection.",
      "**Chunking.** Netstring boundaries carry no meaning beyond framing: stdin chunks may be split or joined freely by the client, and the server turns each read of the program's pipe into output pairs of at most maxPairBytes data bytes (4096 by default, sockexec's size), written at once. Receivers decode identically however the bytes are split into reads.",
      "**Ordering.** Within one stream, output arrives in the order the program wrote it. stdout and stderr have no relative order. A netspawn server sends the status pair last, after the program is reaped and both pipes are drained; sockexec 3.1.1 often sends it earlier, so clients read until end of input.",
      "**End of input.** Each state machine below says what end of input means in each state. In short: a server that sees the client half-close after argv treats it as the end of stdin and still sends the whole response; before argv is complete it is an incomplete request; inside a netstring it is an error.",
    ].join("\n\n"),
  );
}

function _grammar(spec: Spec): string {
  const width = Math.max(...spec.grammar.map((r) => r.name.length));
  const lines = spec.grammar.map((r) => `${r.name.padEnd(width)} = ${r.abnf}${r.note ? `  ; ${r.note}` : ""}`);
  return "```abnf\n" + lines.join("\n") + "\n```";
}

function _examples(): string {
  return EXAMPLES.map((e) => `**${e.title}**\n\n\`\`\`\n→ ${_visible(e.request)}\n← ${_visible(e.response)}\n\`\`\``)
    .join("\n\n");
}

function _visible(bytes: string): string {
  return bytes.replaceAll("\n", "\\n");
}

function _machine(m: AnyMachineSpec): string {
  const states = _table(
    ["State", "Meaning"],
    Object.entries(m.states).map(([s, d]) => [`\`${s}\`${s === m.initial ? " (initial)" : ""}`, d]),
  );
  const inputs = _table(["Input", "Fires when"], Object.entries(m.inputs).map(([i, d]) => [`\`${i}\``, d]));
  const transitions = _table(
    ["From", "Input", "To", "Emits", "Error"],
    m.transitions.map((t) => [
      `\`${t.from}\``,
      `\`${t.on}\``,
      `\`${t.to}\``,
      (t.emits ?? []).map((e) => `\`${e}\``).join(", "),
      t.error === undefined ? "" : t.error === "framing" ? "the netstring error" : `\`${t.error}\``,
    ]),
  );
  const missing = m.otherwise ??
    (m.direction === "emit"
      ? "Any other call raises `INVALID_STATE` and emits nothing."
      : "The table is total: every non-terminal state handles every input that can occur in it.");
  return `### ${m.name} (${m.role}, ${m.direction})\n\n${m.summary}\n\n${states}\n\n${inputs}\n\n${transitions}\n\n${missing}`;
}

function _section(title: string, body: string): string {
  return `## ${title}\n\n${body}`;
}

function _table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}
