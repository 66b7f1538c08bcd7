/**
 * Whose markers count. GitHub comments are Alfred's coordination protocol, and
 * on most repositories anyone may comment; a marker is therefore honoured only
 * in a comment (or issue body) created by one of Alfred's own accounts:
 *
 * - the account of the token this host uses, found with `GET /user`;
 * - the logins listed in `github.trusted_logins` of `fleet.yaml` (fleets whose
 *   hosts post as different accounts, or a GitHub App token, which has no user).
 *
 * A {@linkcode TrustedAuthors} can only be made here ({@linkcode TrustedAuthors.of},
 * {@linkcode resolveTrustedAuthors}), and every marker parser takes one
 * (runner/claims/markers.ts), so no caller can read a marker without the author
 * check. The set also collects the foreign marker-like comments it turned away,
 * for the firing to report once (runner/claims/foreign_markers.ts).
 *
 * **Cost.** The token's login is looked up lazily ({@linkcode trustSource}): a
 * firing that reads no marker (an idle poll) never asks. The answer is kept in
 * `state/github-login.json` under the SHA-256 of the API URL and the token (the
 * token itself is never written), with its ETag, and re-checked with a
 * conditional request (a 304 costs no rate limit) once every
 * {@linkcode LOGIN_RECHECK_MS}. So a host asks `GET /user` once per token and
 * then about once a day; a new token is looked up at once.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError, StateCorruptError } from "../errors.ts";
import type { Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";
import { GitHubApiError, type GitHubClient } from "../github/client.ts";
import { callApi } from "../github/rest.ts";

/** How long a looked-up login is used before it is re-checked (conditional, free when unchanged). */
export const LOGIN_RECHECK_MS = 24 * 60 * 60_000;

/** How many tokens' logins the cache keeps (a host rarely has more than one). */
const MAX_CACHED_TOKENS = 8;

/** One marker-like comment whose author is not trusted: logged, warned about, never acted on. */
export interface ForeignMarker {
  /** The issue or pull request it is on (its web address), or `(unknown)`. */
  readonly where: string;
  /** Who created the comment (`ghost` for a deleted account). */
  readonly author: string;
  /** The marker kinds it carried (`malformed` for a marker-shaped comment that does not parse). */
  readonly kinds: readonly string[];
}

/**
 * The accounts whose markers count, and the foreign markers seen so far.
 * Logins compare case-insensitively, as GitHub's do.
 */
export class TrustedAuthors {
  readonly #logins: ReadonlySet<string>;
  readonly #foreign = new Map<string, ForeignMarker>();

  private constructor(logins: Iterable<string>) {
    this.#logins = new Set([...logins].map((login) => login.toLowerCase()));
  }

  /**
   * A set of exactly these logins (tests, and {@linkcode resolveTrustedAuthors}).
   *
   * @example Usage
   * ```ts
   * import { TrustedAuthors } from "./trust.ts";
   * const trusted = TrustedAuthors.of(["alfred-bot"]);
   * trusted.trusts("Alfred-Bot"); // true
   * ```
   *
   * @param logins The trusted logins.
   * @returns The set.
   */
  static of(logins: Iterable<string>): TrustedAuthors {
    return new TrustedAuthors(logins);
  }

