import assert from "node:assert/strict";
import {
  chooseEngine,
  type EngineChoice,
  hasNextAttempt,
  type TierRoute,
} from "../runner/engines/orchestrator.ts";
import type { EngineOutcome } from "../runner/engines/result.ts";

const claudeWithCodex: TierRoute = {
  engine: "claude",
  model: "opus",
  fallback: { engine: "codex", model: "gpt-5-codex" },
};
const secondAccount: TierRoute = {
  engine: "claude",
  model: "sonnet",
  fallback: { claudeConfigDir: "/cfg/b" },
};
const noFallback: TierRoute = { engine: "codex", model: "gpt-5" };

Deno.test("the first attempt uses the tier's primary engine and model", () => {
  assert.deepEqual(chooseEngine(claudeWithCodex), {
    engine: "claude",
    model: "opus",
    claudeConfigDir: undefined,
    attempt: 1,
    reason: "primary",
  });
});

const table: Array<[string, TierRoute, EngineOutcome, Partial<EngineChoice> | undefined]> = [
  ["codex after a Claude rate limit", claudeWithCodex, "rate_limited", {
    engine: "codex",
    model: "gpt-5-codex",
    claudeConfigDir: undefined,
    attempt: 2,
    reason: "fallback after rate_limited",
  }],
  ["the second account after a budget wall", secondAccount, "budget_exhausted", {
    engine: "claude",
    model: "sonnet",
    claudeConfigDir: "/cfg/b",
    attempt: 2,
  }],
  ["nothing after success", claudeWithCodex, "success", undefined],
  ["nothing after a crash", claudeWithCodex, "crashed", undefined],
  ["nothing after an overload", claudeWithCodex, "overloaded", undefined],
  ["nothing without a fallback", noFallback, "rate_limited", undefined],
];

for (const [what, tier, outcome, expected] of table) {
  Deno.test(`routing picks ${what}`, () => {
    const first = chooseEngine(tier)!;
    const next = chooseEngine(tier, { previous: { choice: first, outcome } });
    if (expected === undefined) assert.equal(next, undefined);
    else assert.deepEqual({ ...next, ...expected }, next);
    assert.equal(hasNextAttempt(tier, first, outcome), expected !== undefined);
  });
}

Deno.test("the fallback is tried once: a rate-limited fallback ends the firing", () => {
  const first = chooseEngine(claudeWithCodex)!;
  const second = chooseEngine(claudeWithCodex, {
    previous: { choice: first, outcome: "rate_limited" },
  })!;
  assert.equal(
    chooseEngine(claudeWithCodex, { previous: { choice: second, outcome: "rate_limited" } }),
    undefined,
  );
});

Deno.test("a fallback to another engine does not inherit the Claude model or account", () => {
  const tier: TierRoute = {
    engine: "claude",
    model: "opus",
    claudeConfigDir: "/cfg/a",
    fallback: { engine: "codex" },
  };
  const next = chooseEngine(tier, {
    previous: { choice: chooseEngine(tier)!, outcome: "rate_limited" },
  });
  assert.equal(next?.model, undefined);
  assert.equal(next?.claudeConfigDir, undefined);
});
