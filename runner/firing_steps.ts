/**
 * The steps a firing reports as it happens (`FiringContext.progress`), worded
 * once for every agent: the person watching `alfred fire`, the dashboard and
 * Slack all read these texts (runner/activity.ts keeps them). Each builder is
 * pure; an agent's work reports a step with `await context.progress(…)`.
 *
 * The common life of a coding agent's firing: `claimed`, `worktree`,
 * `engine` (started, turns and cost so far, finished), `committed`, `pushed`,
 * `pr-opened`, `released`. Agents add their own where their work differs
 * (`reviewed`, `filed`, `triaged`, `planned`, `smoke-tested`, `checked`, …).
 *
 * Texts are short, one line, and name no secret (the lifecycle redacts them too).
 *
 * @module
 */
import type { FiringStep } from "./agent.ts";

/** Longest issue or pull request title quoted in a step. */
const TITLE_CHARS = 72;

/**
 * An issue was claimed.
 *
 * @param issue The repo, number, title and URL.
 * @returns `claimed acme/web#12 "Fix the login"`.
 */
export function claimedStep(
  issue: { repo: string; number: number; title: string; url?: string },
): FiringStep {
  return {
    step: "claimed",
    text: `claimed ${issue.repo}#${issue.number} ${quoteTitle(issue.title)}`,
    issue: issue.url ?? `${issue.repo}#${issue.number}`,
  };
}

/**
 * The firing's git worktree is ready.
 *
 * @param branch Its branch.
 * @returns `worktree ready on agent/lucius/12-…`.
 */
export function worktreeStep(branch: string): FiringStep {
  return { step: "worktree", text: `worktree ready on ${branch}` };
}

/**
 * The engine started, or streamed how far it has got.
 *
 * @param engine The engine and model.
 * @param progress Turns and cost so far, once it streams them.
 * @returns `engine claude (sonnet) running`, with the figures.
 */
export function engineStep(
  engine: { engine: string; model?: string },
  progress: { turns?: number; costUsd?: number } = {},
): FiringStep {
  return {
    step: "engine",
    text: `engine ${engine.engine}${engine.model ? ` (${engine.model})` : ""} running`,
    ...figures(progress),
  };
}

/**
 * The engine finished.
 *
 * @param outcome Its outcome (`success`, `rate_limited`, …).
 * @param progress Its turns and cost.
 * @returns `engine finished: success`, with the figures.
 */
export function engineDoneStep(
  outcome: string,
  progress: { turns?: number; costUsd?: number },
): FiringStep {
  return { step: "engine", text: `engine finished: ${outcome}`, ...figures(progress) };
}

/**
 * The work is committed on the firing's branch.
 *
 * @param commits Commits on the branch that its base does not have.
 * @param branch The branch.
 * @returns `committed 2 commits on agent/lucius/12-…`.
 */
export function committedStep(commits: number, branch: string): FiringStep {
  return {
    step: "committed",
    text: `committed ${commits} commit${commits === 1 ? "" : "s"} on ${branch}`,
  };
}

/**
 * The branch is pushed.
 *
 * @param branch The branch.
 * @returns `pushed agent/lucius/12-…`.
 */
export function pushedStep(branch: string): FiringStep {
  return { step: "pushed", text: `pushed ${branch}` };
}

/**
 * A pull request was opened (or an open one reused).
 *
 * @param url Its URL.
 * @param options Whether it was reused, and whether it is a draft.
 * @returns `opened pull request https://…` (or `reused`, `opened draft`).
 */
export function pullOpenedStep(
  url: string,
  options: { reused?: boolean; draft?: boolean } = {},
): FiringStep {
  const what = options.draft ? "draft pull request" : "pull request";
  return {
    step: "pr-opened",
    text: `${options.reused ? "reused the open" : "opened"} ${what} ${url}`,
    pr: url,
  };
}

/**
 * The claim was released.
 *
 * @param issue `owner/name#n`, or its URL.
 * @param label The label the issue has now.
 * @returns `released acme/web#12, now agent:pr-open`.
 */
export function releasedStep(issue: string, label: string): FiringStep {
  return { step: "released", text: `released ${issue}, now ${label}`, issue };
}

/**
 * Quotes a title for a step, cut to one short line (pure).
 *
 * @param title The title.
 * @returns `"Fix the login"`.
 */
export function quoteTitle(title: string): string {
  const line = title.replaceAll(/\s+/g, " ").trim();
  return JSON.stringify(line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line);
}

function figures(progress: { turns?: number; costUsd?: number }): Partial<FiringStep> {
  return {
    ...(progress.turns === undefined ? {} : { turns: progress.turns }),
    ...(progress.costUsd === undefined ? {} : { costUsd: progress.costUsd }),
  };
}
