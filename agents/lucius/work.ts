/**
 * Lucius, the canonical firing: it takes the oldest `agent:implement` issue
 * and turns it into a pull request. Every other implementing codename is a
 * variation on it. See docs/LUCIUS.md.
 *
 * One firing, in order (each step logs `phase <name> <ms>`):
 *
 * 1. **recover**: whatever a dead firing of Lucius left on this host is
 *    finished or salvaged: its worktrees (uncommitted work committed, unpushed
 *    commits pushed), its pull request (found, or opened as a draft), its
 *    claim (released at once, from `state/lucius/inflight.json`).
 * 2. **sweep**: stale claims of the repos, only when a dead firing was found
 *    or the last sweep is older than 30 minutes (`state/lucius/sweep.json`),
 *    so an idle firing makes one conditional GitHub request.
 * 3. **disk**: old transcripts and logs pruned; under the free-space floor, no claim.
 * 4. **claim**: pick and claim the oldest issue of the first repo that has one.
 * 5. **worktree**, **prompt**, **engine**, **deliver** (runner/git/delivery.ts),
 *    **release**, **cleanup**.
 *
 * The in-flight record is written before each step that leaves something
 * behind, so `kill -9` at any point leaves enough for the next firing's
 * recovery: no orphaned worktree, no stuck claim, no lost commit, no second
 * pull request.
 *
 * Tuning through the environment: `ALFRED_DISK_FLOOR_MB` (free-space floor),
 * `ALFRED_GITHUB_WRITE_SPACING_MS` (spacing of GitHub writes; tests set 0).
 *
 * The entry point is agents/lucius/mod.ts, which loads this module only after the
 * guard lets a firing through.
 *
 * @module
 */
import { z } from "zod";
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { Notice } from "../../runner/firing/notify.ts";
import type { GitHubClient } from "../../runner/github/client.ts";
import type { ClaimTicket } from "../../runner/claims/claims.ts";
import type { Repo } from "../../runner/github/rest.ts";
import type { PullKind } from "../../runner/git/delivery.ts";
import type { Worktree } from "../../runner/git/worktree.ts";
import {
  claimedStep,
  pullOpenedStep,
  releasedStep,
  worktreeStep,
} from "../../runner/firing/steps.ts";
import { agentStateDir, pathExists } from "../../runner/paths.ts";
import {
  type AgentKit,
  type AgentWorkOptions,
  EDITING_TOOLS,
  runAgentEngine,
  withAgentKit,
} from "../../runner/kit/agent_kit.ts";
import { LABELS } from "../../runner/claims/labels.ts";
import { clearDiskWarning, guardDisk, shouldWarnDisk } from "../../runner/git/disk_guardian.ts";
import { readPauseState } from "../../runner/firing/pause.ts";
import {
  createComment,
  getIssue,
  listComments,
  parseRepo,
  repoString,
} from "../../runner/github/rest.ts";
import { readState, writeState } from "../../runner/state.ts";
import { githubBackoffIn, StateCorruptError } from "../../runner/errors.ts";
import {
  claimState,
  markersOf,
  pickAndClaim,
  pickIssue,
  releaseClaim,
} from "../../runner/claims/claims.ts";
import { findOpenPulls } from "../../runner/github/pulls.ts";
import { removeWorktree } from "../../runner/git/worktree.ts";
import { firingOutcomeOf } from "../../runner/engines/result.ts";
import * as kit from "../../runner/kit/agent_kit.ts";
import * as sweep from "../../runner/claims/sweep.ts";
import * as wt from "../../runner/git/worktree.ts";
import * as delivery from "../../runner/git/delivery.ts";
import { commitAndPush } from "../../runner/kit/commit_and_push.ts";
import * as prompt from "../../runner/engines/prompt.ts";

