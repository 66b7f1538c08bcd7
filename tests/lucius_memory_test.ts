/**
 * Lessons memory end to end: the engine's closing notes from one Lucius
 * firing are remembered for the repo and recalled into the next firing's
 * prompt.
 */
import assert from "node:assert/strict";
import { LABELS } from "../runner/claims/labels.ts";
import { committingReplies, createLuciusWorld, REPO } from "./support/lucius_world.ts";

Deno.test("a lesson from one Lucius firing reaches the next firing's prompt on the same repo", async () => {
  await using world = await createLuciusWorld({
    replies: committingReplies({
      end: {
        kind: "text",
        text:
          "Added greeting.txt.\n\nNotes for next time:\nThe linter of this repo rejects tabs; " +
          "run `make lint-greeting` before committing.\n[OK]",
      },
    }),
  });
  world.github.addIssue(REPO, { title: "Add a greeting", labels: [LABELS.implement] });
  const first = await world.fire();
  assert.equal(first.code, 0, first.stderr);
  const lessons = await Deno.readTextFile(`${world.home}/memory/lessons.jsonl`);
  assert.match(lessons, /make lint-greeting/);
  assert.match(lessons, new RegExp(`"repo":"${REPO}"`));

  world.anthropic.push(
    { kind: "tool_use", name: "Write", input: { file_path: "farewell.txt", content: "bye\n" } },
    {
      kind: "tool_use",
      name: "Bash",
      input: {
        command: "git add farewell.txt && git commit --quiet -m 'Add a farewell'",
        description: "commit",
      },
    },
    { kind: "text", text: "Added farewell.txt.\n[OK]" },
  );
  const before = world.anthropic.requests.length;
  world.github.addIssue(REPO, { title: "Add a farewell greeting", labels: [LABELS.implement] });
  const second = await world.fire();
  assert.equal(second.code, 0, second.stderr);
  const prompt = JSON.stringify(world.anthropic.requests[before].body);
  assert.match(prompt, /Lessons from earlier firings/);
  assert.match(prompt, /make lint-greeting/);
});
