/**
 * After the engine: what to deliver (a pure decision on the engine's verdict
 * and what the worktree holds), and the git and GitHub steps that deliver it.
 *
 * Decision table ({@linkcode planDelivery}); "work" is new commits against
 * `origin/<base>` or a dirty tree:
 *
 * | engine verdict                        | worktree                 | delivery                                         | release                         |
 * | ------------------------------------- | ------------------------ | ------------------------------------------------ | ------------------------------- |
 * | `[OK]`                                | commits                  | pull request, ready for review                   | success → `agent:pr-open`       |
 * | `[PARTIAL]`                           | commits                  | draft pull request, `[PARTIAL]`                  | success → `agent:pr-open`       |
 * | `[ALREADY-IMPLEMENTED]`               | no commits               | none (a dirty tree is discarded)                 | success → `agent:done`          |
 * | `[OK]` / `[PARTIAL]`                  | no commits, dirty        | WIP commit, draft `[LUCIUS-NO-COMMIT]`           | success → `agent:pr-open`       |
 * | `[BLOCKED]`, no sentinel, any failure | work                     | WIP commit if dirty, draft `[LUCIUS-SALVAGE]`    | success → `agent:pr-open`       |
 * | rate limit, budget, overload, auth    | nothing                  | none                                             | aborted → queue (not counted)   |
 * | anything else                         | nothing                  | none                                             | failure → queue (attempt n)     |
 *
 * So an issue with an open agent pull request is always `agent:pr-open`, and
 * never gets a second one: an existing pull request of the issue's agent
 * branches is found and reused. Drafts marked `[LUCIUS-NO-COMMIT]` or
 * `[LUCIUS-SALVAGE]` say "do not review" in their body: they keep work that a
 * human should look at before anyone reviews it.
 *
 * Trailers: the engine is asked to end every commit with `Alfred-Agent` and
 * `Alfred-Firing`. The runner commits leftovers itself (with trailers) and,
 * when the engine forgot them, adds them to its commits before the first push
 * ({@linkcode ensureTrailers}, a `git rebase --exec`; nothing pushed is rewritten).
 *
 * @module
 */
import type { FiringStep } from "../firing/agent.ts";
import { committedStep, pushedStep } from "../firing/steps.ts";
import { GitHubApiError } from "../errors.ts";
import type { GitHubClient } from "../github/client.ts";
import { createPull, findOpenPulls, type PullRequest } from "../github/pulls.ts";
import type { Repo } from "../github/rest.ts";
import type { EngineOutcome } from "../engines/result.ts";
import { git, type GitContext, type GitDirs, gitDirsOf, type Worktree } from "./worktree.ts";

/** What a worktree holds after the engine. */
export interface WorkState {
  /** Commits on the branch that `origin/<base>` does not have. */
  commits: number;
  /** Uncommitted changes, untracked files included. */
  dirty: boolean;
}

/** The kind of pull request to open. */
export type PullKind = "ready" | "partial" | "no-commit" | "salvage";

/** What to deliver, from {@linkcode planDelivery}. */
export type DeliveryPlan =
  | {
    action: "pull";
    kind: PullKind;
    /** Commit the dirty tree first (as the runner, with trailers). */
    commitLeftovers: boolean;
  }
  | {
    action: "release";
    outcome: "success" | "failure" | "aborted";
    /** The label on success (`agent:done` for already-implemented). */
    transitionTo?: string;
  };

/** Engine outcomes that say nothing about the issue: the claim is given back uncounted. */
const NOT_THE_ISSUES_FAULT: readonly EngineOutcome[] = [
  "rate_limited",
  "budget_exhausted",
  "overloaded",
  "auth_error",
];

/**
 * Decides what to deliver (pure). See the module's table.
 *
 * @param verdict The engine's outcome and sentinel name (`undefined` when none).
 * @param work What the worktree holds.
 * @returns The plan.
 */
