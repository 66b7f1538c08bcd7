/**
 * Files an approved draft as a GitHub issue labelled `agent:implement`, once.
 *
 * The issue's body carries the draft's text and a `slack-draft` marker naming
 * the draft and the Slack message it came from (runner/claims/markers.ts).
 * Before creating anything, the repo's issues updated since the draft was made
 * are searched for that marker, so a second Approve, a restarted listener or
 * a crash between creating the issue and recording it never files twice.
 *
 * @module
 */
import type { GitHubClient } from "../runner/github/mod.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { formatMarker, parseMarkers } from "../runner/claims/markers.ts";
import { createIssue, type Issue, listIssues, parseRepo } from "../runner/github/rest.ts";
import type { TrustedAuthors } from "../runner/claims/mod.ts";
import type { Draft } from "./drafts.ts";

/** GitHub keeps second-precision times; look a little before the draft was made. */
const SINCE_MARGIN_MS = 5 * 60_000;

/** Pages of 100 issues searched for the draft's marker before filing. */
const MAX_PAGES = 5;

/** The issue a draft became. */
export interface FiledIssue {
  /** Its number. */
  number: number;
  /** Its web URL. */
  url: string;
  /** Whether this call created it (false: it was found, filed before). */
  created: boolean;
}

/**
 * The body of the issue a draft becomes (pure).
 *
 * @param draft The draft.
 * @param options Who approved it.
 * @returns The Markdown body, ending with the marker.
 */
export function draftIssueBody(draft: Draft, options: { approvedBy: string }): string {
  const marker = formatMarker({
    kind: "slack-draft",
    draft: draft.id,
    channel: draft.channel,
    message: draft.message_ts,
    user: draft.author,
  });
  return [
    draft.body.trim() || "_(no description)_",
    "",
    "---",
    `Filed from Slack: asked for by Slack user ${draft.author}, approved by ${options.approvedBy}.`,
    marker,
  ].join("\n");
}

/**
 * Finds the issue a draft was already filed as, by its marker.
 *
 * @param client The GitHub client.
 * @param draft The draft.
 * @param options Whose issues count (a look-alike by anyone else is not the draft's issue).
 * @returns The issue, or `undefined` when the draft was never filed.
 * @throws {GitHubApiError} when GitHub cannot be asked.
 */
export async function findFiledDraft(
  client: GitHubClient,
  draft: Draft,
  options: { trusted: TrustedAuthors },
): Promise<Issue | undefined> {
  const repo = parseRepo(draft.repo);
  const since = new Date(Date.parse(draft.created_at) - SINCE_MARGIN_MS).toISOString();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { issues, more } = await listIssues(client, repo, {
      labels: [],
      state: "all",
      since,
      sort: "created",
      direction: "desc",
      page,
    });
    const found = issues.find((issue) =>
      parseMarkers({ ...issue, body: issue.body ?? "" }, options.trusted).some((marker) =>
        marker.kind === "slack-draft" && marker.draft === draft.id
      )
    );
    if (found) return found;
    if (!more) return undefined;
  }
  return undefined;
}

/**
 * Files a draft, or finds the issue it was filed as.
 *
 * @param client The GitHub client.
 * @param draft The draft.
 * @param options Who approved it, and whose issues count as already filed.
 * @returns The issue.
 * @throws {GitHubApiError} when GitHub cannot be asked or refuses.
 */
export async function fileDraft(
  client: GitHubClient,
  draft: Draft,
  options: { approvedBy: string; trusted: TrustedAuthors },
): Promise<FiledIssue> {
  const existing = await findFiledDraft(client, draft, options);
  if (existing) return { number: existing.number, url: existing.html_url, created: false };
  const issue = await createIssue(client, parseRepo(draft.repo), {
    title: draft.title,
    body: draftIssueBody(draft, options),
    labels: [LABELS.implement],
  });
  return { number: issue.number, url: issue.html_url, created: true };
}
