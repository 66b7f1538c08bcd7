/**
 * Ra's al Ghul's work: review one open pull request per firing. In order
 * (each step logs `phase <name> <ms>`):
 *
 * 1. **cleanup**: review worktrees a dead firing left are removed (they hold
 *    no work: reviews never write).
 * 2. **list**: the open pull requests of each served repository (not paused);
 *    the queue (runner/reviews/queue.ts) skips commits remembered in
 *    `state/rasalghul/reviews.json`, agent pull requests first.
 * 3. **check**: the queue head's comments; a `review` marker for its head
 *    commit (another host reviewed it, or the state was lost) is remembered
 *    and the next one is taken. Nothing due anywhere: `[SILENT]`, no Slack post.
 * 4. **worktree**: the checkout fetches the base and the head; a detached,
 *    throwaway worktree at the head commit lets the engine read the code.
 * 5. **engine**: one read-only run (Claude `dontAsk` with Read/Glob/Grep/LS;
 *    Codex `read-only`) with the diff in the prompt; the engine gets no GitHub access.
 * 6. **post**: ONE comment (runner/reviews/findings.ts) with the `review`
 *    marker and the findings; the commit is remembered. A new push is a new
 *    commit and gets a new review.
 *
 * @module
 */
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { AgentKit } from "../../runner/kit/agent_kit.ts";
import type { RepoConfig } from "../../runner/config/config.ts";
import type { PullRequest } from "../../runner/github/pulls.ts";
import type { Repo } from "../../runner/github/rest.ts";
import { pickedStep, quoteTitle, reviewedStep } from "../../runner/firing/steps.ts";
import {
  type AgentWorkOptions,
  runReadOnlyEngine,
  timed,
  withAgentKit,
} from "../../runner/kit/agent_kit.ts";
import { activeRepos } from "../../runner/kit/repos.ts";
import { agentStateDir } from "../../runner/paths.ts";
import { readState, writeState } from "../../runner/state.ts";
import { StateCorruptError } from "../../runner/errors.ts";
import { EMPTY_REVIEW_STATE, ReviewState } from "../../runner/reviews/queue.ts";
import { findOpenPulls } from "../../runner/github/pulls.ts";
import { createComment, listComments, parseRepo } from "../../runner/github/rest.ts";
import { latestReview } from "../../runner/reviews/findings.ts";
import { loadOperatorInstructions } from "../../runner/engines/prompt.ts";
import { firingOutcomeOf } from "../../runner/engines/result.ts";
import { DEFAULT_PROMPT } from "./prompt.ts";
import { listAgentWorktrees } from "../../runner/git/worktree.ts";
import * as queue from "../../runner/reviews/queue.ts";
import * as findings from "../../runner/reviews/findings.ts";
import * as wt from "../../runner/git/worktree.ts";

/** The codename. */
const CODENAME = "rasalghul";

/** Everything one firing's steps share. */
interface Firing extends AgentKit {
  stateFile: string;
  state: ReviewState;
}

/**
 * One Ra's al Ghul firing.
 *
 * Requires network access to GitHub, git, and running the engine.
 *
 * @param context The firing.
 * @param options The engine's parent environment.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: AgentWorkOptions = {},
): Promise<WorkResult> {
  const stateFile = `${agentStateDir(context.layout, CODENAME)}/reviews.json`;
  return await withAgentKit(context, async (kit, { parentEnv }) => {
    const firing: Firing = { ...kit, stateFile, state: await readReviewState(context, stateFile) };
    await timed(firing, "cleanup", () => removeLeftoverWorktrees(firing));
    for (const repoConfig of await activeRepos(context)) {
      const pull = await timed(firing, "list", () => nextPull(firing, repoConfig));
      if (pull) return await reviewPull(firing, { repoConfig, pull, parentEnv });
    }
    context.stdout("[SILENT] rasalghul: no pull request has an unreviewed head commit");
    return { outcome: "silent", turns: 0, costUsd: 0, summary: "nothing to review" };
  }, options);
}

async function readReviewState(context: FiringContext, file: string): Promise<ReviewState> {
  try {
    return (await readState(file, ReviewState, {
      warn: (message) => void context.log.warn(message),
      hint: "Reviews already posted are found again from their markers; nothing is reviewed twice.",
    })) ?? EMPTY_REVIEW_STATE;
  } catch (error) {
    // Quarantined: the markers on the pull requests still say what was reviewed.
    if (error instanceof StateCorruptError) return EMPTY_REVIEW_STATE;
    throw error;
  }
}

async function saveState(firing: Firing, state: ReviewState): Promise<void> {
  firing.state = state;
  await writeState(firing.stateFile, ReviewState, state);
}

/** The first due pull request of a repository whose head commit has no review marker yet. */
async function nextPull(firing: Firing, repoConfig: RepoConfig): Promise<PullRequest | undefined> {
  const repo = parseRepo(repoConfig.name);
  const open = await findOpenPulls(firing.client, repo, { headPrefix: "" });
  let state = queue.forgetClosed(firing.state, {
    repo: repoConfig.name,
    open: open.map((pull) => pull.number),
  });
  let found: PullRequest | undefined;
  for (
    const pull of queue.reviewQueue(open, { repo: repoConfig.name, state }).slice(
      0,
      queue.MAX_CANDIDATES,
    )
  ) {
    const sha = pull.head.sha!;
    const comments = await listComments(firing.client, { repo, number: pull.number });
    // Only Ra's al Ghul's own (trusted) review counts: a forged one must not skip a commit.
    const review = latestReview(comments, await firing.trust.get(), { sha });
    if (!review) {
      found = pull;
      break;
    }
    await firing.context.log.info(
      `#${pull.number} at ${sha.slice(0, 7)} was already reviewed (comment ${review.commentId})`,
    );
    state = queue.rememberReview(state, {
      key: queue.reviewKey(repoConfig.name, pull.number),
      sha,
      at: review.marker.ts,
      comment: review.commentId,
    });
  }
  if (JSON.stringify(state) !== JSON.stringify(firing.state)) await saveState(firing, state);
  return found;
}

