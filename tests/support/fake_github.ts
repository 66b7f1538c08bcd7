/**
 * A loopback fake of exactly the GitHub REST endpoints Alfred's claim protocol
 * uses, with ETags (304 on If-None-Match), rate-limit headers, fault injection
 * and request counting. tests/github_fake_contract_test.ts checks its response
 * bodies against GitHub's published OpenAPI description.
 *
 * @module
 */
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from "../../runner/github/client.ts";
import { type FakeClock, fakeClock } from "./fake_clock.ts";

/** One label of the fake repository. */
export interface FakeLabel {
  /** Label id. */
  id: number;
  /** The name. */
  name: string;
  /** Six hex digits. */
  color: string;
  /** The description, or null. */
  description: string | null;
}

/** One comment of a fake issue. */
export interface FakeComment {
  /** Comment id, increasing across the fake. */
  id: number;
  /** Markdown body. */
  body: string;
  /** Who wrote it. */
  login: string;
  /** The author's relation to the repository (`OWNER`, `COLLABORATOR`, `NONE`, …). */
  association: string;
  /** ISO time. */
  createdAt: string;
}

/** One fake issue. */
export interface FakeIssue {
  /** Issue number. */
  number: number;
  /** Title. */
  title: string;
  /** `open` or `closed`. */
  state: "open" | "closed";
  /** Label names, in the order added. */
  labels: string[];
  /** ISO time. */
  createdAt: string;
  /** ISO time, bumped on every change. */
  updatedAt: string;
  /** Comments, oldest first. */
  comments: FakeComment[];
  /** The body (Markdown), or null. */
  body: string | null;
  /** Who opened it. */
  login: string;
}

/** One file of a fake pull request's diff (`GET …/pulls/{n}/files`). */
export interface FakePullFile {
  /** The path. */
  filename: string;
  /** `added`, `removed`, `modified`, … */
  status: "added" | "removed" | "modified" | "renamed";
  /** The unified diff from the first `@@`; absent as GitHub does for large files. */
  patch?: string;
}

/** One fake pull request. */
export interface FakePull {
  /** Its number (shared with issues, as on GitHub). */
  number: number;
  /** Title. */
  title: string;
  /** Body, or null. */
  body: string | null;
  /** Head branch name (same repository). */
  head: string;
  /** Base branch name. */
  base: string;
  /** Whether it is a draft. */
  draft: boolean;
  /** `open` or `closed`. */
  state: "open" | "closed";
  /** ISO time. */
  createdAt: string;
  /** The head commit (40 hex digits); default forty zeros. Tests set it to a real commit. */
  headSha?: string;
  /** The files of its diff; none unless a test sets them. */
  files?: FakePullFile[];
}

/** One inline review comment of a fake pull request (a bot reviewer's finding, or a reply). */
export interface FakeReviewComment {
  /** Comment id, increasing across the fake. */
  id: number;
  /** Markdown body. */
  body: string;
  /** Who wrote it; a login ending in `[bot]` is a bot (`user.type: "Bot"`). */
  login: string;
  /** The file commented on. */
  path: string;
  /** The line in the current diff, or null when the comment is outdated. */
  line: number | null;
  /** The commit commented on. */
  commitId: string;
  /** The comment this one replies to. */
  inReplyTo?: number;
  /** ISO time. */
  createdAt: string;
}

/** A fault to inject on one request. */
export type Fault =
  /** Reply 502 without doing anything. */
  | { kind: "502" }
  /** Do the write, then reply 502 (the client cannot know it happened). */
  | { kind: "502-after" }
  /** Reply 403 "secondary rate limit", with `retry-after` seconds when given (GitHub may omit it). */
  | { kind: "secondary"; retryAfter?: number }
  /** Reply 403 "API rate limit exceeded": `x-ratelimit-remaining: 0`, reset this many seconds on. */
  | { kind: "primary"; resetInS: number }
  /**
   * Never answer in time: the write is done first when `applied`. How the
   * client learns of it follows {@linkcode FakeGitHubOptions.timeouts}.
   */
  | { kind: "timeout"; applied: boolean }
  /** Do the request, then wait this long before replying (for client timeouts). */
  | { kind: "slow"; ms: number }
  /** Hold the request without doing it until the fake closes (the client may die meanwhile). */
  | { kind: "hang" };

/** What a fault decision sees of a request. */
export interface FaultContext {
  /** HTTP method. */
  method: string;
  /** The route template, e.g. `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  route: string;
  /** How many requests the fake had before this one. */
  index: number;
  /** The `x-fake-client` header, when the client names itself (per-client fault streams). */
  client?: string;
}

/** One recorded request and reply, for counting and for the contract test. */
export interface Exchange {
  /** The route template. */
  route: string;
  /** The status replied. */
  status: number;
  /** The JSON body replied (undefined for 304). */
  body: unknown;
  /** Whether it used rate limit (304 replies do not). */
  charged: boolean;
}

