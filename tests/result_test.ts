import assert from "node:assert/strict";
import type { AgentResult } from "../runner/engines/agent_result.ts";
import {
  applyEngineBlock,
  classifyRun,
  type EngineOutcome,
  findSentinel,
  resetOf,
  type RunFacts,
} from "../runner/engines/result.ts";
import { readGlobalBlock } from "../runner/firing/block.ts";
import { layoutOf } from "../runner/paths.ts";

const NOW = new Date("2030-01-01T12:00:00Z");

function claude(overrides: Partial<AgentResult>): AgentResult {
  return {
    engine: "claude",
    model: "claude-sonnet",
    turns: 1,
    costUsd: 0,
    costIsEstimate: false,
    sessionId: "s-1",
    text: "",
    isError: false,
    subtype: "success",
    apiErrorStatus: undefined,
    apiErrorType: undefined,
    terminalReason: "completed",
    permissionDenials: [],
    usage: {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    },
    ...overrides,
  };
}

/** The shape the real CLI gives for an API failure: is_error with subtype "success". */
function apiError(status: number | undefined, type: string | undefined, text: string): AgentResult {
  return claude({
    isError: true,
    subtype: "success",
    apiErrorStatus: status,
    apiErrorType: type,
    terminalReason: "api_error",
    text,
  });
}

function codexFailure(text: string, status?: number, type?: string): AgentResult {
  return claude({
    engine: "codex",
    isError: true,
    subtype: "error",
    terminalReason: "turn_failed",
    apiErrorStatus: status,
    apiErrorType: type,
    text,
  });
}

const ok = (result: AgentResult, exitCode = 0): RunFacts => ({ result, exitCode, timedOut: false });

const table: Array<[string, RunFacts, EngineOutcome, string | undefined]> = [
  ["a final [OK]", ok(claude({ text: "Done.\n[OK]" })), "success", "OK"],
  ["[BLOCKED] with a reason", ok(claude({ text: "[BLOCKED] needs a DB" })), "success", "BLOCKED"],
  [
    "[ALREADY-IMPLEMENTED]",
    ok(claude({ text: "[ALREADY-IMPLEMENTED] see #3" })),
    "success",
    "ALREADY-IMPLEMENTED",
  ],
  ["[PARTIAL]", ok(claude({ text: "[PARTIAL] half" })), "success", "PARTIAL"],
  ["[SILENT]", ok(claude({ text: "[SILENT]" })), "success", "SILENT"],
  ["no sentinel", ok(claude({ text: "I changed things." })), "no_sentinel", undefined],
  [
    "429 with subtype success",
    ok(apiError(429, "rate_limit_error", "API Error: Request rejected (429) · rate limit"), 1),
    "rate_limited",
    undefined,
  ],
  [
    "a subscription usage limit without a status",
    ok(apiError(undefined, undefined, "Claude AI usage limit reached|1893513600"), 1),
    "rate_limited",
    undefined,
  ],
  [
    "a low credit balance (HTTP 400)",
    ok(apiError(400, "invalid_request_error", "Credit balance is too low"), 1),
    "budget_exhausted",
    undefined,
  ],
  [
    "529 overloaded",
    ok(apiError(529, "overloaded_error", "API Error: 529 Overloaded."), 1),
    "overloaded",
    undefined,
  ],
  [
    "401",
    ok(apiError(401, "authentication_error", "Invalid API key · Fix external API key"), 1),
    "auth_error",
    undefined,
  ],
  [
    "403",
    ok(apiError(403, "permission_error", "Failed to authenticate. API Error: 403"), 1),
    "auth_error",
    undefined,
  ],
  [
    "an API request timeout reported by the CLI",
    ok(apiError(undefined, undefined, "Request timed out. If the API is slow to answer"), 1),
    "timeout",
    undefined,
  ],
  [
    "a malformed API response",
    ok(apiError(undefined, undefined, "API Error: API returned an empty or malformed response"), 1),
    "crashed",
    undefined,
  ],
  [
    "max turns",
    ok(
      claude({
        isError: true,
        subtype: "error_max_turns",
        terminalReason: "max_turns",
        text: "Reached maximum number of turns (1)",
      }),
      1,
    ),
    "max_turns",
    undefined,
  ],
  [
    "a permission denial and [BLOCKED]",
    ok(claude({ text: "[BLOCKED] not allowed", permissionDenials: [{ toolName: "Bash" }] })),
    "permission_denied",
    "BLOCKED",
  ],
  [
    "a permission denial but [OK]",
    ok(claude({ text: "[OK]", permissionDenials: [{ toolName: "Bash" }] })),
    "success",
    "OK",
  ],
  [
    "our timeout",
    { result: undefined, exitCode: null, signal: "SIGKILL", timedOut: true },
    "timeout",
    undefined,
  ],
  [
    "output that does not parse",
    { result: undefined, parseProblem: "no result line", exitCode: 0, timedOut: false },
    "crashed",
    undefined,
  ],
  ["a non-zero exit after a good result", ok(claude({ text: "[OK]" }), 2), "crashed", "OK"],
  [
    "codex 429",
    ok(codexFailure("exceeded retry limit, last status: 429 Too Many Requests", 429), 1),
    "rate_limited",
    undefined,
  ],
  [
    "codex insufficient_quota (a 429 that is really billing)",
    ok(codexFailure("You exceeded your current quota", 429, "insufficient_quota"), 1),
    "budget_exhausted",
    undefined,
  ],
  [
    "codex 401",
    ok(codexFailure("unexpected status 401 Unauthorized: Incorrect API key", 401), 1),
    "auth_error",
    undefined,
  ],
  ["codex other failure", ok(codexFailure("context window exceeded"), 1), "crashed", undefined],
];