/** The codename. */
const CODENAME = "lucius";
/** The sweep runs at most this often unless a dead firing was found. */
export { SWEEP_EVERY_MS } from "../../runner/claims/sweep.ts";
/** Tools the engine may use without asking. */
export const LUCIUS_ALLOWED_TOOLS: readonly string[] = [
  ...EDITING_TOOLS,
  "Bash(git add:*)",
  "Bash(git commit:*)",
  "Bash(git status:*)",
  "Bash(git diff:*)",
  "Bash(git log:*)",
  "Bash(git show:*)",
  "Bash(git rm:*)",
  "Bash(git mv:*)",
];

/** The phases of a firing, in order; the in-flight record says which one was reached. */
export const PHASES = [
  "claiming",
  "claimed",
  "worktree",
  "engine-done",
  "pushed",
  "pr-open",
  "released",
] as const;

/** What `state/lucius/inflight.json` says about the firing that holds (or held) a claim. */
export const InflightRecord = z.strictObject({
  version: z.literal(1),
  firing_id: z.string(),
  host: z.string(),
  phase: z.enum(PHASES),
  repo: z.string(),
  base: z.string(),
  queue: z.string(),
  issue: z.number().int().positive().optional(),
  issue_title: z.string().optional(),
  issue_url: z.string().optional(),
  claim_ts: z.string().optional(),
  checkout: z.string().optional(),
  worktree: z.string().optional(),
  branch: z.string().optional(),
  sentinel: z.string().optional(),
  sentinel_line: z.string().optional(),
  summary: z.string().optional(),
  turns: z.number().int().nonnegative().default(0),
  cost_usd: z.number().nonnegative().default(0),
  pr_url: z.string().optional(),
});
/** The parsed in-flight record. */
export type InflightRecord = z.infer<typeof InflightRecord>;

/** Options of {@linkcode work}. */
export interface LuciusOptions extends AgentWorkOptions {
  /**
   * Runs as another implementing codename (a custom agent from fleet.yaml,
   * agents/custom/mod.ts): its codename, queue label, job, and instructions
   * (default: the operator's `prompts/<codename>.md`).
   */
  as?: { codename: string; queue: string; job: string; instructions?: string };
}

/**
 * One Lucius firing's work (what agents/lucius/mod.ts loads after the guard).
 *
 * @param context The firing.
 * @param options Where the engine's parent environment and the phase clock come from.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: LuciusOptions = {},
): Promise<WorkResult> {
  const codename = options.as?.codename ?? CODENAME;
  const inflightFile = `${agentStateDir(context.layout, codename)}/inflight.json`;
  const queue = options.as?.queue ?? LABELS.implement;
  const instructions = options.as?.instructions;
  return await withAgentKit(
    context,
    (kit, filled) =>
      runFiring({
        ...kit,
        inflightFile,
        codename,
        queue,
        ...(instructions ? { instructions } : {}),
      }, { ...filled, as: options.as }),
    options,
  );
}

/** Everything one firing's steps share. */
interface Firing extends AgentKit {
  client: GitHubClient;
  inflightFile: string;
  /** The codename (Lucius, or the custom agent it runs as). */
  codename: string;
  /** The queue label issues are picked from. */
  queue: string;
  /** Instructions replacing the operator's `prompts/<codename>.md`. */
  instructions?: string;
}

/** The options the work runs with. */
type WorkOptions = Required<Omit<LuciusOptions, "as">> & Pick<LuciusOptions, "as">;

/** Releases the claim as done, the issue moving to `agent:pr-open` with its pull request. */
async function releaseWithPull(firing: Firing, ticket: ClaimTicket, prUrl: string): Promise<void> {
  const { context } = firing;
  const released = await timed(firing, "release", () =>
    releaseClaim(firing.client, ticket, {
      outcome: "success",
      transitionTo: LABELS.prOpen,
      prUrl,
      now: context.now,
      journal: firing.journal,
    }));
  const issue = ticket.issue;
  await context.progress(releasedStep(`${repoString(issue.repo)}#${issue.number}`, released.label));
}

