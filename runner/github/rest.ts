/**
 * The GitHub REST calls the claim protocol uses, each reply parsed with zod
 * (only the fields Alfred reads). Failures become {@linkcode GitHubApiError}.
 *
 * @module
 */
import { z } from "zod";
import { GitHubApiError, GitHubBackoffError, UsageError } from "../errors.ts";
import type { GitHubClient } from "./client.ts";
import { describeGitHubFailure } from "./failures.ts";

/** A repository, `owner/name` in string form. */
export interface Repo {
  /** The owner (user or organisation). */
  readonly owner: string;
  /** The repository's name. */
  readonly name: string;
}

/** One issue of one repository. */
export interface IssueRef {
  /** The repository. */
  readonly repo: Repo;
  /** The issue number. */
  readonly number: number;
}

const REPO_PATTERN = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/**
 * Parses `owner/name`.
 *
 * @param text The repository in string form.
 * @returns The repository.
 * @throws {UsageError} when the text is not `owner/name`.
 */
export function parseRepo(text: string): Repo {
  const match = REPO_PATTERN.exec(text.trim());
  if (!match || match[2] === "." || match[2] === "..") {
    throw new UsageError(`expected a repository as owner/name (got "${text}")`);
  }
  return { owner: match[1], name: match[2] };
}

/**
 * Formats a repository as `owner/name`.
 *
 * @param repo The repository.
 * @returns `owner/name`.
 */
export function repoString(repo: Repo): string {
  return `${repo.owner}/${repo.name}`;
}

/** The fields of an issue Alfred reads. */
export const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  html_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string() })]))
    .transform((labels) => labels.map((label) => typeof label === "string" ? label : label.name)),
  pull_request: z.object({}).passthrough().nullish(),
  body: z.string().nullish().transform((body) => body ?? ""),
  /** Who opened it: a `filed` marker in the body counts only from a trusted author. */
  user: z.object({ login: z.string() }).nullable(),
});
/** An issue, with its label names. */
export type Issue = z.infer<typeof Issue>;

/** The fields of an issue comment Alfred reads. */
export const Comment = z.object({
  id: z.number().int(),
  body: z.string().nullish().transform((body) => body ?? ""),
  created_at: z.string(),
  /** The account that created it (an edit by someone else does not change it). */
  user: z.object({ login: z.string() }).nullable(),
  /** The comment's web address (names the issue in warnings about foreign markers). */
  html_url: z.string(),
  /** The author's relation to the repository (`OWNER`, `MEMBER`, `COLLABORATOR`, `NONE`, …). */
  author_association: z.string().optional(),
});
/** An issue comment. */
export type Comment = z.infer<typeof Comment>;

/** The fields of a label Alfred reads. */
export const Label = z.object({
  name: z.string(),
  color: z.string(),
  description: z.string().nullable(),
});
/** A repository label. */
export type Label = z.infer<typeof Label>;

const PER_PAGE = 100;

/**
 * Makes one GitHub call and checks its reply with a zod schema: every API
 * error and every unexpected body becomes a {@linkcode GitHubApiError} that
 * says what failed, with the hint that fits its cause (rate limit, GitHub
 * fault, timeout, network, token, permission). A
 * {@linkcode GitHubBackoffError} (GitHub asked for a longer wait than a firing
 * affords) passes through unchanged.
 *
 * @param what The call, for the message (e.g. `listing issues of acme/web`).
 * @param request The schema of the reply, the call itself, the hint for
 *   permission errors and the statuses that get it (default 403).
 * @returns The parsed reply.
 * @throws {GitHubApiError} when the call fails after retries or the reply does not fit.
 * @throws {GitHubBackoffError} when GitHub's rate limit stopped the call.
 */
