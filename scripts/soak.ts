/**
 * `deno task soak`: Lucius firings on several simulated hosts against a GitHub
 * that fails (502s before and after the write, secondary and primary rate
 * limits, requests that never answer), with firings killed by SIGKILL at
 * random moments; then clean rounds until the fleet settles. It prints what
 * an operator would want to know the next morning: stuck claims, duplicate
 * pull requests, lost commits, leftover worktrees, stack traces, and how many
 * clean rounds it took to converge.
 *
 * Real parts only: each firing is `alfred fire lucius` as its own process,
 * with real git against one bare `origin`, the loopback GitHub fake
 * (tests/support/fake_github.ts) and the real `claude` CLI against a scripted
 * Messages API (tests/support/fake_anthropic.ts) that writes a file, commits it and
 * says `[OK]`. Each host is its own ALFRED_HOME and checkout (`ALFRED_HOST`
 * tells them apart); with `--coordination redis` they share a real
 * `redis-server`, else GitHub is the only shared state.
 *
 * A kill stops the firing's whole process tree at once (SIGSTOP, then SIGKILL
 * to every descendant: the engine runs in its own session), as a machine that
 * loses power would. GitHub's waits are shrunk (one "second" is 5 ms), so a
 * 60 s secondary-limit wait lasts a moment. The failure-streak auto-pause is
 * set out of reach: every killed firing counts as a failure, and with half of
 * them killed on purpose it would pause a host for good (as it should in
 * real life, where that many crashes mean something is wrong).
 *
 * Usage: deno task soak [--firings 200] [--hosts 3] [--issues N] [--p502 0.08]
 *   [--secondary 0.08] [--primary 0] [--timeouts 0.02] [--kill-ratio 0.5]
 *   [--seed 1] [--coordination file|redis] [--max-clean-rounds 4] [--json]
 *
 * Exit code 0 when the fleet converged within 2 clean rounds with 0 claims in
 * flight, at most 1 open pull request per issue, 0 lost commits, 0 leftover
 * worktrees and 0 stack traces; 1 otherwise.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { claimState, markersOf } from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import type { Comment } from "../runner/github/rest.ts";
import {
  type FakeAnthropic,
  type RecordedRequest,
  type ScriptedReply,
  startFakeAnthropic,
} from "../tests/support/fake_anthropic.ts";
import {
  type FakeGitHub,
  type Fault,
  seededRandom,
  startFakeGitHub,
} from "../tests/support/fake_github.ts";
import { TrustedAuthors } from "../runner/claims/trust.ts";
import { ALFRED_LOGIN, alfredCommand } from "../tests/support/helpers.ts";
import { claudeEnv, ENGINE_BIN_DIR, PATH } from "../tests/support/engines.ts";
import { gitWith, operatorGitEnv, seedOrigin } from "../tests/support/git_repo.ts";
import { startRedis, type TestRedis } from "../tests/support/redis_server.ts";

/** The fake's token account: the soak's firings speak in markers as it. */
const ALFRED_ACCOUNTS = TrustedAuthors.of([ALFRED_LOGIN]);

/** What a soak run does. */
export interface SoakOptions {
  /** Firings while faults are on (kills included). */
  firings: number;
  /** Simulated hosts (ALFRED_HOMEs with their own checkout). */
  hosts: number;
  /** Issues queued at the start. */
  issues: number;
  /** Probability of a 502 per request (half of those on writes after the write is done). */
  p502: number;
  /** Probability of a secondary rate limit per request (half with `retry-after`). */
  pSecondary: number;
  /** Probability of an exhausted primary limit per request (reset 1 to 3 s on). */
  pPrimary: number;
  /** Probability of a request that never answers (half after the write is done). */
  pTimeout: number;
  /** Share of firings killed with SIGKILL at a random moment. */
  killRatio: number;
  /** Seed of every random choice. */
  seed: number;
  /** GitHub as the only shared state, or a shared redis-server too. */
  coordination: "file" | "redis";
  /** Clean rounds (every host fires once, in turn) before giving up on convergence. */
  maxCleanRounds: number;
  /** One "second" of GitHub's waits, in ms. */
  unitMs: number;
  /** How long a GitHub request may take before the client gives up, in ms. */
  timeoutMs: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
}

