import assert from "node:assert/strict";
import { formatMarker, MARKER_KINDS, scanMarkers } from "../runner/claims/markers.ts";
import { LABEL_SET } from "../runner/claims/labels.ts";

const DOC = new URL("../docs/STATE_MACHINE.md", import.meta.url);

Deno.test("every marker example in docs/STATE_MACHINE.md parses and is written back identically", async () => {
  const text = await Deno.readTextFile(DOC);
  const examples = text.split("<!-- marker-examples -->")[1];
  assert.ok(examples, "the doc lost its <!-- marker-examples --> anchor");
  const scanned = scanMarkers(examples);
  assert.ok(scanned.length >= MARKER_KINDS.length);
  for (const found of scanned) {
    assert.ok(found.ok, `${found.source}: ${found.ok ? "" : found.reason}`);
    if (found.ok) assert.equal(formatMarker(found.marker), found.source);
  }
  const kinds = new Set(scanned.flatMap((found) => (found.ok ? [found.marker.kind] : [])));
  assert.deepEqual([...kinds].sort(), [...MARKER_KINDS].sort());
});

Deno.test("docs/STATE_MACHINE.md names every label, kind and a mermaid diagram", async () => {
  const text = await Deno.readTextFile(DOC);
  assert.match(text, /```mermaid\nstateDiagram-v2/);
  for (const label of LABEL_SET) assert.ok(text.includes(`\`${label.name}\``), label.name);
  for (const kind of MARKER_KINDS) assert.ok(text.includes(`\`${kind}\``), kind);
});

Deno.test("docs/STATE_MACHINE.md says who completes every half-done transition", async () => {
  const text = await Deno.readTextFile(DOC);
  const section = text.split("## Half-done states")[1]?.split("\n## ")[0];
  assert.ok(section, "the doc lost its Half-done states section");
  const rows = section.split("\n").filter((line) => /^\| [a-z]/.test(line));
  const transitions = new Set(
    rows.flatMap((row) => row.split("|")[1].split("/").map((part) => part.trim())),
  );
  for (const kind of ["claim", "race yield", "release", "escalation", "stale release"]) {
    assert.ok(transitions.has(kind), `no half-done row for ${kind}: ${[...transitions]}`);
  }
  for (const row of rows) {
    const cells = row.split("|").slice(1, -1).map((cell) => cell.trim());
    assert.equal(cells.length, 4, row);
    assert.ok(cells.every((cell) => cell.length > 0), `an empty cell: ${row}`);
  }
});
