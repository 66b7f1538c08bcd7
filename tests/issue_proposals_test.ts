import assert from "node:assert/strict";
import { z } from "zod";
import {
  dedupeByTitle,
  filedIssueBody,
  normalizeTitle,
  readJsonBlock,
  withoutJsonBlocks,
} from "../runner/issues/proposals.ts";
import { markersIn } from "./support/helpers.ts";

Deno.test("normalised titles ignore case, tags, punctuation and spacing", () => {
  const cases: [string, string][] = [
    ["Add a login page", "add a login page"],
    ["[Lucius] Add a LOGIN page!", "add a login page"],
    ["  add   a login-page ", "add a login page"],
    ["Ünïcode titel", "ünïcode titel"],
  ];
  for (const [title, expected] of cases) assert.equal(normalizeTitle(title), expected, title);
});

Deno.test("dedupeByTitle drops existing and repeated titles, then caps", () => {
  const proposals = ["Add login", "add LOGIN!", "Add reset", "Add audit", "Existing one"].map(
    (title) => ({ title }),
  );
  const result = dedupeByTitle(proposals, { existing: ["[Drake] existing one"], cap: 2 });
  assert.deepEqual(result.kept.map((p) => p.title), ["Add login", "Add reset"]);
  assert.deepEqual(result.dropped, [
    { title: "add LOGIN!", reason: "duplicate" },
    { title: "Add audit", reason: "over-cap" },
    { title: "Existing one", reason: "duplicate" },
  ]);
});

Deno.test("readJsonBlock reads the last json block and names what is wrong", () => {
  const schema = z.strictObject({ n: z.number() });
  const cases: [string, string | number][] = [
    ['```json\n{"n": 1}\n```\n```json\n{"n": 2}\n```\n[OK]', 2],
    ["no block here", "no ```json block in the text"],
    ["```json\n{n: 1}\n```", "the json block does not parse"],
    ['```json\n{"n": "one"}\n```', "n: "],
    ['```json\n{"n": 1, "x": 2}\n```', "(block): "],
  ];
  for (const [text, expected] of cases) {
    const result = readJsonBlock(text, schema);
    if (typeof expected === "number") {
      assert.deepEqual(result, { ok: true, value: { n: expected } });
    } else {
      assert.ok(!result.ok && result.problem.startsWith(expected), JSON.stringify(result));
    }
  }
  assert.equal(withoutJsonBlocks('Plan.\n\n```json\n{"n": 1}\n```\n\nMore.'), "Plan.\n\nMore.");
});

Deno.test("a filed issue's body has the checklist, the extra lines and the filed marker", () => {
  const body = filedIssueBody(
    { title: "T", body: "Why.", acceptance_criteria: ["One", "Two"] },
    {
      marker: { codename: "batman", firing: "f1", parent: "acme/web#3" },
      lines: ["Part of acme/web#3"],
    },
  );
  assert.equal(
    body,
    "Why.\n\n## Acceptance criteria\n\n- [ ] One\n- [ ] Two\n\nPart of acme/web#3\n\n" +
      "<!-- alfred:filed codename=batman firing=f1 parent=acme/web#3 -->\n",
  );
  assert.deepEqual(markersIn(body), [
    { kind: "filed", codename: "batman", firing: "f1", parent: "acme/web#3" },
  ]);
});
