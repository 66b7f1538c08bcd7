/**
 * The machine-readable markers Alfred leaves in issue comments: how they are
 * written and how they are read back. This one module owns the grammar, so
 * docs/STATE_MACHINE.md (whose examples are parsed by a test) and the code
 * cannot drift.
 *
 * Grammar (one marker per comment, anywhere in its body):
 *
 * ```text
 * marker = "<!-- alfred:" kind 1*( " " key "=" value ) " -->"
 * kind   = "claim" / "release" / "race-yield" / "stale-release" / "triage" / "review"
 *        / "filed" / "plan" / "review-fix" / "slack-draft"
 * key    = 1*( "a"-"z" )
 * value  = 1*( any character except whitespace, and never containing "--" )
 * ```
 *
 * Keys may come in any order; unknown keys are ignored so that older firings
 * can read markers written by newer ones. A marker with an unknown kind, a
 * missing or malformed field is skipped by {@linkcode parseMarkers}.
 *
 * **Who may speak.** A marker counts only in a text created by one of Alfred's
 * own accounts (runner/claims/trust.ts): {@linkcode parseMarkers} takes the
 * text with its author and the trusted set, and reads nothing from anyone
 * else; a marker-like comment by another author is noted in the set (the
 * firing logs and reports it once) and never acted on. GitHub's `user` of a
 * comment is the account that created it, so an admin's later edit of Alfred's
 * comment stays Alfred's comment, and a marker pasted into anyone else's
 * comment stays ignored.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError } from "../errors.ts";
import type { TrustedAuthors } from "./trust.ts";

/** A value of a marker field: no whitespace, no `--` (it would end the HTML comment). */
const Value = z.string().regex(/^\S+$/, "must not be empty or contain whitespace").refine(
  (value) => !value.includes("--"),
  "must not contain '--'",
);

/** The ISO-8601 UTC timestamp written by `Date.prototype.toISOString`. */
const Timestamp = z.iso.datetime();

/** Attempt numbers start at 1. */
const Attempt = z.coerce.number().int().positive();

/** What a release says about how the work ended. */
export const ReleaseOutcome = z.enum(["success", "failure", "aborted"]);
/** `success`: the work was delivered; `failure`: it counts as a failed attempt; `aborted`: the claim itself did not complete and does not count. */
export type ReleaseOutcome = z.infer<typeof ReleaseOutcome>;

/** Why a sweep released a claim. */
export const StaleReason = z.enum(["dead-firing", "expired", "orphan-label"]);
/**
 * `dead-firing`: this host's own firing died; `expired`: the claim is older than
 * the stale threshold and its firing is not alive; `orphan-label`: the issue
 * carried `agent:in-flight` with no open claim.
 */
export type StaleReason = z.infer<typeof StaleReason>;

const Common = {
  codename: Value,
  firing: Value,
  ts: Timestamp,
  host: Value,
};

/**
 * The schema of a marker a firing writes: its kind, the fields every such
 * marker has (codename, firing, ts, host), then its own.
 */
function firingMarker<const Kind extends string, Fields extends z.ZodRawShape>(
  kind: Kind,
  fields: Fields,
) {
  return z.object({ kind: z.literal(kind), ...Common, ...fields });
}

/** `<!-- alfred:claim codename=… firing=… ts=… host=… queue=… -->`: a firing takes an issue. */
export const ClaimMarker = firingMarker("claim", {
  /** The queue label the issue was taken from, restored when the claim is swept. */
  queue: Value,
});
/** A parsed claim marker. */
export type ClaimMarker = z.infer<typeof ClaimMarker>;

/** `<!-- alfred:release … outcome=… transition=… attempt=… [pr=…] -->`: the claimer lets go. */
export const ReleaseMarker = firingMarker("release", {
  outcome: ReleaseOutcome,
  /** The label the issue moved to. */
  transition: Value,
  /** Which attempt this was (failures counted from earlier release markers). */
  attempt: Attempt,
  /** The pull request opened, if any. */
  pr: Value.optional(),
});
/** A parsed release marker. */
export type ReleaseMarker = z.infer<typeof ReleaseMarker>;

