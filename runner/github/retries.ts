/**
 * The retry plugin of the GitHub client: one place decides, for every request,
 * whether to send it now, wait, retry or stop.
 *
 * - **Backoff gate**: before each request, the persisted backoff of the token
 *   (runner/github/backoff.ts) is read. A wait the firing can afford
 *   (`maxWaitS`) is slept through; a longer one stops the request with
 *   {@linkcode GitHubBackoffError}. Once stopped, the client sends nothing more.
 * - **Rate limits** (runner/github/rate_limit.ts): the wait GitHub asks for is
 *   persisted for every firing of the token, then slept through when
 *   affordable, else the request stops with {@linkcode GitHubBackoffError}. A
 *   reply that used the last request of the hour persists a backoff until the
 *   reset before it is returned.
 * - **Faults**: a 5xx reply, a timeout or a network failure is retried
 *   `retries` times, waiting 1, 4, 9… units.
 *
 * Time comes from the injected clock and sleep, so tests run it on a fake
 * clock: no test waits on a wall-clock timer.
 *
 * @module
 */
import type { Octokit } from "octokit";
import { GitHubBackoffError, type GitHubRateLimit } from "../errors.ts";
import type { BackoffEntry, BackoffStore } from "./backoff.ts";
import {
  exhaustedUntil,
  MAX_RATE_LIMIT_RETRIES,
  rateLimitOf,
  rateLimitWaitS,
} from "./rate_limit.ts";

/** How the plugin waits and whom it tells. */
export interface RetryPolicy {
  /** Retries of a 5xx reply, a timeout or a network failure. */
  readonly retries: number;
  /** The length of one "second" of every wait, in ms (1000; tests and the soak shrink it). */
  readonly unitMs: number;
  /** The longest wait (in units) a firing sleeps through; longer ones stop GitHub work. */
  readonly maxWaitS: number;
  /** The clock, in ms since the epoch. */
  readonly now: () => number;
  /** Waits `ms` on the same clock. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The persisted backoff, and the key of this client's token in it. */
  readonly backoff?: { store: BackoffStore; key: string };
  /** Who sends the requests (the agent), recorded with a backoff it sets. */
  readonly who: string;
  /** Receives one line per wait, retry and stop. */
  readonly log: (line: string) => void;
  /** Counted into. */
  readonly stats: RetryStats;
}

/** Counters the plugin keeps. */
export interface RetryStats {
  /** Rate-limit replies met. */
  rateLimited: number;
  /** Requests sent again after a fault or a rate limit. */
  retried: number;
}

interface RequestOptions {
  method: string;
  url: string;
  [key: string]: unknown;
}

interface ErrorShape {
  status?: unknown;
  name?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** What the plugin knows of the backoff while the client lives. */
class BackoffGate {
  readonly #policy: RetryPolicy;
  /** Set when a wait was too long: every later request stops at once. */
  #stopped: BackoffEntry | undefined;

  constructor(policy: RetryPolicy) {
    this.#policy = policy;
  }

  /** Waits out an affordable backoff, or throws when the wait is too long. */
  async pass(route: string): Promise<void> {
    const { now, backoff, maxWaitS, unitMs } = this.#policy;
    if (this.#stopped) throw this.#stop(this.#stopped, 0, `${route} not sent`);
    const entry = backoff ? await backoff.store.read(backoff.key) : undefined;
    if (!entry) return;
    const remainingMs = Date.parse(entry.until) - now();
    if (remainingMs <= 0) return;
    if (remainingMs > maxWaitS * unitMs) {
      this.#stopped = entry;
      throw this.#stop(entry, 0, `${route} not sent`);
    }
    this.#policy.log(
      `github: backoff until ${entry.until} (${entry.reason}); waiting ${
        Math.ceil(remainingMs / unitMs)
      } s`,
    );
    await this.#policy.sleep(remainingMs);
  }

  /** Persists a wait for every firing of the token; returns the one in force. */
  async extend(
    limit: GitHubRateLimit,
    options: { untilMs: number; reason: string },
  ): Promise<BackoffEntry> {
    const { now, backoff, who } = this.#policy;
    const entry: BackoffEntry = {
      until: new Date(options.untilMs).toISOString(),
      limit,
      reason: options.reason,
      set_at: new Date(now()).toISOString(),
      set_by: who,
    };
    return backoff ? await backoff.store.extend(backoff.key, entry) : entry;
  }

