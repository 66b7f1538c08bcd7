/**
 * Where the GitHub client's token and API address come from: the environment,
 * then the GitHub CLI. Kept apart from the client (octokit) so that a firing
 * can find its token's backoff without loading octokit.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { EnvReader } from "../paths.ts";
import { ProgramNotFoundError, runCapture } from "../process.ts";

/** The public API; GitHub Enterprise Server uses `https://<host>/api/v3`. */
export const DEFAULT_API_URL = "https://api.github.com";

/**
 * Resolves the API base URL from `ALFRED_GITHUB_API_URL`.
 *
 * @param env Reads `ALFRED_GITHUB_API_URL`.
 * @returns The URL without a trailing slash; {@linkcode DEFAULT_API_URL} when unset.
 * @throws {ConfigError} when the variable is not an http(s) URL.
 */
export function apiUrlFrom(env: EnvReader): string {
  const raw = env("ALFRED_GITHUB_API_URL")?.trim();
  if (!raw) return DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ConfigError(`ALFRED_GITHUB_API_URL is not a URL (got "${raw}")`, {
      hint: "Set it to https://api.github.com or https://<host>/api/v3 for GitHub Enterprise.",
      cause: error,
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`ALFRED_GITHUB_API_URL must be http(s) (got "${raw}")`, {
      hint: "Set it to https://api.github.com or https://<host>/api/v3 for GitHub Enterprise.",
    });
  }
  return raw.replace(/\/+$/, "");
}

/**
 * Finds the GitHub token: `ALFRED_GITHUB_TOKEN`, then `GITHUB_TOKEN`, then `gh auth token`.
 *
 * @param env Reads the two variables.
 * @param options `tokenFromGh` replaces the `gh` call.
 * @returns The token.
 * @throws {ConfigError} when no token is found anywhere.
 */
export async function resolveToken(
  env: EnvReader,
  options: { tokenFromGh?: () => Promise<string | undefined> } = {},
): Promise<string> {
  const fromEnv = env("ALFRED_GITHUB_TOKEN")?.trim() || env("GITHUB_TOKEN")?.trim();
  if (fromEnv) return fromEnv;
  const fromGh = (await (options.tokenFromGh ?? (() => ghAuthToken(env)))())?.trim();
  if (fromGh) return fromGh;
  throw new ConfigError("no GitHub token: ALFRED_GITHUB_TOKEN and GITHUB_TOKEN are unset", {
    hint: "Run `gh auth login`, or set ALFRED_GITHUB_TOKEN to a token that may write issues.",
  });
}

/** The variables `gh` needs to find its own configuration. */
const GH_ENV = ["HOME", "PATH", "XDG_CONFIG_HOME", "GH_CONFIG_DIR", "GH_HOST", "LANG"];

/**
 * Asks the GitHub CLI for its token (`gh auth token`), through runner/process.ts.
 *
 * Requires `--allow-run=gh`.
 *
 * @param env Reads the variables `gh` needs (HOME, PATH, its config dirs).
 * @returns The token, or `undefined` when `gh` is missing or not logged in.
 */
export async function ghAuthToken(env: EnvReader): Promise<string | undefined> {
  const childEnv = Object.fromEntries(
    GH_ENV.flatMap((name) => {
      const value = env(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  try {
    const output = await runCapture("gh", ["auth", "token"], {
      cwd: env("HOME") ?? "/",
      env: childEnv,
      timeoutMs: 10_000,
    });
    if (output.code !== 0) return undefined;
    return output.stdout.trim() || undefined;
  } catch (error) {
    if (error instanceof ProgramNotFoundError) return undefined;
    throw error;
  }
}
