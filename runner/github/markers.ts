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
 * kind   = "claim" / "release" / "race-yield" / "stale-release"
 * key    = 1*( "a"-"z" )
 * value  = 1*( any character except whitespace, and never containing "--" )
 * ```
 *
 * Keys may come in any order; unknown keys are ignored so that older firings
 * can read markers written by newer ones. A marker with an unknown kind, a
 * missing or malformed field is skipped by {@linkcode parseMarkers}.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError } from "../errors.ts";

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

/** `<!-- alfred:claim codename=… firing=… ts=… host=… queue=… -->`: a firing takes an issue. */
export const ClaimMarker = z.object({
  kind: z.literal("claim"),
  ...Common,
  /** The queue label the issue was taken from, restored when the claim is swept. */
  queue: Value,
});
/** A parsed claim marker. */
export type ClaimMarker = z.infer<typeof ClaimMarker>;

/** `<!-- alfred:release … outcome=… transition=… attempt=… [pr=…] -->`: the claimer lets go. */
export const ReleaseMarker = z.object({
  kind: z.literal("release"),
  ...Common,
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
export const RaceYieldMarker = z.object({
  kind: z.literal("race-yield"),
  ...Common,
  /** The firing id that holds the issue. */
  winner: Value,
});
/** A parsed race-yield marker. */
export type RaceYieldMarker = z.infer<typeof RaceYieldMarker>;

/**
 * `<!-- alfred:stale-release … released=… reason=… transition=… attempt=… -->`:
 * a sweeping firing (`firing`, `host`) released a claim it judged stale.
 */
export const StaleReleaseMarker = z.object({
  kind: z.literal("stale-release"),
  ...Common,
  /** The firing whose claim was released, or `none` for an orphan label. */
  released: Value,
  reason: StaleReason,
  transition: Value,
  attempt: Attempt,
});
/** A parsed stale-release marker. */
export type StaleReleaseMarker = z.infer<typeof StaleReleaseMarker>;

/** Any marker. */
export const Marker = z.discriminatedUnion("kind", [
  ClaimMarker,
  ReleaseMarker,
  RaceYieldMarker,
  StaleReleaseMarker,
]);
/** Any parsed marker. */
export type Marker = z.infer<typeof Marker>;

/** The kinds of marker, in the order of the grammar. */
export const MARKER_KINDS = ["claim", "release", "race-yield", "stale-release"] as const;

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
};

/** A marker could not be written because a field is invalid (a bug in the caller). */
export class MarkerError extends AlfredError {
  /**
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

/**
 * Reads every well-formed marker in a text (a comment body or a document).
 *
 * @example Usage
 * ```ts
 * import { parseMarkers } from "./markers.ts";
 * const [claim] = parseMarkers("<!-- alfred:claim codename=lucius firing=f1 " +
 *   "ts=2026-11-27T09:15:00.123Z host=studio queue=agent:implement -->");
 * // claim.kind === "claim"
 * ```
 *
 * @param text Any text.
 * @returns The markers in order of appearance; malformed ones are skipped.
 */
export function parseMarkers(text: string): Marker[] {
  return scanMarkers(text).flatMap((found) => (found.ok ? [found.marker] : []));
}

/** One marker-shaped comment found in a text, parsed or with the reason it is not valid. */
export type ScannedMarker =
  | { ok: true; marker: Marker; source: string }
  | { ok: false; reason: string; source: string };

/**
 * Finds every `<!-- alfred:… -->` comment in a text and parses each, keeping
 * the reason for those that are not valid (used by tests and diagnostics).
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