async function timed<T>(firing: Firing, name: string, step: () => Promise<T>): Promise<T> {
  return await kit.timed(firing, name, step);
}

async function runFiring(firing: Firing, options: WorkOptions): Promise<WorkResult> {
  const { context } = firing;
  const { layout, log, config } = context;

  const dead = await timed(firing, "recover", () => recoverDeadFiring(firing));
  await timed(firing, "sweep", () => sweepIfDue(firing, { force: dead }));

  const disk = await timed(
    firing,
    "disk",
    () => guardDisk(layout, { agent: firing.codename, env: context.env, now: context.now() }),
  );
  if (!disk.verdict.ok) {
    await log.warn(`disk: ${disk.verdict.message}`);
    context.stdout(`[${firing.codename.toUpperCase()}-LOW-DISK] ${disk.verdict.message}`);
    const warn = await shouldWarnDisk(layout, { agent: firing.codename, now: context.now() });
    return {
      outcome: "idle",
      turns: 0,
      costUsd: 0,
      summary: "low disk: no claim",
      notice: warn
        ? {
          severity: "warn",
          agent: firing.codename,
          title: "low disk space",
          text: disk.verdict.message,
        }
        : undefined,
    };
  }
  await clearDiskWarning(layout, { agent: firing.codename });

  const now = context.now();
  const pauses = await readPauseState(layout, { now, warn: (m) => void log.warn(m) });
  const pausedRepos = Object.entries(pauses.repos)
    .filter(([, entry]) => entry.until === null || Date.parse(entry.until) > now.getTime())
    .map(([name]) => name);
  const repos = config.repos.filter((repo) => context.agent.repos.includes(repo.name));
  if (repos.length === 0) {
    context.stdout(`lucius: no repos configured (add repos: to ${config.source})`);
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "no repos configured" };
  }
  for (const repoConfig of repos) {
    if (pausedRepos.includes(repoConfig.name)) continue;
    const repo = parseRepo(repoConfig.name);
    const ticket = await timed(
      firing,
      "claim",
      () => claimNext(firing, { repo, base: repoConfig.base }),
    );
    if (!ticket) continue;
    return await workIssue(firing, {
      ticket,
      repoConfig: { name: repoConfig.name, path: repoConfig.path, base: repoConfig.base },
      parentEnv: options.parentEnv,
    });
  }
  return { outcome: "idle", turns: 0, costUsd: 0, summary: "nothing to do" };
}

// ---------------------------------------------------------------------------
// The in-flight record

async function readInflight(firing: Firing): Promise<InflightRecord | undefined> {
  try {
    return await readState(firing.inflightFile, InflightRecord, {
      warn: (m) => void firing.context.log.warn(m),
      hint: "The next sweep releases the claim it described; its worktree is salvaged anyway.",
    });
  } catch (error) {
    if (error instanceof StateCorruptError) return undefined;
    throw error;
  }
}

async function writeInflight(firing: Firing, record: InflightRecord): Promise<void> {
  await writeState(firing.inflightFile, InflightRecord, record);
}