async function reviewPull(
  firing: Firing,
  options: { repoConfig: RepoConfig; pull: PullRequest; parentEnv: () => Record<string, string> },
): Promise<WorkResult> {
  const { context, client } = firing;
  const { pull, repoConfig } = options;
  const repo = parseRepo(repoConfig.name);
  const sha = pull.head.sha!;
  const key = queue.reviewKey(repoConfig.name, pull.number);
  const ref = `${repoConfig.name}#${pull.number}`;
  await context.log.info(`reviewing ${ref} at ${sha} (${pull.head.ref} → ${pull.base.ref})`);
  await context.progress(
    pickedStep(`${ref} ${quoteTitle(pull.title)} at ${sha.slice(0, 7)}`, { pr: pull.html_url }),
  );

  const run = await withReviewWorktree(firing, { repoConfig, pull }, async (worktree) => {
    const prompt = queue.buildReviewPrompt({
      instructions: (await loadOperatorInstructions(context.layout.promptsDir, CODENAME)) ??
        DEFAULT_PROMPT,
      repo: repoConfig.name,
      pull: {
        number: pull.number,
        title: pull.title,
        body: pull.body,
        base: pull.base.ref,
        head: pull.head.ref,
        sha,
      },
      stat: worktree.stat,
      diff: worktree.diff,
    });
    return await timed(firing, "engine", () =>
      runReadOnlyEngine(firing, {
        prompt,
        cwd: worktree.dir,
        parentEnv: options.parentEnv(),
        sentinels: [queue.REVIEWED_SENTINEL],
      }));
  });
  const { classification } = run;
  const turns = run.result?.turns ?? 0;
  const costUsd = run.result?.costUsd ?? 0;
  await context.log.info(
    `engine: ${classification.outcome} (${classification.detail}); ${turns} turns, $${
      costUsd.toFixed(4)
    }`,
  );
  const sentinel = classification.sentinel?.name;
  if (
    classification.outcome !== "success" ||
    (sentinel !== queue.REVIEWED_SENTINEL && sentinel !== "OK")
  ) {
    await saveState(firing, queue.rememberFailure(firing.state, { key, sha }));
    const blocked = sentinel === "BLOCKED";
    return {
      turns,
      costUsd,
      outcome: classification.outcome === "success" && !blocked
        ? "no-sentinel"
        : firingOutcomeOf(classification),
      pr: pull.html_url,
      error: blocked ? undefined : classification.detail,
      summary: `${ref} at ${sha.slice(0, 7)}: ${classification.detail}`,
      notice: {
        severity: blocked ? "warn" : "error",
        agent: CODENAME,
        title: `could not review #${pull.number}`,
        text: classification.detail,
        links: [{ label: ref, url: pull.html_url }],
      },
    };
  }

  const review = findings.parseEngineReview(run.result?.text ?? "");
  const body = findings.formatReviewComment({
    firing: context.firingId,
    ts: context.now().toISOString(),
    host: context.host,
    pr: pull.number,
    sha,
    findings: review.findings,
    summary: review.summary,
  });
  const comment = await timed(
    firing,
    "post",
    () => createComment(client, { repo, number: pull.number }, body),
  );
  await saveState(
    firing,
    queue.rememberReview(firing.state, {
      key,
      sha,
      at: context.now().toISOString(),
      comment: comment.id,
    }),
  );
  const blocking = findings.blockingFindings(review.findings);
  await context.progress(reviewedStep({ ref, sha, url: pull.html_url }, {
    total: review.findings.length,
    blocking: blocking.length,
  }));
  const counts = findings.SEVERITIES.map((severity) =>
    `${severity}=${review.findings.filter((f) => f.severity === severity).length}`
  ).join(" ");
  context.stdout(`[${queue.REVIEWED_SENTINEL}] ${ref} ${sha.slice(0, 7)} ${counts}`);
  return {
    turns,
    costUsd,
    outcome: "success",
    pr: pull.html_url,
    summary: `${ref} at ${sha.slice(0, 7)}: ${counts}`,
    // Quiet unless actionable: only blocking findings reach Slack.
    notice: blocking.length
      ? {
        severity: "warn",
        agent: CODENAME,
        title: `${blocking.length} blocking finding${
          blocking.length === 1 ? "" : "s"
        } on #${pull.number}`,
        text: blocking.map(findings.formatFindingLine).join("\n").slice(0, 1500),
        links: [{ label: ref, url: pull.html_url }],
      }
      : undefined,
  };
}

