/**
 * The steps a firing reports as it happens (`FiringContext.progress`), worded
 * once for every agent: the person watching `alfred fire`, the dashboard and
 * Slack all read these texts (runner/firing/activity.ts keeps them). Each builder is
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

/**
 * An agent without a claim picked what it works on (Bane's file, Nightwing's
 * pull request, Ra's al Ghul's review).
 *
 * @param what What was picked, in a few words.
 * @param links The issue or pull request it concerns.
 * @returns `picked …`.
 */
export function pickedStep(what: string, links: { issue?: string; pr?: string } = {}): FiringStep {
  return { step: "picked", text: `picked ${what}`, ...links };
}

/**
 * Ra's al Ghul posted its review of a pull request.
 *
 * @param pull `owner/name#n`, its head commit and URL.
 * @param findings How many findings, and how many block the merge.
 * @returns `reviewed acme/web#5 at 1a2b3c4: 3 findings, 1 blocking`.
 */
export function reviewedStep(
  pull: { ref: string; sha: string; url: string },
  findings: { total: number; blocking: number },
): FiringStep {
  return {
    step: "reviewed",
    text: `reviewed ${pull.ref} at ${pull.sha.slice(0, 7)}: ${findings.total} finding${
      findings.total === 1 ? "" : "s"
    }, ${findings.blocking} blocking`,
    pr: pull.url,
  };
}

/**
 * Issues were filed (Drake's gaps, Batman's children).
 *
 * @param where Where or what for: `in acme/web`, `for acme/web#9`.
 * @param issues The issues filed: how to name each (`#7`, `acme/api#7`) and its URL.
 * @returns `filed 2 issues in acme/web: #7, #8`.
 */
export function filedStep(
  where: string,
  issues: readonly { name: string; url: string }[],
): FiringStep {
  return {
    step: "filed",
    text: `filed ${issues.length} issue${issues.length === 1 ? "" : "s"} ${where}: ${
      issues.map((issue) => issue.name).join(", ")
    }`,
    ...(issues.length ? { issue: issues[0].url } : {}),
  };
}

/**
 * Robin triaged issues.
 *
 * @param repo The repo.
 * @param issues Each issue's number, severity and verdict.
 * @returns `triaged 2 issues in acme/web: #4 P1 ready, #5 P3 needs-info`.
 */
export function triagedStep(
  repo: string,
  issues: readonly { number: number; severity: string; verdict: string; url: string }[],
): FiringStep {
  return {
    step: "triaged",
    text: `triaged ${issues.length} issue${issues.length === 1 ? "" : "s"} in ${repo}: ${
      issues.map((issue) => `#${issue.number} ${issue.severity} ${issue.verdict}`).join(", ")
    }`,
    ...(issues.length === 1 ? { issue: issues[0].url } : {}),
  };
}

/**
 * Batman posted a plan for approval.
 *
 * @param issue `owner/name#n` of the feature.
 * @param children How many child issues it proposes.
 * @returns `planned acme/web#9: 4 child issues, waiting for approval`.
 */
export function plannedStep(issue: string, children: number): FiringStep {
  return {
    step: "planned",
    text: `planned ${issue}: ${children} child issue${
      children === 1 ? "" : "s"
    }, waiting for approval`,
    issue,
  };
}

/**
 * Huntress ran the smoke test.
 *
 * @param target What was tested (the staging URL, or `staging`).
 * @param result Whether it passed, and how long it took or why it failed.
 * @returns `smoke test passed on https://staging.example.com (42 s)`.
 */
export function smokeTestedStep(
  target: string,
  result: { passed: boolean; detail: string },
): FiringStep {
  return {
    step: "smoke-tested",
    text: result.passed
      ? `smoke test passed on ${target} (${result.detail})`
      : `smoke test failed on ${target}: ${result.detail}`,
  };
}

/**
 * Gordon checked what staging runs.
 *
 * @param line What it found, in one line.
 * @returns `checked staging: …`.
 */
export function checkedStep(line: string): FiringStep {
  return { step: "checked", text: `checked staging: ${line}` };
}

/**
 * Nightwing answered a review: the findings it fixed, in which commit.
 *
 * @param pull `owner/name#n` and its URL.
 * @param fix The finding numbers fixed and the commit pushed.
 * @returns `answered the review of acme/web#5: fixed 1, 3 in 1a2b3c4`.
 */
export function answeredStep(
  pull: { ref: string; url: string },
  fix: { findings: readonly number[]; sha: string },
): FiringStep {
  return {
    step: "answered",
    text: `answered the review of ${pull.ref}: fixed ${fix.findings.join(", ")} in ${
      fix.sha.slice(0, 7)
    }`,
    pr: pull.url,
  };
}