export function planDelivery(
  verdict: { outcome: EngineOutcome; sentinel: string | undefined },
  work: WorkState,
): DeliveryPlan {
  const ok = verdict.outcome === "success";
  const sentinel = ok ? verdict.sentinel : undefined;
  if (sentinel === "ALREADY-IMPLEMENTED" && work.commits === 0) {
    return { action: "release", outcome: "success", transitionTo: "agent:done" };
  }
  if (work.commits > 0 && (sentinel === "OK" || sentinel === "PARTIAL")) {
    return {
      action: "pull",
      kind: sentinel === "OK" ? "ready" : "partial",
      commitLeftovers: work.dirty,
    };
  }
  if (work.commits === 0 && work.dirty && (sentinel === "OK" || sentinel === "PARTIAL")) {
    return { action: "pull", kind: "no-commit", commitLeftovers: true };
  }
  if (work.commits > 0 || work.dirty) {
    return { action: "pull", kind: "salvage", commitLeftovers: work.dirty };
  }
  if (NOT_THE_ISSUES_FAULT.includes(verdict.outcome)) {
    return { action: "release", outcome: "aborted" };
  }
  return { action: "release", outcome: "failure" };
}

/** Inputs of {@linkcode pullTitle} and {@linkcode pullBody}. */
export interface PullText {
  /** The agent. */
  codename: string;
  /** The issue number. */
  issue: number;
  /** The issue title. */
  issueTitle: string;
  /** The kind of pull request. */
  kind: PullKind;
  /** The engine's final text without its sentinel line. */
  summary: string;
  /** The sentinel line, e.g. `[BLOCKED] needs a database`. */
  sentinelLine?: string;
  /** The firing id. */
  firingId: string;
  /** Engine turns. */
  turns: number;
  /** Cost in USD. */
  costUsd: number;
  /** Why the work was salvaged (dead firing, engine failure). */
  salvageReason?: string;
}

const TAGS: Record<PullKind, string> = {
  ready: "",
  partial: "[PARTIAL] ",
  "no-commit": "[LUCIUS-NO-COMMIT] ",
  salvage: "[LUCIUS-SALVAGE] ",
};

/**
 * The pull request's title (pure): `[Lucius] <issue title> (#n)`, with a tag
 * after the codename for drafts.
 *
 * @param text The codename, issue and kind.
 * @returns The title.
 */
export function pullTitle(
  text: Pick<PullText, "codename" | "issue" | "issueTitle" | "kind">,
): string {
  const who = text.codename.charAt(0).toUpperCase() + text.codename.slice(1);
  return `[${who}] ${TAGS[text.kind]}${text.issueTitle} (#${text.issue})`;
}

/**
 * The pull request's body (pure): the engine's summary, `Closes #n` (or
 * `Refs #n` for salvaged work), and the firing's id, turns and cost.
 *
 * @param text Everything the body says.
 * @returns Markdown.
 */
export function pullBody(text: PullText): string {
  const salvaged = text.kind === "no-commit" || text.kind === "salvage";
  const lines: string[] = [];
  if (salvaged) {
    const tag = TAGS[text.kind].trim();
    lines.push(
      `> **${tag} Do not review.** This draft keeps unfinished work so it is not lost` +
        (text.salvageReason ? ` (${text.salvageReason})` : "") +
        `. Look at it, then finish it, close it, or put the issue back in the queue.`,
      "",
    );
  } else if (text.kind === "partial") {
    lines.push("> **Partial.** The agent did part of the work; see what is left below.", "");
  }
  lines.push(text.summary.trim() || "(the engine gave no summary)");
  if (text.sentinelLine) lines.push("", `Engine verdict: \`${text.sentinelLine}\``);
  lines.push("", salvaged ? `Refs #${text.issue}` : `Closes #${text.issue}`, "");
  lines.push(
    "---",
    `Opened by Alfred's ${text.codename} · firing \`${text.firingId}\` · ${text.turns} turns · $${
      text.costUsd.toFixed(4)
    }`,
  );
  return lines.join("\n");
}

