/**
 * Bane, the test-coverage agent: it finds the recently changed source file
 * with the lowest line coverage, adds tests for it in a worktree, runs the
 * repo's pre-push check, and opens a pull request `[Bane] Tests for <file>`.
 *
 * One firing, in order (each step logs `phase <name> <ms>`):
 *
 * 1. **cleanup**: worktrees a dead Bane firing left are removed (a branch with
 *    unpushed commits is kept, never deleted); target locks older than
 *    {@linkcode TARGET_LOCK_TTL_MS} are dropped.
 * 2. **pick**, per repo (paused repos skipped): the files changed on
 *    `origin/<base>` in the last `since_days` days (`git log --since`), the
 *    coverage report (`coverage_report`, lcov), and the busy files: open Bane
 *    pull requests (branch `agent/bane/<slug>-…`), live target locks, and
 *    files the engine declined lately. The lowest coverage below
 *    `coverage_below` wins (runner/git/coverage.ts). No target anywhere:
 *    `[BANE-NO-TARGET]`, outcome `silent`, no Slack post.
 * 3. **lock**: `state/bane/targets.json` records the target before anything
 *    is made, so no two firings work the same file at once.
 * 4. **worktree**, **engine** (tools: Read/Write/Edit/Glob/Grep and Bash
 *    limited to the pre-push command; Bane's engine never runs git),
 *    **commit** (by the runner, with `Alfred-Agent: bane` and
 *    `Alfred-Firing: <id>`), **check** (the pre-push command, in the sandbox
 *    through runner/sandbox/repo_command.ts, with a timeout), **push**, **pr**, **cleanup**.
 *
 * Delivery ({@linkcode planBaneDelivery}):
 *
 * | engine                                  | tree       | pre-push | delivery                                           |
 * | --------------------------------------- | ---------- | -------- | -------------------------------------------------- |
 * | `[BANE-TESTS-ADDED]`                    | changes    | passes   | pull request, ready for review                     |
 * | `[BANE-TESTS-ADDED]`                    | changes    | fails    | draft `[BANE-CHECK-FAILED]`, "do not review"       |
 * | `[BANE-NO-TARGET]` / `[SILENT]`         | any        | not run  | nothing; the file is declined for `since_days`     |
 * | anything else (no sentinel, a failure)  | changes    | not run  | draft `[BANE-SALVAGE]`, "do not review"            |
 * | anything else                           | no changes | not run  | nothing; failure (or the engine's own outcome)     |
 *
 * A draft keeps paid-for work where a human can look at it; its body says
 * "do not review" so Ra's al Ghul and people leave it alone.
 *
 * @module
 */
import { z } from "zod";
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { AgentKit, AgentWorkOptions } from "../../runner/kit/agent_kit.ts";
import type { RepoConfig } from "../../runner/config/config.ts";
import type { CoverageCandidate } from "../../runner/git/coverage.ts";
import type { EngineOutcome } from "../../runner/engines/result.ts";
import type { Worktree } from "../../runner/git/worktree.ts";
import { DEFAULT_PROMPT } from "./prompt.ts";
import { pickedStep, pullOpenedStep, worktreeStep } from "../../runner/firing/steps.ts";
import {
  EDITING_TOOLS,
  removeDeadWorktrees,
  runAgentEngine,
  timed,
  withAgentKit,
} from "../../runner/kit/agent_kit.ts";
import { agentStateDir } from "../../runner/paths.ts";
import { guardDisk } from "../../runner/git/disk_guardian.ts";
import { activeRepos } from "../../runner/kit/repos.ts";
import { readState, writeState } from "../../runner/state.ts";
import { StateCorruptError } from "../../runner/errors.ts";
import { createPull, findOpenPulls } from "../../runner/github/pulls.ts";
import { parseRepo } from "../../runner/github/rest.ts";
import { git } from "../../runner/git/worktree.ts";
import { targetSlug } from "../../runner/git/coverage.ts";
import { firingOutcomeOf } from "../../runner/engines/result.ts";
import { openRepoSandbox, UnconfinedCommandError } from "../../runner/sandbox/repo_command.ts";
import { createRedactor, secretValuesOf } from "../../runner/redact.ts";
import * as wt from "../../runner/git/worktree.ts";
import * as coverage from "../../runner/git/coverage.ts";
import * as delivery from "../../runner/git/delivery.ts";
import { commitAndPush } from "../../runner/kit/commit_and_push.ts";
import { promptOpening } from "../../runner/kit/prompt_opening.ts";

