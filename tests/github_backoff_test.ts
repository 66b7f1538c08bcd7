/**
 * GitHub's rate limits end to end: a firing that meets one stops cleanly with
 * `[AGENT-GITHUB-BACKOFF]` and leaves its claim for the next firing to finish;
 * while the backoff holds, every GitHub agent of the host (of the fleet, with
 * `coordination: redis`) stops before its first request.
 *
 * The firings that check the whole backoff window run in-process through
 * `fire()` with a fake clock, so "0 requests for 120 s" is checked at chosen
 * instants of those 120 s without waiting for them.
 */
import assert from "node:assert/strict";
import { AGENT_LOADERS } from "../agents/registry.ts";
import { statusCommand } from "../cli/commands/status.ts";
import { fire } from "../runner/firing/fire.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { type FakeGitHub, startFakeGitHub } from "./support/fake_github.ts";
import { listDir, markersIn, withHome } from "./support/helpers.ts";
import { committingReplies, createLuciusWorld, REPO } from "./support/lucius_world.ts";
import { startRedis } from "./support/redis_server.ts";

/** The agents whose work calls GitHub. */
const GITHUB_AGENTS = ["lucius", "batman", "drake", "robin", "rasalghul", "bane", "nightwing"];

/** A stack trace line as Deno prints them. */
const STACK_LINE = /^\s+at .*:\d+:\d+\)?$/m;

Deno.test("a secondary limit during a release: the firing stops cleanly, and the next firing on the host finishes the transition", async () => {
  const seen: { github?: FakeGitHub } = {};
  const releasePosted = () =>
    seen.github?.issue(REPO, 1).comments.some((c) =>
      markersIn(c.body).some((m) => m.kind === "release")
    ) ?? false;
  await using world = await createLuciusWorld({
    replies: committingReplies(),
    // After the release comment, every label write meets a secondary limit asking for 120 s.
    fault: (context) =>
      context.method === "POST" && context.route.endsWith("/labels") && releasePosted()
        ? { kind: "secondary", retryAfter: 120 }
        : undefined,
  });
  seen.github = world.github;
  const number = world.github.addIssue(REPO, {
    title: "Add a greeting",
    labels: [LABELS.implement],
  });
  assert.equal(number, 1);
  // One "second" of GitHub's waits is 10 ms here: the 120 s asked for last 1.2 s.
  const env = { ALFRED_GITHUB_RETRY_UNIT_MS: "10" };
  const first = await world.fire(env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /^\[AGENT-GITHUB-BACKOFF\] until \S+ \(secondary rate limit on POST \/repos\/acme\/web\/issues\/\d+\/labels\)$/m,
  );
  assert.doesNotMatch(first.stdout + first.stderr, STACK_LINE, "no stack trace without --debug");
  const log = await Deno.readTextFile(
    `${world.layout.logsDir}/lucius/${(await listDir(`${world.layout.logsDir}/lucius`))[0]}`,
  );
  assert.doesNotMatch(log, STACK_LINE, "no stack trace in the log either");
  assert.match(log, /GitHub's secondary rate limit|secondary rate limit/);
  assert.equal(world.slack.messages.length, 0, "a backoff is not worth a Slack message");
  assert.equal(world.github.pulls(REPO).length, 1);
  assert.ok(world.github.issue(REPO, number).labels.includes(LABELS.inFlight));
  assert.equal((await listDir(`${world.layout.stateDir}/transitions`)).length, 1, "pending");

  // After the backoff, the next firing on this host finishes the release first.
  const backoff = JSON.parse(
    await Deno.readTextFile(`${world.layout.stateDir}/github-backoff.json`),
  );
  const [entry] = Object.values(backoff.tokens) as { until: string }[];
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, Date.parse(entry.until) - Date.now()) + 20)
  );
  world.github.setFault(undefined);
  const enginesBefore = world.anthropic.requests.length;
  const next = await world.fire({ ...env, ALFRED_DISK_FLOOR_MB: "999999999" });
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(world.github.issue(REPO, number).labels, [LABELS.prOpen]);
  assert.equal(world.github.pulls(REPO).length, 1, "no second pull request");
  assert.equal(world.anthropic.requests.length, enginesBefore, "no engine ran again");
  const releases = world.github.issue(REPO, number).comments.flatMap((c) => markersIn(c.body))
    .filter((m) => m.kind === "release");
  assert.equal(releases.length, 1, "the release was posted once");
  assert.deepEqual(await listDir(`${world.layout.stateDir}/transitions`), []);
  assert.deepEqual(await listDir(world.layout.worktreesDir), []);
});

/** A home whose fleet.yaml enables every GitHub agent on one repository. */
async function fleetHome(options: { redisUrl?: string } = {}) {
  const home = await withHome();
  await Deno.writeTextFile(
    home.layout.fleetFile,
    [
      "version: 1",
      "timezone: UTC",
      ...(options.redisUrl
        ? [`redis:`, `  url: ${JSON.stringify(options.redisUrl)}`, "coordination: redis"]
        : []),
      "repos:",
      `  - name: ${REPO}`,
      "    base: main",
      "agents:",
      ...GITHUB_AGENTS.flatMap((name) => [`  ${name}:`, "    enabled: true"]),
      "",
    ].join("\n"),
  );
  return home;
}

