/**
 * The activity log: what is happening in the fleet, as it happens.
 *
 * The event log (runner/firing/events.ts) keeps one record per finished firing. The
 * activity log keeps the moments in between, one JSON line each, in
 * `activity/YYYY-MM-DD.jsonl` (UTC day): a firing started, reached a step
 * (claimed an issue, opened a pull request, …), ended; the fleet or an agent
 * was paused or resumed; the fleet-wide block was set or cleared. The
 * dashboard streams it live and draws a firing's phase timeline from it; the
 * Slack listener follows a firing it started through it.
 *
 * Lines are appended with one `write` each on a file opened for appending,
 * so concurrent writers never interleave. A line that does not parse is
 * skipped by readers: the log is a view, never a source of truth.
 *
 * @module
 */
import { z } from "zod";
import type { Layout } from "../paths.ts";
import { appendJsonLine, parseJsonLines, readTextIfExists } from "../state.ts";

/** A firing step's name: lower-case words joined by dashes (`claimed`, `pr-opened`). */
export const StepName = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);

const base = {
  version: z.literal(1),
  at: z.iso.datetime({ offset: true }),
};

const firing = {
  ...base,
  agent: z.string(),
  firing_id: z.string(),
};

const target = z.strictObject({
  all: z.boolean(),
  agents: z.array(z.string()),
  repos: z.array(z.string()),
});

/** One line of the activity log. */
export const ActivityEvent = z.discriminatedUnion("type", [
  z.strictObject({
    ...firing,
    type: z.literal("firing-started"),
    host: z.string(),
    pid: z.number().int(),
    /** How the firing was started: by the scheduler, or by hand (`alfred fire`, dashboard, Slack). */
    by: z.enum(["scheduler", "hand"]),
  }),
  z.strictObject({
    ...firing,
    type: z.literal("step"),
    step: StepName,
    /** The step for a person, in one line. */
    text: z.string(),
    issue: z.string().optional(),
    pr: z.string().optional(),
    turns: z.number().int().nonnegative().optional(),
    cost_usd: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    ...firing,
    type: z.literal("firing-ended"),
    outcome: z.string(),
    turns: z.number().int().nonnegative(),
    cost_usd: z.number().nonnegative(),
    issue: z.string().nullable(),
    pr: z.string().nullable(),
    error: z.string().nullable(),
  }),
  z.strictObject({
    ...base,
    type: z.literal("paused"),
    target,
    reason: z.string(),
    by: z.enum(["operator", "auto"]),
    until: z.iso.datetime({ offset: true }).nullable(),
  }),
  z.strictObject({ ...base, type: z.literal("resumed"), target }),
  z.strictObject({
    ...base,
    type: z.literal("block-set"),
    until: z.iso.datetime({ offset: true }),
    reason: z.string(),
    set_by: z.string(),
  }),
  z.strictObject({ ...base, type: z.literal("block-cleared") }),
]);
/** A parsed activity line. */
export type ActivityEvent = z.infer<typeof ActivityEvent>;

/** An activity line before it is stamped with the schema version. */
export type NewActivity = WithoutVersion<ActivityEvent>;

type WithoutVersion<T> = T extends unknown ? Omit<T, "version"> : never;

/**
 * The activity file of a UTC day.
 *
 * @param layout The home layout.
 * @param day `YYYY-MM-DD` (UTC).
 * @returns `activity/<day>.jsonl`.
 */
export function activityFile(layout: Layout, day: string): string {
  return `${layout.activityDir}/${day}.jsonl`;
}

/**
 * Appends one line to the activity log (the file of the line's UTC day).
 *
 * @param layout The home layout.
 * @param event What happened.
 * @throws {z.ZodError} when the event does not fit the schema (a programming error).
 */
export async function appendActivity(layout: Layout, event: NewActivity): Promise<void> {
  const checked = ActivityEvent.parse({ version: 1, ...event });
  await Deno.mkdir(layout.activityDir, { recursive: true });
  await appendJsonLine(activityFile(layout, checked.at.slice(0, 10)), checked);
}

/**
 * Parses the text of an activity file, skipping lines that do not parse.
 *
 * @param text The file's text (whole lines; a trailing partial line is skipped).
 * @returns The events in file order.
 */
export function parseActivity(text: string): ActivityEvent[] {
  return parseJsonLines(text, ActivityEvent).values;
}

/**
 * Reads the activity of the UTC days from `since` to `until`, oldest first.
 *
 * @param layout The home layout.
 * @param options The window, and optionally one firing.
 * @returns The events in the window (by their `at`).
 */
export async function readActivity(
  layout: Layout,
  options: { since: Date; until: Date; firingId?: string },
): Promise<ActivityEvent[]> {
  const events: ActivityEvent[] = [];
  const from = options.since.getTime();
  const to = options.until.getTime();
  if (from > to) return events;
  const lastDay = options.until.toISOString().slice(0, 10);
  for (let t = from;; t += 86_400_000) {
    const day = new Date(Math.min(t, to)).toISOString().slice(0, 10);
    const text = (await readTextIfExists(activityFile(layout, day))) ?? "";
    for (const event of parseActivity(text)) {
      const at = Date.parse(event.at);
      if (at < from || at > to) continue;
      if (options.firingId && (!("firing_id" in event) || event.firing_id !== options.firingId)) {
        continue;
      }
      events.push(event);
    }
    if (day === lastDay) break;
  }
  return events;
}