/** The defaults of `deno task soak`: the run the issue's "Done means" asks for. */
export const SOAK_DEFAULTS: SoakOptions = {
  firings: 200,
  hosts: 3,
  issues: 50,
  p502: 0.08,
  pSecondary: 0.08,
  pPrimary: 0,
  pTimeout: 0.02,
  killRatio: 0.5,
  seed: 1,
  coordination: "file",
  maxCleanRounds: 4,
  unitMs: 5,
  timeoutMs: 2_000,
};

/** What a soak run measured: the world at the end, and how it got there. */
export interface SoakReport extends Omit<WorldState, "stackLinesInLogs"> {
  /** The options of the run. */
  options: Omit<SoakOptions, "progress">;
  /** Firings started while faults were on. */
  firings: number;
  /** Of those, killed before they ended. */
  kills: number;
  /** Faults the GitHub fake injected, by kind. */
  faults: Record<string, number>;
  /** How the firings that ended printed their stop, by sentinel (`[AGENT-LOCKED]` …). */
  sentinels: Record<string, number>;
  /** Exit codes of the firings that ended (fault phase), by code. */
  exitCodes: Record<string, number>;
  /** The `error:` lines of firings that failed, by text (numbers and ids blurred), most frequent first. */
  errors: [string, number][];
  /** Clean rounds until every check held (`null`: not within `maxCleanRounds`). */
  roundsToConverge: number | null;
  /** Firings (any phase) whose output held a stack trace, plus stack lines in the hosts' logs. */
  stackTraces: number;
  /** GitHub requests the fake served. */
  githubRequests: number;
  /** Wall time of the whole run, in seconds. */
  wallSeconds: number;
}

/** A stack trace line as Deno prints them. */
const STACK_LINE = /^\s+at .*:\d+:\d+\)?$/m;
const SENTINEL = /^\[([A-Z0-9-]+)\]/gm;

interface Host {
  name: string;
  home: string;
  checkout: string;
}