/** Options of {@linkcode startFakeGitHub}. */
export interface FakeGitHubOptions {
  /** The token clients must send. Default `test-token`. */
  token?: string;
  /** The login comments are written by. Default `alfred-bot`. */
  login?: string;
  /** The token is a GitHub App's: `GET /user` answers 403 (comments are still by `login`). */
  appToken?: boolean;
  /** Decides a fault per request. Default: none. */
  fault?: (context: FaultContext) => Fault | undefined;
  /** The fake's clock, for created/updated times and rate-limit resets. Default: real time. */
  now?: () => Date;
  /**
   * How a `timeout` fault reaches the client: `hang` holds the reply until the
   * client gives up (a real timeout, for real processes); `signal` answers at
   * once with the header `x-fake-timeout`, which {@linkcode injectedTimeouts}
   * turns into a timeout on the client side, so no test waits on a timer.
   * Default `hang`.
   */
  timeouts?: "hang" | "signal";
}

/** The running fake. */
export interface FakeGitHub extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every exchange, in order. */
  readonly exchanges: Exchange[];
  /** Routes requested that the fake does not serve. */
  readonly unexpected: string[];
  /** Rate limit remaining (starts at 5000). */
  readonly rateRemaining: () => number;
  /** Faults injected so far, by kind (`502`, `502-after`, `secondary`, `primary`, `timeout`, …). */
  readonly faults: Record<string, number>;
  /** Replaces the fault decision. */
  setFault(fault: FakeGitHubOptions["fault"]): void;
  /** Creates an issue (opened by `login`, default `operator`); returns its number. */
  addIssue(
    repo: string,
    issue: { title: string; labels?: string[]; createdAt?: string; body?: string; login?: string },
  ): number;
  /** Reads an issue, or the issue side (comments) of a pull request (live object). */
  issue(repo: string, number: number): FakeIssue;
  /**
   * Adds a comment as if a human or another tool wrote it (`login` default
   * `operator`; `association` default `OWNER`, `NONE` for a passer-by).
   */
  addComment(
    repo: string,
    number: number,
    body: string,
    login?: string,
    association?: string,
  ): void;
  /** The labels of a repository (live map). */
  labels(repo: string): Map<string, FakeLabel>;
  /** The pull requests of a repository, oldest first (live objects). */
  pulls(repo: string): FakePull[];
  /** Opens a pull request as if a person or another agent did; returns its number. */
  addPull(
    repo: string,
    pull: {
      title: string;
      head: string;
      base?: string;
      body?: string;
      draft?: boolean;
      headSha?: string;
      files?: FakePullFile[];
    },
  ): number;
  /** The issues of a repository, in number order (live objects). */
  issues(repo: string): FakeIssue[];
  /** Adds an inline review comment to a pull request (as a bot reviewer would); returns its id. */
  addReviewComment(
    repo: string,
    pull: number,
    comment: { body: string; login: string; path: string; line: number | null; commitId?: string },
  ): number;
  /** The inline review comments of a pull request, replies included, oldest first (live). */
  reviewComments(repo: string, pull: number): FakeReviewComment[];
  /** Stops the server. */
  close(): Promise<void>;
}

interface RepoData {
  issues: Map<number, FakeIssue>;
  labels: Map<string, FakeLabel>;
  pulls: Map<number, FakePull>;
  /**
   * The issue side of pull requests (comments, labels), made on first use: on
   * GitHub a pull request is also an issue, but the fake's issue listing
   * leaves pull requests out, as Alfred's listIssues does.
   */
  pullIssues: Map<number, FakeIssue>;
  /** Inline review comments, by pull request number. */
  reviewComments: Map<number, FakeReviewComment[]>;
  nextNumber: number;
}

const RATE_LIMIT = 5000;

/** GitHub's 422 "Validation Failed" with one error, documented at `docs` under /rest/. */
function validationFailed(
  error: Record<string, string>,
  docs: string,
): { status: number; body: unknown } {
  return {
    status: 422,
    body: {
      message: "Validation Failed",
      errors: [error],
      documentation_url: `https://docs.github.com/rest/${docs}`,
    },
  };
}

/**
 * Starts the fake on 127.0.0.1, port 0.
 *
 * @param options Token, login, faults and clock.
 * @returns The running fake (dispose it with `await using`).
 */
