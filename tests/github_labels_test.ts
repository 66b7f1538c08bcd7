import assert from "node:assert/strict";
import { labelsCommand } from "../cli/commands/labels.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import { UsageError } from "../runner/errors.ts";
import { bootstrapLabels, LABEL_SET } from "../runner/claims/labels.ts";
import { layoutOf } from "../runner/paths.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";
import { REPO } from "./support/acme_web.ts";

Deno.test("labels bootstrap creates every label once and a second run changes nothing", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  // One label exists with the wrong colour, one unrelated label is left alone.
  const labels = fake.labels("acme/web");
  labels.set("agent:done", { id: 1, name: "agent:done", color: "000000", description: null });
  labels.set("bug", { id: 2, name: "bug", color: "d73a4a", description: "Something is wrong" });

  const first = await bootstrapLabels(client, REPO);
  assert.equal(first.created.length, LABEL_SET.length - 1);
  assert.deepEqual(first.updated, ["agent:done"]);
  for (const spec of LABEL_SET) {
    const label = labels.get(spec.name);
    assert.deepEqual([label?.color, label?.description], [spec.color, spec.description]);
  }
  assert.equal(labels.get("bug")?.color, "d73a4a");

  const writesBefore = fake.exchanges.filter((e) => !e.route.startsWith("GET")).length;
  const second = await bootstrapLabels(client, REPO);
  assert.deepEqual(second.unchanged.length, LABEL_SET.length);
  assert.equal(fake.exchanges.filter((e) => !e.route.startsWith("GET")).length, writesBefore);
  assert.equal(labels.size, LABEL_SET.length + 1);
});

Deno.test("every label has a six-digit colour and a description within GitHub's 100 characters", () => {
  for (const spec of LABEL_SET) {
    assert.match(spec.color, /^[0-9a-f]{6}$/);
    assert.ok(spec.description.length > 0 && spec.description.length <= 100, spec.name);
  }
});

function contextFor(url: string, out: string[]): CommandContext {
  const env = (name: string) =>
    ({ ALFRED_GITHUB_API_URL: url, ALFRED_GITHUB_TOKEN: "test-token" } as Record<string, string>)[
      name
    ];
  return {
    env,
    layout: layoutOf("/nonexistent-alfred-home"),
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(`stderr: ${line}`),
    now: () => new Date("2026-11-27T09:00:00Z"),
    debug: false,
  };
}

Deno.test("alfred labels bootstrap prints what it did and rejects bad arguments", async () => {
  await using fake = startFakeGitHub();
  const out: string[] = [];
  const context = contextFor(fake.url, out);
  // Created by a fast client first: the command's real client spaces writes 1 s apart.
  await bootstrapLabels(await fakeClient(fake), REPO);
  fake.labels("acme/web").delete("agent:done");
  assert.equal(await labelsCommand(["bootstrap", "acme/web"], context), 0);
  assert.equal(out[0], "created   agent:done");
  assert.equal(out.at(-1), `acme/web: 1 created, 0 updated, ${LABEL_SET.length - 1} unchanged`);
  out.length = 0;
  assert.equal(await labelsCommand(["bootstrap", "acme/web"], context), 0);
  assert.equal(out.at(-1), `acme/web: 0 created, 0 updated, ${LABEL_SET.length} unchanged`);

  out.length = 0;
  assert.equal(await labelsCommand(["--help"], context), 0);
  assert.match(out[0], /^Usage: alfred labels bootstrap <owner\/repo>/);
  for (
    const args of [[], ["create", "acme/web"], ["bootstrap"], ["bootstrap", "not a repo"], [
      "bootstrap",
      "a/b",
      "c/d",
    ], ["--nope"]]
  ) {
    await assert.rejects(labelsCommand(args, context), UsageError, args.join(" "));
  }
});