export async function callApi<T>(
  what: string,
  request: {
    schema: z.ZodType<T>;
    run: () => Promise<unknown>;
    hint?: string;
    hintOn?: readonly number[];
  },
): Promise<T> {
  const { schema, run } = request;
  let data: unknown;
  try {
    data = await run();
  } catch (error) {
    if (error instanceof GitHubBackoffError) throw error;
    const failure = describeGitHubFailure(error, {
      scopeHint: request.hint,
      scopeOn: request.hintOn?.filter((status) => status !== 401),
    });
    throw new GitHubApiError(`GitHub ${what} failed: ${failure.detail}`, {
      status: failure.status,
      hint: failure.hint,
      cause: error,
    });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GitHubApiError(
      `GitHub ${what} replied with an unexpected body: ${issue.path.join(".")}: ${issue.message}`,
      {
        status: 0,
        hint: "A proxy or an old GitHub Enterprise Server may answer differently: check " +
          "ALFRED_GITHUB_API_URL, and report it with --debug if it points to GitHub itself.",
      },
    );
  }
  return parsed.data;
}

function call<T>(what: string, schema: z.ZodType<T>, run: () => Promise<unknown>): Promise<T> {
  return callApi(what, { schema, run });
}

/** Options of {@linkcode listIssues}. */
export interface ListIssuesOptions {
  /** Every one of these labels must be present (GitHub's `labels` filter is an AND); none: any. */
  labels: string[];
  /** Only issues updated at or after this time (ISO 8601). */
  since?: string;
  /** Default `open`. */
  state?: "open" | "closed" | "all";
  /** Default `created`. */
  sort?: "created" | "updated";
  /** Default `asc` (oldest first). */
  direction?: "asc" | "desc";
  /** The page, from 1. */
  page?: number;
}

/**
 * Lists one page (100) of issues carrying all of `labels`; pull requests are left out.
 * A GET: answered from the conditional-request store when unchanged.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options Label filter, state, order and page.
 * @returns The issues and whether another page follows.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export async function listIssues(
  client: GitHubClient,
  repo: Repo,
  options: ListIssuesOptions,
): Promise<{ issues: Issue[]; more: boolean }> {
  const { labels, state = "open", sort = "created", direction = "asc", page = 1 } = options;
  let link = "";
  const issues = await call(`list issues of ${repoString(repo)}`, z.array(Issue), async () => {
    const reply = await client.octokit.request("GET /repos/{owner}/{repo}/issues", {
      owner: repo.owner,
      repo: repo.name,
      ...(labels.length ? { labels: labels.join(",") } : {}),
      ...(options.since ? { since: options.since } : {}),
      state,
      sort,
      direction,
      per_page: PER_PAGE,
      page,
    });
    link = reply.headers.link ?? "";
    return reply.data;
  });
  return { issues: issues.filter((issue) => !issue.pull_request), more: /rel="next"/.test(link) };
}

/**
 * Reads one issue.
 *
 * @param client The GitHub client.
 * @param issue The issue.
 * @returns The issue.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export function getIssue(client: GitHubClient, issue: IssueRef): Promise<Issue> {
  return call(
    `get issue ${repoString(issue.repo)}#${issue.number}`,
    Issue,
    async () =>
      (await client.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
        owner: issue.repo.owner,
        repo: issue.repo.name,
        issue_number: issue.number,
      })).data,
  );
}

/** What {@linkcode createIssue} files. */
export interface NewIssue {
  /** The title. */
  title: string;
  /** The body (Markdown). */
  body: string;
  /** Labels to put on it (GitHub creates missing ones). */
  labels: string[];
}

