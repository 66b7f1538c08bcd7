/**
 * Findings of bot reviewers, read from a pull request's inline review
 * comments (pure). A bot's comment is a finding when its first line carries a
 * severity Alfred understands:
 *
 * - Codex (`chatgpt-codex-connector[bot]`):
 *   `**<sub><sub>![P1 Badge](https://img.shields.io/badge/P1-orange?style=flat)</sub></sub>  Title**`;
 * - CodeRabbit: `_🔴 Critical_` (P0) and `_🟠 Major_` (P1) among its labels;
 * - any bot writing `[P0]`/`[P1]` (Ra's al Ghul's style) at the start.
 *
 * A finding is open while the comment is not outdated (it still has a line
 * in the current diff), is not a reply, and no reply in its thread carries a
 * `review-fix` marker naming it (Nightwing's reply, created by one of Alfred's
 * own accounts: a forged reply closes nothing).
 *
 * Bot reviewers are GitHub Apps: `user.type` `Bot` and the `[bot]` suffix are
 * set by GitHub and cannot be taken by a person, and an App can comment only
 * on repositories an administrator installed it on. Their findings are
 * always on a line of the current diff (outdated comments are left out). Resolving a thread is
 * GraphQL-only, so a thread a human resolved without a reply still counts as
 * open: reply in the thread to close it for Nightwing.
 *
 * @module
 */
import { parseMarkers, type Severity } from "../claims/markers.ts";
import type { ReviewComment } from "../github/pulls.ts";
import type { TrustedAuthors } from "../claims/trust.ts";

/** One open finding of a bot reviewer. */
export interface BotFinding {
  /** The inline comment's id. */
  commentId: number;
  /** The bot. */
  login: string;
  /** P0 (most severe) to P3. */
  severity: Severity;
  /** The file. */
  path: string;
  /** The line in the current diff. */
  line?: number;
  /** The comment's title line, markup removed. */
  text: string;
}

/**
 * Whether a comment's author is a bot (pure): `user.type` `Bot`, or a login ending in `[bot]`.
 *
 * @param user The comment's user.
 * @returns `true` for a bot.
 */
export function isBot(user: ReviewComment["user"]): boolean {
  return !!user && (user.type === "Bot" || user.login.endsWith("[bot]"));
}

/**
 * The severity a bot's comment declares on its first lines (pure).
 *
 * @param body The comment's Markdown.
 * @returns The severity, or `undefined` when none is recognised.
 */
export function botSeverityOf(body: string): Severity | undefined {
  const head = body.slice(0, 400);
  const badge = /!\[(P[0-3]) Badge\]|img\.shields\.io\/badge\/(P[0-3])-/.exec(head);
  if (badge) return (badge[1] ?? badge[2]) as Severity;
  const bracket = /^\s*(?:[-*]\s+)?\**\[(P[0-3])\]/.exec(head);
  if (bracket) return bracket[1] as Severity;
  if (/_🔴 Critical_/u.test(head)) return "P0";
  if (/_🟠 Major_/u.test(head)) return "P1";
  if (/_🟡 Minor_/u.test(head)) return "P2";
  return undefined;
}

/**
 * The title of a bot's comment (pure): its first non-empty line without
 * images, HTML tags, emphasis and a leading severity.
 *
 * @param body The comment's Markdown.
 * @returns One line, at most 300 characters.
 */
export function botTitleOf(body: string): string {
  const line = body.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  const text = line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/\*\*|__/g, "")
    .replace(/^\s*(?:[-*]\s+)?\[P[0-3]\]\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  return (text || "(no title)").slice(0, 300);
}

/**
 * The open findings of bot reviewers among a pull request's inline review
 * comments, in comment order.
 *
 * @param comments The inline comments, replies included.
 * @param trusted The accounts whose `review-fix` replies close a finding.
 * @param options `severities`: which severities count (default P0 and P1).
 * @returns The open findings.
 */
export function openBotFindings(
  comments: readonly ReviewComment[],
  trusted: TrustedAuthors,
  options: { severities?: readonly Severity[] } = {},
): BotFinding[] {
  const wanted = options.severities ?? ["P0", "P1"];
  const fixed = new Set<number>();
  for (const comment of comments) {
    if (comment.in_reply_to_id === undefined) continue;
    for (const marker of parseMarkers(comment, trusted)) {
      if (marker.kind === "review-fix" && marker.review === comment.in_reply_to_id) {
        fixed.add(marker.review);
      }
    }
  }
  const out: BotFinding[] = [];
  for (const comment of [...comments].sort((a, b) => a.id - b.id)) {
    if (comment.in_reply_to_id !== undefined || !isBot(comment.user)) continue;
    if (comment.line === null || comment.line === undefined || fixed.has(comment.id)) continue;
    const severity = botSeverityOf(comment.body);
    if (!severity || !wanted.includes(severity)) continue;
    out.push({
      commentId: comment.id,
      login: comment.user?.login ?? "bot",
      severity,
      path: comment.path,
      line: comment.line,
      text: botTitleOf(comment.body),
    });
  }
  return out;
}
