import { assertEquals } from "./support/assert.ts";
import {
  answeredStep,
  checkedStep,
  claimedStep,
  committedStep,
  engineDoneStep,
  engineStep,
  filedStep,
  pickedStep,
  plannedStep,
  pullOpenedStep,
  pushedStep,
  releasedStep,
  reviewedStep,
  smokeTestedStep,
  triagedStep,
  worktreeStep,
} from "../runner/firing/steps.ts";
import { StepName } from "../runner/firing/activity.ts";

Deno.test("every step is worded once, in one short line, with a step name the activity log accepts", () => {
  const cases = [
    [
      claimedStep({ repo: "acme/web", number: 12, title: "Fix the\nlogin  page" }),
      "claimed",
      'claimed acme/web#12 "Fix the login page"',
    ],
    [worktreeStep("agent/lucius/12-x"), "worktree", "worktree ready on agent/lucius/12-x"],
    [engineStep({ engine: "claude", model: "sonnet" }), "engine", "engine claude (sonnet) running"],
    [engineDoneStep("success", { turns: 3, costUsd: 0.01 }), "engine", "engine finished: success"],
    [committedStep(1, "b"), "committed", "committed 1 commit on b"],
    [committedStep(2, "b"), "committed", "committed 2 commits on b"],
    [pushedStep("b"), "pushed", "pushed b"],
    [pullOpenedStep("https://x/pull/2"), "pr-opened", "opened pull request https://x/pull/2"],
    [
      pullOpenedStep("https://x/pull/2", { reused: true, draft: true }),
      "pr-opened",
      "reused the open draft pull request https://x/pull/2",
    ],
    [
      releasedStep("acme/web#12", "agent:pr-open"),
      "released",
      "released acme/web#12, now agent:pr-open",
    ],
    [pickedStep("acme/web:src/a.ts"), "picked", "picked acme/web:src/a.ts"],
    [
      reviewedStep({ ref: "acme/web#5", sha: "1a2b3c4d5e", url: "u" }, { total: 1, blocking: 0 }),
      "reviewed",
      "reviewed acme/web#5 at 1a2b3c4: 1 finding, 0 blocking",
    ],
    [
      filedStep("in acme/web", [{ name: "#7", url: "u7" }, { name: "#8", url: "u8" }]),
      "filed",
      "filed 2 issues in acme/web: #7, #8",
    ],
    [
      triagedStep("acme/web", [{ number: 4, severity: "P1", verdict: "ready", url: "u" }]),
      "triaged",
      "triaged 1 issue in acme/web: #4 P1 ready",
    ],
    [
      plannedStep("acme/web#9", 4),
      "planned",
      "planned acme/web#9: 4 child issues, waiting for approval",
    ],
    [
      smokeTestedStep("staging", { passed: false, detail: "smoke exited 1" }),
      "smoke-tested",
      "smoke test failed on staging: smoke exited 1",
    ],
    [checkedStep("web: current"), "checked", "checked staging: web: current"],
    [
      answeredStep({ ref: "acme/web#5", url: "u" }, { findings: [1, 3], sha: "abcdef123" }),
      "answered",
      "answered the review of acme/web#5: fixed 1, 3 in abcdef1",
    ],
  ] as const;
  for (const [step, name, text] of cases) {
    assertEquals([step.step, step.text], [name, text]);
    assertEquals(StepName.safeParse(step.step).success, true, step.step);
  }
  assertEquals(engineDoneStep("success", { turns: 3, costUsd: 0.01 }).turns, 3);
  assertEquals(
    claimedStep({ repo: "a/b", number: 1, title: "x".repeat(100) }).text.length,
    "claimed a/b#1 ".length + 72 + 2,
    "a long title is cut",
  );
});
