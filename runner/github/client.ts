/**
 * The GitHub client: `octokit` with write spacing, Alfred's retry and
 * rate-limit discipline, a timeout on every request and conditional requests
 * whose ETags survive between firings.
 *
 * - **Spacing** (`@octokit/plugin-throttling`'s limiters): writes are spaced
 *   {@linkcode WRITE_SPACING_MS} apart and writes that notify people (comments,
 *   issues, pull requests) {@linkcode NOTIFICATION_SPACING_MS} apart, as GitHub
 *   asks of integrators. The plugin's own rate-limit retries are off.
 * - **Retries and rate limits** (runner/github/retries.ts): GitHub's rules for
 *   `retry-after`, `x-ratelimit-reset` and secondary limits; waits a firing
 *   cannot afford are persisted per token (runner/github/backoff.ts) and stop
 *   GitHub work with `GitHubBackoffError`. 5xx replies and timeouts are retried
 *   `retries` times (1, 4, 9 s).
 * - **Timeout**: every HTTP attempt is aborted after `timeoutMs`.
 * - **Conditional requests**: every GET stores its ETag and body; the next
 *   identical GET sends `If-None-Match` and a 304 reply (which costs no rate
 *   limit) is answered from the stored body. The store is a state file, so an
 *   idle firing's poll is free even though each firing is a new process; it is
 *   kept in memory and written once, by {@linkcode GitHubClient.flush}.
 * - **Latency**: the throttling plugin's limiters are runner/github/limiter.ts
 *   (Bottleneck's rules without its timer hops), so a request with no rate
 *   limit and no spacing due waits on no timer.
 *
 * @module
 */
import { Octokit } from "octokit";
import { z } from "zod";
import { StateCorruptError } from "../errors.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { agentStateDir } from "../paths.ts";
import { readState, writeState } from "../state.ts";
import { type BackoffStore, tokenKey } from "./backoff.ts";
import { Limiter, LimiterGroup } from "./limiter.ts";
import { installRetries, type RetryStats } from "./retries.ts";
import { apiUrlFrom, resolveToken } from "./token.ts";

export { GitHubApiError, GitHubBackoffError } from "../errors.ts";
export { apiUrlFrom, DEFAULT_API_URL, ghAuthToken, resolveToken } from "./token.ts";

/** GitHub asks integrators to space content-creating writes this far apart. */
export const WRITE_SPACING_MS = 1_000;
/** Writes that notify people (comments, issues, PRs) are spaced further (octokit's default). */
export const NOTIFICATION_SPACING_MS = 3_000;
/** An HTTP attempt that has not answered by then is aborted and retried. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The longest wait on a rate limit a firing sleeps through; a longer one is
 * persisted and stops GitHub work (the next firing after it resumes).
 */
export const MAX_RATE_LIMIT_WAIT_S = 60;
/** How many entries the conditional-request store keeps (least recently used go first). */
export const ETAG_CACHE_ENTRIES = 64;

/** Counters of one client, for tests and `deno task bench`. */
export interface ClientStats extends RetryStats {
  /** HTTP attempts sent, retries included. */
  requests: number;
  /** Replies that were 304 Not Modified (free of rate limit). */
  notModified: number;
}

/** A configured GitHub client. */
export interface GitHubClient {
  /** The octokit instance, with every plugin configured. */
  readonly octokit: Octokit;
  /** The API base URL without a trailing slash. */
  readonly baseUrl: string;
  /** Request counters. */
  readonly stats: ClientStats;
  /** Writes the conditional-request store (kept in memory until then) and waits until it is on disk. */
  flush(): Promise<void>;
}

