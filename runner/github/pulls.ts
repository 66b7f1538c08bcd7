/**
 * The pull-request calls of an implementing firing: find the open pull
 * request of an issue's agent branch, and open one. Replies are parsed with
 * zod (only the fields Alfred reads).
 *
 * @module
 */
import { z } from "zod";
import type { GitHubClient } from "./client.ts";
import { callApi, type Repo, repoString } from "./rest.ts";

/** The fields of a pull request Alfred reads. */
export const PullRequest = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.string(),
  title: z.string(),
  draft: z.boolean().optional(),
  body: z.string().nullish().transform((body) => body ?? ""),
  /** The head branch and, when GitHub gives it (always, in practice), its commit. */
  head: z.object({ ref: z.string(), sha: z.string().optional() }),
  base: z.object({ ref: z.string() }),
});
/** A pull request. */
export type PullRequest = z.infer<typeof PullRequest>;

function call<T>(what: string, schema: z.ZodType<T>, run: () => Promise<unknown>): Promise<T> {
  return callApi(what, {
    schema,
    run,
    hint:
      "Check the token may read and write pull requests of this repository (fine-grained: Pull requests: Read and write).",
    hintOn: [401, 403, 404],
  });
}

/** All pages of one list of a pull request (its inline review comments, or its files). */
function listOfPull<T>(
  client: GitHubClient,
  repo: Repo,
  options: { pull: number; what: string; list: "comments" | "files"; schema: z.ZodType<T> },
): Promise<T[]> {
  return call(
    options.what,
    z.array(options.schema),
    () =>
      client.octokit.paginate(`GET /repos/{owner}/{repo}/pulls/{pull_number}/${options.list}`, {
        owner: repo.owner,
        repo: repo.name,
        pull_number: options.pull,
        per_page: 100,
      }),
  );
}

/**
 * Lists the open pull requests of a repository whose head branch starts with
 * `headPrefix` (all pages; one conditional request when there are fewer than 100).
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The branch prefix, e.g. `agent/lucius/12-`.
 * @returns The matching pull requests, oldest first.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function findOpenPulls(
  client: GitHubClient,
  repo: Repo,
  options: { headPrefix: string },
): Promise<PullRequest[]> {
  const pulls = await call(
    `list pull requests of ${repoString(repo)}`,
    z.array(PullRequest),
    () =>
      client.octokit.paginate("GET /repos/{owner}/{repo}/pulls", {
        owner: repo.owner,
        repo: repo.name,
        state: "open",
        sort: "created",
        direction: "asc",
        per_page: 100,
      }),
  );
  return pulls.filter((pull) => pull.head.ref.startsWith(options.headPrefix));
}

/** What a new pull request says. */
export interface NewPull {
  /** The title. */
  title: string;
  /** The head branch (in the same repository). */
  head: string;
  /** The base branch. */
  base: string;
  /** The Markdown body. */
  body: string;
  /** Open it as a draft. */
  draft?: boolean;
}

/**
 * Opens a pull request.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param pull Title, branches, body and draft flag.
 * @returns The pull request.
 * @throws {GitHubApiError} when the request fails (422 when one exists for the branch).
 */
export function createPull(client: GitHubClient, repo: Repo, pull: NewPull): Promise<PullRequest> {
  return call(
    `open a pull request ${pull.head} → ${pull.base} in ${repoString(repo)}`,
    PullRequest,
    async () =>
      (await client.octokit.request("POST /repos/{owner}/{repo}/pulls", {
        owner: repo.owner,
        repo: repo.name,
        title: pull.title,
        head: pull.head,
        base: pull.base,
        body: pull.body,
        draft: pull.draft ?? false,
      })).data,
  );
}

/** The fields of an inline pull request review comment Alfred reads. */
export const ReviewComment = z.object({
  id: z.number().int(),
  body: z.string(),
  path: z.string(),
  /** The line in the current diff; null (or absent) when the comment is outdated. */
  line: z.number().int().nullish(),
  commit_id: z.string(),
  in_reply_to_id: z.number().int().optional(),
  user: z.object({ login: z.string(), type: z.string().optional() }).nullable(),
  /** The comment's web address (names the pull request in warnings about foreign markers). */
  html_url: z.string(),
});
/** An inline review comment. */
export type ReviewComment = z.infer<typeof ReviewComment>;

/**
 * Lists a pull request's inline review comments, replies included (all pages).
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The pull request's number.
 * @returns The comments, oldest first.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export function listReviewComments(
  client: GitHubClient,
  repo: Repo,
  options: { pull: number },
): Promise<ReviewComment[]> {
  return listOfPull(client, repo, {
    ...options,
    what: `list review comments of ${repoString(repo)}#${options.pull}`,
    list: "comments",
    schema: ReviewComment,
  });
}

/**
 * Replies in the thread of an inline review comment.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The pull request, the comment replied to, and the reply's Markdown.
 * @returns The reply.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export function replyToReviewComment(
  client: GitHubClient,
  repo: Repo,
  options: { pull: number; comment: number; body: string },
): Promise<ReviewComment> {
  return call(
    `reply to review comment ${options.comment} of ${repoString(repo)}#${options.pull}`,
    ReviewComment,
    async () =>
      (await client.octokit.request(
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
        {
          owner: repo.owner,
          repo: repo.name,
          pull_number: options.pull,
          comment_id: options.comment,
          body: options.body,
        },
      )).data,
  );
}

/** The fields of a file of a pull request's diff Alfred reads. */
export const PullFile = z.object({
  filename: z.string(),
  /** `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`. */
  status: z.string(),
  /** The unified diff of the file; GitHub leaves it out for binary and very large files. */
  patch: z.string().optional(),
});
/** A file of a pull request's diff. */
export type PullFile = z.infer<typeof PullFile>;

/**
 * Lists the files a pull request changes, with their patches (all pages; GitHub
 * lists at most 3,000 files). A GET: answered from the conditional-request store when unchanged.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The pull request's number.
 * @returns The files.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export function listPullFiles(
  client: GitHubClient,
  repo: Repo,
  options: { pull: number },
): Promise<PullFile[]> {
  return listOfPull(client, repo, {
    ...options,
    what: `list the files of ${repoString(repo)}#${options.pull}`,
    list: "files",
    schema: PullFile,
  });
}