export { DEFAULT_PROMPT };

/** The codename. */
const CODENAME = "bane";
/** Bane's own sentinels. */
export const BANE_SENTINELS: readonly string[] = ["BANE-TESTS-ADDED", "BANE-NO-TARGET"];
/** Default look-back of "recently changed", in days. */
export const DEFAULT_SINCE_DAYS = 14;
/** Default coverage (percent) at or above which a file is not a target. */
export const DEFAULT_COVERAGE_BELOW = 80;
/** A target lock older than this belongs to a dead firing and is dropped. */
export const TARGET_LOCK_TTL_MS = 6 * 3_600_000;
/** Longest pre-push check. */
export const PRE_PUSH_TIMEOUT_MS = 15 * 60_000;
/** Characters of the check's output kept in a draft's body. */
const CHECK_TAIL_CHARS = 3_000;
/** Characters of the check's output held while it runs (redaction needs whole secrets). */
const CHECK_KEEP_CHARS = 64 * 1024;

/** One locked target in `state/bane/targets.json`. */
const TargetLock = z.strictObject({
  repo: z.string(),
  path: z.string(),
  firing_id: z.string(),
  host: z.string(),
  ts: z.iso.datetime(),
});

/** `state/bane/targets.json`: the targets being worked on, and files the engine declined. */
export const TargetsRecord = z.strictObject({
  version: z.literal(1),
  locks: z.array(TargetLock),
  declined: z.array(z.strictObject({ repo: z.string(), path: z.string(), ts: z.iso.datetime() })),
});
/** Parsed {@linkcode TargetsRecord}. */
export type TargetsRecord = z.infer<typeof TargetsRecord>;

/** What Bane delivers, from {@linkcode planBaneDelivery}. */
export type BanePlan =
  | { action: "pull"; kind: "ready" | "check-failed" | "salvage" }
  | { action: "none"; declined: boolean };

/**
 * Decides what to deliver (pure). See the module's table.
 *
 * @param verdict The engine's outcome and sentinel name.
 * @param facts Whether the worktree holds changes, and whether the pre-push check passed
 *   (`undefined` when it was not run).
 * @returns The plan.
 */
export function planBaneDelivery(
  verdict: { outcome: EngineOutcome; sentinel: string | undefined },
  facts: { changed: boolean; checkPassed: boolean | undefined },
): BanePlan {
  const sentinel = verdict.outcome === "success" ? verdict.sentinel : undefined;
  if (sentinel === "BANE-NO-TARGET" || sentinel === "SILENT") {
    return { action: "none", declined: true };
  }
  if (!facts.changed) return { action: "none", declined: false };
  if (sentinel === "BANE-TESTS-ADDED") {
    return { action: "pull", kind: facts.checkPassed ? "ready" : "check-failed" };
  }
  return { action: "pull", kind: "salvage" };
}

/**
 * Whether the pre-push check must run (pure): only for finished work.
 *
 * @param verdict The engine's outcome and sentinel.
 * @param changed Whether the worktree holds changes.
 * @returns `true` when the check decides between a ready and a draft pull request.
 */
export function needsCheck(
  verdict: { outcome: EngineOutcome; sentinel: string | undefined },
  changed: boolean,
): boolean {
  return changed && verdict.outcome === "success" && verdict.sentinel === "BANE-TESTS-ADDED";
}

/**
 * The locks and declines still in force (pure): locks younger than
 * {@linkcode TARGET_LOCK_TTL_MS}, declines younger than `sinceDays`.
 *
 * @param record The state record.
 * @param options The clock and the look-back.
 * @returns The record without expired entries.
 */
export function liveTargets(
  record: TargetsRecord,
  options: { now: Date; sinceDays: number },
): TargetsRecord {
  const now = options.now.getTime();
  return {
    version: 1,
    locks: record.locks.filter((lock) => now - Date.parse(lock.ts) < TARGET_LOCK_TTL_MS),
    declined: record.declined.filter((entry) =>
      now - Date.parse(entry.ts) < options.sinceDays * 86_400_000
    ),
  };
}