/** A detached worktree at the pull request's head, with its diff against the base. */
interface ReviewWorktree {
  dir: string;
  stat: string;
  diff: string;
}

/**
 * Fetches the base and the head, adds a detached worktree at the head commit,
 * runs `step` in it and removes it whatever happens.
 */
async function withReviewWorktree<T>(
  firing: Firing,
  options: { repoConfig: RepoConfig; pull: PullRequest },
  step: (worktree: ReviewWorktree) => Promise<T>,
): Promise<T> {
  const { context } = firing;
  const { pull, repoConfig } = options;
  const sha = pull.head.sha!;
  const git = (cwd: string, args: string[], allowFailure = false) =>
    wt.git(args, { cwd, context: firing.git, allowFailure });
  const { checkout, dir } = await timed(firing, "worktree", async () => {
    const checkout = await wt.ensureCheckout(repoConfig, {
      layout: context.layout,
      context: firing.git,
      apiUrl: context.config.githubApiUrl,
    });
    await wt.fetchBase(checkout, { base: pull.base.ref, context: firing.git });
    await fetchHead(firing, { checkout, pull, repo: parseRepo(repoConfig.name) });
    const { dir } = wt.worktreeNames({
      layout: context.layout,
      codename: CODENAME,
      repo: repoConfig.name,
      issue: pull.number,
      firingId: context.firingId,
      now: context.now(),
    });
    await git(checkout, ["worktree", "prune"]);
    await Deno.mkdir(dir.slice(0, dir.lastIndexOf("/")), { recursive: true });
    await git(checkout, ["worktree", "add", "--quiet", "--detach", dir, sha]);
    return { checkout, dir };
  });
  try {
    const range = `origin/${pull.base.ref}...${sha}`;
    const stat = (await git(dir, ["diff", "--stat", range])).stdout;
    const diff = (await git(dir, ["diff", range])).stdout;
    return await step({ dir, stat, diff });
  } finally {
    await timed(firing, "cleanup", async () => {
      const removed = await git(checkout, ["worktree", "remove", "--force", "--force", dir], true);
      if (removed.code !== 0) {
        await Deno.remove(dir, { recursive: true }).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        });
        await git(checkout, ["worktree", "prune"]);
      }
    });
  }
}

/** Fetches the pull request's head: its branch (same repository), else `refs/pull/<n>/head` (forks). */
async function fetchHead(
  firing: Firing,
  options: { checkout: string; pull: PullRequest; repo: Repo },
): Promise<void> {
  const { checkout, pull } = options;
  const fetch = (refspec: string) =>
    wt.git(["fetch", "--quiet", "--no-tags", "origin", refspec], {
      cwd: checkout,
      context: firing.git,
      allowFailure: true,
    });
  const byBranch = await fetch(`+refs/heads/${pull.head.ref}:refs/remotes/origin/${pull.head.ref}`);
  const has = await wt.git(["cat-file", "-e", `${pull.head.sha}^{commit}`], {
    cwd: checkout,
    context: firing.git,
    allowFailure: true,
  });
  if (byBranch.code === 0 && has.code === 0) return;
  const byPull = await fetch(`+refs/pull/${pull.number}/head:refs/alfred/review/${pull.number}`);
  if (byPull.code !== 0) {
    throw new wt.GitError(
      `cannot fetch the head of ${options.repo.owner}/${options.repo.name}#${pull.number} (${pull.head.ref}): ${
        (byPull.stderr || byBranch.stderr).trim().slice(-400)
      }`,
      { code: byPull.code },
    );
  }
}

/** Review worktrees of dead firings hold no work: remove them and let git forget them. */
async function removeLeftoverWorktrees(firing: Firing): Promise<void> {
  for (const dir of await listAgentWorktrees(firing.context.layout, CODENAME)) {
    await firing.context.log.warn(`removing ${dir}, left by a dead firing`);
    await Deno.remove(dir, { recursive: true });
  }
}