/**
 * Splits the engine's final text into its summary and its sentinel line (pure).
 *
 * @param text The final text.
 * @returns The text before the last sentinel line, and that line.
 */
export function splitSummary(text: string): { summary: string; sentinelLine?: string } {
  const lines = text.trimEnd().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/\[(OK|ALREADY-IMPLEMENTED|PARTIAL|BLOCKED|SILENT)\]/.test(lines[i])) {
      return {
        summary: lines.slice(0, i).join("\n").trim(),
        sentinelLine: lines[i].trim().slice(0, 300),
      };
    }
  }
  return { summary: text.trim() };
}

/**
 * The trailers of a codename's commits (pure).
 *
 * @param codename The agent.
 * @param firingId The firing.
 * @returns `Alfred-Agent: <codename>` and `Alfred-Firing: <id>`.
 */
export function trailersOf(codename: string, firingId: string): string[] {
  return [`Alfred-Agent: ${codename}`, `Alfred-Firing: ${firingId}`];
}

/**
 * Reads what a worktree holds.
 *
 * @param worktree The worktree (its `base` names `origin/<base>`).
 * @param options The git context.
 * @returns Commits ahead of the base and whether the tree is dirty.
 */
export async function inspectWork(
  worktree: Worktree,
  options: { context: GitContext },
): Promise<WorkState> {
  const { context } = options;
  const dirs = await gitDirsOf(worktree);
  // Both only read (status's index refresh is opportunistic and skipped when locked): at once.
  const [commits, status] = await Promise.all([
    commitsAhead(worktree, { context, dirs }),
    git(["status", "--porcelain", "--untracked-files=all"], { cwd: worktree.dir, context, dirs }),
  ]);
  return { commits, dirty: status.stdout.trim() !== "" };
}

/**
 * Counts the commits on the worktree's branch that `origin/<base>` does not have.
 *
 * @param worktree The worktree.
 * @param options The git context, and the worktree's git dirs when already read.
 * @returns The count.
 */
export async function commitsAhead(
  worktree: Worktree,
  options: { context: GitContext; dirs?: GitDirs },
): Promise<number> {
  const count = await git(["rev-list", "--count", `origin/${worktree.base}..HEAD`], {
    cwd: worktree.dir,
    context: options.context,
    dirs: options.dirs ?? await gitDirsOf(worktree),
  });
  return Number(count.stdout.trim());
}

/**
 * Pushes the worktree's committed work, reporting the firing's `committed`
 * and `pushed` steps (shared by every agent that pushes a branch).
 *
 * @param worktree The worktree.
 * @param options The git context and the firing's step reporter.
 * @throws {GitError} when the push fails.
 */
export async function pushWork(
  worktree: Worktree,
  options: { context: GitContext; progress: (step: FiringStep) => Promise<void> },
): Promise<void> {
  await options.progress(committedStep(await commitsAhead(worktree, options), worktree.branch));
  await pushBranch(worktree, options);
  await options.progress(pushedStep(worktree.branch));
}

/**
 * Commits everything left in the worktree (untracked files too) as the runner.
 *
 * @param worktree The worktree.
 * @param options The message, trailers and git context.
 * @returns Whether a commit was made.
 */
export async function commitLeftovers(
  worktree: Worktree,
  options: { message: string; trailers: readonly string[]; context: GitContext },
): Promise<boolean> {
  const { context } = options;
  const dirs = await gitDirsOf(worktree);
  await git(["add", "--all"], { cwd: worktree.dir, context, dirs });
  const staged = await git(["diff", "--cached", "--quiet", "--no-ext-diff", "--no-textconv"], {
    cwd: worktree.dir,
    context,
    allowFailure: true,
    dirs,
  });
  if (staged.code === 0) return false;
  await git(
    [
      "commit",
      "--quiet",
      "--no-verify",
      "-m",
      options.message,
      ...options.trailers.flatMap((trailer) => ["--trailer", trailer]),
    ],
    { cwd: worktree.dir, context, dirs },
  );
  return true;
}