/**
 * Runs one soak.
 *
 * Requires: git, the pinned `claude` CLI (scripts/test_tools.sh), and
 * `redis-server` with `coordination: "redis"`. Linux (`/proc`) for whole-tree kills.
 *
 * @param options The run.
 * @returns The figures.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const progress = options.progress ?? (() => {});
  // Kills and faults draw from separate streams: which firings are killed
  // depends on the seed alone, whatever the number of requests each makes.
  const killDraw = seededRandom(options.seed);
  const faultDraw = seededRandom(options.seed + 0x9e3779b9);
  const root = await Deno.makeTempDir({ prefix: "alfred-soak-" });
  let redis: TestRedis | undefined;
  let github: FakeGitHub | undefined;
  let engine: FakeAnthropic | undefined;
  try {
    const origin = `${root}/origin.git`;
    await seedOrigin(git, { origin, seed: `${root}/seed` });
    const faultsOn = { value: true };
    github = startFakeGitHub({
      fault: (context) =>
        faultsOn.value ? drawFault(faultDraw, options, context.method) : undefined,
    });
    const commits = new Set<string>();
    engine = startFakeAnthropic({ reply: (request) => scriptedEngine(request, commits) });
    if (options.coordination === "redis") redis = await startRedis();
    for (let n = 1; n <= options.issues; n++) {
      github.addIssue("acme/web", { title: `Soak issue ${n}`, labels: [LABELS.implement] });
    }
    const hosts: Host[] = [];
    for (let i = 1; i <= options.hosts; i++) {
      hosts.push(await makeHost(root, i, { origin, redisUrl: redis?.url }));
    }
    const env = (host: Host) => ({
      PATH: `${ENGINE_BIN_DIR}:${PATH}`,
      ALFRED_HOST: host.name,
      ALFRED_GITHUB_API_URL: github!.url,
      ALFRED_GITHUB_TOKEN: "test-token",
      ALFRED_GITHUB_WRITE_SPACING_MS: "0",
      ALFRED_GITHUB_RETRY_UNIT_MS: String(options.unitMs),
      ALFRED_GITHUB_TIMEOUT_MS: String(options.timeoutMs),
      ALFRED_DISK_FLOOR_MB: "1",
      ...claudeEnv(engine!.baseUrl, { apiTimeoutMs: 20_000 }),
    });
    const report = {
      firings: 0,
      kills: 0,
      sentinels: {} as Record<string, number>,
      exitCodes: {} as Record<string, number>,
      errors: new Map<string, number>(),
      stackTraces: 0,
    };
    const durations: number[] = [];
    const noteOutput = (text: string) => {
      for (const match of text.matchAll(SENTINEL)) {
        report.sentinels[match[1]] = (report.sentinels[match[1]] ?? 0) + 1;
      }
      if (STACK_LINE.test(text)) report.stackTraces++;
      for (const line of text.split("\n").filter((l) => l.startsWith("error: "))) {
        const blurred = line.replace(/\d+/g, "N").replace(/[0-9a-f]{6,}/g, "H").slice(0, 200);
        report.errors.set(blurred, (report.errors.get(blurred) ?? 0) + 1);
      }
    };

    // Fault phase: every host fires at once, round after round; some firings are
    // killed at a random moment of their expected life. A kill that comes after
    // the firing ended is owed to that host's next firing, so the share of firings
    // actually killed stays the kill ratio.
    const owed = new Map<string, number>();
    while (report.firings < options.firings) {
      const batch = hosts.slice(0, Math.min(hosts.length, options.firings - report.firings));
      await Promise.all(batch.map(async (host) => {
        report.firings++;
        if (killDraw() < options.killRatio) owed.set(host.name, (owed.get(host.name) ?? 0) + 1);
        const recent = durations.slice(-20).sort((a, b) => a - b);
        const typical = recent.length ? recent[Math.floor(recent.length / 2)] : 4_000;
        const killAfterMs = owed.get(host.name) ? Math.floor(killDraw() * typical) : undefined;
        const run = await fireOnce(host, { env: env(host), killAfterMs });
        if (run.killed) {
          report.kills++;
          owed.set(host.name, (owed.get(host.name) ?? 1) - 1);
        } else {
          durations.push(run.ms);
          report.exitCodes[String(run.code)] = (report.exitCodes[String(run.code)] ?? 0) + 1;
        }
        noteOutput(run.output);
      }));
      progress(
        `fault phase: ${report.firings}/${options.firings} firings, ${report.kills} killed, ` +
          `${JSON.stringify(github.faults)}`,
      );
    }

    // The faults stop; any GitHub backoff they caused runs out; then clean rounds.
    faultsOn.value = false;
    await waitOutBackoffs(hosts, redis);
    let roundsToConverge: number | null = null;
    let world = await inspect({ hosts, origin, github, commits });
    for (let round = 1; round <= options.maxCleanRounds; round++) {
      for (const host of hosts) {
        const run = await fireOnce(host, { env: env(host) });
        noteOutput(run.output);
      }
      world = await inspect({ hosts, origin, github, commits });
      progress(`clean round ${round}: ${JSON.stringify(summaryOf(world))}`);
      if (converged(world)) {
        roundsToConverge = round;
        break;
      }
    }
    return {
      options: withoutProgress(options),
      firings: report.firings,
      kills: report.kills,
      faults: { ...github.faults },
      sentinels: report.sentinels,
      exitCodes: report.exitCodes,
      errors: [...report.errors].sort((a, b) => b[1] - a[1]),
      roundsToConverge,
      ...world,
      stackTraces: report.stackTraces + world.stackLinesInLogs,
      githubRequests: github.exchanges.length,
      wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await engine?.close();
    await github?.close();
    await redis?.[Symbol.asyncDispose]();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

function withoutProgress(options: SoakOptions): Omit<SoakOptions, "progress"> {
  const { progress: _progress, ...rest } = options;
  return rest;
}

/** One fault for one request, or none (pure but for the generator). */
function drawFault(random: () => number, options: SoakOptions, method: string): Fault | undefined {
  const write = method !== "GET";
  let roll = random();
  if ((roll -= options.p502) < 0) {
    return write && random() < 0.5 ? { kind: "502-after" } : { kind: "502" };
  }
  if ((roll -= options.pSecondary) < 0) {
    return random() < 0.5 ? { kind: "secondary" } : { kind: "secondary", retryAfter: 1 };
  }
  if ((roll -= options.pPrimary) < 0) {
    return { kind: "primary", resetInS: 1 + Math.floor(random() * 3) };
  }
  if ((roll -= options.pTimeout) < 0) return { kind: "timeout", applied: write && random() < 0.5 };
  return undefined;
}

