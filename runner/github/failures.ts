/**
 * What went wrong with a GitHub request, told apart by cause, each with the
 * hint that fits it: a rate limit is not a token problem, and a 502 is not a
 * network problem on the operator's side.
 *
 * @module
 */
import { rateLimitOf } from "./rate_limit.ts";

/** The causes of a failed GitHub request, each with its own hint. */
export type FailureCause =
  | "primary-limit"
  | "secondary-limit"
  | "server"
  | "timeout"
  | "network"
  | "auth"
  | "scope"
  | "not-found"
  | "refused";

/** A failed request, described for the operator. */
export interface FailureDescription {
  /** The HTTP status, or 0 when there was no reply. */
  readonly status: number;
  /** The cause. */
  readonly cause: FailureCause;
  /** What happened, in a few words, e.g. `502 from GitHub` or `no reply within 30 s`. */
  readonly detail: string;
  /** What the operator can do. */
  readonly hint: string;
}

/** Options of {@linkcode describeGitHubFailure}. */
export interface DescribeOptions {
  /** The per-attempt timeout, for the message. */
  timeoutMs?: number;
  /** The hint for a permission problem, naming the scope the call needs. */
  scopeHint?: string;
  /** The statuses that mean a permission problem for this call (default 403; 404 for fine-grained tokens). */
  scopeOn?: readonly number[];
}

/** The default hint of a permission problem. */
export const SCOPE_HINT: string =
  "Check the token (ALFRED_GITHUB_TOKEN, GITHUB_TOKEN or `gh auth status`) may write issues of this " +
  "repository (fine-grained: Issues: Read and write; classic: repo).";

interface ErrorShape {
  status?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * Describes an error thrown by an octokit request (pure): its status, cause,
 * a short detail and the hint for that cause.
 *
 * @param error What the request threw (after Alfred's own retries).
 * @param options The timeout and the permission hint of this call.
 * @returns The description.
 */
export function describeGitHubFailure(
  error: unknown,
  options: DescribeOptions = {},
): FailureDescription {
  const shape = (typeof error === "object" && error !== null ? error : {}) as ErrorShape;
  const status = typeof shape.status === "number" ? shape.status : 0;
  // octokit appends the documentation URL to GitHub's message: keep the message.
  const message = (typeof shape.message === "string" ? shape.message : String(error))
    .replace(/ - https?:\/\/\S+$/, "");
  const response = shape.response;
  const scopeOn = options.scopeOn ?? [403];
  if (!response) {
    if (isTimeout(shape)) {
      const seconds = options.timeoutMs ? ` within ${Math.round(options.timeoutMs / 1000)} s` : "";
      return {
        status: 0,
        cause: "timeout",
        detail: `no reply${seconds}`,
        hint: "GitHub or the network was slow; nothing to fix unless it repeats (then check the " +
          "connection and https://www.githubstatus.com). The next firing retries.",
      };
    }
    return {
      status: 0,
      cause: "network",
      detail: `could not reach GitHub: ${causeMessage(shape) ?? message}`,
      hint: "Check the network, DNS or proxy, and ALFRED_GITHUB_API_URL when it is set; " +
        "the next firing retries.",
    };
  }
  const headers = response.headers ?? {};
  const limit = rateLimitOf({ status, headers, message });
  if (limit) {
    return {
      status,
      cause: limit.limit === "primary" ? "primary-limit" : "secondary-limit",
      detail: `${limit.limit} rate limit (${status})`,
      hint: limit.limit === "primary"
        ? "The token used up its hourly GitHub requests; Alfred waits for the reset. Nothing to do " +
          "unless it repeats (then fire agents less often, or give them separate tokens)."
        : "GitHub's secondary rate limit (too many writes in a short time); Alfred waits as GitHub " +
          "asks. Nothing to do unless it repeats.",
    };
  }
  if (status >= 500) {
    return {
      status,
      cause: "server",
      detail: `${status} from GitHub`,
      hint: "A fault on GitHub's side (https://www.githubstatus.com); nothing to fix here. " +
        "The next firing retries.",
    };
  }
  if (status === 401) {
    return {
      status,
      cause: "auth",
      detail: "401: the token was refused",
      hint: "The token is wrong, expired or revoked: set ALFRED_GITHUB_TOKEN to a valid token, " +
        "or run `gh auth login`.",
    };
  }
  if (scopeOn.includes(status)) {
    return {
      status,
      cause: "scope",
      detail: `${status}: ${message}`,
      hint: options.scopeHint ?? SCOPE_HINT,
    };
  }
  if (status === 404) {
    return {
      status,
      cause: "not-found",
      detail: `404: ${message}`,
      hint: "Check the repository name in fleet.yaml, and that the token can see the repository.",
    };
  }
  return {
    status,
    cause: "refused",
    detail: `${status}: ${message}`,
    hint: "GitHub refused the request as sent; run again with --debug and report it if it repeats.",
  };
}

function isTimeout(shape: ErrorShape): boolean {
  const cause = shape.cause as { name?: unknown } | undefined;
  return shape.name === "TimeoutError" || cause?.name === "TimeoutError";
}

function causeMessage(shape: ErrorShape): string | undefined {
  const cause = shape.cause as { message?: unknown } | undefined;
  return typeof cause?.message === "string" ? cause.message : undefined;
}