/** Options of {@linkcode createGitHubClient}. */
export interface GitHubClientOptions {
  /** Reads `ALFRED_GITHUB_API_URL`, `ALFRED_GITHUB_TOKEN` and `GITHUB_TOKEN`. */
  env: EnvReader;
  /** A token to use instead of the environment (tests). */
  token?: string;
  /** Asks `gh` for a token when the environment has none. Defaults to {@linkcode ghAuthToken}. */
  tokenFromGh?: () => Promise<string | undefined>;
  /** The state file of the conditional-request store; no store when absent. See {@linkcode etagFileOf}. */
  etagFile?: string;
  /** Timeout of one HTTP attempt. Default {@linkcode REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Spacing of writes. Default {@linkcode WRITE_SPACING_MS}. */
  writeSpacingMs?: number;
  /** Spacing of notifying writes. Default {@linkcode NOTIFICATION_SPACING_MS}. */
  notificationSpacingMs?: number;
  /** Length of one "second" of backoff and of GitHub's retry-after, in ms. Default 1000 (tests shrink it). */
  retryUnitMs?: number;
  /** Retries of a 5xx or timed-out request. Default 3. */
  retries?: number;
  /** Longest rate-limit wait slept through, in seconds. Default {@linkcode MAX_RATE_LIMIT_WAIT_S}. */
  maxRateLimitWaitS?: number;
  /** The persisted backoff of this client's token; none (in-memory only) when absent. */
  backoff?: BackoffStore;
  /** Who sends the requests (the agent's codename), recorded with a backoff. Default `alfred`. */
  who?: string;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Waits on that clock. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Receives one line per warning (rate limits, retries). Default: silent. */
  log?: (line: string) => void;
  /** The fetch used for HTTP; default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * The conventional location of an agent's conditional-request store.
 *
 * @param layout The home layout.
 * @param agent The agent's codename (one firing per agent at a time, so no two writers).
 * @returns `state/<agent>/github-etags.json`.
 */
export function etagFileOf(layout: Layout, agent: string): string {
  return `${agentStateDir(layout, agent)}/github-etags.json`;
}

/**
 * Creates the GitHub client with every plugin configured.
 *
 * Requires network access to the API and, when `etagFile` is given, read and
 * write access to it.
 *
 * @example Usage
 * ```ts ignore
 * const client = await createGitHubClient({ env: Deno.env.get, etagFile: etagFileOf(layout, "lucius") });
 * ```
 *
 * @param options Environment, store file and tuning.
 * @returns The client.
 * @throws {ConfigError} when no token is found or the base URL is invalid. A
 *   corrupt store file is quarantined (with a warning) and started afresh.
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<GitHubClient> {
  const {
    env,
    timeoutMs = REQUEST_TIMEOUT_MS,
    writeSpacingMs = WRITE_SPACING_MS,
    notificationSpacingMs = NOTIFICATION_SPACING_MS,
    retryUnitMs = 1_000,
    retries = 3,
    maxRateLimitWaitS = MAX_RATE_LIMIT_WAIT_S,
    log = () => {},
    now = Date.now,
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  } = options;
  const baseUrl = apiUrlFrom(env);
  const token = options.token ?? await resolveToken(env, { tokenFromGh: options.tokenFromGh });
  const stats: ClientStats = { requests: 0, notModified: 0, rateLimited: 0, retried: 0 };
  const baseFetch = options.fetch ?? globalThis.fetch;

  const timedFetch: typeof fetch = async (input, init) => {
    stats.requests++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await baseFetch(input, { ...init, signal });
    if (response.status === 304) stats.notModified++;
    return response;
  };

  const id = `alfred-${crypto.randomUUID()}`;
  const octokit = new Octokit({
    auth: token,
    baseUrl,
    request: { fetch: timedFetch },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log(m),
      error: (m: string) => log(m),
    },
    // Retries and rate limits are runner/github/retries.ts's alone.
    retry: { enabled: false },
    throttle: {
      id,
      onRateLimit: () => false,
      onSecondaryRateLimit: () => false,
      // Per-client limiter groups, so the spacing is this client's and tests can shrink it;
      // Bottleneck's rules without its timer hops (runner/github/limiter.ts).
      global: new LimiterGroup({ maxConcurrent: 10 }),
      write: new LimiterGroup({ maxConcurrent: 1, minTime: writeSpacingMs }),
      notifications: new LimiterGroup({ maxConcurrent: 1, minTime: notificationSpacingMs }),
      search: new LimiterGroup({ maxConcurrent: 1, minTime: 2_000 }),
      auth: new LimiterGroup({ maxConcurrent: 1 }),
      // Read by the plugin in place of its own `new Bottleneck()` (rate-limit retries).
      retryLimiter: new Limiter(),
    },
  });

  const store = options.etagFile ? await EtagStore.open(options.etagFile, log) : undefined;
  if (store) installConditionalRequests(octokit, store);
  // Installed last, so it wraps every other plugin: a retry is spaced and cached like a request.
  installRetries(octokit, {
    retries,
    unitMs: retryUnitMs,
    maxWaitS: maxRateLimitWaitS,
    now,
    sleep,
    backoff: options.backoff ? { store: options.backoff, key: await tokenKey(token) } : undefined,
    who: options.who ?? "alfred",
    log,
    stats,
  });
  return { octokit, baseUrl, stats, flush: () => store?.flush() ?? Promise.resolve() };
}

const EtagEntry = z.object({
  etag: z.string().min(1),
  body: z.unknown(),
  /** The `Link` header: a 304 reply may not repeat it, and pagination needs it. */
  link: z.string().optional(),
  usedAt: z.number().int(),
});