/**
 * One Bane firing's work (what agents/bane/mod.ts loads after the guard).
 *
 * @param context The firing.
 * @param options Where the engine's parent environment and the phase clock come from.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: AgentWorkOptions = {},
): Promise<WorkResult> {
  const targetsFile = `${agentStateDir(context.layout, CODENAME)}/targets.json`;
  const sinceDays = context.agent.sinceDays ?? DEFAULT_SINCE_DAYS;
  return await withAgentKit(
    context,
    (kit, filled) => runFiring({ ...kit, targetsFile, sinceDays }, filled),
    options,
  );
}

interface Firing extends AgentKit {
  targetsFile: string;
  sinceDays: number;
}

interface Target {
  repo: RepoConfig;
  checkout: string;
  candidate: CoverageCandidate;
  reportPath: string;
  prePush: string[];
}

async function runFiring(
  firing: Firing,
  options: Required<AgentWorkOptions>,
): Promise<WorkResult> {
  const { context } = firing;
  const { layout, log } = context;
  await timed(firing, "cleanup", () => cleanupLeftovers(firing));
  const disk = await guardDisk(layout, { agent: CODENAME, env: context.env, now: context.now() });
  if (!disk.verdict.ok) {
    await log.warn(`disk: ${disk.verdict.message}`);
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "low disk: no target" };
  }
  const repos = await activeRepos(context);
  for (const repo of repos) {
    const target = await timed(firing, "pick", () => pickTarget(firing, repo));
    if (target) return await workTarget(firing, { target, parentEnv: options.parentEnv });
  }
  context.stdout("[BANE-NO-TARGET] no recently changed, under-tested file");
  return { outcome: "silent", turns: 0, costUsd: 0, summary: "[BANE-NO-TARGET]" };
}

// ---------------------------------------------------------------------------
// State: target locks and declines

async function readTargets(firing: Firing): Promise<TargetsRecord> {
  const empty: TargetsRecord = { version: 1, locks: [], declined: [] };
  try {
    const record = await readState(firing.targetsFile, TargetsRecord, {
      warn: (m) => void firing.context.log.warn(m),
      hint: "Bane starts over with no target locks; open Bane pull requests still dedupe.",
    });
    return liveTargets(record ?? empty, { now: firing.context.now(), sinceDays: firing.sinceDays });
  } catch (error) {
    if (error instanceof StateCorruptError) return empty;
    throw error;
  }
}

async function updateTargets(
  firing: Firing,
  change: (record: TargetsRecord) => TargetsRecord,
): Promise<void> {
  await writeState(firing.targetsFile, TargetsRecord, change(await readTargets(firing)));
}

// ---------------------------------------------------------------------------
// Cleanup

async function cleanupLeftovers(firing: Firing): Promise<void> {
  const { context } = firing;
  await removeDeadWorktrees(firing);
  // Locks of this host's dead firings go at once (one Bane firing per host at a time).
  const record = await readTargets(firing);
  const mine = record.locks.filter((lock) => lock.host === context.host);
  if (mine.length) {
    await updateTargets(firing, (current) => ({
      ...current,
      locks: current.locks.filter((lock) => lock.host !== context.host),
    }));
  }
}

// ---------------------------------------------------------------------------
// Pick

async function pickTarget(firing: Firing, repo: RepoConfig): Promise<Target | undefined> {
  const { context } = firing;
  const agent = context.agent;
  const prePush = repo.prePush ?? agent.prePush;
  const reportSetting = repo.coverageReport ?? agent.coverageReport;
  if (!prePush || !reportSetting) {
    await context.log.warn(
      `${repo.name}: ${!prePush ? "no pre_push" : "no coverage_report"} configured; ` +
        `set it under repos: or agents.bane in ${context.config.source}`,
    );
    return undefined;
  }
  const checkout = await wt.ensureCheckout(repo, {
    layout: context.layout,
    context: firing.git,
    apiUrl: context.config.githubApiUrl,
  });
  const reportPath = reportSetting.startsWith("/")
    ? reportSetting
    : `${checkout}/${reportSetting.replace(/^\.\//, "")}`;
  const report = await coverage.readLcovFile(reportPath);
  if (!report) {
    await context.log.warn(`${repo.name}: no coverage report at ${reportPath}; no target`);
    return undefined;
  }
  await wt.fetchBase(checkout, { base: repo.base, context: firing.git });
  const since = new Date(context.now().getTime() - firing.sinceDays * 86_400_000);
  const changed = await recentlyChanged(firing, { checkout, base: repo.base, since });
  const pulls = await findOpenPulls(firing.client, parseRepo(repo.name), {
    headPrefix: `agent/${CODENAME}/`,
  });
  const busySlugs = new Set(
    pulls.map((pull) => pull.head.ref.slice(`agent/${CODENAME}/`.length).replace(/-[^-]+$/, "")),
  );
  const targets = await readTargets(firing);
  const busy = [
    ...targets.locks.filter((lock) => lock.repo === repo.name).map((lock) => lock.path),
    ...targets.declined.filter((entry) => entry.repo === repo.name).map((entry) => entry.path),
    ...changed.filter((path) => busySlugs.has(coverage.targetSlug(path))),
  ];
  const ranked = coverage.rankTargets({
    changed,
    report,
    below: agent.coverageBelow ?? DEFAULT_COVERAGE_BELOW,
    busy,
  });
  await context.log.info(
    `${repo.name}: ${changed.length} files changed since ${since.toISOString()}, ${ranked.length} under-tested`,
  );
  const candidate = ranked[0];
  if (!candidate) return undefined;
  return { repo, checkout, candidate, reportPath, prePush };
}

/** Files changed on `origin/<base>` since a date that still exist there. */
async function recentlyChanged(
  firing: Firing,
  options: { checkout: string; base: string; since: Date },
): Promise<string[]> {
  const ref = `origin/${options.base}`;
  const log = await git(
    ["log", `--since=${options.since.toISOString()}`, "--name-only", "--format=", ref],
    { cwd: options.checkout, context: firing.git },
  );
  const tree = await git(["ls-tree", "-r", "--name-only", ref], {
    cwd: options.checkout,
    context: firing.git,
  });
  const existing = new Set(tree.stdout.split("\n").filter(Boolean));
  return [...new Set(log.stdout.split("\n").map((l) => l.trim()).filter(Boolean))]
    .filter((path) => existing.has(path));
}

