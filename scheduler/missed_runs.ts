/**
 * Missed-run detection: an agent whose last firing is older than twice its
 * schedule's interval has missed runs (its timer is stopped, its binary is
 * gone, the machine slept through it…). Each miss is warned once: the
 * bookkeeping lives in `<stateDir>/missed-runs.json`.
 *
 * @module
 */
import { z } from "zod";
import { StateCorruptError } from "../runner/errors.ts";
import type { Layout } from "../runner/paths.ts";
import { readState, writeState } from "../runner/state.ts";

/** How many intervals may pass without a firing before a run counts as missed. */
export const MISSED_AFTER_INTERVALS = 2;

/** What detection needs to know about one agent. */
export interface MissedRunInput {
  /** The agent's codename. */
  readonly codename: string;
  /** Its schedule's longest gap, from `intervalSecondsOf`. */
  readonly intervalSeconds: number;
  /** Its last firing, if it ever fired. */
  readonly lastFiring: Date | undefined;
  /** When it was scheduled (install time); measures an agent that never fired. */
  readonly scheduledSince?: Date;
  /** Paused agents are expected not to fire and are never flagged. */
  readonly paused?: boolean;
}

/** An agent that missed runs. */
export interface MissedRun {
  /** The agent's codename. */
  readonly codename: string;
  /** Its last firing, or `undefined` when it never fired. */
  readonly lastFiring: Date | undefined;
  /** When the miss began: the reference time plus twice the interval. */
  readonly overdueSince: Date;
  /** The interval used, in seconds. */
  readonly intervalSeconds: number;
}

/**
 * Finds agents whose last firing is older than twice their interval.
 *
 * @param agents The agents with their intervals and last firings.
 * @param now The current time.
 * @returns The agents that missed runs, in input order. An agent that never
 *   fired counts from `scheduledSince`, and is skipped when that is unknown.
 */
export function findMissedRuns(agents: readonly MissedRunInput[], now: Date): MissedRun[] {
  const missed: MissedRun[] = [];
  for (const agent of agents) {
    if (agent.paused) continue;
    const reference = agent.lastFiring ?? agent.scheduledSince;
    if (!reference) continue;
    const overdueSince = new Date(
      reference.getTime() + MISSED_AFTER_INTERVALS * agent.intervalSeconds * 1000,
    );
    if (now.getTime() > overdueSince.getTime()) {
      missed.push({
        codename: agent.codename,
        lastFiring: agent.lastFiring,
        overdueSince,
        intervalSeconds: agent.intervalSeconds,
      });
    }
  }
  return missed;
}

/** One warned miss: which last firing it was about, and when the warning went out. */
export const WarnedMiss = z.strictObject({
  lastFiring: z.iso.datetime({ offset: true }).nullable(),
  warnedAt: z.iso.datetime({ offset: true }),
});

/** Schema of `state/missed-runs.json`. */
export const MissedRunState = z.strictObject({
  version: z.literal(1),
  warned: z.record(z.string(), WarnedMiss),
});
/** The parsed missed-run bookkeeping. */
export type MissedRunState = z.infer<typeof MissedRunState>;

/** Nothing warned yet. */
export const NO_MISSED_RUNS_WARNED: MissedRunState = Object.freeze({
  version: 1,
  warned: {},
}) as MissedRunState;

/**
 * Decides which misses to warn about: those not warned yet for the same last
 * firing. Agents that fired again are forgotten, so their next miss warns again.
 *
 * @param missed The current misses, from {@linkcode findMissedRuns}.
 * @param options The bookkeeping so far and the clock.
 * @returns The misses to warn about now, and the new bookkeeping.
 */
export function decideMissedRunWarnings(
  missed: readonly MissedRun[],
  options: { state: MissedRunState; now: Date },
): { warn: MissedRun[]; state: MissedRunState } {
  const warned: MissedRunState["warned"] = {};
  const warn: MissedRun[] = [];
  for (const miss of missed) {
    const lastFiring = miss.lastFiring?.toISOString() ?? null;
    const before = options.state.warned[miss.codename];
    if (before && before.lastFiring === lastFiring) {
      warned[miss.codename] = before;
      continue;
    }
    warn.push(miss);
    warned[miss.codename] = { lastFiring, warnedAt: options.now.toISOString() };
  }
  return { warn, state: { version: 1, warned } };
}

/**
 * Where the bookkeeping lives.
 *
 * @param layout The home layout.
 * @returns `<stateDir>/missed-runs.json`.
 */
export function missedRunsFile(layout: Layout): string {
  return `${layout.stateDir}/missed-runs.json`;
}

/**
 * Reads the bookkeeping, decides which misses to warn about, and records them
 * as warned before returning: a failed Slack post is not retried (at most once,
 * rather than on every firing).
 *
 * Requires read and write access to the state folder.
 *
 * @param layout The home layout.
 * @param options The current misses and the clock.
 * @returns The misses to warn about now.
 * @throws {StateCorruptError} never: a corrupt file is quarantined and counts as
 *   "nothing warned", so at worst a miss is warned twice.
 */
export async function missedRunsToWarn(
  layout: Layout,
  options: { missed: readonly MissedRun[]; now: Date; warn?: (message: string) => void },
): Promise<MissedRun[]> {
  const file = missedRunsFile(layout);
  let state: MissedRunState;
  try {
    state = await readState(file, MissedRunState, {
      warn: options.warn,
      now: () => options.now,
      hint: "Missed-run warnings may repeat once.",
    }) ?? NO_MISSED_RUNS_WARNED;
  } catch (error) {
    if (!(error instanceof StateCorruptError)) throw error;
    state = NO_MISSED_RUNS_WARNED;
  }
  const decision = decideMissedRunWarnings(options.missed, { state, now: options.now });
  const changed = JSON.stringify(decision.state) !== JSON.stringify(state);
  if (changed) await writeState(file, MissedRunState, decision.state);
  return decision.warn;
}