/** The state file of the conditional-request store. */
const EtagFile = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), EtagEntry),
});
type EtagFile = z.infer<typeof EtagFile>;

/** The ETags and bodies of earlier GET replies, persisted as a state file. */
class EtagStore {
  #file: string;
  #entries: Map<string, z.infer<typeof EtagEntry>>;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  #tick: number;

  private constructor(file: string, data: EtagFile | undefined) {
    this.#file = file;
    this.#entries = new Map(Object.entries(data?.entries ?? {}));
    this.#tick = Math.max(0, ...[...this.#entries.values()].map((entry) => entry.usedAt));
  }

  static async open(file: string, log: (line: string) => void): Promise<EtagStore> {
    const data = await readState(file, EtagFile, {
      warn: log,
      hint: "Nothing is lost: the next GitHub polls are full requests and refill it.",
    }).catch((error) => {
      // The corrupt store was moved aside and reported; start with an empty one.
      if (error instanceof StateCorruptError) return undefined;
      throw error;
    });
    return new EtagStore(file, data);
  }

  get(key: string): z.infer<typeof EtagEntry> | undefined {
    return this.#entries.get(key);
  }

  /** Marks an entry used (kept longer); not persisted on its own. */
  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.usedAt = ++this.#tick;
  }

  /** Stores a reply in memory; {@linkcode EtagStore.flush} writes the file. */
  set(key: string, reply: { etag: string; body: unknown; link?: string }): void {
    const { etag, body, link } = reply;
    this.#entries.set(key, { etag, body, link, usedAt: ++this.#tick });
    while (this.#entries.size > ETAG_CACHE_ENTRIES) {
      let oldest: string | undefined;
      let oldestAt = Infinity;
      for (const [k, v] of this.#entries) {
        if (v.usedAt < oldestAt) [oldest, oldestAt] = [k, v.usedAt];
      }
      this.#entries.delete(oldest!);
    }
    this.#dirty = true;
  }

  /**
   * Writes the entries stored since the last flush (one atomic write, not one
   * per request: a lost cache only costs full requests on the next firing).
   */
  flush(): Promise<void> {
    if (this.#dirty) {
      this.#dirty = false;
      const snapshot: EtagFile = { version: 1, entries: Object.fromEntries(this.#entries) };
      this.#writing = this.#writing.then(() => writeState(this.#file, EtagFile, snapshot));
    }
    return this.#writing;
  }
}

interface HookOptions {
  method: string;
  headers: Record<string, string | number | undefined>;
  [key: string]: unknown;
}

type HookRequest = (options: HookOptions) => Promise<OctokitReply>;

interface OctokitReply {
  status: number;
  url: string;
  headers: Record<string, string | undefined>;
  data: unknown;
}

/** The conditional-request plugin: wraps octokit's `request` hook. */
function installConditionalRequests(octokit: Octokit, store: EtagStore): void {
  octokit.hook.wrap("request", async (request, options) => {
    const req = request as unknown as HookRequest;
    const opts = options as unknown as HookOptions;
    if (opts.method !== "GET") return await request(options);
    const key = `GET ${octokit.request.endpoint.parse(options).url}`;
    const cached = store.get(key);
    if (cached) opts.headers = { ...opts.headers, "if-none-match": cached.etag };
    try {
      const reply = await req(opts);
      const etag = reply.headers.etag;
      if (etag && reply.status === 200) {
        store.set(key, { etag, body: reply.data, link: reply.headers.link });
      }
      // deno-lint-ignore no-explicit-any
      return reply as any;
    } catch (error) {
      const status = (error as { status?: number }).status;
      const response = (error as { response?: OctokitReply }).response;
      if (status === 304 && cached && response) {
        store.touch(key);
        const headers = { ...response.headers, link: response.headers.link ?? cached.link };
        // deno-lint-ignore no-explicit-any
        return { ...response, headers, status: 200, data: structuredClone(cached.body) } as any;
      }
      throw error;
    }
  });
}
