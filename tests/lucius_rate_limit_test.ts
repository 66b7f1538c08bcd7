/**
 * The fleet-wide block end to end: a real Lucius firing whose engine (the real
 * `claude` CLI) meets a 429 writes the block, releases its claim without
 * counting an attempt, and the next firing of every agent stands down.
 */
import assert from "node:assert/strict";
import { LABELS } from "../runner/claims/labels.ts";
import { runAlfred } from "./support/helpers.ts";
import { createLuciusWorld, REPO } from "./support/lucius_world.ts";

Deno.test("a rate-limited Lucius firing writes the block, and the next firing of any agent prints [AGENT-GLOBAL-BLOCKED]", async () => {
  await using world = await createLuciusWorld({
    replies: [{
      kind: "error",
      status: 429,
      type: "rate_limit_error",
      message: "Number of request tokens has exceeded your per-minute rate limit",
      headers: { "retry-after": "120" },
    }],
  });
  const number = world.github.addIssue(REPO, { title: "Add a footer", labels: [LABELS.implement] });
  const fired = await world.fire();
  assert.equal(fired.code, 0, fired.stderr);
  const block = JSON.parse(await Deno.readTextFile(world.layout.globalBlockFile));
  assert.match(block.reason, /rate/i);
  assert.equal(block.set_by, "lucius");
  assert.ok(
    Date.parse(block.until) > Date.now() + 50 * 60_000,
    "a block of the default hour or more",
  );
  assert.deepEqual(
    world.github.issue(REPO, number).labels,
    [LABELS.implement],
    "the issue is back in the queue",
  );
  const lines = (await Deno.readTextFile(
    `${world.layout.eventsDir}/${new Date().toISOString().slice(0, 10)}.jsonl`,
  ))
    .trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.at(-1).outcome, "rate-limited");
  let transcripts = "";
  for await (const entry of Deno.readDir(`${world.layout.transcriptsDir}/lucius`)) {
    transcripts += await Deno.readTextFile(`${world.layout.transcriptsDir}/lucius/${entry.name}`);
  }
  assert.match(
    transcripts,
    /"kind":"sandbox"/,
    "the engine ran inside the sandbox (required by default)",
  );
  assert.match(transcripts, /bwrap/);
  const requestsBefore = world.github.exchanges.length;
  for (const codename of ["lucius", "echo", "bane"]) {
    const next = await runAlfred(["fire", codename], { home: world.home, env: world.env() });
    assert.equal(next.code, 0);
    assert.match(next.stdout, /^\[AGENT-GLOBAL-BLOCKED\] until \S+ \(.*rate/i);
  }
  assert.equal(world.github.exchanges.length, requestsBefore, "no GitHub request while blocked");
});
