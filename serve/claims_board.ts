/**
 * `GET /api/v1/claims`: the open issues of the fleet's repos, per claim
 * state (queued, in flight, pull request open, needing a human, never to be
 * picked), read from GitHub.
 *
 * An open dashboard must cost about nothing of the rate limit: every read is
 * conditional (its ETag kept in `state/serve/github-etags.json`, so even a
 * restarted server asks "changed since?"), an unchanged list is a 304 that
 * GitHub does not charge, and the board is refreshed at most once per
 * {@linkcode CLAIMS_REFRESH_MS} however many pages ask.
 *
 * @module
 */
import { type IssueStanding, listOpenIssues, standingOf } from "../runner/claims/snapshot.ts";
import { loadFleetConfig } from "../runner/config/config.ts";
import type { OperatorContext } from "../runner/control/mod.ts";
import { AlfredError } from "../runner/errors.ts";
import { createGitHubClient, type GitHubClient } from "../runner/github/client.ts";
import { parseRepo } from "../runner/github/rest.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";
import { serveEtagFile } from "./files.ts";

/** The board is read from GitHub at most this often. */
export const CLAIMS_REFRESH_MS = 60_000;

/** The claim states shown, in board order ("other" open issues are only counted). */
export const CLAIM_STATES = [
  "queued",
  "in-flight",
  "pr-open",
  "needs-human",
  "do-not-pickup",
] as const;

/** One issue on the board. */
export interface BoardIssue {
  /** Its number. */
  number: number;
  /** Its title. */
  title: string;
  /** Its claim state. */
  state: IssueStanding;
  /** Its page on GitHub. */
  url: string;
  /** Its labels. */
  labels: string[];
  /** When it last changed. */
  updated_at: string;
}

/** One repo on the board. */
export interface BoardRepo {
  /** `owner/name`. */
  repo: string;
  /** How many open issues are in each state (`other` included). */
  counts: Record<IssueStanding, number>;
  /** The issues in a claim state, oldest first. */
  issues: BoardIssue[];
  /** More open issues exist than were read. */
  truncated: boolean;
  /** Why the repo could not be read this time, if it could not. */
  error: string | null;
}

/** `GET /api/v1/claims`. */
export interface ApiClaims {
  /** When GitHub was last asked; null when it never was. */
  fetched_at: string | null;
  /** The board is not read again before this. */
  next_refresh_at: string | null;
  /** The repos, in fleet.yaml order. */
  repos: BoardRepo[];
  /** Why the board cannot be read at all (no token, no repos), with what to do. */
  problem: string | null;
}

/** Options of {@linkcode ClaimsBoard}. */
export interface ClaimsBoardOptions {
  /** The least time between two reads from GitHub. Default {@linkcode CLAIMS_REFRESH_MS}. */
  refreshMs?: number;
  /** Makes the GitHub client (tests: a fast client for the loopback fake). */
  client?: (context: OperatorContext) => Promise<GitHubClient>;
}

/** The claims board, cached between refreshes. */
export class ClaimsBoard {
  #context: OperatorContext;
  #refreshMs: number;
  #makeClient: (context: OperatorContext) => Promise<GitHubClient>;
  #client: GitHubClient | undefined;
  #board: ApiClaims | undefined;
  #fetchedAt = -Infinity;
  #reading: Promise<ApiClaims> | undefined;

  /**
   * Makes the board; nothing is read from GitHub until it is asked for.
   *
   * @param context The operator's world (env for the token, home, clock).
   * @param options Refresh interval and client factory.
   */
  constructor(context: OperatorContext, options: ClaimsBoardOptions = {}) {
    this.#context = context;
    this.#refreshMs = options.refreshMs ?? CLAIMS_REFRESH_MS;
    this.#makeClient = options.client ??
      ((context) =>
        createGitHubClient({ env: context.env, etagFile: serveEtagFile(context.layout) }));
  }

  /**
   * The board: the cached one while it is fresh, else read again from GitHub.
   * Concurrent callers share one read.
   *
   * @returns The board.
   * @throws {ConfigError} when fleet.yaml is invalid.
   */
  read(): Promise<ApiClaims> {
    const now = this.#context.now().getTime();
    if (this.#board && now - this.#fetchedAt < this.#refreshMs) {
      return Promise.resolve(this.#board);
    }
    this.#reading ??= this.#refresh().finally(() => this.#reading = undefined);
    return this.#reading;
  }

  async #refresh(): Promise<ApiClaims> {
    const context = this.#context;
    const config = await loadFleetConfig(context.layout.fleetFile, {
      env: context.env,
      validateSchedule: validateScheduleText,
    });
    const now = context.now();
    const board = (problem: string | null, repos: BoardRepo[]): ApiClaims => ({
      fetched_at: now.toISOString(),
      next_refresh_at: new Date(now.getTime() + this.#refreshMs).toISOString(),
      repos,
      problem,
    });
    this.#fetchedAt = now.getTime();
    if (!config.repos.length) {
      return this.#board = board(
        "fleet.yaml lists no repos: add them under repos: (or `alfred init --repo owner/name`).",
        [],
      );
    }
    try {
      this.#client ??= await this.#makeClient(context);
    } catch (error) {
      if (!(error instanceof AlfredError)) throw error;
      return this.#board = board(`${error.message}. ${error.hint ?? ""}`.trim(), []);
    }
    const repos: BoardRepo[] = [];
    for (const { name } of config.repos) repos.push(await readRepo(this.#client, name));
    await this.#client.flush();
    return this.#board = board(null, repos);
  }
}

async function readRepo(client: GitHubClient, name: string): Promise<BoardRepo> {
  const counts = Object.fromEntries(
    [...CLAIM_STATES, "other"].map((state) => [state, 0]),
  ) as Record<IssueStanding, number>;
  try {
    const { issues, truncated } = await listOpenIssues(client, parseRepo(name));
    const shown: BoardIssue[] = [];
    for (const issue of issues) {
      const state = standingOf(issue.labels);
      counts[state]++;
      if (state === "other") continue;
      shown.push({
        number: issue.number,
        title: issue.title,
        state,
        url: issue.html_url,
        labels: issue.labels,
        updated_at: issue.updated_at,
      });
    }
    return { repo: name, counts, issues: shown, truncated, error: null };
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    return { repo: name, counts, issues: [], truncated: false, error: error.message };
  }
}
