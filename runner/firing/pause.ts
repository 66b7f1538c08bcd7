/**
 * Which agents and repos are paused, and why.
 *
 * `state/paused.json` is the source of truth for pausing: the scheduler's timers
 * are stopped too, but a firing that starts anyway reads this file (through
 * runner/firing/guard.ts on the hot path) and stops with `[AGENT-PAUSED]`.
 *
 * A corrupt pause file is quarantined and replaced by "everything paused": the
 * operator's stop switch must never be lost to a bad write. `alfred resume --all`
 * lifts it.
 *
 * @module
 */
import { z } from "zod";
import type { Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";
import { StateCorruptError } from "../errors.ts";
import { withFileLock } from "./lock.ts";
export { pauseOf } from "./guard.ts";

/** One pause: why, since when, until when (if it lifts itself), and by whom. */
export const PauseEntry = z.strictObject({
  reason: z.string(),
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).nullable(),
  by: z.enum(["operator", "auto"]),
});
/** The parsed pause entry. */
export type PauseEntry = z.infer<typeof PauseEntry>;

/** Schema of `state/paused.json`. */
export const PauseFile = z.strictObject({
  version: z.literal(1),
  all: PauseEntry.nullable(),
  agents: z.record(z.string(), PauseEntry),
  repos: z.record(z.string(), PauseEntry),
});
/** The parsed pause file. */
export type PauseFile = z.infer<typeof PauseFile>;

/** The pause state when nothing is paused. */
export const NOTHING_PAUSED: PauseFile = Object.freeze({
  version: 1,
  all: null,
  agents: {},
  repos: {},
}) as PauseFile;

/**
 * Reads the pause state. A corrupt file becomes "everything paused" (see module doc).
 *
 * @param layout The home layout.
 * @param options The clock and a warning sink.
 * @returns The pause state; {@linkcode NOTHING_PAUSED} when the file is missing.
 */
export async function readPauseState(
  layout: Layout,
  options: { now?: Date; warn?: (message: string) => void } = {},
): Promise<PauseFile> {
  const now = options.now ?? new Date();
  try {
    return (await readState(layout.pauseFile, PauseFile, {
      warn: options.warn,
      now: () => now,
      hint: "Alfred paused the whole fleet to be safe; check the file, then `alfred resume --all`.",
    })) ?? NOTHING_PAUSED;
  } catch (error) {
    if (!(error instanceof StateCorruptError)) throw error;
    const state: PauseFile = {
      ...NOTHING_PAUSED,
      all: {
        reason: `pause file was corrupt (kept at ${error.quarantinedTo ?? "its place"})`,
        since: now.toISOString(),
        until: null,
        by: "auto",
      },
    };
    await writeState(layout.pauseFile, PauseFile, state);
    return state;
  }
}

/** What to pause or resume. */
export interface PauseTarget {
  /** The whole fleet. */
  all?: boolean;
  /** Agents by codename. */
  agents?: string[];
  /** Repos as `owner/name`. */
  repos?: string[];
}

/**
 * Pauses agents, repos or the whole fleet. Serialised with other writers.
 *
 * @param layout The home layout.
 * @param options What to pause, why, until when, by whom.
 * @returns The new pause state.
 */
export function pause(
  layout: Layout,
  options: PauseTarget & { reason: string; by: PauseEntry["by"]; until?: Date; now?: Date },
): Promise<PauseFile> {
  const now = options.now ?? new Date();
  const entry: PauseEntry = {
    reason: options.reason,
    since: now.toISOString(),
    until: options.until ? options.until.toISOString() : null,
    by: options.by,
  };
  return updatePauseState(layout, now, (state) => ({
    ...state,
    all: options.all ? entry : state.all,
    agents: {
      ...state.agents,
      ...Object.fromEntries((options.agents ?? []).map((a) => [a, entry])),
    },
    repos: { ...state.repos, ...Object.fromEntries((options.repos ?? []).map((r) => [r, entry])) },
  }));
}

/**
 * Lifts pauses. `all` lifts everything: the fleet-wide pause and every agent and repo pause.
 *
 * @param layout The home layout.
 * @param options What to resume.
 * @returns The new pause state.
 */
export function resume(layout: Layout, options: PauseTarget & { now?: Date }): Promise<PauseFile> {
  return updatePauseState(layout, options.now ?? new Date(), (state) => {
    if (options.all) return NOTHING_PAUSED;
    const agents = { ...state.agents };
    for (const agent of options.agents ?? []) delete agents[agent];
    const repos = { ...state.repos };
    for (const repo of options.repos ?? []) delete repos[repo];
    return { ...state, agents, repos };
  });
}

async function updatePauseState(
  layout: Layout,
  now: Date,
  change: (state: PauseFile) => PauseFile,
): Promise<PauseFile> {
  return await withFileLock(`${layout.pauseFile}.lock`, async () => {
    const next = change(await readPauseState(layout, { now }));
    await writeState(layout.pauseFile, PauseFile, next);
    return next;
  });
}
