/**
 * Firing ids and the firing event log.
 *
 * Every firing gets a sortable id (`20261127T091500123Z-a1b2c3`: UTC time, then
 * random hex) and appends exactly one JSON line to `events/YYYY-MM-DD.jsonl`
 * (UTC day) when it ends. Each line is written with one `write` on a file
 * opened for appending, so concurrent firings never interleave lines. The last
 * firing of each agent is also kept in `state/<agent>/last-firing.json`, so
 * `alfred status` need not scan the log.
 *
 * @module
 */
import { z } from "zod";
import { agentStateDir, type Layout } from "../paths.ts";
import {
  appendJsonLine,
  parseJsonLines,
  readState,
  readTextIfExists,
  writeState,
} from "../state.ts";
import { StateCorruptError } from "../errors.ts";

/** The outcomes a firing can end with. */
export const Outcome = z.enum([
  "success",
  "silent",
  "idle",
  "already-implemented",
  "partial",
  "blocked",
  "no-sentinel",
  "max-turns",
  "rate-limited",
  "budget-exhausted",
  "overloaded",
  "auth-error",
  "timeout",
  "permission-denied",
  "failure",
  "crashed",
  "auto-paused",
  "dry-run",
  "github-backoff",
]);
/** One of {@linkcode Outcome}. */
export type Outcome = z.infer<typeof Outcome>;

/** One line of the event log. */
export const FiringEvent = z.strictObject({
  version: z.literal(1),
  agent: z.string(),
  firing_id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  started_at: z.iso.datetime({ offset: true }),
  ended_at: z.iso.datetime({ offset: true }),
  duration_ms: z.number().nonnegative(),
  outcome: Outcome,
  turns: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  issue: z.string().nullable(),
  pr: z.string().nullable(),
  error: z.string().nullable(),
  summary: z.string().nullable(),
  /** What the sandbox refused during the firing (docs/SANDBOX.md); absent when nothing. */
  denials: z.array(z.strictObject({
    kind: z.enum(["network", "file", "permission"]),
    detail: z.string(),
  })).optional(),
  /** What the operator should know, e.g. that the agent ran unconfined; absent when nothing. */
  warnings: z.array(z.string()).optional(),
});
/** A parsed event. */
export type FiringEvent = z.infer<typeof FiringEvent>;

/**
 * Makes a new firing id: sortable by time, unique across hosts.
 *
 * @param now The firing's start.
 * @returns e.g. `20261127T091500123Z-a1b2c3`.
 */
export function newFiringId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  const random = crypto.getRandomValues(new Uint8Array(3));
  return `${stamp}-${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The event log file of a UTC day.
 *
 * @param layout The home layout.
 * @param day `YYYY-MM-DD` (UTC).
 * @returns `events/<day>.jsonl`.
 */
export function eventLogFile(layout: Layout, day: string): string {
  return `${layout.eventsDir}/${day}.jsonl`;
}

/**
 * Appends one firing to the event log and updates the agent's last-firing file.
 *
 * @param layout The home layout.
 * @param event The firing's record.
 */
export async function recordFiring(layout: Layout, event: FiringEvent): Promise<void> {
  const checked = FiringEvent.parse(event);
  await Deno.mkdir(layout.eventsDir, { recursive: true });
  await appendJsonLine(eventLogFile(layout, checked.ended_at.slice(0, 10)), checked);
  await writeState(lastFiringFile(layout, checked.agent), FiringEvent, checked);
}

/**
 * The last recorded firing of an agent.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options A warning sink (a corrupt file is quarantined; the log still has it).
 * @returns The event, or `undefined`.
 */
export async function readLastFiring(
  layout: Layout,
  agent: string,
  options: { warn?: (message: string) => void } = {},
): Promise<FiringEvent | undefined> {
  try {
    return await readState(lastFiringFile(layout, agent), FiringEvent, options);
  } catch (error) {
    if (error instanceof StateCorruptError) return undefined;
    throw error;
  }
}

/**
 * Reads the events that ended in `[since, until]`, skipping (and counting) bad lines.
 *
 * @param layout The home layout.
 * @param options The window.
 * @returns The events, oldest first, and how many lines could not be parsed.
 */
export async function readEvents(
  layout: Layout,
  options: { since: Date; until: Date },
): Promise<{ events: FiringEvent[]; badLines: number }> {
  const events: FiringEvent[] = [];
  let badLines = 0;
  const days = new Set<string>();
  for (
    let t = options.since.getTime();
    t <= options.until.getTime() + 86_400_000;
    t += 86_400_000
  ) {
    const day = new Date(Math.min(t, options.until.getTime())).toISOString().slice(0, 10);
    days.add(day);
  }
  for (const day of [...days].sort()) {
    const text = await readTextIfExists(eventLogFile(layout, day));
    if (text === undefined) continue;
    const read = parseJsonLines(text, FiringEvent);
    badLines += read.badLines;
    for (const event of read.values) {
      const ended = Date.parse(event.ended_at);
      if (ended >= options.since.getTime() && ended <= options.until.getTime()) {
        events.push(event);
      }
    }
  }
  events.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
  return { events, badLines };
}

function lastFiringFile(layout: Layout, agent: string): string {
  return `${agentStateDir(layout, agent)}/last-firing.json`;
}