async function dropInflight(firing: Firing): Promise<void> {
  await Deno.remove(firing.inflightFile).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

// ---------------------------------------------------------------------------
// Sweep

async function sweepIfDue(firing: Firing, options: { force: boolean }): Promise<void> {
  await sweep.sweepIfDue(firing.client, firing.context, {
    ...options,
    trust: firing.trust,
    journal: firing.journal,
  });
}

// ---------------------------------------------------------------------------
// Claim

async function claimNext(
  firing: Firing,
  options: { repo: Repo; base: string },
): Promise<ClaimTicket | undefined> {
  const { context, client } = firing;
  // The pick alone is one conditional request; the record is written only when there is work.
  const candidate = await pickIssue(client, options.repo, { queue: firing.queue });
  if (!candidate) return undefined;
  // Whose markers count is resolved only now that there is an issue to judge: an idle poll never asks.
  const trusted = await firing.trust.get();
  await writeInflight(firing, {
    version: 1,
    firing_id: context.firingId,
    host: context.host,
    phase: "claiming",
    repo: repoString(options.repo),
    base: options.base,
    queue: firing.queue,
    turns: 0,
    cost_usd: 0,
  });
  const ticket = await pickAndClaim(client, options.repo, {
    codename: firing.codename,
    firing: context.firingId,
    host: context.host,
    queue: firing.queue,
    now: context.now,
    picked: candidate,
    trusted,
    journal: firing.journal,
  });
  if (!ticket) {
    await dropInflight(firing);
    return undefined;
  }
  const ref = `${repoString(options.repo)}#${ticket.issue.number}`;
  await context.log.info(`claimed ${ref}`);
  return ticket;
}

// ---------------------------------------------------------------------------
// The work on one issue

async function workIssue(
  firing: Firing,
  options: {
    ticket: ClaimTicket;
    repoConfig: { name: string; path?: string; base: string };
    parentEnv: () => Record<string, string>;
  },
): Promise<WorkResult> {
  const { context, client } = firing;
  const { ticket, repoConfig } = options;
  const issue = await getIssue(client, ticket.issue);
  let record: InflightRecord = {
    version: 1,
    firing_id: context.firingId,
    host: context.host,
    phase: "claimed",
    repo: repoString(ticket.issue.repo),
    base: repoConfig.base,
    queue: ticket.queue,
    issue: ticket.issue.number,
    issue_title: issue.title,
    issue_url: issue.html_url,
    claim_ts: ticket.ts,
    turns: 0,
    cost_usd: 0,
  };
  await writeInflight(firing, record);
  await context.progress(claimedStep({
    repo: record.repo,
    number: ticket.issue.number,
    title: issue.title,
    url: issue.html_url,
  }));
  try {
    const worktree = await timed(firing, "worktree", async () => {
      const checkout = await wt.ensureCheckout(repoConfig, {
        layout: context.layout,
        context: firing.git,
        apiUrl: context.config.githubApiUrl,
      });
      await wt.fetchBase(checkout, { base: repoConfig.base, context: firing.git });
      const names = wt.worktreeNames({
        layout: context.layout,
        codename: firing.codename,
        repo: repoConfig.name,
        issue: ticket.issue.number,
        firingId: context.firingId,
        now: context.now(),
      });
      record = {
        ...record,
        phase: "worktree",
        checkout,
        worktree: names.dir,
        branch: names.branch,
      };
      await writeInflight(firing, record);
      return await wt.addWorktree(checkout, {
        ...names,
        base: repoConfig.base,
        context: firing.git,
      });
    });
    await context.progress(worktreeStep(worktree.branch));
    const result = await deliverIssue(firing, {
      ...options,
      worktree,
      record,
      issueTitle: issue.title,
    });
    return { ...result, issue: issue.html_url };
  } catch (error) {
    const stop = githubBackoffIn(error);
    if (stop) {
      // GitHub work stops: the in-flight record and the journal let the next
      // firing after the backoff finish this one's work and its claim.
      const last = (await readInflight(firing)) ?? record;
      context.stdout(stop.sentinel);
      await context.log.warn(
        `stopped on ${last.repo}#${last.issue} at phase ${last.phase}: ${stop.message}; ` +
          "the next firing after the backoff finishes it",
      );
      return {
        outcome: "github-backoff",
        turns: last.turns,
        costUsd: last.cost_usd,
        issue: issue.html_url,
        error: stop.message,
        summary: `${last.repo}#${last.issue}: stopped by GitHub's rate limit at ${last.phase}`,
      };
    }
    await context.log.error(
      `work on ${record.repo}#${record.issue} failed: ${
        error instanceof Error ? error.message : String(error)
      }; salvaging now`,
    );
    try {
      await recoverRecord(firing, (await readInflight(firing)) ?? record, {
        reason: `firing ${context.firingId} failed: ${
          error instanceof Error ? error.message.slice(0, 200) : String(error)
        }`,
      });
    } catch (recoveryError) {
      await context.log.error(
        `salvage failed too; the next firing retries: ${
          recoveryError instanceof Error ? recoveryError.message : String(recoveryError)
        }`,
      );
    }
    throw error;
  }
}

async function deliverIssue(
  firing: Firing,
  options: {
    ticket: ClaimTicket;
    worktree: Worktree;
    record: InflightRecord;
    issueTitle: string;
    parentEnv: () => Record<string, string>;
  },
): Promise<WorkResult> {
  const { context, client } = firing;
  const { ticket, worktree, issueTitle } = options;
  let record = options.record;
  const number = ticket.issue.number;

  // An issue that already has an open agent pull request is not worked twice.
  const existing = await timed(
    firing,
    "existing-pr",
    () =>
      findOpenPulls(client, ticket.issue.repo, {
        headPrefix: delivery.issueBranchPrefix(firing.codename, number),
      }),
  );
  if (existing.length) {
    const pull = existing[0];
    await releaseWithPull(firing, ticket, pull.html_url);
    await dropInflight(firing);
    await timed(firing, "cleanup", () => removeWorktree(worktree, { context: firing.git }));
    return {
      outcome: "success",
      turns: 0,
      costUsd: 0,
      pr: pull.html_url,
      summary: `#${number} already had ${pull.html_url}; moved to ${LABELS.prOpen}`,
    };
  }

  const run = await timed(firing, "engine", () => runLuciusEngine(firing, { ...options }));
  const { classification } = run;
  const text = run.result?.text ?? "";
  const { summary, sentinelLine } = delivery.splitSummary(text);
  const turns = run.result?.turns ?? 0;
  const costUsd = run.result?.costUsd ?? 0;
  record = {
    ...record,
    phase: "engine-done",
    sentinel: classification.outcome === "success" ? classification.sentinel?.name : undefined,
    sentinel_line: sentinelLine,
    summary: summary.slice(0, 4000),
    turns,
    cost_usd: costUsd,
  };
  await writeInflight(firing, record);
  const outcome = firingOutcomeOf(classification);
  await context.log.info(
    `engine: ${classification.outcome} (${classification.detail}); ${turns} turns, $${
      costUsd.toFixed(4)
    }`,
  );

  const work = await delivery.inspectWork(worktree, { context: firing.git });
  const plan = delivery.planDelivery({
    outcome: classification.outcome,
    sentinel: classification.sentinel?.name,
  }, work);
  await context.log.info(
    `deliver: ${JSON.stringify(plan)} (commits ${work.commits}, dirty ${work.dirty})`,
  );
  const issueRef = `${record.repo}#${number}`;
  const links = [{ label: issueRef, url: record.issue_url ?? "" }];
  const base = { turns, costUsd };

  if (plan.action === "release") {
    if (plan.outcome === "success" || sentinelLine) {
      await timed(firing, "comment", () =>
        createComment(
          client,
          ticket.issue,
          `${sentinelLine ?? ""}\n\n${summary || "(no summary)"}`.trim(),
        ));
    }
    const released = await timed(firing, "release", () =>
      releaseClaim(client, ticket, {
        outcome: plan.outcome,
        transitionTo: plan.transitionTo,
        now: context.now,
        journal: firing.journal,
      }));
    await context.progress(releasedStep(issueRef, released.label));
    await dropInflight(firing);
    await timed(firing, "cleanup", () => removeWorktree(worktree, { context: firing.git }));
    if (plan.outcome === "success") {
      return {
        ...base,
        outcome,
        summary: `${issueRef}: already implemented`,
        notice: {
          severity: "info",
          agent: firing.codename,
          title: `#${number} was already implemented`,
          text: summary.slice(0, 1500),
          links,
        },
      };
    }
    const blocked = classification.sentinel?.name === "BLOCKED";
    const notice: Notice = {
      severity: blocked ? "warn" : plan.outcome === "aborted" ? "warn" : "error",
      agent: firing.codename,
      title: blocked
        ? `blocked on #${number}`
        : `${
          plan.outcome === "aborted" ? "gave back" : "failed on"
        } #${number}: ${classification.outcome}`,
      text: blocked ? (sentinelLine ?? "") : classification.detail,
      links,
    };
    return {
      ...base,
      outcome,
      error: blocked ? undefined : classification.detail,
      summary: `${issueRef}: ${classification.detail}`,
      notice,
    };
  }

  const pullUrl = await shipWork(firing, {
    ticket,
    worktree,
    record,
    kind: plan.kind,
    commitLeftovers: plan.commitLeftovers,
    issueTitle,
    summary,
    sentinelLine,
    salvageReason: plan.kind === "salvage"
      ? `the engine ended with ${classification.outcome}: ${classification.detail.slice(0, 200)}`
      : plan.kind === "no-commit"
      ? "the engine changed files but made no commit"
      : undefined,
  });
  const shipped = plan.kind === "ready";
  return {
    ...base,
    outcome: !shipped && outcome === "success" ? "partial" : outcome,
    pr: pullUrl,
    summary: `${issueRef} → ${pullUrl}${shipped ? "" : ` (draft, ${plan.kind})`}`,
    error: outcome === "success" || outcome === "partial" ? undefined : classification.detail,
    notice: {
      severity: shipped ? "info" : "warn",
      agent: firing.codename,
      title: shipped ? `shipped #${number}` : `draft for #${number} (${plan.kind})`,
      text: shipped
        ? summary.slice(0, 1500)
        : `${classification.detail}\n${summary.slice(0, 1000)}`,
      links: [...links, { label: "pull request", url: pullUrl }],
    },
  };
}

/** Commits leftovers, pushes, opens (or reuses) the pull request, releases, cleans up. */
async function shipWork(
  firing: Firing,
  options: {
    ticket: ClaimTicket;
    worktree: Worktree;
    record: InflightRecord;
    kind: PullKind;
    commitLeftovers: boolean;
    issueTitle: string;
    summary: string;
    sentinelLine?: string;
    salvageReason?: string;
    /** The firing whose work this is (a dead one during recovery). */
    workOf?: string;
  },
): Promise<string> {
  const { context, client } = firing;
  const { ticket, worktree, kind } = options;
  let record = options.record;
  const workOf = options.workOf ?? context.firingId;
  const number = ticket.issue.number;
  const leftovers = kind === "no-commit"
    ? `WIP: ${options.issueTitle} (#${number}) [${firing.codename.toUpperCase()}-NO-COMMIT]`
    : `WIP: uncommitted work on #${number}, salvaged by Alfred`;
  await commitAndPush(firing, worktree, {
    trailers: delivery.trailersOf(firing.codename, workOf),
    ...(options.commitLeftovers ? { leftovers } : {}),
    ensureTrailers: PHASES.indexOf(record.phase) < PHASES.indexOf("pushed"),
  });
  record = { ...record, phase: "pushed" };
  await writeInflight(firing, record);
  const text = {
    codename: firing.codename,
    issue: number,
    issueTitle: options.issueTitle,
    kind,
    summary: options.summary,
    sentinelLine: options.sentinelLine,
    firingId: workOf,
    turns: record.turns,
    costUsd: record.cost_usd,
    salvageReason: options.salvageReason,
  };
  const { pull, reused } = await timed(
    firing,
    "pr",
    () =>
      delivery.openOrReusePull(client, ticket.issue.repo, {
        codename: firing.codename,
        issue: number,
        pull: {
          title: delivery.pullTitle(text),
          head: worktree.branch,
          base: worktree.base,
          body: delivery.pullBody(text),
          draft: kind !== "ready",
        },
      }),
  );
  if (reused) await context.log.info(`reused the open pull request ${pull.html_url}`);
  await context.progress(pullOpenedStep(pull.html_url, { reused, draft: kind !== "ready" }));
  record = { ...record, phase: "pr-open", pr_url: pull.html_url };
  await writeInflight(firing, record);
  await releaseWithPull(firing, ticket, pull.html_url);
  await writeInflight(firing, { ...record, phase: "released" });
  await timed(firing, "cleanup", () => removeWorktree(worktree, { context: firing.git }));
  await dropInflight(firing);
  return pull.html_url;
}

async function runLuciusEngine(
  firing: Firing,
  options: {
    ticket: ClaimTicket;
    worktree: Worktree;
    record: InflightRecord;
    parentEnv: () => Record<string, string>;
  },
) {
  const { context, client } = firing;
  const { ticket, worktree } = options;
  const text = await prompt.loadIssueText(client, ticket.issue);
  const promptText = prompt.buildPrompt({
    codename: firing.codename,
    firingId: context.firingId,
    issue: text,
    base: worktree.base,
    instructions: firing.instructions ??
      await prompt.loadOperatorInstructions(context.layout.promptsDir, firing.codename),
    conventions: await prompt.loadConventions(worktree.dir),
    lessons: await context.recallLessons({ repo: text.repo, title: text.title, body: text.body }),
  });
  return await runAgentEngine(firing, {
    prompt: promptText,
    cwd: worktree.dir,
    allowedTools: LUCIUS_ALLOWED_TOOLS,
    parentEnv: options.parentEnv(),
  });
}

// ---------------------------------------------------------------------------
// Recovery

/**
 * Finishes what a dead firing left: its in-flight record (claim, worktree,
 * pull request) and every worktree or agent branch of this codename.
 *
 * @returns Whether a dead firing was found (the sweep then runs at once).
 */
async function recoverDeadFiring(firing: Firing): Promise<boolean> {
  const { context } = firing;
  const record = await readInflight(firing);
  let found = false;
  if (record && record.firing_id !== context.firingId) {
    found = true;
    await context.log.warn(
      `recovering dead firing ${record.firing_id} (phase ${record.phase}, ${record.repo}#${
        record.issue ?? "?"
      })`,
    );
    await recoverRecord(firing, record, { reason: `firing ${record.firing_id} died` });
  }
  // Worktrees and branches no record describes (a record lost or already handled).
  for (const dir of await wt.listAgentWorktrees(context.layout, firing.codename)) {
    found = true;
    await salvageLooseWorktree(firing, dir);
  }
  return found;
}

async function recoverRecord(
  firing: Firing,
  record: InflightRecord,
  options: { reason: string },
): Promise<void> {
  const { context, client } = firing;
  if (record.phase === "claiming" || !record.issue) {
    // The claim may or may not have been posted: the sweep that follows releases it.
    await dropInflight(firing);
    return;
  }
  const repo = parseRepo(record.repo);
  const ticket: ClaimTicket = {
    issue: { repo, number: record.issue },
    codename: firing.codename,
    firing: record.firing_id,
    host: record.host,
    queue: record.queue,
    ts: record.claim_ts ?? context.now().toISOString(),
    trusted: await firing.trust.get(),
  };
  const worktree = record.worktree && record.branch && record.checkout
    ? { checkout: record.checkout, dir: record.worktree, branch: record.branch, base: record.base }
    : undefined;
  let pullUrl = record.pr_url;
  if (worktree && record.phase !== "released" && !pullUrl) {
    if (await pathExists(worktree.dir)) {
      // A worktree git cannot read is treated as holding nothing new; its branch is
      // still never deleted while it has unpushed commits (runner/git/worktree.ts).
      const work = await delivery.inspectWork(worktree, { context: firing.git })
        .catch(async (error: unknown) => {
          if (!(error instanceof Error)) throw error;
          await context.log.warn(`recovery: cannot inspect ${worktree.dir}: ${error.message}`);
          return { commits: 0, dirty: false };
        });
      const pushed = PHASES.indexOf(record.phase) >= PHASES.indexOf("pushed");
      if (work.commits > 0 || work.dirty || pushed) {
        const finished = record.phase !== "worktree" && !work.dirty &&
          (record.sentinel === "OK" || record.sentinel === "PARTIAL");
        const kind: PullKind = finished
          ? (record.sentinel === "OK" ? "ready" : "partial")
          : "salvage";
        // shipWork pushes, opens or reuses the pull request, releases and removes the worktree.
        pullUrl = await shipWork(firing, {
          ticket,
          worktree,
          record,
          kind,
          commitLeftovers: work.dirty,
          issueTitle: record.issue_title ?? `issue #${record.issue}`,
          summary: record.summary ?? "",
          sentinelLine: record.sentinel_line,
          salvageReason: kind === "salvage" ? options.reason : undefined,
          workOf: record.firing_id,
        });
        await context.log.warn(`recovered ${record.repo}#${record.issue}: ${pullUrl}`);
        return;
      }
    }
  }
  if (!pullUrl) {
    const open = await findOpenPulls(client, repo, {
      headPrefix: delivery.issueBranchPrefix(firing.codename, record.issue),
    });
    pullUrl = open[0]?.html_url;
  }
  if (record.phase !== "released") {
    const state = claimState(markersOf(await listComments(client, ticket.issue), ticket.trusted));
    if (state.holder?.marker.firing === record.firing_id) {
      const released = await releaseClaim(client, ticket, {
        outcome: pullUrl ? "success" : "failure",
        transitionTo: pullUrl ? LABELS.prOpen : undefined,
        prUrl: pullUrl,
        now: context.now,
        journal: firing.journal,
      });
      await context.log.warn(
        `released ${record.repo}#${record.issue} of dead firing ${record.firing_id} → ${released.label}`,
      );
    }
  }
  if (worktree) await removeOrKeep(firing, worktree);
  await dropInflight(firing);
}

/** A worktree folder with no record: push its work so nothing is lost, then remove it. */
async function salvageLooseWorktree(firing: Firing, dir: string): Promise<void> {
  const { context } = firing;
  const found = await wt.inspectWorktreeDir(dir, { context: firing.git });
  if (!found) {
    await context.log.warn(`removing ${dir}: not a usable worktree any more`);
    await Deno.remove(dir, { recursive: true });
    return;
  }
  const status = await wt.git(["status", "--porcelain", "--untracked-files=all"], {
    cwd: dir,
    context: firing.git,
    dirs: found.dirs,
  });
  const issue = wt.issueOfBranch(found.branch, firing.codename);
  if (status.stdout.trim()) {
    await delivery.commitLeftovers(found, {
      message: `WIP: uncommitted work${issue ? ` on #${issue}` : ""}, salvaged by Alfred`,
      trailers: delivery.trailersOf(firing.codename, "unknown"),
      context: firing.git,
    });
  }
  if (await wt.unpushedCommits(dir, { ref: "HEAD", context: firing.git }) > 0) {
    await delivery.pushBranch(found, { context: firing.git });
    await context.log.warn(`salvaged ${found.branch}: pushed its unpushed commits`);
  }
  await removeOrKeep(firing, found);
}

async function removeOrKeep(firing: Firing, worktree: Worktree): Promise<void> {
  const removed = await removeWorktree(worktree, { context: firing.git });
  if (!removed.branchDeleted && removed.keptCommits > 0) {
    await firing.context.log.warn(
      `kept branch ${worktree.branch} in ${worktree.checkout}: ${removed.keptCommits} commits are on no remote`,
    );
  }
}