export function startFakeGitHub(options: FakeGitHubOptions = {}): FakeGitHub {
  const token = options.token ?? "test-token";
  const login = options.login ?? "alfred-bot";
  const now = options.now ?? (() => new Date());
  let fault = options.fault;
  const repos = new Map<string, RepoData>();
  const exchanges: Exchange[] = [];
  const unexpected: string[] = [];
  let used = 0;
  let nextId = 1000;
  let requestIndex = 0;
  let base = "";
  const faults: Record<string, number> = {};
  const closing = new AbortController();

  const repoData = (key: string): RepoData => {
    let data = repos.get(key);
    if (!data) {
      data = {
        issues: new Map(),
        labels: new Map(),
        pulls: new Map(),
        pullIssues: new Map(),
        reviewComments: new Map(),
        nextNumber: 1,
      };
      repos.set(key, data);
    }
    return data;
  };
  const ensureLabel = (data: RepoData, name: string): FakeLabel => {
    let label = data.labels.get(name);
    if (!label) {
      label = { id: nextId++, name, color: "ededed", description: null };
      data.labels.set(name, label);
    }
    return label;
  };

  const userJson = (name: string) => {
    const u = `${base}/users/${name}`;
    return {
      login: name,
      id: 42,
      node_id: "MDQ6VXNlcjQy",
      avatar_url: "https://avatars.githubusercontent.com/u/42?v=4",
      gravatar_id: "",
      url: u,
      html_url: `https://github.com/${name}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type: name.endsWith("[bot]") ? "Bot" : "User",
      site_admin: false,
    };
  };
  const labelJson = (repo: string, label: FakeLabel) => ({
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${base}/repos/${repo}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  });
  const issueLabelsJson = (repo: string, data: RepoData, issue: FakeIssue) =>
    issue.labels.map((name) => labelJson(repo, ensureLabel(data, name)));
  const issueJson = (repo: string, data: RepoData, issue: FakeIssue) => {
    const u = `${base}/repos/${repo}/issues/${issue.number}`;
    return {
      id: 500000 + issue.number,
      node_id: `I_${issue.number}`,
      url: u,
      repository_url: `${base}/repos/${repo}`,
      labels_url: `${u}/labels{/name}`,
      comments_url: `${u}/comments`,
      events_url: `${u}/events`,
      html_url: `https://github.com/${repo}/issues/${issue.number}`,
      number: issue.number,
      state: issue.state,
      title: issue.title,
      body: issue.body,
      user: userJson(issue.login),
      labels: issueLabelsJson(repo, data, issue),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: issue.comments.length,
      closed_at: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: "OWNER",
    };
  };
  const commentJson = (repo: string, issue: FakeIssue, comment: FakeComment) => ({
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${base}/repos/${repo}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${repo}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${base}/repos/${repo}/issues/${issue.number}`,
    body: comment.body,
    user: userJson(comment.login),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: comment.association,
  });

  const repoJson = (repo: string) => {
    const [owner, name] = repo.split("/");
    const u = `${base}/repos/${repo}`;
    const t = "2020-01-01T00:00:00Z";
    return {
      id: 7000,
      node_id: "R_7000",
      name,
      full_name: repo,
      owner: userJson(owner),
      private: false,
      html_url: `https://github.com/${repo}`,
      description: null,
      fork: false,
      url: u,
      archive_url: `${u}/{archive_format}{/ref}`,
      assignees_url: `${u}/assignees{/user}`,
      blobs_url: `${u}/git/blobs{/sha}`,
      branches_url: `${u}/branches{/branch}`,
      collaborators_url: `${u}/collaborators{/collaborator}`,
      comments_url: `${u}/comments{/number}`,
      commits_url: `${u}/commits{/sha}`,
      compare_url: `${u}/compare/{base}...{head}`,
      contents_url: `${u}/contents/{+path}`,
      contributors_url: `${u}/contributors`,
      deployments_url: `${u}/deployments`,
      downloads_url: `${u}/downloads`,
      events_url: `${u}/events`,
      forks_url: `${u}/forks`,
      git_commits_url: `${u}/git/commits{/sha}`,
      git_refs_url: `${u}/git/refs{/sha}`,
      git_tags_url: `${u}/git/tags{/sha}`,
      git_url: `git://github.com/${repo}.git`,
      hooks_url: `${u}/hooks`,
      issue_comment_url: `${u}/issues/comments{/number}`,
      issue_events_url: `${u}/issues/events{/number}`,
      issues_url: `${u}/issues{/number}`,
      keys_url: `${u}/keys{/key_id}`,
      labels_url: `${u}/labels{/name}`,
      languages_url: `${u}/languages`,
      merges_url: `${u}/merges`,
      milestones_url: `${u}/milestones{/number}`,
      notifications_url: `${u}/notifications{?since,all,participating}`,
      pulls_url: `${u}/pulls{/number}`,
      releases_url: `${u}/releases{/id}`,
      ssh_url: `git@github.com:${repo}.git`,
      stargazers_url: `${u}/stargazers`,
      statuses_url: `${u}/statuses/{sha}`,
      subscribers_url: `${u}/subscribers`,
      subscription_url: `${u}/subscription`,
      tags_url: `${u}/tags`,
      teams_url: `${u}/teams`,
      trees_url: `${u}/git/trees{/sha}`,
      clone_url: `https://github.com/${repo}.git`,
      mirror_url: null,
      svn_url: `https://github.com/${repo}`,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 1,
      default_branch: "main",
      open_issues: 0,
      open_issues_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: t,
      created_at: t,
      updated_at: t,
    };
  };
  const pullJson = (repo: string, data: RepoData, pull: FakePull, full: boolean) => {
    const u = `${base}/repos/${repo}/pulls/${pull.number}`;
    const html = `https://github.com/${repo}/pull/${pull.number}`;
    const issueUrl = `${base}/repos/${repo}/issues/${pull.number}`;
    const side = (ref: string) => ({
      label: `${repo.split("/")[0]}:${ref}`,
      ref,
      sha: ref === pull.head ? pull.headSha ?? "0".repeat(40) : "0".repeat(40),
      user: userJson(repo.split("/")[0]),
      repo: repoJson(repo),
    });
    const simple = {
      url: u,
      id: 900000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issueUrl,
      commits_url: `${u}/commits`,
      review_comments_url: `${u}/comments`,
      review_comment_url: `${base}/repos/${repo}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      statuses_url: `${base}/repos/${repo}/statuses/${"0".repeat(40)}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: userJson(login),
      body: pull.body,
      labels: [] as unknown[],
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.createdAt,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(pull.head),
      base: side(pull.base),
      _links: {
        self: { href: u },
        html: { href: html },
        issue: { href: issueUrl },
        comments: { href: `${issueUrl}/comments` },
        review_comments: { href: `${u}/comments` },
        review_comment: { href: `${base}/repos/${repo}/pulls/comments{/number}` },
        commits: { href: `${u}/commits` },
        statuses: { href: `${base}/repos/${repo}/statuses/${"0".repeat(40)}` },
      },
      author_association: "OWNER",
      auto_merge: null,
      draft: pull.draft,
    };
    void data;
    if (!full) return simple;
    return {
      ...simple,
      merged: false,
      mergeable: null,
      rebaseable: null,
      mergeable_state: "unknown",
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 1,
      deletions: 0,
      changed_files: 1,
    };
  };

  /** The issue side of a pull request (for its comments), or undefined when there is no such pull. */
  const pullIssueOf = (data: RepoData, number: number): FakeIssue | undefined => {
    const pull = data.pulls.get(number);
    if (!pull) return undefined;
    let issue = data.pullIssues.get(number);
    if (!issue) {
      issue = {
        number,
        title: pull.title,
        state: pull.state,
        labels: [],
        createdAt: pull.createdAt,
        updatedAt: pull.createdAt,
        comments: [],
        body: pull.body,
        login,
      };
      data.pullIssues.set(number, issue);
    }
    return issue;
  };

  const touch = (issue: FakeIssue) => {
    issue.updatedAt = now().toISOString().replace(/\.\d{3}Z$/, "Z");
  };

  const page = <T>(url: URL, items: T[]) => {
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30) || 30);
    const pageNo = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const headers: Record<string, string> = {};
    if (pageNo * perPage < items.length) {
      const next = new URL(url);
      next.searchParams.set("page", String(pageNo + 1));
      headers.link = `<${base}${next.pathname}${next.search}>; rel="next"`;
    }
    return { slice, headers };
  };

  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
  type Handler = (match: string[], url: URL, body: unknown) => Reply;
  const notFound = (): Reply => ({
    status: 404,
    body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
  });
  const withIssue = (
    match: string[],
    run: (repo: string, data: RepoData, issue: FakeIssue) => Reply,
  ) => {
    const repo = `${match[0]}/${match[1]}`;
    const data = repoData(repo);
    const issue = data.issues.get(Number(match[2])) ?? pullIssueOf(data, Number(match[2]));
    return issue ? run(repo, data, issue) : notFound();
  };

  const routes: { method: string; template: string; pattern: RegExp; handle: Handler }[] = [];
  const route = (method: string, template: string, handle: Handler) => {
    const pattern = new RegExp(
      "^" + template.replace(/\{[a-z_]+\}/g, "([^/]+)") + "$",
    );
    routes.push({ method, template, pattern, handle });
  };

  route("GET", "/repos/{owner}/{repo}/issues", (m, url) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const state = url.searchParams.get("state") ?? "open";
    const wanted = (url.searchParams.get("labels") ?? "").split(",").filter(Boolean);
    const sort = url.searchParams.get("sort") ?? "created";
    const direction = url.searchParams.get("direction") ?? "desc";
    const since = url.searchParams.get("since");
    const list = [...data.issues.values()]
      .filter((issue) => state === "all" || issue.state === state)
      .filter((issue) => !since || Date.parse(issue.updatedAt) >= Date.parse(since))
      .filter((issue) => wanted.every((label) => issue.labels.includes(label)))
      .sort((a, b) => {
        const key = sort === "updated" ? "updatedAt" : "createdAt";
        const order = a[key].localeCompare(b[key]) || a.number - b.number;
        return direction === "asc" ? order : -order;
      });
    const { slice, headers } = page(url, list);
    return { status: 200, body: slice.map((issue) => issueJson(repo, data, issue)), headers };
  });
  route("POST", "/repos/{owner}/{repo}/issues", (m, _url, body) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const spec = body as { title?: unknown; body?: unknown; labels?: unknown };
    const labels = Array.isArray(spec?.labels) ? spec.labels : [];
    if (
      typeof spec?.title !== "string" || !spec.title.trim() ||
      labels.some((l) => typeof l !== "string")
    ) {
      return validationFailed(
        { resource: "Issue", code: "missing_field", field: "title" },
        "issues/issues#create-an-issue",
      );
    }
    const createdAt = now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const issue: FakeIssue = {
      number: data.nextNumber++,
      title: spec.title,
      state: "open",
      labels: [...new Set(labels as string[])],
      createdAt,
      updatedAt: createdAt,
      comments: [],
      body: typeof spec.body === "string" ? spec.body : null,
      login,
    };
    for (const name of issue.labels) ensureLabel(data, name);
    data.issues.set(issue.number, issue);
    return { status: 201, body: issueJson(repo, data, issue) };
  });
  route(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    (m) =>
      withIssue(m, (repo, data, issue) => ({ status: 200, body: issueJson(repo, data, issue) })),
  );
  route(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    (m, _url, body) =>
      withIssue(m, (repo, data, issue) => {
        const names = (body as { labels?: unknown })?.labels;
        if (!Array.isArray(names) || names.some((name) => typeof name !== "string")) {
          return { status: 422, body: { message: "Invalid request.", documentation_url: "x" } };
        }
        for (const name of names as string[]) {
          ensureLabel(data, name);
          if (!issue.labels.includes(name)) issue.labels.push(name);
        }
        touch(issue);
        return { status: 200, body: issueLabelsJson(repo, data, issue) };
      }),
  );
  route(
    "DELETE",
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    (m) =>
      withIssue(m, (repo, data, issue) => {
        const name = decodeURIComponent(m[3]);
        if (!issue.labels.includes(name)) {
          return {
            status: 404,
            body: {
              message: "Label does not exist",
              documentation_url: "https://docs.github.com/rest",
            },
          };
        }
        issue.labels = issue.labels.filter((label) => label !== name);
        touch(issue);
        return { status: 200, body: issueLabelsJson(repo, data, issue) };
      }),
  );
  route(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    (m, url) =>
      withIssue(m, (repo, _data, issue) => {
        const { slice, headers } = page(url, issue.comments);
        return { status: 200, body: slice.map((c) => commentJson(repo, issue, c)), headers };
      }),
  );
  route(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    (m, _url, body) =>
      withIssue(m, (repo, _data, issue) => {
        const text = (body as { body?: unknown })?.body;
        if (typeof text !== "string") {
          return { status: 422, body: { message: "Invalid request.", documentation_url: "x" } };
        }
        const comment = {
          id: nextId++,
          body: text,
          login,
          association: "OWNER",
          createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
        };
        issue.comments.push(comment);
        touch(issue);
        return { status: 201, body: commentJson(repo, issue, comment) };
      }),
  );
  route("GET", "/user", () =>
    options.appToken
      ? {
        status: 403,
        body: {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        },
      }
      : {
        status: 200,
        body: {
          ...userJson(login),
          name: null,
          company: null,
          blog: "",
          location: null,
          email: null,
          hireable: null,
          bio: null,
          public_repos: 0,
          public_gists: 0,
          followers: 0,
          following: 0,
          created_at: "2020-01-01T00:00:00Z",
          updated_at: "2020-01-01T00:00:00Z",
          private_gists: 0,
          total_private_repos: 0,
          owned_private_repos: 0,
          disk_usage: 0,
          collaborators: 0,
          two_factor_authentication: true,
        },
      });
  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", (m, url) => {
    const repo = `${m[0]}/${m[1]}`;
    const pull = repoData(repo).pulls.get(Number(m[2]));
    if (!pull) return notFound();
    const head = pull.headSha ?? "0".repeat(40);
    const { slice, headers } = page(url, pull.files ?? []);
    const body = slice.map((file) => {
      const lines = (file.patch ?? "").split("\n");
      const additions = lines.filter((line) => line.startsWith("+")).length;
      const deletions = lines.filter((line) => line.startsWith("-")).length;
      return {
        sha: "1".repeat(40),
        filename: file.filename,
        status: file.status,
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `https://github.com/${repo}/blob/${head}/${file.filename}`,
        raw_url: `https://github.com/${repo}/raw/${head}/${file.filename}`,
        contents_url: `${base}/repos/${repo}/contents/${file.filename}?ref=${head}`,
        ...(file.patch === undefined ? {} : { patch: file.patch }),
      };
    });
    return { status: 200, body, headers };
  });
  route("GET", "/repos/{owner}/{repo}/pulls", (m, url) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const state = url.searchParams.get("state") ?? "open";
    const head = url.searchParams.get("head");
    const direction = url.searchParams.get("direction") ?? "desc";
    const list = [...data.pulls.values()]
      .filter((pull) => state === "all" || pull.state === state)
      .filter((pull) => !head || `${m[0]}:${pull.head}` === head)
      .sort((a, b) => direction === "asc" ? a.number - b.number : b.number - a.number);
    const { slice, headers } = page(url, list);
    return { status: 200, body: slice.map((pull) => pullJson(repo, data, pull, false)), headers };
  });
  route("POST", "/repos/{owner}/{repo}/pulls", (m, _url, body) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const spec = body as {
      title?: unknown;
      head?: unknown;
      base?: unknown;
      body?: unknown;
      draft?: unknown;
    };
    if (
      typeof spec?.title !== "string" || typeof spec.head !== "string" ||
      typeof spec.base !== "string"
    ) {
      return { status: 422, body: { message: "Validation Failed", documentation_url: "x" } };
    }
    const head = spec.head.includes(":") ? spec.head.split(":")[1] : spec.head;
    const duplicate = [...data.pulls.values()].find((pull) =>
      pull.state === "open" && pull.head === head && pull.base === spec.base
    );
    if (duplicate) {
      return validationFailed({
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${m[0]}:${head}.`,
      }, "pulls/pulls#create-a-pull-request");
    }
    const pull: FakePull = {
      number: data.nextNumber++,
      title: spec.title,
      body: typeof spec.body === "string" ? spec.body : null,
      head,
      base: spec.base,
      draft: spec.draft === true,
      state: "open",
      createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    data.pulls.set(pull.number, pull);
    return { status: 201, body: pullJson(repo, data, pull, true) };
  });
  const reviewCommentJson = (repo: string, pull: number, c: FakeReviewComment) => {
    const u = `${base}/repos/${repo}/pulls/comments/${c.id}`;
    const html = `https://github.com/${repo}/pull/${pull}#discussion_r${c.id}`;
    const pullUrl = `${base}/repos/${repo}/pulls/${pull}`;
    return {
      url: u,
      pull_request_review_id: 800000 + c.id,
      id: c.id,
      node_id: `PRRC_${c.id}`,
      diff_hunk: "@@ -1,3 +1,3 @@",
      path: c.path,
      // Outdated (line null): GitHub's description has position and line as optional
      // integers, so the fake leaves both out.
      ...(c.line === null ? {} : { position: c.line, line: c.line }),
      original_position: 1,
      commit_id: c.commitId,
      original_commit_id: c.commitId,
      ...(c.inReplyTo ? { in_reply_to_id: c.inReplyTo } : {}),
      user: userJson(c.login),
      body: c.body,
      created_at: c.createdAt,
      updated_at: c.createdAt,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: "NONE",
      _links: { self: { href: u }, html: { href: html }, pull_request: { href: pullUrl } },
      original_line: 1,
      side: "RIGHT",
      subject_type: "line",
    };
  };
  route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", (m, url) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const number = Number(m[2]);
    if (!data.pulls.has(number)) return notFound();
    const { slice, headers } = page(url, data.reviewComments.get(number) ?? []);
    return { status: 200, body: slice.map((c) => reviewCommentJson(repo, number, c)), headers };
  });
  route(
    "POST",
    "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
    (m, _url, body) => {
      const repo = `${m[0]}/${m[1]}`;
      const data = repoData(repo);
      const number = Number(m[2]);
      const list = data.reviewComments.get(number) ?? [];
      const parent = list.find((c) => c.id === Number(m[3]));
      if (!parent) return notFound();
      const text = (body as { body?: unknown })?.body;
      if (typeof text !== "string") {
        return { status: 422, body: { message: "Invalid request.", documentation_url: "x" } };
      }
      const reply: FakeReviewComment = {
        id: nextId++,
        body: text,
        login,
        path: parent.path,
        line: parent.line,
        commitId: parent.commitId,
        inReplyTo: parent.inReplyTo ?? parent.id,
        createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
      };
      list.push(reply);
      return { status: 201, body: reviewCommentJson(repo, number, reply) };
    },
  );
  route("GET", "/repos/{owner}/{repo}/labels", (m, url) => {
    const repo = `${m[0]}/${m[1]}`;
    const { slice, headers } = page(url, [...repoData(repo).labels.values()]);
    return { status: 200, body: slice.map((label) => labelJson(repo, label)), headers };
  });
  route("GET", "/repos/{owner}/{repo}/labels/{name}", (m) => {
    const repo = `${m[0]}/${m[1]}`;
    const label = repoData(repo).labels.get(decodeURIComponent(m[2]));
    return label ? { status: 200, body: labelJson(repo, label) } : notFound();
  });
  route("POST", "/repos/{owner}/{repo}/labels", (m, _url, body) => {
    const repo = `${m[0]}/${m[1]}`;
    const data = repoData(repo);
    const spec = body as { name?: string; color?: string; description?: string };
    if (!spec?.name) return { status: 422, body: { message: "Validation Failed" } };
    if (data.labels.has(spec.name)) {
      return validationFailed(
        { resource: "Label", code: "already_exists", field: "name" },
        "issues/labels#create-a-label",
      );
    }
    const label = {
      id: nextId++,
      name: spec.name,
      color: (spec.color ?? "ededed").toLowerCase(),
      description: spec.description ?? null,
    };
    data.labels.set(label.name, label);
    return { status: 201, body: labelJson(repo, label) };
  });
  route("PATCH", "/repos/{owner}/{repo}/labels/{name}", (m, _url, body) => {
    const repo = `${m[0]}/${m[1]}`;
    const label = repoData(repo).labels.get(decodeURIComponent(m[2]));
    if (!label) return notFound();
    const spec = body as { color?: string; description?: string };
    if (spec?.color) label.color = spec.color.toLowerCase();
    if (spec?.description !== undefined) label.description = spec.description;
    return { status: 200, body: labelJson(repo, label) };
  });

  const rateHeaders = (): Record<string, string> => ({
    "x-ratelimit-limit": String(RATE_LIMIT),
    "x-ratelimit-remaining": String(RATE_LIMIT - used),
    "x-ratelimit-used": String(used),
    "x-ratelimit-reset": String(Math.floor(now().getTime() / 1000) + 3600),
    "x-ratelimit-resource": "core",
  });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        ...rateHeaders(),
        ...headers,
      },
    });

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const auth = request.headers.get("authorization") ?? "";
      const index = requestIndex++;
      const found = routes
        .map((r) => ({
          r,
          match: r.method === request.method ? r.pattern.exec(url.pathname) : null,
        }))
        .find((x) => x.match);
      if (!found) {
        unexpected.push(`${request.method} ${url.pathname}`);
        return json(404, { message: "Not Found" });
      }
      const routeName = `${request.method} ${found.r.template}`;
      const record = (status: number, body: unknown, charged: boolean) => {
        exchanges.push({ route: routeName, status, body, charged });
        if (charged) used++;
      };
      if (auth !== `token ${token}` && auth !== `Bearer ${token}` && auth !== `bearer ${token}`) {
        record(401, undefined, false);
        return json(401, { message: "Bad credentials" });
      }
      const client = request.headers.get("x-fake-client") ?? undefined;
      const injected = fault?.({ method: request.method, route: routeName, index, client });
      if (injected) faults[injected.kind] = (faults[injected.kind] ?? 0) + 1;
      // Held until the fake closes (the client gives up on its own clock meanwhile).
      const heldUntilGone = () =>
        new Promise<void>((resolve) => {
          if (closing.signal.aborted) return resolve();
          closing.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      if (injected?.kind === "502") {
        record(502, undefined, true);
        return json(502, { message: "Server Error" });
      }
      if (injected?.kind === "hang") {
        await heldUntilGone();
        return json(503, { message: "fake: hung request ended" });
      }
      if (injected?.kind === "secondary") {
        record(403, undefined, true);
        return json(403, {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
          documentation_url:
            "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }, injected.retryAfter === undefined ? {} : { "retry-after": String(injected.retryAfter) });
      }
      if (injected?.kind === "primary") {
        record(403, undefined, false);
        return json(403, {
          message: "API rate limit exceeded for user ID 42.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits",
        }, {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": String(RATE_LIMIT),
          "x-ratelimit-reset": String(Math.ceil(now().getTime() / 1000) + injected.resetInS),
        });
      }
      const text = request.method === "GET" || request.method === "DELETE"
        ? ""
        : await request.text();
      const timeout = injected?.kind === "timeout" ? injected : undefined;
      if (timeout && !timeout.applied) {
        if (options.timeouts === "signal") {
          return json(504, { message: "fake: timed out" }, { "x-fake-timeout": "not-applied" });
        }
        await heldUntilGone();
        return json(503, { message: "fake: timed-out request ended" });
      }
      const body = text ? JSON.parse(text) : undefined;
      const reply = found.r.handle(found.match!.slice(1), url, body);
      if (injected?.kind === "502-after") {
        record(502, undefined, true);
        return json(502, { message: "Server Error" });
      }
      if (timeout) {
        record(reply.status, reply.body, true);
        if (options.timeouts === "signal") {
          return json(504, { message: "fake: timed out" }, { "x-fake-timeout": "applied" });
        }
        await heldUntilGone();
        return json(503, { message: "fake: timed-out request ended" });
      }
      if (injected?.kind === "slow") {
        await new Promise((resolve) => setTimeout(resolve, injected.ms));
      }
      const headers = { ...reply.headers };
      if (request.method === "GET" && reply.status === 200) {
        const digest = await crypto.subtle.digest(
          "SHA-1",
          new TextEncoder().encode(JSON.stringify(reply.body) + (headers.link ?? "")),
        );
        const etag = `W/"${
          [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")
        }"`;
        headers.etag = etag;
        if (request.headers.get("if-none-match") === etag) {
          record(304, undefined, false);
          return json(304, undefined, { etag });
        }
      }
      record(reply.status, reply.body, true);
      return json(reply.status, reply.body, headers);
    },
  );
  base = `http://127.0.0.1:${server.addr.port}`;

  const close = async () => {
    closing.abort();
    await server.shutdown();
  };
  return {
    url: base,
    exchanges,
    unexpected,
    rateRemaining: () => RATE_LIMIT - used,
    faults,
    setFault(next) {
      fault = next;
    },
    addIssue(repo, issue) {
      const data = repoData(repo);
      const number = data.nextNumber++;
      const createdAt = issue.createdAt ?? now().toISOString().replace(/\.\d{3}Z$/, "Z");
      for (const name of issue.labels ?? []) ensureLabel(data, name);
      data.issues.set(number, {
        number,
        title: issue.title,
        state: "open",
        labels: [...(issue.labels ?? [])],
        createdAt,
        updatedAt: createdAt,
        comments: [],
        body: issue.body ?? null,
        login: issue.login ?? "operator",
      });
      return number;
    },
    issue(repo, number) {
      const data = repoData(repo);
      const found = data.issues.get(number) ?? pullIssueOf(data, number);
      if (!found) throw new Error(`fake: no issue ${repo}#${number}`);
      return found;
    },
    addComment(repo, number, body, author = "operator", association = "OWNER") {
      const issue = this.issue(repo, number);
      issue.comments.push({
        id: nextId++,
        body,
        login: author,
        association,
        createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
      touch(issue);
    },
    labels(repo) {
      return repoData(repo).labels;
    },
    pulls(repo) {
      return [...repoData(repo).pulls.values()];
    },
    addPull(repo, pull) {
      const data = repoData(repo);
      const number = data.nextNumber++;
      data.pulls.set(number, {
        number,
        title: pull.title,
        body: pull.body ?? null,
        head: pull.head,
        base: pull.base ?? "main",
        draft: pull.draft ?? false,
        state: "open",
        createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
        headSha: pull.headSha,
        files: pull.files,
      });
      return number;
    },
    issues(repo) {
      return [...repoData(repo).issues.values()];
    },
    addReviewComment(repo, pull, comment) {
      const data = repoData(repo);
      if (!data.pulls.has(pull)) throw new Error(`fake: no pull request ${repo}#${pull}`);
      const list = data.reviewComments.get(pull) ?? [];
      data.reviewComments.set(pull, list);
      const id = nextId++;
      list.push({
        id,
        body: comment.body,
        login: comment.login,
        path: comment.path,
        line: comment.line,
        commitId: comment.commitId ?? data.pulls.get(pull)!.headSha ?? "0".repeat(40),
        createdAt: now().toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
      return id;
    },
    reviewComments(repo, pull) {
      return repoData(repo).reviewComments.get(pull) ?? [];
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The fake's comments as the API shows them to a marker parser: the author as `user`.
 *
 * @param comments Comments of a fake issue.
 * @returns The same comments with `user.login`.
 */
export function asComments<T extends { login: string }>(
  comments: readonly T[],
): (T & { user: { login: string } })[] {
  return comments.map((comment) => ({ ...comment, user: { login: comment.login } }));
}

/** Options of {@linkcode randomFaults}. */
export interface RandomFaultOptions {
  /** Seed of the deterministic generator. */
  seed: number;
  /** Probability of a plain 502. */
  p502?: number;
  /** Probability of a write applied then answered 502. */
  p502After?: number;
  /** Probability of a secondary-rate-limit 403. */
  pSecondary?: number;
  /** Its retry-after in seconds (scaled by the client's retry unit); `null` omits the header. */
  retryAfter?: number | null;
  /** Probability of a primary-rate-limit 403 (limit used up). */
  pPrimary?: number;
  /** Seconds until the primary limit resets. */
  primaryResetS?: number;
  /** Probability of a request that never answers in time (half of them after the write is done). */
  pTimeout?: number;
  /** Probability of a slow reply. */
  pSlow?: number;
  /** How slow. */
  slowMs?: number;
}

/**
 * A seeded fault decision: each request draws one number and maybe one fault.
 * A request naming its client (`x-fake-client`, see {@linkcode injectedTimeouts})
 * draws from that client's own stream, so each client meets the same faults
 * in the same order however the requests of concurrent clients interleave.
 *
 * @param options Seed and probabilities.
 * @returns A function for {@linkcode FakeGitHubOptions.fault}.
 */
export function randomFaults(
  options: RandomFaultOptions,
): (context: FaultContext) => Fault | undefined {
  const streams = new Map<string, () => number>();
  const streamOf = (client: string) => {
    let stream = streams.get(client);
    if (!stream) {
      stream = seededRandom(
        options.seed + [...client].reduce((h, c) => h * 31 + c.charCodeAt(0), 0),
      );
      streams.set(client, stream);
    }
    return stream;
  };
  const {
    p502 = 0,
    p502After = 0,
    pSecondary = 0,
    pPrimary = 0,
    pTimeout = 0,
    pSlow = 0,
    retryAfter = 1,
    primaryResetS = 2,
    slowMs = 200,
  } = options;
  return (context) => {
    const next = streamOf(context.client ?? "");
    let roll = next();
    if ((roll -= p502) < 0) return { kind: "502" };
    if (context.method !== "GET" && (roll -= p502After) < 0) return { kind: "502-after" };
    if ((roll -= pSecondary) < 0) {
      return retryAfter === null ? { kind: "secondary" } : { kind: "secondary", retryAfter };
    }
    if ((roll -= pPrimary) < 0) return { kind: "primary", resetInS: primaryResetS };
    if ((roll -= pTimeout) < 0) return { kind: "timeout", applied: next() < 0.5 };
    if ((roll -= pSlow) < 0) return { kind: "slow", ms: slowMs };
    return undefined;
  };
}

/**
 * A deterministic generator of numbers in [0, 1) (mulberry32).
 *
 * @param seed The seed.
 * @returns The next number, each call.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fetch for an in-process client of a fake started with `timeouts: "signal"`:
 * it names the client (`x-fake-client`, for per-client fault streams) and
 * turns the fake's timeout signal into the error a real timeout raises
 * (`TimeoutError`), with no timer involved.
 *
 * @param client The client's name.
 * @param options The fetch to wrap (default `globalThis.fetch`).
 * @returns The fetch.
 */
export function injectedTimeouts(
  client: string,
  options: { fetch?: typeof fetch } = {},
): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-fake-client", client);
    const response = await inner(input, { ...init, headers });
    if (response.headers.has("x-fake-timeout")) {
      await response.body?.cancel();
      throw new DOMException("Signal timed out.", "TimeoutError");
    }
    return response;
  };
}

/**
 * A client for the fake with no wall-clock waits: no write spacing, and every
 * retry or rate-limit wait taken on a fake clock (a fresh one unless `clock`
 * is given), so no test waits on a timer.
 *
 * @param fake The running fake.
 * @param options Overrides of the client options, and the clock to share.
 * @returns The client.
 */
export function fakeClient(
  fake: FakeGitHub,
  options: Partial<GitHubClientOptions> & { clock?: FakeClock } = {},
): Promise<GitHubClient> {
  const { clock = fakeClock(new Date()), ...rest } = options;
  const env = (name: string) => (name === "ALFRED_GITHUB_API_URL" ? fake.url : undefined);
  return createGitHubClient({
    env,
    token: "test-token",
    writeSpacingMs: 0,
    notificationSpacingMs: 0,
    timeoutMs: 30_000,
    now: clock.now,
    sleep: clock.sleep,
    ...rest,
  });
}