// ---------------------------------------------------------------------------
// The work on one target

async function workTarget(
  firing: Firing,
  options: { target: Target; parentEnv: () => Record<string, string> },
): Promise<WorkResult> {
  const { context } = firing;
  const { target } = options;
  const path = target.candidate.path;
  await updateTargets(firing, (record) => ({
    ...record,
    locks: [...record.locks, {
      repo: target.repo.name,
      path,
      firing_id: context.firingId,
      host: context.host,
      ts: context.now().toISOString(),
    }],
  }));
  const unlock = (declined: boolean) =>
    updateTargets(firing, (record) => ({
      version: 1,
      locks: record.locks.filter((lock) => lock.firing_id !== context.firingId),
      declined: declined
        ? [...record.declined, { repo: target.repo.name, path, ts: context.now().toISOString() }]
        : record.declined,
    }));
  await context.log.info(
    `target ${target.repo.name}:${path} (${
      target.candidate.percent.toFixed(1)
    }% of ${target.candidate.linesFound} lines)`,
  );
  const names = wt.worktreeNames({
    layout: context.layout,
    codename: CODENAME,
    repo: target.repo.name,
    issue: targetSlug(path),
    firingId: context.firingId,
    now: context.now(),
  });
  await context.progress(
    pickedStep(
      `${target.repo.name}:${path} (${
        target.candidate.percent.toFixed(1)
      }% of ${target.candidate.linesFound} lines covered)`,
    ),
  );
  const worktree = await timed(
    firing,
    "worktree",
    () =>
      wt.addWorktree(target.checkout, { ...names, base: target.repo.base, context: firing.git }),
  );
  await context.progress(worktreeStep(worktree.branch));
  let declined = false;
  try {
    const result = await deliver(firing, { ...options, worktree });
    declined = result.declined;
    return result.result;
  } finally {
    await timed(firing, "cleanup", () => wt.removeWorktree(worktree, { context: firing.git }));
    await unlock(declined);
  }
}

