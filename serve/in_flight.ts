/**
 * Which firings are running now: each agent's lock record (runner/firing/lock.ts),
 * read without taking the lock (taking it, even for an instant, could turn a
 * firing starting at that moment away), and the last step each has reported
 * in the activity log.
 *
 * A record left by a firing that died stays until the agent's next firing
 * takes the lock over; on Linux such a record is recognised by its process
 * being gone (`/proc/<pid>`), elsewhere by being older than a day.
 *
 * @module
 */
import { readActivity } from "../runner/firing/activity.ts";
import { LockRecord } from "../runner/firing/lock.ts";
import { type Layout, lockFile } from "../runner/paths.ts";
import { parseProblem, readTextIfExists } from "../runner/state.ts";

/** The longest a firing can run (fleet.yaml caps `timeout_minutes` at a day). */
const LONGEST_FIRING_MS = 24 * 3_600_000;

/** A firing in flight. */
export interface InFlight {
  /** Its id. */
  firing_id: string;
  /** When it started. */
  started_at: string;
  /** Its last reported step, if any. */
  step: { step: string; text: string; at: string } | null;
}

/**
 * The firings running now, by agent.
 *
 * @param layout The home layout.
 * @param options The agents to look at and the clock.
 * @returns The firing in flight of each agent that has one.
 */
export async function readInFlight(
  layout: Layout,
  options: { agents: string[]; now: Date },
): Promise<Map<string, InFlight>> {
  const running = new Map<string, InFlight>();
  for (const agent of options.agents) {
    const record = await readLockRecord(lockFile(layout, agent));
    if (!record || !(await isAlive(record, options.now))) continue;
    const activity = await readActivity(layout, {
      since: new Date(Date.parse(record.started_at) - 60_000),
      until: options.now,
      firingId: record.firing_id,
    });
    const last = activity.findLast((event) => event.type === "step");
    running.set(agent, {
      firing_id: record.firing_id,
      started_at: record.started_at,
      step: last?.type === "step" ? { step: last.step, text: last.text, at: last.at } : null,
    });
  }
  return running;
}

/**
 * Reads the record in a lock file without locking it.
 *
 * @param file The lock file.
 * @returns The holder's record; `undefined` when free (empty), missing or unreadable.
 */
export async function readLockRecord(file: string): Promise<LockRecord | undefined> {
  const text = await readTextIfExists(file);
  if (!text?.trim()) return undefined;
  const parsed = parseProblem(text, LockRecord);
  return parsed.ok ? parsed.value : undefined;
}

async function isAlive(record: LockRecord, now: Date): Promise<boolean> {
  if (now.getTime() - Date.parse(record.started_at) > LONGEST_FIRING_MS) return false;
  if (Deno.build.os !== "linux") return true;
  try {
    await Deno.stat(`/proc/${record.pid}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
