/**
 * Links from what a firing recorded (`owner/name#12`, a GitHub URL) to the
 * issue or pull request on GitHub (pure).
 *
 * @module
 */

/** github.com's web address. */
export const GITHUB_WEB_URL = "https://github.com";

/**
 * The web address of the GitHub the API URL belongs to: `api.github.com` is
 * github.com; GitHub Enterprise's `https://host/api/v3` is `https://host`.
 *
 * @param apiUrl The API base URL (runner/github/client.ts `apiUrlFrom`).
 * @returns The web address, without a trailing slash.
 */
export function webUrlOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return GITHUB_WEB_URL;
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/+$/, "")}`;
}

/**
 * A link to an issue or pull request a firing recorded.
 *
 * @param ref What the firing recorded: an http(s) URL, or `owner/name#n`.
 * @param webUrl The GitHub web address.
 * @returns The link, or `null` when `ref` names nothing on GitHub.
 */
export function linkOf(ref: string | null, webUrl: string): string | null {
  if (!ref) return null;
  if (/^https?:\/\/[^\s"'<>]+$/.test(ref)) return ref;
  const short = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#(\d+)$/.exec(ref);
  return short ? `${webUrl}/${short[1]}/issues/${short[2]}` : null;
}