async function deliver(
  firing: Firing,
  options: { target: Target; worktree: Worktree; parentEnv: () => Record<string, string> },
): Promise<{ result: WorkResult; declined: boolean }> {
  const { context } = firing;
  const { target, worktree } = options;
  const path = target.candidate.path;
  const prompt = await buildBanePrompt(firing, { target, worktree });
  const run = await timed(firing, "engine", () =>
    runAgentEngine(firing, {
      prompt,
      cwd: worktree.dir,
      allowedTools: [...EDITING_TOOLS, `Bash(${target.prePush.join(" ")}:*)`],
      parentEnv: options.parentEnv(),
      sentinels: BANE_SENTINELS,
    }));
  const { classification } = run;
  const verdict = { outcome: classification.outcome, sentinel: classification.sentinel?.name };
  const turns = run.result?.turns ?? 0;
  const costUsd = run.result?.costUsd ?? 0;
  const text = run.result?.text ?? "";
  const summary = summaryOf(text);
  await context.log.info(
    `engine: ${classification.outcome} (${classification.detail}); ${turns} turns, $${
      costUsd.toFixed(4)
    }`,
  );
  const work = await delivery.inspectWork(worktree, { context: firing.git });
  const changed = work.commits > 0 || work.dirty;
  let check: { passed: boolean; output: string; command: string } | undefined;
  if (needsCheck(verdict, changed)) {
    const parentEnv = options.parentEnv();
    check = await timed(firing, "check", () => runPrePush(firing, { target, worktree, parentEnv }));
    await context.log.info(`pre-push ${check.command}: ${check.passed ? "passed" : "failed"}`);
  }
  const plan = planBaneDelivery(verdict, { changed, checkPassed: check?.passed });
  const base = { turns, costUsd };
  if (plan.action === "none") {
    if (plan.declined) {
      context.stdout(`[BANE-NO-TARGET] ${path}: ${classification.sentinel?.detail ?? ""}`.trim());
      return {
        declined: true,
        result: { ...base, outcome: "silent", summary: `declined ${target.repo.name}:${path}` },
      };
    }
    const outcome = firingOutcomeOf(classification);
    return {
      declined: false,
      result: {
        ...base,
        outcome: outcome === "success" ? "failure" : outcome,
        error: classification.detail,
        summary: `${target.repo.name}:${path}: no tests written (${classification.detail})`,
        notice: {
          severity: "warn",
          agent: CODENAME,
          title: `no tests for ${path}`,
          text: classification.detail,
        },
      },
    };
  }
  await commitAndPush(firing, worktree, {
    leftovers: `${plan.kind === "ready" ? "" : "WIP: "}Add tests for ${path}`,
    trailers: delivery.trailersOf(CODENAME, context.firingId),
  });
  const pull = await timed(firing, "pr", () =>
    openPull(firing, {
      target,
      worktree,
      kind: plan.kind,
      summary,
      check,
      turns,
      costUsd,
      detail: classification.detail,
    }));
  const ready = plan.kind === "ready";
  await context.progress(pullOpenedStep(pull.html_url, { draft: !ready }));
  return {
    declined: false,
    result: {
      ...base,
      outcome: ready ? "success" : plan.kind === "check-failed" ? "failure" : "partial",
      pr: pull.html_url,
      error: ready ? undefined : check?.passed === false ? "the pre-push check failed" : undefined,
      summary: `${target.repo.name}:${path} → ${pull.html_url}${
        ready ? "" : ` (draft, ${plan.kind})`
      }`,
      notice: {
        severity: ready ? "info" : "warn",
        agent: CODENAME,
        title: ready ? `tests for ${path}` : `draft tests for ${path} (${plan.kind})`,
        text: ready
          ? summary.slice(0, 1500)
          : (check?.output ?? classification.detail).slice(-1000),
        links: [{ label: "pull request", url: pull.html_url }],
      },
    },
  };
}

function summaryOf(text: string): string {
  const lines = text.trimEnd().split("\n");
  const last = lines.findLastIndex((line) => /\[[A-Z][A-Z0-9-]*\]/.test(line));
  return (last >= 0 ? lines.slice(0, last) : lines).join("\n").trim();
}

async function buildBanePrompt(
  firing: Firing,
  options: { target: Target; worktree: Worktree },
): Promise<string> {
  const { context } = firing;
  const { target } = options;
  const { candidate } = target;
  const { parts } = await promptOpening(context, {
    defaultPrompt: DEFAULT_PROMPT,
    dir: options.worktree.dir,
    untrusted: [candidate.path],
  });
  const command = target.prePush.join(" ");
  parts.push(
    `## Your target\n\n` +
      `File: \`${candidate.path}\` (repository ${target.repo.name}, branch ${target.repo.base}).\n` +
      (candidate.inReport
        ? `Line coverage: ${candidate.percent.toFixed(1)}% of ${candidate.linesFound} lines.\n`
        : `The coverage report does not list it: no test loads it yet.\n`) +
      `It changed in the last ${firing.sinceDays} days.\n\n` +
      `The test command (the only shell command you may run): \`${command}\`.`,
  );
  parts.push(
    `## Rules Alfred depends on\n\n` +
      `1. Write or extend test files only; do not run git, do not commit.\n` +
      `2. End your final message with a two-to-five sentence summary of the tests you added, then ` +
      `exactly one sentinel on its own last line:\n` +
      `   - \`[BANE-TESTS-ADDED]\` you added tests and \`${command}\` passes;\n` +
      `   - \`[BANE-NO-TARGET] <reason>\` this file cannot usefully be tested (say why);\n` +
      `   - \`[BLOCKED] <reason>\` you cannot proceed (say what a human must provide).`,
  );
  return parts.join("\n\n") + "\n";
}