/**
 * Files a new issue.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param issue Title, body and labels.
 * @returns The issue.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export function createIssue(client: GitHubClient, repo: Repo, issue: NewIssue): Promise<Issue> {
  return call(
    `create an issue in ${repoString(repo)}`,
    Issue,
    async () =>
      (await client.octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner: repo.owner,
        repo: repo.name,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
      })).data,
  );
}

/**
 * Adds labels to an issue (labels already there are kept).
 *
 * @param client The GitHub client.
 * @param issue The issue.
 * @param labels The names to add.
 * @returns The issue's label names afterwards.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export async function addLabels(
  client: GitHubClient,
  issue: IssueRef,
  labels: string[],
): Promise<string[]> {
  const result = await call(
    `add labels ${labels.join(",")} to ${repoString(issue.repo)}#${issue.number}`,
    z.array(Label),
    async () =>
      (await client.octokit.request(
        "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
        { owner: issue.repo.owner, repo: issue.repo.name, issue_number: issue.number, labels },
      )).data,
  );
  return result.map((label) => label.name);
}

/**
 * Removes one label from an issue; a label that is not there is not an error.
 *
 * @param client The GitHub client.
 * @param issue The issue.
 * @param label The name to remove.
 * @returns The issue's label names afterwards, or `undefined` when the label was not there.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export async function removeLabel(
  client: GitHubClient,
  issue: IssueRef,
  label: string,
): Promise<string[] | undefined> {
  try {
    const labels = await call(
      `remove label ${label} from ${repoString(issue.repo)}#${issue.number}`,
      z.array(Label),
      async () =>
        (await client.octokit.request(
          "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
          {
            owner: issue.repo.owner,
            repo: issue.repo.name,
            issue_number: issue.number,
            name: label,
          },
        )).data,
    );
    return labels.map((found) => found.name);
  } catch (error) {
    // 404: the label is not on the issue (a racing firing removed it first).
    if (error instanceof GitHubApiError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * Lists every comment of an issue, oldest first (all pages).
 *
 * @param client The GitHub client.
 * @param issue The issue.
 * @returns The comments.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export function listComments(client: GitHubClient, issue: IssueRef): Promise<Comment[]> {
  return call(
    `list comments of ${repoString(issue.repo)}#${issue.number}`,
    z.array(Comment),
    () =>
      client.octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: issue.repo.owner,
        repo: issue.repo.name,
        issue_number: issue.number,
        per_page: PER_PAGE,
      }),
  );
}

/**
 * Posts a comment on an issue.
 *
 * @param client The GitHub client.
 * @param issue The issue.
 * @param body The comment's Markdown.
 * @returns The comment.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export function createComment(
  client: GitHubClient,
  issue: IssueRef,
  body: string,
): Promise<Comment> {
  return call(
    `comment on ${repoString(issue.repo)}#${issue.number}`,
    Comment,
    async () =>
      (await client.octokit.request(
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
        { owner: issue.repo.owner, repo: issue.repo.name, issue_number: issue.number, body },
      )).data,
  );
}

/**
 * Lists every label of a repository (all pages).
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @returns The labels.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export function listRepoLabels(client: GitHubClient, repo: Repo): Promise<Label[]> {
  return call(
    `list labels of ${repoString(repo)}`,
    z.array(Label),
    () =>
      client.octokit.paginate("GET /repos/{owner}/{repo}/labels", {
        owner: repo.owner,
        repo: repo.name,
        per_page: PER_PAGE,
      }),
  );
}

/**
 * Creates a label in a repository.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param label Name, colour and description.
 * @returns The label.
 * @throws {GitHubApiError} when the request fails (422 when it already exists).
 */
export function createLabel(
  client: GitHubClient,
  repo: Repo,
  label: { name: string; color: string; description: string },
): Promise<Label> {
  return call(
    `create label ${label.name} in ${repoString(repo)}`,
    Label,
    async () =>
      (await client.octokit.request("POST /repos/{owner}/{repo}/labels", {
        owner: repo.owner,
        repo: repo.name,
        ...label,
      })).data,
  );
}

/**
 * Sets the colour and description of an existing label.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param label Name, colour and description.
 * @returns The label.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export function updateLabel(
  client: GitHubClient,
  repo: Repo,
  label: { name: string; color: string; description: string },
): Promise<Label> {
  return call(
    `update label ${label.name} in ${repoString(repo)}`,
    Label,
    async () =>
      (await client.octokit.request("PATCH /repos/{owner}/{repo}/labels/{name}", {
        owner: repo.owner,
        repo: repo.name,
        ...label,
      })).data,
  );
}