/** `<!-- alfred:race-yield … winner=… -->`: a firing lost the race and leaves the issue. */
export const RaceYieldMarker = firingMarker("race-yield", {
  /** The firing id that holds the issue. */
  winner: Value,
});
/** A parsed race-yield marker. */
export type RaceYieldMarker = z.infer<typeof RaceYieldMarker>;

/**
 * `<!-- alfred:stale-release … released=… reason=… transition=… attempt=… -->`:
 * a sweeping firing (`firing`, `host`) released a claim it judged stale.
 */
export const StaleReleaseMarker = firingMarker("stale-release", {
  /** The firing whose claim was released, or `none` for an orphan label. */
  released: Value,
  reason: StaleReason,
  transition: Value,
  attempt: Attempt,
});
/** A parsed stale-release marker. */
export type StaleReleaseMarker = z.infer<typeof StaleReleaseMarker>;

/** A severity, P0 (most severe) to P3, used by triage (Robin) and review findings (Ra's al Ghul). */
export const Severity = z.enum(["P0", "P1", "P2", "P3"]);
/** One of {@linkcode Severity}. */
export type Severity = z.infer<typeof Severity>;

/** What Robin decided about an issue. */
export const TriageVerdict = z.enum(["ready", "needs-repro"]);
/** `ready`: handed to Lucius (`agent:implement`); `needs-repro`: Robin asked for reproduction details. */
export type TriageVerdict = z.infer<typeof TriageVerdict>;

/**
 * `<!-- alfred:triage … severity=… verdict=… -->`: Robin triaged an issue. An
 * issue carries at most one with `verdict=needs-repro`: Robin never asks twice.
 */
export const TriageMarker = firingMarker("triage", {
  severity: Severity,
  verdict: TriageVerdict,
});
/** A parsed triage marker. */
export type TriageMarker = z.infer<typeof TriageMarker>;

/**
 * `<!-- alfred:review … pr=… sha=… blocking=… -->`: Ra's al Ghul reviewed the
 * pull request `pr` at head commit `sha`, finding `blocking` P0/P1 findings.
 * One per reviewed commit; see runner/reviews/findings.ts for the comment around it.
 */
export const ReviewMarker = firingMarker("review", {
  /** The pull request's number. */
  pr: z.coerce.number().int().positive(),
  /** The full head commit reviewed (lower-case hex). */
  sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full hex commit id"),
  /** How many findings are P0 or P1. */
  blocking: z.coerce.number().int().nonnegative(),
});
/** A parsed review marker. */
export type ReviewMarker = z.infer<typeof ReviewMarker>;

/** An issue reference `owner/name#n`. */
const IssueRefValue = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+#\d+$/, {
  message: "must be owner/name#number",
});

/**
 * `<!-- alfred:filed codename=… firing=… [parent=owner/name#n] -->`: in the body
 * of an issue an agent filed (Drake's gaps, Batman's child issues with their parent).
 */
export const FiledMarker = z.object({
  kind: z.literal("filed"),
  codename: Value,
  firing: Value,
  /** The parent issue a child belongs to (Batman). */
  parent: IssueRefValue.optional(),
});
/** A parsed filed marker. */
export type FiledMarker = z.infer<typeof FiledMarker>;

/** `<!-- alfred:plan codename=… firing=… ts=… host=… -->`: Batman's rollout plan of a parent issue. */
export const PlanMarker = firingMarker("plan", {});
/** A parsed plan marker. */
export type PlanMarker = z.infer<typeof PlanMarker>;

/**
 * `<!-- alfred:review-fix … pr=… review=… findings=… sha=… -->`: Nightwing
 * fixed the findings `findings` (their 1-based indexes, comma-separated) of the
 * review comment `review` on pull request `pr`, in the commit `sha` it pushed.
 * A finding named in one is never fixed again.
 */
export const ReviewFixMarker = firingMarker("review-fix", {
  /** The pull request's number. */
  pr: z.coerce.number().int().positive(),
  /** The id of the review comment whose findings were fixed. */
  review: z.coerce.number().int().positive(),
  /** The fixed findings' indexes, e.g. `1,3`. */
  findings: z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/, "must be finding numbers like 1,3"),
  /** The head commit pushed with the fixes. */
  sha: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full hex commit id"),
});
/** A parsed review-fix marker. */
export type ReviewFixMarker = z.infer<typeof ReviewFixMarker>;