/** Fires one agent in-process at the fake clock's time; returns its exit code and output. */
async function fireAt(
  codename: string,
  options: { home: string; github: FakeGitHub; at: Date },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const values: Record<string, string> = {
    ALFRED_HOME: options.home,
    HOME: options.home,
    PATH: Deno.env.get("PATH") ?? "",
    ALFRED_GITHUB_API_URL: options.github.url,
    ALFRED_GITHUB_TOKEN: "test-token",
    ALFRED_GITHUB_WRITE_SPACING_MS: "0",
    ALFRED_DISK_FLOOR_MB: "1",
  };
  const code = await fire(codename, {
    loadAgent: AGENT_LOADERS[codename],
    env: (name) => values[name],
    now: () => options.at,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

Deno.test("after a secondary limit with retry-after: 120, every GitHub agent on the host sends 0 requests for 120 s and prints the sentinel", async () => {
  const t0 = Date.parse("2026-11-27T09:00:00Z");
  let limited = false;
  await using github = startFakeGitHub({
    now: () => new Date(t0),
    fault: () => {
      if (limited) return undefined;
      limited = true;
      return { kind: "secondary", retryAfter: 120 };
    },
  });
  github.addIssue(REPO, { title: "Queued", labels: [LABELS.implement] });
  await using home = await fleetHome();
  const first = await fireAt("lucius", { home: home.home, github, at: new Date(t0) });
  assert.equal(first.code, 0, first.stderr);
  const until = new Date(t0 + 120_000).toISOString();
  assert.equal(
    first.stdout,
    `[AGENT-GITHUB-BACKOFF] until ${until} (secondary rate limit on GET /repos/acme/web/issues)`,
  );
  assert.doesNotMatch(first.stderr, STACK_LINE);
  const sent = github.exchanges.length;
  assert.equal(sent, 1);
  for (const offsetS of [0, 1, 60, 119.9]) {
    for (const codename of GITHUB_AGENTS) {
      const run = await fireAt(codename, {
        home: home.home,
        github,
        at: new Date(t0 + offsetS * 1000),
      });
      assert.equal(run.code, 0, `${codename} at +${offsetS} s: ${run.stderr}`);
      assert.equal(
        run.stdout,
        `[AGENT-GITHUB-BACKOFF] until ${until} (secondary rate limit on GET /repos/acme/web/issues)`,
        `${codename} at +${offsetS} s`,
      );
    }
  }
  assert.equal(github.exchanges.length, sent, "0 GitHub requests while the backoff holds");
  const status: string[] = [];
  await statusCommand([], {
    env: (name) => (name === "ALFRED_HOME" ? home.home : undefined),
    layout: home.layout,
    stdout: (line) => status.push(line),
    stderr: () => {},
    now: () => new Date(t0 + 60_000),
    debug: false,
  });
  assert.ok(
    status.includes(
      `GitHub backoff until ${until} (secondary rate limit on GET /repos/acme/web/issues), ` +
        "set by lucius: GitHub agents stand down until then",
    ),
    status.join("\n"),
  );
  // Nothing was recorded for the stopped firings: they never took their lock.
  assert.deepEqual(
    (await listDir(home.layout.eventsDir)).length,
    1,
    "only the firing that met the limit is in the event log",
  );
  github.issue(REPO, 1).labels = []; // nothing queued: the next firing is one poll
  const after = await fireAt("lucius", { home: home.home, github, at: new Date(t0 + 121_000) });
  assert.equal(after.code, 0, after.stderr);
  assert.doesNotMatch(after.stdout, /AGENT-GITHUB-BACKOFF/);
  assert.ok(github.exchanges.length > sent, "requests resume after the backoff");
});

Deno.test("with coordination: redis, a GitHub backoff met on one host stops the same token's agents on every host", async () => {
  await using redis = await startRedis();
  const t0 = Date.now();
  let limited = false;
  await using github = startFakeGitHub({
    fault: () => {
      if (limited) return undefined;
      limited = true;
      return { kind: "secondary", retryAfter: 300 };
    },
  });
  github.addIssue(REPO, { title: "Queued", labels: [LABELS.implement] });
  await using a = await fleetHome({ redisUrl: redis.url });
  await using b = await fleetHome({ redisUrl: redis.url });
  const first = await fireAt("lucius", { home: a.home, github, at: new Date(t0) });
  assert.match(first.stdout, /^\[AGENT-GITHUB-BACKOFF\] until /, first.stderr);
  const sent = github.exchanges.length;
  for (const codename of ["robin", "drake", "lucius"]) {
    const run = await fireAt(codename, { home: b.home, github, at: new Date(t0 + 60_000) });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\[AGENT-GITHUB-BACKOFF\] until \S+ \(secondary rate limit on GET /);
  }
  assert.equal(github.exchanges.length, sent, "no request from the other host");
  await assert.rejects(Deno.stat(`${b.layout.stateDir}/github-backoff.json`), Deno.errors.NotFound);
});
