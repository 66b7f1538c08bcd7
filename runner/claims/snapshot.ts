/**
 * The claim-state snapshot a filing agent (Drake) is given, fetched by the
 * runner: the open issues of a repository grouped by where they stand in the
 * claim protocol (queued, in flight, pull request open, never to be picked),
 * and the repositories the operator paused. The engine reads it to avoid
 * proposing what exists; the runner deduplicates against it again anyway.
 *
 * @module
 */
import type { GitHubClient } from "../github/client.ts";
import { LABELS } from "./labels.ts";
import { type Issue, listIssues, type Repo } from "../github/rest.ts";
import type { Layout } from "../paths.ts";
import { readPauseState } from "../firing/pause.ts";

/** Most pages of open issues read (100 each). */
export const SNAPSHOT_PAGES = 5;

/** Where an open issue stands. */
export type IssueStanding =
  | "queued"
  | "in-flight"
  | "pr-open"
  | "do-not-pickup"
  | "needs-human"
  | "other";

/** One open issue in the snapshot. */
export interface SnapshotIssue {
  /** Its number. */
  number: number;
  /** Its title. */
  title: string;
  /** Where it stands. */
  standing: IssueStanding;
}

/** The snapshot of one repository. */
export interface ClaimSnapshot {
  /** `owner/name`. */
  repo: string;
  /** Open issues, oldest first. */
  issues: SnapshotIssue[];
  /** Whether more open issues exist than were read. */
  truncated: boolean;
  /** Repositories paused by the operator (`alfred pause --repo`). */
  pausedRepos: string[];
}

/**
 * Where an issue stands, from its labels (pure).
 *
 * @param labels The issue's label names.
 * @returns The standing.
 */
export function standingOf(labels: readonly string[]): IssueStanding {
  if (labels.includes(LABELS.doNotPickup)) return "do-not-pickup";
  if (labels.includes(LABELS.needsHumanScope)) return "needs-human";
  if (labels.includes(LABELS.inFlight)) return "in-flight";
  if (labels.includes(LABELS.prOpen)) return "pr-open";
  if (labels.includes(LABELS.implement)) return "queued";
  return "other";
}

/**
 * The repositories paused now.
 *
 * @param layout The home layout.
 * @param options The clock and a warning sink.
 * @returns `owner/name` of each paused repository.
 */
export async function pausedReposNow(
  layout: Layout,
  options: { now: Date; warn: (message: string) => void },
): Promise<string[]> {
  const pauses = await readPauseState(layout, options);
  return Object.entries(pauses.repos)
    .filter(([, entry]) => entry.until === null || Date.parse(entry.until) > options.now.getTime())
    .map(([name]) => name);
}

/**
 * Lists every open issue of a repository (up to {@linkcode SNAPSHOT_PAGES} pages).
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @returns The issues, oldest first, and whether more exist.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function listOpenIssues(
  client: GitHubClient,
  repo: Repo,
): Promise<{ issues: Issue[]; truncated: boolean }> {
  const issues: Issue[] = [];
  for (let page = 1; page <= SNAPSHOT_PAGES; page++) {
    const result = await listIssues(client, repo, { labels: [], page });
    issues.push(...result.issues);
    if (!result.more) return { issues, truncated: false };
  }
  return { issues, truncated: true };
}

/**
 * Fetches the snapshot of one repository.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The layout (for pauses), the clock and a warning sink.
 * @returns The snapshot.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function fetchClaimSnapshot(
  client: GitHubClient,
  repo: Repo,
  options: { layout: Layout; now: Date; warn: (message: string) => void },
): Promise<ClaimSnapshot> {
  const { issues, truncated } = await listOpenIssues(client, repo);
  return {
    repo: `${repo.owner}/${repo.name}`,
    issues: issues.map((issue) => ({
      number: issue.number,
      title: issue.title,
      standing: standingOf(issue.labels),
    })),
    truncated,
    pausedRepos: await pausedReposNow(options.layout, options),
  };
}

/**
 * The snapshot as prompt text (pure): one line per issue, grouped by standing.
 *
 * @param snapshot The snapshot.
 * @returns Plain text.
 */
export function renderClaimSnapshot(snapshot: ClaimSnapshot): string {
  const heading: Record<IssueStanding, string> = {
    "queued": "Queued for an agent (agent:implement)",
    "in-flight": "Being worked on now (agent:in-flight)",
    "pr-open": "Pull request open (agent:pr-open)",
    "do-not-pickup": "Never to be picked (do-not-pickup)",
    "needs-human": "Waiting for a human to rescope (needs:human-scope)",
    "other": "Other open issues",
  };
  const lines: string[] = [];
  for (const standing of Object.keys(heading) as IssueStanding[]) {
    const group = snapshot.issues.filter((issue) => issue.standing === standing);
    if (!group.length) continue;
    lines.push(`${heading[standing]}:`);
    for (const issue of group) lines.push(`- #${issue.number} ${issue.title}`);
    lines.push("");
  }
  if (!snapshot.issues.length) lines.push(`No open issues in ${snapshot.repo}.`, "");
  if (snapshot.truncated) lines.push("(More open issues exist than are listed here.)", "");
  lines.push(
    `Paused repositories: ${
      snapshot.pausedRepos.length ? snapshot.pausedRepos.join(", ") : "none"
    }`,
  );
  return lines.join("\n");
}