/**
 * `<!-- alfred:slack-draft draft=… channel=… message=… user=… -->`: in the body
 * of an issue filed from Slack once an operator approved the draft `draft`,
 * which `user` asked for in the message `message` (its ts) of `channel`.
 * Filing looks for it before it creates an issue, so a draft is filed once.
 */
export const SlackDraftMarker = z.object({
  kind: z.literal("slack-draft"),
  /** The draft's id. */
  draft: Value,
  /** The Slack channel (or DM) id of the `file` message. */
  channel: Value,
  /** The ts of the `file` message. */
  message: z.string().regex(/^\d+\.\d+$/, "must be a Slack message ts like 1700000000.000100"),
  /** The Slack user who asked. */
  user: Value,
});
/** A parsed slack-draft marker. */
export type SlackDraftMarker = z.infer<typeof SlackDraftMarker>;

/** Any marker. */
export const Marker = z.discriminatedUnion("kind", [
  ClaimMarker,
  ReleaseMarker,
  RaceYieldMarker,
  StaleReleaseMarker,
  TriageMarker,
  ReviewMarker,
  FiledMarker,
  PlanMarker,
  ReviewFixMarker,
  SlackDraftMarker,
]);
/** Any parsed marker. */
export type Marker = z.infer<typeof Marker>;

/** The kinds of marker, in the order of the grammar. */
export const MARKER_KINDS = [
  "claim",
  "release",
  "race-yield",
  "stale-release",
  "triage",
  "review",
  "filed",
  "plan",
  "review-fix",
  "slack-draft",
] as const;

/** Field order when writing, per kind (parsing accepts any order). */
const FIELD_ORDER: Record<Marker["kind"], readonly string[]> = {
  "claim": ["codename", "firing", "ts", "host", "queue"],
  "release": ["codename", "firing", "ts", "host", "outcome", "transition", "attempt", "pr"],
  "race-yield": ["codename", "firing", "ts", "host", "winner"],
  "stale-release": [
    "codename",
    "firing",
    "ts",
    "host",
    "released",
    "reason",
    "transition",
    "attempt",
  ],
  "triage": ["codename", "firing", "ts", "host", "severity", "verdict"],
  "review": ["codename", "firing", "ts", "host", "pr", "sha", "blocking"],
  "filed": ["codename", "firing", "parent"],
  "plan": ["codename", "firing", "ts", "host"],
  "review-fix": ["codename", "firing", "ts", "host", "pr", "review", "findings", "sha"],
  "slack-draft": ["draft", "channel", "message", "user"],
};

/** A marker could not be written because a field is invalid (a bug in the caller). */
export class MarkerError extends AlfredError {
  /**
   * Creates a {@linkcode MarkerError}.
   *
   * @param message Which field was wrong and why.
   */
  constructor(message: string) {
    super(message, {
      hint: "This is a bug in Alfred: a marker field must be a non-empty word without spaces.",
    });
    this.name = "MarkerError";
  }
}

const MARKER_PATTERN = /<!--\s*alfred:([a-z-]+)((?:\s+[a-z]+=\S+?)*)\s*-->/g;
const FIELD_PATTERN = /([a-z]+)=(\S+)/g;

/**
 * Writes one marker as an HTML comment (invisible in the rendered issue).
 *
 * @example Usage
 * ```ts
 * import { formatMarker } from "./markers.ts";
 * const text = formatMarker({
 *   kind: "claim", codename: "lucius", firing: "20261127T091500123Z-a1b2c3",
 *   ts: "2026-11-27T09:15:00.123Z", host: "studio", queue: "agent:implement",
 * });
 * // "<!-- alfred:claim codename=lucius firing=20261127T091500123Z-a1b2c3 ts=... -->"
 * ```
 *
 * @param marker The marker to write.
 * @returns `<!-- alfred:<kind> key=value … -->`.
 * @throws {MarkerError} when a field is empty, has whitespace or `--`.
 */
