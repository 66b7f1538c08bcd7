/**
 * Repository commands in the sandbox (runner/sandbox/repo_command.ts) and the
 * explicit opt-out: the private cache, what a command can see and change,
 * `sandbox: off` in every firing record, `alfred status` and `alfred doctor`.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { listDir, runAlfred, withHome } from "./support/helpers.ts";
import { openRepoSandbox, privateCacheEnv } from "../runner/sandbox/repo_command.ts";
import type { DenialRecord, FiringContext } from "../runner/firing/agent.ts";
import type { AgentConfig } from "../runner/config/config.ts";
import { layoutOf } from "../runner/paths.ts";
import { sandboxOffWarning, unconfinedAgents } from "../runner/sandbox/opt_out.ts";

Deno.test("the private cache is the command's home and every package manager's cache", () => {
  const env = privateCacheEnv("/a/sandbox-cache/bane/f1");
  assertEquals(env.HOME, "/a/sandbox-cache/bane/f1/home");
  for (const name of ["npm_config_cache", "YARN_CACHE_FOLDER", "DENO_DIR", "XDG_CACHE_HOME"]) {
    assert(env[name].startsWith("/a/sandbox-cache/bane/f1/"), name);
  }
  assertEquals(env.TMPDIR, "/tmp");
});

Deno.test("sandbox: off is found only among enabled agents, and its warning says how to fix it", () => {
  const agents = [
    { codename: "lucius", enabled: true, sandbox: "off" },
    { codename: "bane", enabled: false, sandbox: "off" },
    { codename: "drake", enabled: true, sandbox: "required" },
  ];
  assertEquals(unconfinedAgents(agents), ["lucius"]);
  assertMatch(sandboxOffWarning("lucius"), /sandbox: off for lucius: .*set sandbox: required/);
});

/** A firing context for repository commands, recording the denials and warnings it is given. */
function contextFor(
  home: string,
  agent: Partial<AgentConfig>,
): { context: FiringContext; denials: DenialRecord[]; warnings: string[] } {
  const denials: DenialRecord[] = [];
  const warnings: string[] = [];
  const env: Record<string, string> = {
    HOME: `${home}/operator`,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  };
  const context = {
    codename: "bane",
    firingId: "20261201T000000000Z-abcdef",
    layout: layoutOf(`${home}/operator/.alfred`),
    agent: { sandbox: "required", network: [], sandboxReadOnly: [], ...agent } as AgentConfig,
    env: (name: string) => env[name],
    now: () => new Date("2026-12-01T00:00:00Z"),
    log: { info: async () => {}, warn: async () => {}, error: async () => {} },
    recordDenials: (found: readonly DenialRecord[]) => void denials.push(...found),
    recordWarning: (warning: string) => void warnings.push(warning),
  } as unknown as FiringContext;
  return { context, denials, warnings };
}

Deno.test({
  name:
    "a repository command sees only its worktree and private cache as writable, and the cache goes at the end",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using home = await withHome();
    const repo = `${home.home}/operator/src/web`;
    await Deno.mkdir(repo, { recursive: true });
    const git = (args: string[], cwd = repo) =>
      new Deno.Command("git", { args, cwd, env: { HOME: home.home }, stdout: "null" }).output();
    await git(["init", "--quiet"]);
    await Deno.writeTextFile(`${repo}/note.txt`, "hello\n");
    const { context, denials } = contextFor(home.home, {});
    // A leftover of a dead firing is removed when the next one opens its sandbox.
    await Deno.mkdir(`${home.home}/operator/.alfred/sandbox-cache/bane/dead-firing/npm`, {
      recursive: true,
    });
    await using sandbox = await openRepoSandbox(context, { worktree: repo });
    assertEquals(await listDir(`${home.home}/operator/.alfred/sandbox-cache/bane`), [
      context.firingId,
    ]);
    const lines: string[] = [];
    const script = [
      "const fs = require('node:fs');",
      "const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'written'; } catch (e) { console.error(e.message); return e.code; } };",
      "console.log('worktree', tryWrite('out.txt'));",
      "console.log('cache', tryWrite(process.env.HOME + '/x'));",
      "console.log('git', tryWrite('.git/config'));",
      `console.log('alfred', tryWrite(${JSON.stringify(`${home.home}/operator/.alfred/x`)}));`,
      "console.log('home', process.env.HOME.includes('sandbox-cache'));",
    ].join("\n");
    const result = await sandbox.run({
      step: "check",
      argv: ["node", "-e", script],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      timeoutMs: 60_000,
      onStdoutLine: (line) => void lines.push(line),
    });
    assertEquals(result.code, 0);
    assert(result.sandboxed);
    assertEquals(lines, [
      "worktree written",
      "cache written",
      "git EROFS",
      "alfred EROFS",
      "home true",
    ]);
    assertEquals(await Deno.readTextFile(`${repo}/out.txt`), "x");
    assert(denials.some((d) => d.kind === "file" && d.detail.includes(".git/config")));
    await sandbox.close();
    assertEquals(await listDir(`${home.home}/operator/.alfred/sandbox-cache/bane`), []);
  },
});

Deno.test("sandbox: off is in every firing record, `alfred status` shows it and `alfred doctor` flags it", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(
    home.layout.fleetFile,
    "version: 1\nagents:\n  echo:\n    enabled: true\n    sandbox: off\n",
  );
  const env = { PATH: Deno.env.get("PATH") ?? "" };
  for (let i = 0; i < 2; i++) {
    const fired = await runAlfred(["fire", "echo"], { home: home.home, env });
    assertEquals(fired.code, 0, fired.stderr);
  }
  const events = (await Deno.readTextFile(
    `${home.layout.eventsDir}/${(await listDir(home.layout.eventsDir))[0]}`,
  )).trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(events.length, 2);
  for (const event of events) assertEquals(event.warnings, [sandboxOffWarning("echo")]);
  const status = await runAlfred(["status"], { home: home.home, env });
  assertStringIncludes(status.stdout, `UNCONFINED ${sandboxOffWarning("echo")}`);
  const json = JSON.parse((await runAlfred(["status", "--json"], { home: home.home, env })).stdout);
  const echo = json.agents.find((a: { agent: string }) => a.agent === "echo");
  assertEquals([echo.sandbox, echo.lastFiring.warnings], ["off", [sandboxOffWarning("echo")]]);
  const doctor = await runAlfred(["doctor", "--json"], { home: home.home, env });
  const check = JSON.parse(doctor.stdout).find((c: { name: string }) => c.name === "sandbox: off");
  assertEquals(check?.status, "warn", doctor.stdout);
  assertStringIncludes(check.detail, "sandbox: off for echo");
});
