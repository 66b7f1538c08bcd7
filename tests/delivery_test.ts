/** The delivery decision table and the pull-request text. */
import assert from "node:assert/strict";
import {
  type DeliveryPlan,
  planDelivery,
  pullBody,
  pullTitle,
  splitSummary,
} from "../runner/git/delivery.ts";
import type { EngineOutcome } from "../runner/engines/result.ts";

const CASES: [EngineOutcome, string | undefined, number, boolean, DeliveryPlan][] = [
  ["success", "OK", 1, false, { action: "pull", kind: "ready", commitLeftovers: false }],
  ["success", "OK", 2, true, { action: "pull", kind: "ready", commitLeftovers: true }],
  ["success", "PARTIAL", 1, false, { action: "pull", kind: "partial", commitLeftovers: false }],
  ["success", "OK", 0, true, { action: "pull", kind: "no-commit", commitLeftovers: true }],
  ["success", "ALREADY-IMPLEMENTED", 0, true, {
    action: "release",
    outcome: "success",
    transitionTo: "agent:done",
  }],
  ["success", "ALREADY-IMPLEMENTED", 1, false, {
    action: "pull",
    kind: "salvage",
    commitLeftovers: false,
  }],
  ["success", "BLOCKED", 1, false, { action: "pull", kind: "salvage", commitLeftovers: false }],
  ["success", "BLOCKED", 0, false, { action: "release", outcome: "failure" }],
  ["timeout", "OK", 0, true, { action: "pull", kind: "salvage", commitLeftovers: true }],
  ["max_turns", undefined, 3, false, { action: "pull", kind: "salvage", commitLeftovers: false }],
  ["no_sentinel", undefined, 0, false, { action: "release", outcome: "failure" }],
  ["crashed", undefined, 0, false, { action: "release", outcome: "failure" }],
  ["rate_limited", undefined, 0, false, { action: "release", outcome: "aborted" }],
  ["auth_error", undefined, 0, false, { action: "release", outcome: "aborted" }],
  ["success", "OK", 0, false, { action: "release", outcome: "failure" }],
];

Deno.test("planDelivery follows the documented table", () => {
  for (const [outcome, sentinel, commits, dirty, expected] of CASES) {
    assert.deepEqual(
      planDelivery({ outcome, sentinel }, { commits, dirty }),
      expected,
      `${outcome} ${sentinel} commits=${commits} dirty=${dirty}`,
    );
  }
});

Deno.test("pull titles and bodies say what kind of pull request it is", () => {
  const text = {
    codename: "lucius",
    issue: 7,
    issueTitle: "Add a greeting",
    summary: "Added it.",
    sentinelLine: "[OK]",
    firingId: "20261127T091500123Z-a1b2c3",
    turns: 4,
    costUsd: 0.0123,
  };
  assert.equal(pullTitle({ ...text, kind: "ready" }), "[Lucius] Add a greeting (#7)");
  assert.equal(
    pullTitle({ ...text, kind: "no-commit" }),
    "[Lucius] [LUCIUS-NO-COMMIT] Add a greeting (#7)",
  );
  const ready = pullBody({ ...text, kind: "ready" });
  assert.match(ready, /^Added it\./);
  assert.match(ready, /Closes #7/);
  assert.match(ready, /firing `20261127T091500123Z-a1b2c3` · 4 turns · \$0\.0123/);
  const salvage = pullBody({ ...text, kind: "salvage", salvageReason: "firing x died" });
  assert.match(salvage, /\[LUCIUS-SALVAGE\] Do not review\.\*\* .*\(firing x died\)/);
  assert.match(salvage, /Refs #7/);
  assert.doesNotMatch(salvage, /Closes/);
});

Deno.test("splitSummary separates the summary from the last sentinel line", () => {
  assert.deepEqual(splitSummary("Did it.\nAll good.\n[OK]\n"), {
    summary: "Did it.\nAll good.",
    sentinelLine: "[OK]",
  });
  assert.deepEqual(splitSummary("Cannot.\n[BLOCKED] needs a database"), {
    summary: "Cannot.",
    sentinelLine: "[BLOCKED] needs a database",
  });
  assert.deepEqual(splitSummary("no verdict"), { summary: "no verdict" });
});