/**
 * The engine's script, per conversation (pure but for the sets): write a file
 * named after the conversation, commit it (`Soak work <id>`), say `[OK]`.
 * Commits are recorded by the conversation's id once git printed the commit's
 * hash, and found again by their message: Alfred may rewrite them to add its
 * trailers.
 */
function scriptedEngine(request: RecordedRequest, seen: Set<string>): ScriptedReply {
  const body = request.body as { messages?: { content: unknown }[] } | undefined;
  const messages = body?.messages ?? [];
  const id = conversationId(JSON.stringify(messages[0]?.content ?? ""));
  const results = messages.flatMap((message) =>
    Array.isArray(message.content)
      ? message.content.filter((block: { type?: string }) => block?.type === "tool_result")
      : []
  );
  if (results.length === 0) {
    return {
      kind: "tool_use",
      name: "Write",
      input: { file_path: `soak-${id}.txt`, content: `${id}\n` },
    };
  }
  if (results.length === 1) {
    return {
      kind: "tool_use",
      name: "Bash",
      input: {
        command:
          `git add soak-${id}.txt && git commit --quiet -m 'Soak work ${id}' && git log -1 --format=%H`,
        description: "Commit the work",
      },
    };
  }
  // The commit exists once git printed its hash (the engine's own commit, before any rewrite).
  if (/\b[0-9a-f]{40}\b/.test(JSON.stringify(results[1]))) seen.add(id);
  return { kind: "text", text: `Wrote soak-${id}.txt and committed it.\n[OK]` };
}

function conversationId(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

/** Git as the operator, with the folder it runs in as HOME. */
function git(cwd: string, args: string[]): Promise<string> {
  return gitWith(operatorGitEnv(cwd))(cwd, args);
}

async function makeHost(
  root: string,
  n: number,
  options: { origin: string; redisUrl?: string },
): Promise<Host> {
  const home = `${root}/host-${n}/home`;
  const checkout = `${root}/host-${n}/checkout`;
  await Deno.mkdir(home, { recursive: true });
  await git(root, ["clone", "--quiet", options.origin, checkout]);
  await Deno.writeTextFile(
    `${home}/fleet.yaml`,
    [
      "version: 1",
      "timezone: UTC",
      ...(options.redisUrl
        ? [
          "redis:",
          `  url: ${JSON.stringify(options.redisUrl)}`,
          "coordination:",
          "  backend: redis",
          "  lock_ttl_seconds: 10",
        ]
        : []),
      "repos:",
      "  - name: acme/web",
      `    path: ${checkout}`,
      "    base: main",
      "agents:",
      "  lucius:",
      "    enabled: true",
      "    max_turns: 8",
      "    timeout_minutes: 2",
      // Half the firings are killed on purpose, and each kill counts as a
      // failure: the failure-streak auto-pause would stop a host for good.
      "    failure_streak_threshold: 100000",
      "",
    ].join("\n"),
  );
  return { name: `soak-host-${n}`, home, checkout };
}

/** Fires `alfred fire lucius` on a host; kills its whole process tree after `killAfterMs`. */
async function fireOnce(
  host: Host,
  options: { env: Record<string, string>; killAfterMs?: number },
): Promise<{ code: number; output: string; killed: boolean; ms: number }> {
  const started = performance.now();
  const child = alfredCommand(["fire", "lucius"], { home: host.home, env: options.env }).spawn();
  let killed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = child.status.then(() => true);
  if (options.killAfterMs !== undefined) {
    timer = setTimeout(() => {
      killed = true;
      void killTree(child.pid);
    }, options.killAfterMs);
  }
  const output = await child.output();
  clearTimeout(timer);
  await exited;
  // A firing that ended on its own before the kill landed was not killed.
  const wasKilled = killed && output.signal === "SIGKILL";
  return {
    code: output.code,
    output: new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr),
    killed: wasKilled,
    ms: performance.now() - started,
  };
}