  /** Stops every later request of this client. */
  stop(entry: BackoffEntry, status: number, what: string, cause?: unknown): GitHubBackoffError {
    this.#stopped = entry;
    return this.#stop(entry, status, what, cause);
  }

  #stop(entry: BackoffEntry, status: number, what: string, cause?: unknown): GitHubBackoffError {
    return new GitHubBackoffError(
      `GitHub ${entry.limit} rate limit: ${what}; no GitHub request until ${entry.until} (${entry.reason})`,
      { until: entry.until, limit: entry.limit, reason: entry.reason, status, cause },
    );
  }
}

/**
 * Installs the plugin: wraps octokit's `request` hook, outside every other
 * plugin, so each retry passes the write spacing and the conditional cache again.
 *
 * @param octokit The client.
 * @param policy Retries, clock, the persisted backoff, the log and the counters.
 */
export function installRetries(octokit: Octokit, policy: RetryPolicy): void {
  const { stats } = policy;
  const gate = new BackoffGate(policy);
  octokit.hook.wrap("request", async (request, options) => {
    const opts = options as unknown as RequestOptions;
    const route = `${opts.method} ${new URL(octokit.request.endpoint.parse(options).url).pathname}`;
    const mutating = opts.method !== "GET" && opts.method !== "HEAD";
    let limits = 0;
    let faults = 0;
    for (;;) {
      await gate.pass(route);
      try {
        const reply = await request(options);
        const resetMs = exhaustedUntil(reply.headers as Record<string, string | undefined>);
        if (resetMs !== undefined && resetMs > policy.now()) {
          const entry = await gate.extend("primary", {
            untilMs: resetMs + 1000,
            reason: "the hourly request limit is used up",
          });
          policy.log(`github: primary rate limit used up; no request until ${entry.until}`);
        }
        return reply;
      } catch (error) {
        const shape = (typeof error === "object" && error !== null ? error : {}) as ErrorShape;
        const status = typeof shape.status === "number" ? shape.status : 0;
        const hit = shape.response
          ? rateLimitOf({
            status,
            headers: shape.response.headers ?? {},
            message: typeof shape.message === "string" ? shape.message : "",
          })
          : undefined;
        if (hit) {
          stats.rateLimited++;
          const waitS = rateLimitWaitS(hit, { mutating, repeat: limits, nowMs: policy.now() });
          const entry = await gate.extend(hit.limit, {
            untilMs: policy.now() + waitS * policy.unitMs,
            reason: `${hit.limit} rate limit on ${route}`,
          });
          if (waitS > policy.maxWaitS || limits >= MAX_RATE_LIMIT_RETRIES) {
            policy.log(
              `github: ${hit.limit} rate limit on ${route}; GitHub work stops until ${entry.until} ` +
                `(a wait of ${waitS} s, more than the ${policy.maxWaitS} s a firing waits)`,
            );
            throw gate.stop(entry, status, `${route} refused`, error);
          }
          limits++;
          stats.retried++;
          policy.log(`github: ${hit.limit} rate limit on ${route}; retrying after ${waitS} s`);
          await policy.sleep(waitS * policy.unitMs);
          continue;
        }
        if (isFault(shape, status) && faults < policy.retries) {
          faults++;
          stats.retried++;
          const waitS = faults * faults;
          policy.log(
            `github: ${describeFault(shape, status)} on ${route}; retry ${faults} in ${waitS} s`,
          );
          await policy.sleep(waitS * policy.unitMs);
          continue;
        }
        throw error;
      }
    }
  });
}

/** A reply GitHub may answer differently next time: a 5xx, a timeout, a network failure. */
function isFault(shape: ErrorShape, status: number): boolean {
  // An abort by the caller is not a fault (a timeout is a TimeoutError, kept apart).
  if (shape.name === "AbortError") return false;
  return status >= 500 || status === 0;
}

function describeFault(shape: ErrorShape, status: number): string {
  if (shape.response) return `${status} from GitHub`;
  return typeof shape.message === "string" ? `no reply (${shape.message})` : "no reply";
}