async function runPrePush(
  firing: Firing,
  options: { target: Target; worktree: Worktree; parentEnv: Record<string, string> },
): Promise<{ passed: boolean; output: string; command: string }> {
  const secrets = secretValuesOf(options.parentEnv);
  if (firing.git.token) secrets.push(firing.git.token);
  const redact = createRedactor({ secrets });
  const command = options.target.prePush.join(" ");
  const output = new OutputTail(CHECK_KEEP_CHARS);
  await using sandbox = await openRepoSandbox(firing.context, { worktree: options.worktree.dir });
  let result;
  try {
    result = await sandbox.run({
      step: "pre-push",
      argv: options.target.prePush,
      env: { ...firing.git.baseEnv, CI: "1", LANG: "C.UTF-8" },
      timeoutMs: PRE_PUSH_TIMEOUT_MS,
      tailLines: 0,
      onStdoutLine: (line) => output.add(line),
      onStderrLine: (line) => output.add(line),
    });
  } catch (error) {
    if (!(error instanceof UnconfinedCommandError)) throw error;
    await firing.context.log.warn(`pre-push: ${error.message}`);
    return { passed: false, output: `${error.message}\n${error.hint ?? ""}`.trim(), command };
  }
  const text = redact(output.text()).slice(-CHECK_TAIL_CHARS);
  return {
    passed: result.code === 0 && !result.timedOut,
    output: result.timedOut
      ? `${text}\n(timed out after ${PRE_PUSH_TIMEOUT_MS / 60_000} min)`
      : text,
    command,
  };
}

/** The last characters of a command's output, whole lines, bounded in memory. */
class OutputTail {
  #max: number;
  #lines: string[] = [];
  #size = 0;

  constructor(max: number) {
    this.#max = max;
  }

  add(line: string): void {
    this.#lines.push(line);
    this.#size += line.length + 1;
    while (this.#size > this.#max && this.#lines.length > 1) {
      this.#size -= this.#lines.shift()!.length + 1;
    }
  }

  text(): string {
    return this.#lines.join("\n").trim();
  }
}

async function openPull(
  firing: Firing,
  options: {
    target: Target;
    worktree: Worktree;
    kind: "ready" | "check-failed" | "salvage";
    summary: string;
    check: { passed: boolean; output: string; command: string } | undefined;
    turns: number;
    costUsd: number;
    detail: string;
  },
) {
  const { context } = firing;
  const { target, kind, check } = options;
  const { candidate } = target;
  const tag = kind === "ready"
    ? ""
    : kind === "check-failed"
    ? "[BANE-CHECK-FAILED] "
    : "[BANE-SALVAGE] ";
  const lines: string[] = [];
  if (kind !== "ready") {
    lines.push(
      `> **${tag.trim()} Do not review.** ${
        kind === "check-failed"
          ? `The pre-push check \`${check?.command}\` failed on these tests`
          : `The engine did not finish (${options.detail.slice(0, 200)})`
      }. The draft keeps the work so it is not lost: fix it, or close it.`,
      "",
    );
  }
  lines.push(
    `Bane added tests for \`${candidate.path}\`, ` +
      (candidate.inReport
        ? `whose line coverage was ${candidate.percent.toFixed(1)}% (${candidate.linesFound} lines)`
        : "which the coverage report did not list") +
      ` and which changed in the last ${firing.sinceDays} days.`,
    "",
    options.summary || "(the engine gave no summary)",
    "",
  );
  if (check) {
    lines.push(`Pre-push check \`${check.command}\`: **${check.passed ? "passed" : "failed"}**.`);
    if (!check.passed) lines.push("", "```text", check.output, "```");
    lines.push("");
  }
  lines.push(
    "---",
    `Opened by Alfred's bane · firing \`${context.firingId}\` · ${options.turns} turns · $${
      options.costUsd.toFixed(4)
    }`,
  );
  return await createPull(firing.client, parseRepo(target.repo.name), {
    title: `[Bane] ${tag}Tests for ${candidate.path}`,
    head: options.worktree.branch,
    base: target.repo.base,
    body: lines.join("\n"),
    draft: kind !== "ready",
  });
}