export function formatMarker(marker: Marker): string {
  const checked = Marker.safeParse(marker);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new MarkerError(
      `cannot write alfred:${marker.kind} marker: ${issue.path.join(".")} ${issue.message}`,
    );
  }
  const record = checked.data as Record<string, unknown>;
  const fields = FIELD_ORDER[checked.data.kind]
    .filter((key) => record[key] !== undefined)
    .map((key) => `${key}=${String(record[key])}`);
  return `<!-- alfred:${checked.data.kind} ${fields.join(" ")} -->`;
}

/** A text someone created on GitHub, with its author: a comment, or an issue's body. */
export interface AuthoredText {
  /** The Markdown. */
  readonly body: string;
  /** The account that created it (GitHub's `user`); null for a deleted account. */
  readonly user: { readonly login: string } | null | undefined;
  /** Its web address (GitHub's `html_url`), naming the issue in warnings. */
  readonly html_url?: string;
}

/**
 * Reads the well-formed markers of a text, if its author is trusted. A text by
 * anyone else yields none; when it holds something marker-shaped, it is noted
 * in `trusted` (see {@linkcode TrustedAuthors.noticeForeign}) for the firing to report.
 *
 * @example Usage
 * ```ts
 * import { parseMarkers } from "./markers.ts";
 * import { TrustedAuthors } from "./trust.ts";
 * const trusted = TrustedAuthors.of(["alfred-bot"]);
 * const body = "<!-- alfred:claim codename=lucius firing=f1 " +
 *   "ts=2026-11-27T09:15:00.123Z host=studio queue=agent:implement -->";
 * parseMarkers({ body, user: { login: "alfred-bot" } }, trusted).length; // 1
 * parseMarkers({ body, user: { login: "mallory" } }, trusted).length; // 0, and noted
 * ```
 *
 * @param source The text and who created it.
 * @param trusted The accounts whose markers count.
 * @returns The markers in order of appearance; none from an untrusted author;
 *   malformed ones are skipped.
 */
export function parseMarkers(source: AuthoredText, trusted: TrustedAuthors): Marker[] {
  const scanned = scanMarkers(source.body);
  if (scanned.length === 0) return [];
  if (!trusted.trusts(source.user?.login)) {
    trusted.noticeForeign({
      where: source.html_url?.replace(/#.*$/, "") || "(unknown)",
      author: source.user?.login ?? "ghost",
      kinds: scanned.map((found) => (found.ok ? found.marker.kind : "malformed")),
    });
    return [];
  }
  return scanned.flatMap((found) => (found.ok ? [found.marker] : []));
}

/**
 * Whether a text holds anything shaped like a marker, whoever wrote it. For
 * leaving Alfred's status comments out of a prompt only: it reads no field,
 * so nothing can be decided from it.
 *
 * @param text Any text.
 * @returns Whether it holds an `<!-- alfred:… -->` comment.
 */
export function hasMarkerShape(text: string): boolean {
  return new RegExp(MARKER_PATTERN.source).test(text);
}

/** One marker-shaped comment found in a text, parsed or with the reason it is not valid. */
export type ScannedMarker =
  | { ok: true; marker: Marker; source: string }
  | { ok: false; reason: string; source: string };

/**
 * Finds every `<!-- alfred:… -->` comment in a text and parses each, keeping
 * the reason for those that are not valid. This is the grammar alone: it does
 * not know who wrote the text, so nothing may act on its result. Code that
 * decides anything reads markers with {@linkcode parseMarkers} (a test checks
 * that no other module calls this one).
 *
 * @param text Any text.
 * @returns One entry per marker-shaped comment, in order.
 */
export function scanMarkers(text: string): ScannedMarker[] {
  const out: ScannedMarker[] = [];
  for (const match of text.matchAll(MARKER_PATTERN)) {
    const source = match[0];
    const kind = match[1];
    const fields: Record<string, string> = { kind };
    for (const field of match[2].matchAll(FIELD_PATTERN)) {
      if (!(field[1] in fields)) fields[field[1]] = field[2];
    }
    const parsed = Marker.safeParse(fields);
    if (parsed.success) {
      out.push({ ok: true, marker: parsed.data, source });
    } else {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? issue.path.join(".") : "kind";
      out.push({ ok: false, reason: `${where}: ${issue.message}`, source });
    }
  }
  return out;
}