/**
 * Kills a process and every descendant at once, as a power loss would: each
 * is stopped (SIGSTOP) as it is found, so none can spawn more, then all get
 * SIGKILL. Descendants are found through `/proc` (they may be in other
 * sessions: the engine runs in its own).
 */
async function killTree(pid: number): Promise<void> {
  const stopped: number[] = [];
  const signal = (target: number, name: Deno.Signal) => {
    try {
      Deno.kill(target, name);
      return true;
    } catch (error) {
      // Gone already (ESRCH).
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  };
  if (!signal(pid, "SIGSTOP")) return;
  stopped.push(pid);
  for (let i = 0; i < stopped.length; i++) {
    for (const child of await childrenOf(stopped[i])) {
      if (!stopped.includes(child) && signal(child, "SIGSTOP")) stopped.push(child);
    }
  }
  for (const target of stopped) signal(target, "SIGKILL");
}

async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
      // pid (comm) state ppid …: comm may hold spaces and parentheses.
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(after[1]) === pid) children.push(Number(entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return children;
}

/** Waits until no host holds a GitHub backoff any more. */
async function waitOutBackoffs(hosts: Host[], redis: TestRedis | undefined): Promise<void> {
  let latest = Date.now();
  for (const host of hosts) {
    try {
      const file = JSON.parse(await Deno.readTextFile(`${host.home}/state/github-backoff.json`));
      for (const entry of Object.values(file.tokens ?? {}) as { until: string }[]) {
        latest = Math.max(latest, Date.parse(entry.until));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  // With Redis the backoff expires with its key; its longest wait in the soak is a few seconds.
  if (redis) latest = Math.max(latest, Date.now() + 4_000);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, latest - Date.now()) + 50));
}

/** What the world looks like after a round. */
export interface WorldState {
  /** Issues carrying `agent:in-flight` or an open claim. */
  stuckClaims: number;
  /** Issues with more than one open pull request. */
  duplicatePullIssues: number;
  /** Open pull requests. */
  openPulls: number;
  /** Issues in `agent:pr-open`. */
  issuesDone: number;
  /** Issues in the queue. */
  issuesQueued: number;
  /** Issues by their claim-protocol label (`none` when they carry none). */
  issuesByLabel: Record<string, number>;
  /** Commits engines made. */
  engineCommits: number;
  /** Engine commits on a branch of `origin` (a pull request's or a salvage). */
  commitsOnOrigin: number;
  /** Engine commits only on a kept local branch of a host. */
  commitsKeptLocally: number;
  /** Engine commits found nowhere. */
  lostCommits: number;
  /** Worktree folders under the hosts' ALFRED_HOMEs, and git worktrees beyond the checkouts. */
  leftoverWorktrees: number;
  /** Journal entries and Lucius in-flight records. */
  leftoverRecords: number;
  /** Stack trace lines in the hosts' logs. */
  stackLinesInLogs: number;
}

async function inspect(
  options: { hosts: Host[]; origin: string; github: FakeGitHub; commits: Set<string> },
): Promise<WorldState> {
  const { hosts, origin, github, commits } = options;
  let stuckClaims = 0;
  let issuesDone = 0;
  let issuesQueued = 0;
  const issuesByLabel: Record<string, number> = {};
  const protocol: string[] = [
    LABELS.inFlight,
    LABELS.prOpen,
    LABELS.done,
    LABELS.needsHumanScope,
    LABELS.implement,
  ];
  for (const issue of github.issues("acme/web")) {
    const comments: Comment[] = issue.comments.map((c) => ({
      id: c.id,
      body: c.body,
      created_at: c.createdAt,
      user: { login: c.login },
      html_url: `https://github.com/acme/web/issues/${issue.number}#issuecomment-${c.id}`,
    }));
    const state = claimState(markersOf(comments, ALFRED_ACCOUNTS));
    if (issue.labels.includes(LABELS.inFlight) || state.holder) stuckClaims++;
    if (issue.labels.includes(LABELS.prOpen)) issuesDone++;
    if (issue.labels.includes(LABELS.implement)) issuesQueued++;
    const label = protocol.find((name) => issue.labels.includes(name)) ?? "none";
    issuesByLabel[label] = (issuesByLabel[label] ?? 0) + 1;
  }
  const openByIssue = new Map<number, number>();
  let openPulls = 0;
  for (const pull of github.pulls("acme/web")) {
    if (pull.state !== "open") continue;
    openPulls++;
    const issue = Number(/^agent\/lucius\/(\d+)-/.exec(pull.head)?.[1] ?? 0);
    openByIssue.set(issue, (openByIssue.get(issue) ?? 0) + 1);
  }
  const onOrigin = await git(origin, ["log", "--all", "--format=%B"]);
  let local = "";
  let leftoverWorktrees = 0;
  let leftoverRecords = 0;
  let stackLinesInLogs = 0;
  for (const host of hosts) {
    local += await git(host.checkout, ["log", "--branches", "--format=%B"]);
    leftoverWorktrees += (await names(`${host.home}/worktrees`)).length;
    const listed = await git(host.checkout, ["worktree", "list", "--porcelain"]);
    leftoverWorktrees += Math.max(0, (listed.match(/^worktree /gm)?.length ?? 1) - 1);
    leftoverRecords += (await names(`${host.home}/state/transitions`)).length;
    leftoverRecords += (await names(`${host.home}/state/lucius`)).filter((n) =>
      n === "inflight.json"
    ).length;
    for (const name of await names(`${host.home}/logs/lucius`)) {
      const text = await Deno.readTextFile(`${host.home}/logs/lucius/${name}`);
      stackLinesInLogs += text.split("\n").filter((line) => STACK_LINE.test(line)).length;
    }
  }
  let commitsOnOrigin = 0;
  let commitsKeptLocally = 0;
  for (const id of commits) {
    if (onOrigin.includes(`Soak work ${id}`)) commitsOnOrigin++;
    else if (local.includes(`Soak work ${id}`)) commitsKeptLocally++;
  }
  return {
    stuckClaims,
    duplicatePullIssues: [...openByIssue.values()].filter((n) => n > 1).length,
    openPulls,
    issuesDone,
    issuesQueued,
    issuesByLabel,
    engineCommits: commits.size,
    commitsOnOrigin,
    commitsKeptLocally,
    lostCommits: commits.size - commitsOnOrigin - commitsKeptLocally,
    leftoverWorktrees,
    leftoverRecords,
    stackLinesInLogs,
  };
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

function converged(world: WorldState): boolean {
  return world.stuckClaims === 0 && world.duplicatePullIssues === 0 && world.lostCommits === 0 &&
    world.leftoverWorktrees === 0 && world.leftoverRecords === 0;
}

function summaryOf(world: WorldState) {
  return {
    stuck: world.stuckClaims,
    dupPRs: world.duplicatePullIssues,
    lost: world.lostCommits,
    worktrees: world.leftoverWorktrees,
    records: world.leftoverRecords,
    done: world.issuesDone,
    queued: world.issuesQueued,
  };
}

/**
 * Whether a run met the bar of the issue's "Done means" (pure).
 *
 * @param report The figures.
 * @returns The checks that failed; empty when every one held.
 */
export function soakFailures(report: SoakReport): string[] {
  const failures: string[] = [];
  if (report.roundsToConverge === null || report.roundsToConverge > 2) {
    failures.push(`converged in ${report.roundsToConverge ?? "no"} clean rounds (at most 2)`);
  }
  if (report.stuckClaims) failures.push(`${report.stuckClaims} claims in flight`);
  if (report.duplicatePullIssues) {
    failures.push(`${report.duplicatePullIssues} issues with 2+ open PRs`);
  }
  if (report.lostCommits) failures.push(`${report.lostCommits} lost commits`);
  if (report.leftoverWorktrees) failures.push(`${report.leftoverWorktrees} leftover worktrees`);
  if (report.stackTraces) failures.push(`${report.stackTraces} stack traces`);
  return failures;
}

/**
 * The report as the table `deno task soak` prints (pure).
 *
 * @param report The figures.
 * @returns Lines of text.
 */
export function formatSoakReport(report: SoakReport): string {
  const o = report.options;
  const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;
  const rows: [string, string][] = [
    ["coordination", o.coordination],
    ["hosts", String(o.hosts)],
    ["issues queued at start", String(o.issues)],
    [
      "faults asked",
      `502 ${pct(o.p502)}, secondary ${pct(o.pSecondary)}, primary ${pct(o.pPrimary)}, ` +
      `timeouts ${pct(o.pTimeout)}; kill ratio ${o.killRatio}; seed ${o.seed}`,
    ],
    ["firings (faults on)", String(report.firings)],
    ["kills (SIGKILL)", String(report.kills)],
    [
      "faults injected",
      Object.entries(report.faults).map(([kind, n]) => `${kind} ${n}`).join(", ") || "none",
    ],
    [
      "sentinels printed",
      Object.entries(report.sentinels).map(([kind, n]) => `${kind} ${n}`).join(", ") || "none",
    ],
    [
      "exit codes (not killed)",
      Object.entries(report.exitCodes).map(([code, n]) => `${code}: ${n}`).join(", "),
    ],
    ...(report.errors.length
      ? report.errors.slice(0, 8).map(([line, n], i): [string, string] => [
        i === 0 ? "errors printed" : "",
        `${n}x ${line}`,
      ])
      : [["errors printed", "none"] as [string, string]]),
    [
      "rounds needed to converge",
      report.roundsToConverge === null ? "not converged" : String(report.roundsToConverge),
    ],
    ["stuck claims", String(report.stuckClaims)],
    ["duplicate open PRs (issues)", String(report.duplicatePullIssues)],
    ["open PRs", String(report.openPulls)],
    [
      "issues at the end",
      Object.entries(report.issuesByLabel).map(([label, n]) => `${label} ${n}`).join(", "),
    ],
    [
      "engine commits",
      `${report.engineCommits} (on origin ${report.commitsOnOrigin}, kept locally ${report.commitsKeptLocally})`,
    ],
    ["lost commits", String(report.lostCommits)],
    ["leftover worktrees", String(report.leftoverWorktrees)],
    ["leftover records", String(report.leftoverRecords)],
    ["stack traces printed", String(report.stackTraces)],
    ["GitHub requests", String(report.githubRequests)],
    ["wall time", `${report.wallSeconds} s`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      firings: { type: "string" },
      hosts: { type: "string" },
      issues: { type: "string" },
      p502: { type: "string" },
      secondary: { type: "string" },
      primary: { type: "string" },
      timeouts: { type: "string" },
      "kill-ratio": { type: "string" },
      seed: { type: "string" },
      coordination: { type: "string" },
      "max-clean-rounds": { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
  });
  const number = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`error: --${name} must be a number (got "${value}")`);
      Deno.exit(2);
    }
    return n;
  };
  const coordination = values.coordination ?? "file";
  if (coordination !== "file" && coordination !== "redis") {
    console.error(`error: --coordination must be file or redis (got "${coordination}")`);
    Deno.exit(2);
  }
  const firings = number("firings", values.firings, SOAK_DEFAULTS.firings);
  const options: SoakOptions = {
    ...SOAK_DEFAULTS,
    firings,
    hosts: number("hosts", values.hosts, SOAK_DEFAULTS.hosts),
    issues: number("issues", values.issues, Math.max(1, Math.ceil(firings / 4))),
    p502: number("p502", values.p502, SOAK_DEFAULTS.p502),
    pSecondary: number("secondary", values.secondary, SOAK_DEFAULTS.pSecondary),
    pPrimary: number("primary", values.primary, SOAK_DEFAULTS.pPrimary),
    pTimeout: number("timeouts", values.timeouts, SOAK_DEFAULTS.pTimeout),
    killRatio: number("kill-ratio", values["kill-ratio"], SOAK_DEFAULTS.killRatio),
    seed: number("seed", values.seed, SOAK_DEFAULTS.seed),
    coordination,
    maxCleanRounds: number("max-clean-rounds", values["max-clean-rounds"], 4),
    progress: values.quiet ? undefined : (line) => console.error(line),
  };
  const report = await runSoak(options);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatSoakReport(report));
  const failures = soakFailures(report);
  if (failures.length) console.log(`FAILED: ${failures.join("; ")}`);
  else console.log("ok: converged, nothing stuck, doubled, lost or left behind");
  Deno.exit(failures.length ? 1 : 0);
}
