/**
 * Missed-run detection over the live state: which scheduled agents have not
 * fired for more than twice their interval, and which of those Slack has not
 * been told about yet.
 *
 * Only agents the scheduler installed are watched (an agent that is not
 * installed is not expected to fire); paused agents never count.
 *
 * @module
 */
import type { FleetConfig } from "../runner/config/mod.ts";
import { FiringEvent } from "../runner/firing/events.ts";
import { pauseOf, type PauseStateLike } from "../runner/firing/guard.ts";
import { withFileLock } from "../runner/firing/lock.ts";
import { agentStateDir, type Layout } from "../runner/paths.ts";
import { peekState } from "../runner/state.ts";
import { readManifest } from "./manifest.ts";
import { findMissedRuns, type MissedRun, missedRunsFile, missedRunsToWarn } from "./missed_runs.ts";
import { intervalSecondsOf, parseSchedule } from "./schedule.ts";

/**
 * Finds the installed, unpaused agents whose last firing is older than twice
 * their interval. Read-only.
 *
 * @param layout The home layout.
 * @param options The configuration, the pause state and the clock.
 * @returns The misses, in configuration order.
 */
export async function detectMissedRuns(
  layout: Layout,
  options: { config: FleetConfig; pause: PauseStateLike; now: Date },
): Promise<MissedRun[]> {
  const manifest = await readManifest(layout, { warn: () => {} });
  if (!manifest) return [];
  const installed = new Set(manifest.agents.map((agent) => agent.codename));
  const inputs = [];
  for (const agent of Object.values(options.config.agents)) {
    if (!installed.has(agent.codename) || !agent.enabled) continue;
    const last = await peekState(
      `${agentStateDir(layout, agent.codename)}/last-firing.json`,
      FiringEvent,
    );
    inputs.push({
      codename: agent.codename,
      intervalSeconds: intervalSecondsOf(parseSchedule(agent.schedule)),
      lastFiring: last.kind === "ok" ? new Date(last.value.ended_at) : undefined,
      scheduledSince: new Date(manifest.installedAt),
      paused: pauseOf(options.pause, agent.codename, options.now) !== undefined,
    });
  }
  return findMissedRuns(inputs, options.now);
}

/**
 * Detects misses and returns those not warned about yet, recording them as
 * warned (under a file lock, so concurrent firings of different agents warn once).
 *
 * @param layout The home layout.
 * @param options The configuration, the pause state and the clock.
 * @returns The misses to warn about now; usually none.
 */
export async function newMissedRuns(
  layout: Layout,
  options: {
    config: FleetConfig;
    pause: PauseStateLike;
    now: Date;
    warn?: (message: string) => void;
  },
): Promise<MissedRun[]> {
  const missed = await detectMissedRuns(layout, options);
  return await withFileLock(
    `${missedRunsFile(layout)}.lock`,
    () => missedRunsToWarn(layout, { missed, now: options.now, warn: options.warn }),
  );
}

/**
 * One line per miss, for Slack and `alfred status`.
 *
 * @param missed The misses.
 * @returns Text lines.
 */
export function describeMissedRuns(missed: readonly MissedRun[]): string[] {
  return missed.map((miss) =>
    `${miss.codename}: ${
      miss.lastFiring ? `last fired ${miss.lastFiring.toISOString()}` : "never fired"
    }, ` +
    `overdue since ${miss.overdueSince.toISOString()} (interval ${
      Math.round(miss.intervalSeconds / 60)
    } min)`
  );
}
