/**
 * The review comment of Ra's al Ghul: how it is written and how it is read
 * back (by Ra's al Ghul itself, to never review a commit twice, and by
 * Nightwing, to find the P0/P1 findings to fix). One module owns the format,
 * so the writer and its readers cannot drift.
 *
 * A review is ONE issue comment on the pull request, never edited:
 *
 * ```text
 * <!-- alfred:review codename=rasalghul firing=… ts=… host=… pr=12 sha=<40 hex> blocking=1 -->
 * **Ra's al Ghul** reviewed `0123456` (head of #12): 1 blocking finding (P0/P1), 2 in all.
 *
 * ### Findings
 *
 * - [P1] runner/foo.ts:42 — the lock is released before the write completes
 * - [P3] (general) — the description does not say how it was tested
 *
 * ### Summary
 *
 * One paragraph from the reviewer.
 * ```
 *
 * Finding line grammar (in the `### Findings` section of a comment; anywhere
 * in an engine's final text):
 *
 * ```text
 * finding  = "- [" severity "] " location " — " text
 * severity = "P0" / "P1" / "P2" / "P3"
 * location = "(general)" / path [ ":" line [ "-" line ] ]
 * ```
 *
 * The reader also accepts `*` or `+` bullets, `**[P1]**`, a location in
 * backticks, and ` – `, ` -- ` or ` - ` as the separator. A finding's id is
 * its 1-based ordinal (`index`) in the comment.
 *
 * A review is read only from a comment created by one of Alfred's own
 * accounts (runner/claims/trust.ts): anyone can comment on a pull request, and
 * a forged review must never become work for Nightwing or stop Ra's al Ghul
 * from reviewing a commit.
 *
 * @module
 */
import {
  type AuthoredText,
  formatMarker,
  parseMarkers,
  type ReviewMarker,
  Severity,
} from "../claims/markers.ts";
import type { TrustedAuthors } from "../claims/trust.ts";

/** The codename that writes reviews. */
export const REVIEWER_CODENAME = "rasalghul";

/** Severities, most severe first. */
export const SEVERITIES: readonly Severity[] = Severity.options;

/** Severities that block: Nightwing fixes these. */
export const BLOCKING_SEVERITIES: readonly Severity[] = ["P0", "P1"];

/** One finding of a review. */
export interface ReviewFinding {
  /** 1-based ordinal of the finding in its text (the finding's id within a comment). */
  index: number;
  /** P0 (most severe) to P3. */
  severity: Severity;
  /** Repository-relative path; undefined for a general finding. */
  path?: string;
  /** First line, when the finding points at one. */
  line?: number;
  /** Last line of a range. */
  endLine?: number;
  /** What is wrong and, ideally, what to do (one line). */
  text: string;
}

/** A finding to write (its index is given when written). */
export type NewFinding = Omit<ReviewFinding, "index">;

/** A review comment read back. */
export interface ParsedReview {
  /** The comment's `review` marker. */
  marker: ReviewMarker;
  /** The findings of its `### Findings` section, in order. */
  findings: ReviewFinding[];
}

/** What {@linkcode formatReviewComment} writes. */
export interface ReviewReport {
  /** The writing firing. */
  firing: string;
  /** When (ISO 8601 UTC). */
  ts: string;
  /** The host. */
  host: string;
  /** The pull request number. */
  pr: number;
  /** The full head commit reviewed. */
  sha: string;
  /** The findings (any order: they are written most severe first). */
  findings: readonly NewFinding[];
  /** The reviewer's summary (Markdown). */
  summary: string;
}

const MAX_FINDING_CHARS = 600;
const MAX_SUMMARY_CHARS = 4_000;
const BULLET = String.raw`^\s*[-*+]\s+\**\[(P[0-3])\]\**\s+`;
const FULL_LINE = new RegExp(`${BULLET}(\\S+)\\s+(?:—|–|--|-)\\s+(.+?)\\s*$`);
const BARE_LINE = new RegExp(`${BULLET}(.+?)\\s*$`);
const LOCATION = /^(.+?)(?::(\d+)(?:-(\d+))?)?$/;

/**
 * Reads the findings of a text: every line shaped like a finding, in order
 * (pure). A line with a severity but no location is a general finding.
 *
 * @example Usage
 * ```ts
 * import { parseFindingLines } from "./findings.ts";
 * const [finding] = parseFindingLines("- [P1] src/a.ts:4 — off by one");
 * // finding.severity === "P1", finding.path === "src/a.ts", finding.line === 4
 * ```
 *
 * @param text Any text (a comment's findings section, an engine's final text).
 * @returns The findings, numbered from 1.
 */