for (const [what, facts, outcome, sentinel] of table) {
  Deno.test(`classifyRun: ${what} is ${outcome}`, () => {
    const verdict = classifyRun(facts, { now: NOW, agent: "lucius" });
    assert.equal(verdict.outcome, outcome, verdict.detail);
    assert.equal(verdict.sentinel?.name, sentinel);
    const blocks = outcome === "rate_limited" || outcome === "budget_exhausted";
    assert.equal(verdict.block !== undefined, blocks);
  });
}

Deno.test("custom sentinels of a codename are recognised", () => {
  const verdict = classifyRun(ok(claude({ text: "labelled it\n[ROBIN-TRIAGED] bug" })), {
    customSentinels: ["ROBIN-TRIAGED"],
  });
  assert.equal(verdict.outcome, "success");
  assert.deepEqual(verdict.sentinel, { name: "ROBIN-TRIAGED", detail: "bug" });
  assert.equal(classifyRun(ok(claude({ text: "[ROBIN-TRIAGED]" }))).outcome, "no_sentinel");
});

Deno.test("the last sentinel wins and [BLOCKED] carries its reason", () => {
  assert.deepEqual(findSentinel("[OK] first\n...\n[BLOCKED] tests need redis\nbye"), {
    name: "BLOCKED",
    detail: "tests need redis",
  });
  assert.equal(findSentinel("[okay] [OKAY]"), undefined);
  assert.throws(() => findSentinel("x", { custom: ["bad name"] }), RangeError);
});

Deno.test("reset times are read from epochs, ISO times and relative waits", () => {
  const hours = 1;
  assert.deepEqual(resetOf("limit reached|1893513600", { now: NOW, hours }), {
    until: new Date(1893513600 * 1000),
    hours,
  });
  assert.deepEqual(resetOf("resets at 2030-01-01T15:30:00Z", { now: NOW, hours }), {
    until: new Date("2030-01-01T15:30:00Z"),
    hours,
  });
  assert.deepEqual(resetOf("Please try again in 20 minutes.", { now: NOW, hours }), {
    until: new Date(NOW.getTime() + 20 * 60_000),
    hours,
  });
  assert.deepEqual(resetOf("retry-after: 90", { now: NOW, hours }), {
    until: new Date(NOW.getTime() + 90_000),
    hours,
  });
  assert.deepEqual(resetOf("limit|1000000000 (in the past)", { now: NOW, hours }), { hours });
  assert.deepEqual(resetOf("rate limited", { now: NOW, hours: 2 }), { hours: 2 });
});

Deno.test("the default block length is configurable and the reason names the agent", () => {
  const verdict = classifyRun(ok(apiError(429, "rate_limit_error", "rejected (429)"), 1), {
    now: NOW,
    defaultBlockHours: 3,
    agent: "drake",
  });
  assert.equal(verdict.block?.hours, 3);
  assert.equal(verdict.block?.until, undefined);
  assert.match(verdict.block?.reason ?? "", /claude rate limit \(429\) hit by drake/);
});

Deno.test("applyEngineBlock writes the fleet-wide block with the reason and reset time", async () => {
  const home = await Deno.makeTempDir({ prefix: "alfred-result-" });
  try {
    const layout = layoutOf(home);
    const verdict = classifyRun(
      ok(apiError(undefined, undefined, "usage limit reached|1893513600"), 1),
      {
        now: NOW,
        agent: "bane",
      },
    );
    assert.equal(await applyEngineBlock(layout, verdict, { now: NOW, setBy: "bane" }), true);
    const block = await readGlobalBlock(layout, { now: NOW });
    assert.equal(block?.until, new Date(1893513600 * 1000).toISOString());
    assert.equal(block?.set_by, "bane");
    assert.match(block?.reason ?? "", /rate limit.*bane/);
    const none = classifyRun(ok(claude({ text: "[OK]" })), { now: NOW });
    assert.equal(await applyEngineBlock(layout, none, { now: NOW }), false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("firingOutcomeOf maps every engine outcome and sentinel to an event-log outcome", async () => {
  const { firingOutcomeOf } = await import("../runner/engines/result.ts");
  const { Outcome } = await import("../runner/firing/events.ts");
  const cases: [EngineOutcome, string | undefined, string][] = [
    ["success", "OK", "success"],
    ["success", "ALREADY-IMPLEMENTED", "already-implemented"],
    ["success", "PARTIAL", "partial"],
    ["success", "BLOCKED", "blocked"],
    ["success", "SILENT", "silent"],
    ["success", "ROBIN-TRIAGED", "success"],
    ["no_sentinel", undefined, "no-sentinel"],
    ["max_turns", undefined, "max-turns"],
    ["rate_limited", undefined, "rate-limited"],
    ["budget_exhausted", undefined, "budget-exhausted"],
    ["overloaded", undefined, "overloaded"],
    ["auth_error", undefined, "auth-error"],
    ["timeout", undefined, "timeout"],
    ["permission_denied", undefined, "permission-denied"],
    ["crashed", undefined, "crashed"],
  ];
  for (const [outcome, sentinel, expected] of cases) {
    const mapped = firingOutcomeOf({
      outcome,
      sentinel: sentinel ? { name: sentinel, detail: "" } : undefined,
      detail: "",
      block: undefined,
    });
    assert.equal(mapped, expected);
    assert.equal(Outcome.safeParse(mapped).success, true, `${mapped} is a valid event outcome`);
  }
});
