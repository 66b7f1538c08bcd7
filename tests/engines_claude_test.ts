/**
 * The real `claude` CLI (npm @anthropic-ai/claude-code, pinned in
 * scripts/test_tools.sh) against the scripted Messages API in fake_anthropic.ts.
 */
import assert from "node:assert/strict";
import { readGlobalBlock } from "../runner/firing/block.ts";
import { claudeArgs, createClaudeParser } from "../runner/engines/claude.ts";
import { type EngineRequest, type EngineRun, runEngine } from "../runner/engines/run.ts";
import { ALLOWED_NAMES, ALLOWED_PREFIXES } from "../runner/engines/env.ts";
import { layoutOf } from "../runner/paths.ts";
import { liveProcessesInGroup } from "../runner/process.ts";
import {
  type FakeAnthropic,
  type ScriptedReply,
  startFakeAnthropic,
} from "./support/fake_anthropic.ts";
import { CLAUDE, claudeEnv, ENGINE_NOW, engineRequest, PATH } from "./support/engines.ts";

interface World extends AsyncDisposable {
  home: string;
  cwd: string;
  fake: FakeAnthropic;
}

async function world(replies: ScriptedReply[]): Promise<World> {
  const root = await Deno.makeTempDir({ prefix: "alfred-claude-" });
  const home = `${root}/alfred`;
  const cwd = `${root}/worktree`;
  await Deno.mkdir(`${root}/user`, { recursive: true });
  await Deno.mkdir(cwd, { recursive: true });
  const fake = startFakeAnthropic({ replies });
  return {
    home,
    cwd,
    fake,
    async [Symbol.asyncDispose]() {
      await fake.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** Lucius's task in these tests; each run adds its worktree. */
const TASK = {
  agent: "lucius",
  prompt: "Create made.txt, then answer with a sentinel.",
  maxTurns: 5,
  allowedTools: ["Read", "Write", "Edit"],
  systemPrompt: "You are Lucius.",
};

async function run(
  w: World,
  options:
    & { timeoutMs?: number; program?: string; parentEnv?: Record<string, string> }
    & Partial<
      EngineRequest
    > = {},
): Promise<EngineRun> {
  const { timeoutMs = 15_000, program = CLAUDE, parentEnv, ...overrides } = options;
  return await runEngine(engineRequest("claude", { ...TASK, cwd: w.cwd, ...overrides }), {
    layout: layoutOf(w.home),
    parentEnv: parentEnv ?? { PATH, HOME: `${w.home}/../user`, LANG: "C.UTF-8" },
    timeoutMs,
    graceMs: 500,
    programs: { claude: program },
    envOverrides: claudeEnv(w.fake.baseUrl),
    now: ENGINE_NOW,
  });
}

async function resultLineOf(transcriptPath: string): Promise<Record<string, unknown>> {
  const lines = (await Deno.readTextFile(transcriptPath)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const line = lines.find((l) => l.stream === "stdout" && l.data?.type === "result");
  assert.ok(line, "the transcript holds the CLI's result line");
  return line.data;
}

Deno.test("claude argv: stream-json, max turns, acceptEdits, tools, persona, resume; never skip-permissions", () => {
  const args = claudeArgs({
    model: "opus",
    maxTurns: 7,
    allowedTools: ["Read", "Bash(git diff:*)"],
    appendSystemPrompt: "persona",
    resumeSessionId: "abc",
  });
  assert.deepEqual(args, [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--max-turns",
    "7",
    "--permission-mode",
    "acceptEdits",
    "--model",
    "opus",
    "--allowedTools",
    "Read,Bash(git diff:*)",
    "--append-system-prompt",
    "persona",
    "--resume",
    "abc",
  ]);
  assert.equal(args.some((a) => a.includes("dangerously")), false);
});

Deno.test("real claude: a Write tool call changes a file and the run succeeds with [OK]", async () => {
  await using w = await world([
    { kind: "tool_use", name: "Write", input: { file_path: "made.txt", content: "hello\n" } },
    { kind: "text", text: "Created it.\n[OK]" },
  ]);
  const outcome = await run(w);
  assert.equal(outcome.classification.outcome, "success", outcome.classification.detail);
  assert.equal(outcome.classification.sentinel?.name, "OK");
  assert.equal(await Deno.readTextFile(`${w.cwd}/made.txt`), "hello\n");
  assert.equal(w.fake.requests.length, 2);
  assert.deepEqual(w.fake.unknown, []);
  // The prompt went in on stdin and the persona through --append-system-prompt.
  const body = JSON.stringify(w.fake.requests[0].body);
  assert.ok(body.includes("Create made.txt, then answer with a sentinel."));
  assert.ok(body.includes("You are Lucius."));
  // AgentResult equals what the CLI reported.
  const line = await resultLineOf(outcome.transcriptPath);
  const result = outcome.result!;
  assert.equal(result.turns, line.num_turns);
  assert.equal(result.costUsd, line.total_cost_usd);
  assert.equal(result.sessionId, line.session_id);
  assert.equal(result.turns, 2);
  assert.ok(result.costUsd > 0);
  assert.equal(result.costIsEstimate, false);
  assert.equal(result.usage.inputTokens, 200);
  assert.deepEqual(outcome.engineUsed.reason, "primary");
  assert.equal(outcome.blocked, false);
});

Deno.test("real claude: a run cut by --max-turns is max_turns", async () => {
  await using w = await world([
    { kind: "tool_use", name: "Read", input: { file_path: "nothing.txt" } },
    { kind: "tool_use", name: "Read", input: { file_path: "nothing.txt" } },
  ]);
  const outcome = await run(w, { maxTurns: 1 });
  assert.equal(outcome.classification.outcome, "max_turns", outcome.classification.detail);
  const line = await resultLineOf(outcome.transcriptPath);
  assert.equal(line.subtype, "error_max_turns");
  assert.equal(outcome.result?.turns, line.num_turns);
  assert.equal(outcome.result?.sessionId, line.session_id);
});

Deno.test("real claude: a 429 is rate_limited and writes the fleet-wide block with its reason", async () => {
  await using w = await world([{
    kind: "error",
    status: 429,
    type: "rate_limit_error",
    message: "Number of request tokens has exceeded your per-minute rate limit",
    headers: { "retry-after": "1800" },
  }]);
  const outcome = await run(w);
  assert.equal(outcome.classification.outcome, "rate_limited", outcome.classification.detail);
  assert.equal(outcome.result?.subtype, "success", "the CLI says success on an API error");
  assert.equal(outcome.result?.apiErrorStatus, 429);
  assert.equal(outcome.blocked, true);
  const block = await readGlobalBlock(layoutOf(w.home), { now: new Date("2030-01-01T12:00:00Z") });
  assert.equal(block?.set_by, "lucius");
  assert.match(block?.reason ?? "", /claude rate limit \(429\) hit by lucius/);
  // The CLI does not surface retry-after: the default hour applies.
  assert.equal(block?.until, "2030-01-01T13:00:00.000Z");
});

Deno.test("real claude: a rate limit falls back to a second account before blocking", async () => {
  await using w = await world([
    { kind: "error", status: 429, type: "rate_limit_error", message: "rate limited" },
    { kind: "text", text: "[OK]" },
  ]);
  const outcome = await run(w, {
    tier: { engine: "claude", fallback: { claudeConfigDir: `${w.home}/claude-b` } },
  });
  assert.deepEqual(outcome.attempts.map((a) => a.classification.outcome), [
    "rate_limited",
    "success",
  ]);
  assert.equal(outcome.engineUsed.reason, "fallback after rate_limited");
  assert.equal(outcome.engineUsed.claudeConfigDir, `${w.home}/claude-b`);
  assert.equal(outcome.blocked, false);
  assert.equal(await readGlobalBlock(layoutOf(w.home)), undefined);
});

const errorCases: Array<[string, ScriptedReply, string]> = [
  ["529 overloaded", {
    kind: "error",
    status: 529,
    type: "overloaded_error",
    message: "Overloaded",
  }, "overloaded"],
  ["401", {
    kind: "error",
    status: 401,
    type: "authentication_error",
    message: "invalid x-api-key",
  }, "auth_error"],
  [
    "a credit balance error",
    {
      kind: "error",
      status: 400,
      type: "invalid_request_error",
      message: "Your credit balance is too low to access the Anthropic API.",
    },
    "budget_exhausted",
  ],
  ["a garbage reply", { kind: "garbage", body: "<html>proxy error</html>" }, "crashed"],
];

for (const [what, reply, expected] of errorCases) {
  Deno.test(`real claude: ${what} is ${expected}`, async () => {
    await using w = await world([reply, reply]);
    const outcome = await run(w);
    assert.equal(outcome.classification.outcome, expected, outcome.classification.detail);
    assert.equal(outcome.blocked, expected === "budget_exhausted");
  });
}

Deno.test("real claude: a stalled stream is ended by our timeout with the whole tree killed", async () => {
  await using w = await world([{ kind: "stall" }]);
  // A stalled stream never ends by itself: `timedOut` proves our timeout ended it.
  const outcome = await run(w, { timeoutMs: 3_000 });
  assert.equal(outcome.classification.outcome, "timeout");
  const attempt = outcome.attempts[0];
  assert.equal(attempt.process.timedOut, true);
  assert.deepEqual(await liveProcessesInGroup(attempt.process.pid), []);
});

Deno.test("output that does not parse is crashed, with the reason", async () => {
  await using w = await world([]);
  const script = `${w.cwd}/../fake-claude.sh`;
  await Deno.writeTextFile(
    script,
    "#!/bin/sh\necho 'not json'\necho '{\"type\":\"result\"}'\necho oops >&2\nexit 1\n",
  );
  await Deno.chmod(script, 0o755);
  const outcome = await run(w, { program: script });
  assert.equal(outcome.classification.outcome, "crashed");
  assert.match(outcome.classification.detail, /result line did not match/);
  assert.match(outcome.classification.detail, /oops/);
});

Deno.test("nothing outside the allowlist reaches the engine process", async () => {
  await using w = await world([]);
  const script = `${w.cwd}/../env-claude.sh`;
  await Deno.writeTextFile(script, `#!/bin/sh\nenv > "$PWD/engine-env.txt"\n`);
  await Deno.chmod(script, 0o755);
  const parentEnv = {
    ...Deno.env.toObject(),
    PATH,
    HOME: "/home/op",
    GH_TOKEN: "ghp_should_not_pass_0000000000000000000",
    AWS_SECRET_ACCESS_KEY: "nope",
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
    ALFRED_HOME: w.home,
    CLAUDE_CODE_USE_BEDROCK: "0",
  };
  await run(w, { program: script, parentEnv });
  const names = (await Deno.readTextFile(`${w.cwd}/engine-env.txt`)).trim().split("\n")
    .map((l) => l.split("=")[0]);
  // The allowlist itself is pinned by tests/engine_env_test.ts; here the real
  // process must see nothing beyond it.
  // sh adds PWD, SHLVL and _ itself.
  const outside = names.filter((n) =>
    !ALLOWED_NAMES.includes(n) && !ALLOWED_PREFIXES.some((prefix) => n.startsWith(prefix)) &&
    !["PWD", "SHLVL", "_", "OLDPWD"].includes(n)
  );
  assert.deepEqual(outside, []);
  for (const secret of ["GH_TOKEN", "AWS_SECRET_ACCESS_KEY", "SLACK_WEBHOOK_URL", "ALFRED_HOME"]) {
    assert.ok(!names.includes(secret), secret);
  }
  assert.ok(names.includes("CLAUDE_CODE_USE_BEDROCK") && names.includes("ANTHROPIC_BASE_URL"));
});

Deno.test("the stream parser keeps the session id when the output breaks off", () => {
  const parser = createClaudeParser();
  parser.line(JSON.stringify({ type: "system", subtype: "init", session_id: "s-9", model: "m" }));
  parser.line("{truncated");
  const parsed = parser.finish();
  assert.equal(parsed.ok, false);
  if (!parsed.ok) {
    assert.equal(parsed.sessionId, "s-9");
    assert.match(parsed.problem, /no result line in 2 line\(s\) of output \(1 not JSON\)/);
  }
});
