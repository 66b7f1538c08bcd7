/**
 * The real `codex` CLI (npm @openai/codex, pinned in scripts/test_tools.sh)
 * pointed at the scripted Responses API in fake_openai.ts through
 * `-c model_provider=... -c model_providers.<id>.base_url=...`.
 */
import assert from "node:assert/strict";
import { readGlobalBlock } from "../runner/firing/block.ts";
import {
  codexArgs,
  createCodexParser,
  estimateCodexCost,
  UNKNOWN_MODEL_PRICE,
} from "../runner/engines/codex.ts";
import { type EngineRun, runEngine } from "../runner/engines/run.ts";
import { layoutOf } from "../runner/paths.ts";
import { type FakeOpenAI, type ScriptedResponse, startFakeOpenAI } from "./support/fake_openai.ts";
import { codexRunOptions, ENGINE_NOW, engineRequest, PATH } from "./support/engines.ts";

function banesRequest(cwd: string) {
  return engineRequest("codex", {
    agent: "bane",
    prompt: "Make made.txt and finish with a sentinel.",
    cwd,
    maxTurns: 5,
    allowedTools: [],
  });
}

async function runCodex(
  replies: ScriptedResponse[],
  check: (
    run: EngineRun,
    context: { cwd: string; home: string; fake: FakeOpenAI },
  ) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "alfred-codex-" });
  const cwd = `${root}/worktree`;
  await Deno.mkdir(cwd, { recursive: true });
  await Deno.mkdir(`${root}/codex-home`, { recursive: true });
  await using fake = startFakeOpenAI(replies);
  try {
    const run = await runEngine(banesRequest(cwd), {
      layout: layoutOf(`${root}/alfred`),
      parentEnv: { PATH, HOME: root, CODEX_HOME: `${root}/codex-home`, OPENAI_API_KEY: "dummy" },
      timeoutMs: 20_000,
      graceMs: 500,
      ...codexRunOptions(fake.baseUrl),
      now: ENGINE_NOW,
    });
    await check(run, { cwd, home: `${root}/alfred`, fake });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("codex argv: exec --json, sandbox, model, provider, prompt from stdin", () => {
  assert.deepEqual(
    codexArgs({ model: "gpt-5", provider: { id: "p", baseUrl: "http://127.0.0.1:9/v1" } }),
    [
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--sandbox",
      "workspace-write",
      "-m",
      "gpt-5",
      "-c",
      'model_provider="p"',
      "-c",
      'model_providers.p.name="p"',
      "-c",
      'model_providers.p.base_url="http://127.0.0.1:9/v1"',
      "-c",
      'model_providers.p.wire_api="responses"',
      "-c",
      'model_providers.p.env_key="OPENAI_API_KEY"',
      "-",
    ],
  );
  assert.deepEqual(codexArgs({ resumeSessionId: "t-1" }).slice(-3), ["resume", "t-1", "-"]);
});

Deno.test("real codex: a shell command changes a file and the run succeeds with an estimated cost", async () => {
  await runCodex([
    { kind: "command", cmd: "printf hello > made.txt" },
    { kind: "message", text: "Done.\n[OK]" },
  ], async (run, { cwd, fake }) => {
    assert.equal(run.classification.outcome, "success", run.classification.detail);
    assert.equal(run.classification.sentinel?.name, "OK");
    assert.equal(await Deno.readTextFile(`${cwd}/made.txt`), "hello");
    assert.equal(fake.requests.length, 2);
    assert.ok(
      JSON.stringify(fake.requests[0]).includes("Make made.txt and finish with a sentinel."),
    );
    const result = run.result!;
    assert.equal(result.engine, "codex");
    assert.match(result.sessionId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(result.turns, 1);
    // Two responses of 1000 input (200 cached) and 50 output tokens each.
    assert.deepEqual(result.usage, {
      inputTokens: 1600,
      cacheReadInputTokens: 400,
      outputTokens: 100,
      cacheCreationInputTokens: 0,
    });
    assert.equal(result.costIsEstimate, true);
    assert.equal(result.costUsd, (1600 * 1.25 + 400 * 0.125 + 100 * 10) / 1e6);
  });
});

Deno.test("real codex: a 429 is rate_limited and blocks the fleet", async () => {
  await runCodex([
    {
      kind: "error",
      status: 429,
      code: "rate_limit_exceeded",
      message: "Rate limit reached",
      headers: { "retry-after": "1" },
    },
  ], async (run, { home }) => {
    assert.equal(run.classification.outcome, "rate_limited", run.classification.detail);
    assert.equal(run.result?.apiErrorStatus, 429);
    assert.equal(run.blocked, true);
    assert.match((await readGlobalBlock(layoutOf(home)))?.reason ?? "", /codex rate limit.*bane/);
  });
});

Deno.test("real codex: a 401 is auth_error", async () => {
  await runCodex([
    { kind: "error", status: 401, code: "invalid_api_key", message: "Incorrect API key provided" },
  ], async (run, { home }) => {
    assert.equal(run.classification.outcome, "auth_error", run.classification.detail);
    assert.equal(run.blocked, false);
    assert.equal(await readGlobalBlock(layoutOf(home)), undefined);
  });
});

Deno.test("the codex parser reads an event stream recorded from codex-cli 0.171.0", () => {
  const recorded = [
    '{"type":"thread.started","thread_id":"01a21c3b-db00-7823-8fbf-ed879f83a7f4"}',
    '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5` not found."}}',
    '{"type":"turn.started"}',
    '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"All done [OK]"}}',
    '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":200,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10}}',
  ];
  const parser = createCodexParser({ model: "gpt-5-mini" });
  for (const line of recorded) parser.line(line);
  const parsed = parser.finish();
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.equal(parsed.result.text, "All done [OK]");
  assert.equal(parsed.result.isError, false);
  assert.equal(parsed.result.sessionId, "01a21c3b-db00-7823-8fbf-ed879f83a7f4");
  assert.equal(parsed.result.costUsd, (800 * 0.25 + 200 * 0.025 + 50 * 2) / 1e6);

  const failed = createCodexParser();
  failed.line('{"type":"thread.started","thread_id":"t"}');
  failed.line('{"type":"turn.started"}');
  failed.line(
    '{"type":"error","message":"unexpected status 401 Unauthorized: Incorrect API key provided"}',
  );
  failed.line(
    '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: Incorrect API key provided"}}',
  );
  const bad = failed.finish();
  assert.ok(bad.ok && bad.result.isError && bad.result.apiErrorStatus === 401);

  const garbage = createCodexParser();
  garbage.line("panic: something");
  assert.equal(garbage.finish().ok, false);
});

Deno.test("an unknown model is priced at the dearest row so spend caps err safe", () => {
  const usage = {
    inputTokens: 1e6,
    outputTokens: 1e6,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
  };
  assert.equal(
    estimateCodexCost("gpt-99", usage),
    UNKNOWN_MODEL_PRICE.input + UNKNOWN_MODEL_PRICE.output,
  );
});