export function parseFindingLines(text: string): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  for (const raw of text.split("\n")) {
    const full = FULL_LINE.exec(raw);
    const location = full ? locationOf(full[2]) : undefined;
    if (full && location) {
      out.push({
        index: out.length + 1,
        severity: full[1] as Severity,
        ...location,
        text: full[3],
      });
      continue;
    }
    const bare = BARE_LINE.exec(raw);
    if (bare) out.push({ index: out.length + 1, severity: bare[1] as Severity, text: bare[2] });
  }
  return out;
}

/** A location token: `(general)`, `path`, `path:12` or `path:12-14`; undefined when it is prose. */
function locationOf(
  token: string,
): { path?: string; line?: number; endLine?: number } | undefined {
  const bare = token.replace(/^`(.*)`$/, "$1");
  if (/^\(?general\)?$/i.test(bare)) return {};
  // A path has a slash or a dot (`src/a.ts`, `README.md`, `Makefile:3`); a word does not.
  if (!/[./]/.test(bare) && !/:\d+/.test(bare)) return undefined;
  const match = LOCATION.exec(bare);
  if (!match) return undefined;
  const path = match[1].replace(/^\.\//, "");
  return {
    path,
    ...(match[2] ? { line: Number(match[2]) } : {}),
    ...(match[3] ? { endLine: Number(match[3]) } : {}),
  };
}

/**
 * Writes one finding line (pure): `- [P1] path:42 — text`, on one line, with
 * anything that could open an HTML comment (a fake marker) escaped.
 *
 * @param finding The finding.
 * @returns The line.
 */
export function formatFindingLine(finding: NewFinding): string {
  const path = finding.path && /^\S+$/.test(finding.path) ? finding.path : undefined;
  const where = path
    ? `${path}${
      finding.line ? `:${finding.line}${finding.endLine ? `-${finding.endLine}` : ""}` : ""
    }`
    : "(general)";
  const text = escapeComments(finding.text.replace(/\s+/g, " ").trim()) || "(no text)";
  return `- [${finding.severity}] ${where} — ${capped(text, MAX_FINDING_CHARS)}`;
}

/**
 * Orders findings most severe first, keeping the given order within a
 * severity (pure).
 *
 * @param findings The findings.
 * @returns A new, sorted array.
 */
export function sortFindings<T extends NewFinding>(findings: readonly T[]): T[] {
  return findings
    .map((finding, order) => ({ finding, order }))
    .sort((a, b) =>
      SEVERITIES.indexOf(a.finding.severity) - SEVERITIES.indexOf(b.finding.severity) ||
      a.order - b.order
    )
    .map(({ finding }) => finding);
}

/**
 * The findings that block a merge: P0 and P1 (pure).
 *
 * @param findings Findings of a review.
 * @returns Those with severity P0 or P1, in order.
 */
export function blockingFindings<T extends NewFinding>(findings: readonly T[]): T[] {
  return findings.filter((finding) => BLOCKING_SEVERITIES.includes(finding.severity));
}

/**
 * Writes the review comment (pure).
 *
 * @example Usage
 * ```ts
 * import { formatReviewComment } from "./findings.ts";
 * const body = formatReviewComment({
 *   firing: "20261127T091500123Z-a1b2c3", ts: "2026-11-27T09:15:00.123Z", host: "studio",
 *   pr: 12, sha: "0123456789abcdef0123456789abcdef01234567",
 *   findings: [{ severity: "P1", path: "src/a.ts", line: 4, text: "off by one" }],
 *   summary: "Small and focused.",
 * });
 * ```
 *
 * @param review The pull request, commit, findings and summary.
 * @returns The comment's Markdown, marker first.
 * @throws {MarkerError} when a marker field is invalid (e.g. a short sha).
 */
export function formatReviewComment(review: ReviewReport): string {
  const findings = sortFindings(review.findings);
  const blocking = blockingFindings(findings).length;
  const marker = formatMarker({
    kind: "review",
    codename: REVIEWER_CODENAME,
    firing: review.firing,
    ts: review.ts,
    host: review.host,
    pr: review.pr,
    sha: review.sha,
    blocking,
  });
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const headline =
    `**Ra's al Ghul** reviewed \`${review.sha.slice(0, 7)}\` (head of #${review.pr}): ` +
    (findings.length === 0
      ? "no findings."
      : `${plural(blocking, "blocking finding")} (P0/P1), ${findings.length} in all.`);
  const summary = capped(escapeComments(review.summary.trim()), MAX_SUMMARY_CHARS);
  return [
    marker,
    headline,
    "",
    "### Findings",
    "",
    ...(findings.length ? findings.map(formatFindingLine) : ["- none"]),
    "",
    "### Summary",
    "",
    summary || "(no summary)",
    "",
  ].join("\n");
}

/**
 * Reads a review comment (pure apart from noting a foreign author in
 * `trusted`): it must be created by a trusted account, and its first marker
 * must be a valid `review` marker; the findings come from its `### Findings`
 * section only (up to the next heading), so nothing in the summary can pose as
 * a finding.
 *
 * @param comment A comment: its body and author.
 * @param trusted The accounts whose markers count.
 * @returns The review, or `undefined` when the comment is not one (or not trusted).
 */
export function parseReviewComment(
  comment: AuthoredText,
  trusted: TrustedAuthors,
): ParsedReview | undefined {
  const body = comment.body;
  const [marker] = parseMarkers(comment, trusted);
  if (!marker || marker.kind !== "review") return undefined;
  const lines = body.split("\n");
  const start = lines.findIndex((line) => /^#{1,6}\s+Findings\s*$/i.test(line.trim()));
  if (start < 0) return { marker, findings: [] };
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#{1,6}\s/.test(line.trim()));
  return {
    marker,
    findings: parseFindingLines(rest.slice(0, end < 0 ? undefined : end).join("\n")),
  };
}

/** A review comment found among a pull request's comments. */
export interface FoundReview extends ParsedReview {
  /** The comment's id. */
  commentId: number;
}

/**
 * Every review comment of a trusted author among a pull request's comments, in
 * comment order (oldest first).
 *
 * @param comments The comments (`GET /repos/{o}/{r}/issues/{pr}/comments`).
 * @param trusted The accounts whose markers count.
 * @returns The reviews with their comment ids.
 */
export function reviewsOf(
  comments: readonly (AuthoredText & { id: number })[],
  trusted: TrustedAuthors,
): FoundReview[] {
  return [...comments]
    .sort((a, b) => a.id - b.id)
    .flatMap((comment) => {
      const review = parseReviewComment(comment, trusted);
      return review ? [{ ...review, commentId: comment.id }] : [];
    });
}

/**
 * The newest review of a pull request by a trusted author, optionally of one head commit.
 *
 * @param comments The pull request's comments.
 * @param trusted The accounts whose markers count.
 * @param options `sha`: only a review of this commit counts.
 * @returns The review, or `undefined`.
 */
export function latestReview(
  comments: readonly (AuthoredText & { id: number })[],
  trusted: TrustedAuthors,
  options: { sha?: string } = {},
): FoundReview | undefined {
  return reviewsOf(comments, trusted)
    .filter((review) => options.sha === undefined || review.marker.sha === options.sha)
    .at(-1);
}

/**
 * Splits an engine's final review text into findings and summary (pure): the
 * findings are its finding lines; the summary is what is left after removing
 * them, the `Findings`/`Summary` headings, a `- none` line and sentinel lines.
 *
 * @param text The engine's final text.
 * @returns The findings and the summary.
 */
export function parseEngineReview(text: string): { findings: ReviewFinding[]; summary: string } {
  const findings = parseFindingLines(text);
  const summary = text.split("\n")
    .filter((line) =>
      !BARE_LINE.test(line) &&
      !/^\s*#{1,6}\s+(Findings|Summary)\s*$/i.test(line) &&
      !/^\s*[-*+]\s+none\.?\s*$/i.test(line) &&
      !/^\s*\[[A-Z][A-Z0-9-]*\]/.test(line)
    )
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { findings, summary };
}

/**
 * Escapes `<!--` and `-->` so that text from an engine or a person can never
 * add a marker (or hide text) in a comment Alfred posts (pure).
 *
 * @param text Any text.
 * @returns The text with HTML comment delimiters escaped.
 */
export function escapeComments(text: string): string {
  return text.replaceAll("<!--", "&lt;!--").replaceAll("-->", "--&gt;");
}

function capped(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
