/**
 * GitHub's rate-limit rules as pure decisions: is this reply a rate limit, and
 * how long must Alfred wait before the next request? The rules are those of
 * GitHub's REST documentation ("Rate limits for the REST API", "Exceeding the
 * rate limit"):
 *
 * - **Primary limit**: a 403 or 429 with `x-ratelimit-remaining: 0`. No
 *   request until the time in `x-ratelimit-reset` (UTC epoch seconds).
 * - **Secondary limit**: a 403 or 429 whose message says so. No request until
 *   `retry-after` seconds have passed; without it, until `x-ratelimit-reset`
 *   when `x-ratelimit-remaining` is 0; otherwise at least one minute. A request
 *   that keeps meeting it waits exponentially longer, and Alfred gives up after
 *   {@linkcode MAX_RATE_LIMIT_RETRIES} tries.
 * - **Writes** (POST, PATCH, PUT, DELETE) that met a secondary limit are never
 *   retried sooner than the one-minute floor, doubled on every repeat, whatever
 *   `retry-after` says: content-creating requests are what secondary limits
 *   guard.
 *
 * @module
 */

/** GitHub's floor for a secondary limit that names no wait (one minute). */
export const SECONDARY_FLOOR_S = 60;
/** How many times one request is retried after rate limits before Alfred stops. */
export const MAX_RATE_LIMIT_RETRIES = 3;

/** What a reply says, as far as rate limits go. */
export interface ReplyFacts {
  /** The HTTP status. */
  readonly status: number;
  /** The reply's headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  /** The error message of the body (`message`), if any. */
  readonly message: string;
}

/** A rate limit GitHub answered with. */
export interface RateLimitHit {
  /** Which limit. */
  readonly limit: "primary" | "secondary";
  /** `retry-after`, in seconds, when given. */
  readonly retryAfterS?: number;
  /** `x-ratelimit-reset` in ms since the epoch, when `x-ratelimit-remaining` is 0. */
  readonly resetAtMs?: number;
}

/**
 * Tells a rate limit from any other refusal (pure). A 403 without any sign of
 * a rate limit is a permission problem, not a limit.
 *
 * @param reply The status, headers and message of a reply.
 * @returns The limit, or `undefined` when the reply is not one.
 */
export function rateLimitOf(reply: ReplyFacts): RateLimitHit | undefined {
  if (reply.status !== 403 && reply.status !== 429) return undefined;
  const retryAfterS = secondsOf(reply.headers["retry-after"]);
  const exhausted = String(reply.headers["x-ratelimit-remaining"] ?? "") === "0";
  const resetS = secondsOf(reply.headers["x-ratelimit-reset"]);
  const resetAtMs = exhausted && resetS !== undefined ? resetS * 1000 : undefined;
  const facts = {
    ...(retryAfterS !== undefined ? { retryAfterS } : {}),
    ...(resetAtMs !== undefined ? { resetAtMs } : {}),
  };
  if (/secondary rate limit|abuse detection/i.test(reply.message)) {
    return { limit: "secondary", ...facts };
  }
  if (exhausted) return { limit: "primary", ...facts };
  // GitHub documents 429 for both limits; a 429 or a 403 with retry-after is a limit either way.
  if (reply.status === 429 || retryAfterS !== undefined) return { limit: "secondary", ...facts };
  return undefined;
}

/**
 * Whether a reply that succeeded used the last request of the primary limit
 * (pure): the next request would be refused until the reset.
 *
 * @param headers The reply's headers.
 * @returns The reset in ms since the epoch, or `undefined` while requests remain.
 */
export function exhaustedUntil(
  headers: Readonly<Record<string, string | number | undefined>>,
): number | undefined {
  if (String(headers["x-ratelimit-remaining"] ?? "") !== "0") return undefined;
  const resetS = secondsOf(headers["x-ratelimit-reset"]);
  return resetS === undefined ? undefined : resetS * 1000;
}

/** Inputs of {@linkcode rateLimitWaitS} besides the limit. */
export interface WaitContext {
  /** The request writes (anything but GET and HEAD). */
  readonly mutating: boolean;
  /** How many rate limits this request met before this one (0 for the first). */
  readonly repeat: number;
  /** The clock, in ms since the epoch. */
  readonly nowMs: number;
}

/**
 * How long to wait before the next request after a rate limit, in seconds
 * (pure). See the module documentation for the rules.
 *
 * @param hit The limit met.
 * @param context Whether the request writes, how many limits it met before, and the clock.
 * @returns Whole seconds, at least 1.
 */
export function rateLimitWaitS(hit: RateLimitHit, context: WaitContext): number {
  const untilReset = hit.resetAtMs === undefined
    ? undefined
    // One second more, so the retry comes after the reset and not at it.
    : Math.ceil((hit.resetAtMs - context.nowMs) / 1000) + 1;
  if (hit.limit === "primary") return Math.max(1, untilReset ?? SECONDARY_FLOOR_S);
  const growth = 2 ** Math.max(0, context.repeat);
  let wait = (hit.retryAfterS ?? untilReset ?? SECONDARY_FLOOR_S) * growth;
  if (context.mutating) wait = Math.max(wait, SECONDARY_FLOOR_S * growth);
  return Math.max(1, Math.ceil(wait));
}

function secondsOf(value: string | number | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