  /** The trusted logins, lower-cased and sorted. */
  get logins(): string[] {
    return [...this.#logins].sort();
  }

  /**
   * Whether a comment by `login` may speak in markers.
   *
   * @param login The comment's author; `undefined` or `null` (a deleted account) is never trusted.
   * @returns Whether it is one of the trusted accounts.
   */
  trusts(login: string | null | undefined): boolean {
    return !!login && this.#logins.has(login.toLowerCase());
  }

  /**
   * Records a marker-like comment by an untrusted author (once per place and author).
   *
   * @param found Where, who, and the kinds it carried.
   */
  noticeForeign(found: ForeignMarker): void {
    const key = `${found.where}\n${found.author.toLowerCase()}`;
    const known = this.#foreign.get(key);
    const kinds = [...new Set([...(known?.kinds ?? []), ...found.kinds])];
    this.#foreign.set(key, { where: found.where, author: found.author, kinds });
  }

  /** The foreign marker-like comments noticed, once per place and author, in the order seen. */
  get foreign(): ForeignMarker[] {
    return [...this.#foreign.values()];
  }
}

/** A trusted set resolved on first use, then kept for the firing. */
export interface TrustSource {
  /**
   * The trusted set; the first call resolves it (a cached login costs no request).
   * @throws {ConfigError} when no account can be trusted at all.
   * @throws {GitHubApiError} when the login cannot be looked up and none is cached.
   */
  get(): Promise<TrustedAuthors>;
  /** The set, if {@linkcode TrustSource.get} resolved it in this firing. */
  peek(): TrustedAuthors | undefined;
}

/**
 * Wraps a resolver so it runs at most once, on first use.
 *
 * @param resolve Resolves the set, e.g. `() => resolveTrustedAuthors(client, options)`.
 * @returns The lazy source.
 */
export function trustSource(resolve: () => Promise<TrustedAuthors>): TrustSource {
  let pending: Promise<TrustedAuthors> | undefined;
  let resolved: TrustedAuthors | undefined;
  return {
    get() {
      pending ??= resolve().then((trusted) => (resolved = trusted), (error) => {
        pending = undefined; // a failed lookup is tried again by the next caller
        throw error;
      });
      return pending;
    },
    peek: () => resolved,
  };
}

const LoginEntry = z.strictObject({
  /** The login; null when the token has no user (a GitHub App's installation token). */
  login: z.string().min(1).nullable(),
  /** The ETag of the `GET /user` reply, for the conditional re-check. */
  etag: z.string().min(1).optional(),
  /** When GitHub last confirmed it. */
  checked_at: z.iso.datetime(),
});
type LoginEntry = z.infer<typeof LoginEntry>;

/** `state/github-login.json`: each token's login, by SHA-256 of the API URL and the token. */
const LoginCache = z.strictObject({
  version: z.literal(1),
  tokens: z.record(z.string().regex(/^[0-9a-f]{64}$/), LoginEntry),
});
type LoginCache = z.infer<typeof LoginCache>;

/**
 * Where the logins of this host's tokens are kept.
 *
 * @param layout The home layout.
 * @returns `state/github-login.json`.
 */
export function loginCacheFile(layout: Layout): string {
  return `${layout.stateDir}/github-login.json`;
}

/** Options of {@linkcode resolveTrustedAuthors}. */
export interface ResolveTrustOptions {
  /** The token the client uses (only its SHA-256 is stored). */
  token: string;
  /** `github.trusted_logins` of `fleet.yaml`. */
  configured: readonly string[];
  /** The login cache, {@linkcode loginCacheFile}. */
  cacheFile: string;
  /** The clock. */
  now: () => Date;
  /** Receives one line per warning (a stale login used, a quarantined cache). */
  warn: (message: string) => void;
  /** Default {@linkcode LOGIN_RECHECK_MS}. */
  recheckMs?: number;
}

/**
 * Resolves the trusted set: the token's own login (cached, see the module
 * documentation) and the configured logins.
 *
 * Requires network access to the API (only when the cache is missing or due)
 * and read and write access to the cache file.
 *
 * @param client The GitHub client.
 * @param options The token, the configured logins, the cache file, the clock and a warning sink.
 * @returns The set.
 * @throws {ConfigError} when the token has no user (a GitHub App) and no login is configured.
 * @throws {GitHubApiError} when `GET /user` fails and no login is cached.
 */
export async function resolveTrustedAuthors(
  client: GitHubClient,
  options: ResolveTrustOptions,
): Promise<TrustedAuthors> {
  const { configured, cacheFile, now, warn, recheckMs = LOGIN_RECHECK_MS } = options;
  const key = await fingerprint(`${client.baseUrl}\n${options.token}`);
  const cache = await readLoginCache(cacheFile, warn);
  const cached = cache.tokens[key];
  let entry = cached;
  if (!cached || now().getTime() - Date.parse(cached.checked_at) >= recheckMs) {
    entry = await lookUpLogin(client, { cached, now, warn });
    await writeLoginCache(cacheFile, { cache, key, entry });
  }
  const logins = [...(entry?.login ? [entry.login] : []), ...configured];
  if (logins.length === 0) {
    throw new ConfigError(
      "the GitHub token has no user account (GET /user refused it: a GitHub App token?) " +
        "and github.trusted_logins is empty, so no marker could be trusted",
      {
        hint:
          'Add the account your token posts as to fleet.yaml, e.g.\ngithub:\n  trusted_logins: ["my-app[bot]"]',
      },
    );
  }
  return TrustedAuthors.of(logins);
}

/** `GET /user`, conditional on the cached ETag; keeps the cached login when GitHub cannot answer. */
async function lookUpLogin(
  client: GitHubClient,
  options: { cached: LoginEntry | undefined; now: () => Date; warn: (message: string) => void },
): Promise<LoginEntry> {
  const { cached, now } = options;
  const checkedAt = now().toISOString();
  try {
    const reply = await callApi("look up the token's account (GET /user)", {
      schema: z.object({ login: z.string().min(1), etag: z.string().optional() }),
      run: async () => {
        const response = await client.octokit.request("GET /user", {
          headers: cached?.etag ? { "if-none-match": cached.etag } : {},
        });
        return { login: response.data.login, etag: response.headers.etag };
      },
      hint: "Check the token (ALFRED_GITHUB_TOKEN, GITHUB_TOKEN or `gh auth status`) is valid.",
      hintOn: [401],
    });
    return { login: reply.login, etag: reply.etag, checked_at: checkedAt };
  } catch (error) {
    if (!(error instanceof GitHubApiError)) throw error;
    // Unchanged since the cached reply: free of rate limit, and the login stands.
    if (error.status === 304 && cached) return { ...cached, checked_at: checkedAt };
    // A GitHub App's installation token has no user: only the configured logins count.
    if (error.status === 403 && /not accessible by integration/i.test(error.message)) {
      return { login: null, checked_at: checkedAt };
    }
    if (cached && error.status !== 401) {
      options.warn(`${error.message}; trusting the login cached at ${cached.checked_at}`);
      return cached;
    }
    throw error;
  }
}

async function readLoginCache(file: string, warn: (message: string) => void): Promise<LoginCache> {
  const empty: LoginCache = { version: 1, tokens: {} };
  try {
    return await readState(file, LoginCache, {
      warn,
      hint: "Nothing is lost: the token's login is looked up again (one request).",
    }) ?? empty;
  } catch (error) {
    // Moved aside and reported: the login is looked up again.
    if (error instanceof StateCorruptError) return empty;
    throw error;
  }
}

async function writeLoginCache(
  file: string,
  options: { cache: LoginCache; key: string; entry: LoginEntry },
): Promise<void> {
  const others = Object.entries(options.cache.tokens)
    .filter(([key]) => key !== options.key)
    .sort(([, a], [, b]) => Date.parse(b.checked_at) - Date.parse(a.checked_at))
    .slice(0, MAX_CACHED_TOKENS - 1);
  const tokens = Object.fromEntries([[options.key, options.entry], ...others]);
  await writeState(file, LoginCache, { version: 1, tokens });
}

async function fingerprint(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