/**
 * Adds the trailers to every new commit that lacks an `Alfred-Firing` trailer
 * (a `git rebase --exec` onto `origin/<base>`). Call it before the first push only.
 *
 * @param worktree The worktree.
 * @param options The trailers and git context.
 * @returns How many commits lacked the trailers.
 */
export async function ensureTrailers(
  worktree: Worktree,
  options: { trailers: readonly string[]; context: GitContext },
): Promise<number> {
  const { context } = options;
  const dirs = await gitDirsOf(worktree);
  const log = await git(
    [
      "log",
      "--format=%H %(trailers:key=Alfred-Firing,valueonly,separator=%x2C)",
      `origin/${worktree.base}..HEAD`,
    ],
    { cwd: worktree.dir, context, dirs },
  );
  const missing = log.stdout.split("\n").filter((line) => /^[0-9a-f]{40} ?$/.test(line.trim()));
  if (missing.length === 0) return 0;
  const amend = `git commit --amend --quiet --no-edit --no-verify ${
    options.trailers.map((trailer) => `--trailer '${trailer.replaceAll("'", "")}'`).join(" ")
  }`;
  await git(
    [
      "-c",
      "trailer.ifexists=addIfDifferent",
      "rebase",
      "--quiet",
      "--exec",
      amend,
      `origin/${worktree.base}`,
    ],
    { cwd: worktree.dir, context, dirs },
  );
  return missing.length;
}

/**
 * Pushes the worktree's branch to `origin` (same name), so its commits are safe.
 *
 * @param worktree The worktree.
 * @param options The git context (with the token for HTTPS remotes).
 * @throws {GitError} when the push fails.
 */
export async function pushBranch(
  worktree: Worktree,
  options: { context: GitContext },
): Promise<void> {
  const dirs = await gitDirsOf(worktree);
  await git(["push", "--quiet", "origin", `HEAD:refs/heads/${worktree.branch}`], {
    cwd: worktree.dir,
    context: options.context,
    dirs,
  });
  // Keep the remote-tracking ref current, so "unpushed" checks see the push.
  await git(
    ["update-ref", `refs/remotes/origin/${worktree.branch}`, "HEAD"],
    { cwd: worktree.dir, context: options.context, dirs },
  );
}

/**
 * The branch prefix of every agent branch of one issue (pure).
 *
 * @param codename The agent.
 * @param issue The issue number.
 * @returns `agent/<codename>/<issue>-`.
 */
export function issueBranchPrefix(codename: string, issue: number): string {
  return `agent/${codename}/${issue}-`;
}

/**
 * Finds the open pull request of an issue's agent branches, or opens one. A
 * creation GitHub refuses with 422 because the pull request exists (a retried
 * POST whose first try landed before its reply was lost) reuses that one.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The codename, issue, and the pull request to open when none exists.
 * @returns The pull request and whether it already existed.
 */
export async function openOrReusePull(
  client: GitHubClient,
  repo: Repo,
  options: {
    codename: string;
    issue: number;
    pull: { title: string; head: string; base: string; body: string; draft: boolean };
  },
): Promise<{ pull: PullRequest; reused: boolean }> {
  const existing = await findOpenPulls(client, repo, {
    headPrefix: issueBranchPrefix(options.codename, options.issue),
  });
  const same = existing.find((pull) => pull.head.ref === options.pull.head) ?? existing[0];
  if (same) return { pull: same, reused: true };
  try {
    return { pull: await createPull(client, repo, options.pull), reused: false };
  } catch (error) {
    if (!(error instanceof GitHubApiError) || error.status !== 422) throw error;
    const landed = (await findOpenPulls(client, repo, {
      headPrefix: issueBranchPrefix(options.codename, options.issue),
    })).find((pull) => pull.head.ref === options.pull.head);
    if (!landed) throw error;
    return { pull: landed, reused: true };
  }
}
