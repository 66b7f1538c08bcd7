/**
 * `GET /api/v1/fleet`: the fleet view of runner/control (what `alfred status`
 * shows) in the API's shape, plus the firing each agent has in flight.
 *
 * @module
 */
import { type FleetView, type OperatorContext, readFleetView } from "../runner/control/mod.ts";
import type { PauseEntry } from "../runner/firing/mod.ts";
import { type InFlight, readInFlight } from "./in_flight.ts";

/** A pause in the API. */
export interface ApiPause {
  /** Why. */
  reason: string;
  /** Since when. */
  since: string;
  /** Until when, or null until resumed. */
  until: string | null;
  /** The operator, or the agent itself (a cap or a failure streak). */
  by: "operator" | "auto";
}

/** One agent in `GET /api/v1/fleet`. */
export interface ApiAgent {
  /** Codename. */
  codename: string;
  /** Whether fleet.yaml enables it. */
  enabled: boolean;
  /** What a firing of it does now. */
  state: "enabled" | "disabled" | "paused" | "auto-paused";
  /** The pause that holds it, if any (its own or the fleet's). */
  paused: { reason: string; until: string | null; by: "operator" | "auto" } | null;
  /** Its schedule, as in fleet.yaml. */
  schedule: string;
  /** When the installed scheduler fires it next; null when unknown or not installed. */
  next_fire: string | null;
  /** Its last recorded firing. */
  last_firing: {
    id: string;
    outcome: string;
    started_at: string;
    ended_at: string;
    cost_usd: number;
    error: string | null;
  } | null;
  /** Today's figures (the operator's day), or null when the ledger is unreadable. */
  today: { firings: number; turns: number; cost_usd: number } | null;
  /** Why today's ledger could not be read. */
  ledger_problem: string | null;
  /** The daily caps; null where none is set. */
  caps: {
    firings_per_day: number | null;
    turns_per_day: number | null;
    cost_usd_per_day: number | null;
  };
  /** Failures in a row. */
  consecutive_failures: number;
  /** The firing running now, if any. */
  in_flight: InFlight | null;
}

/** `GET /api/v1/fleet`. */
export interface ApiFleet {
  /** When this was read. */
  generated_at: string;
  /** Today in the operator's time zone, and the zone. */
  day: string;
  /** The operator's time zone. */
  timezone: string;
  /** Every agent, in fleet.yaml order. */
  agents: ApiAgent[];
  /** The fleet-wide block in force. */
  block: { until: string; reason: string; set_by: string } | null;
  /** The pauses in force. */
  pauses: {
    fleet: ApiPause | null;
    agents: Record<string, ApiPause>;
    repos: Record<string, ApiPause>;
  };
  /** The installed scheduler. */
  scheduler: { installed: boolean; platform: string | null; warnings: string[] };
  /** Installed agents that stopped firing. */
  missed_runs: { agent: string; last_firing: string | null; overdue_since: string }[];
  /** State files that could not be read (each left for the next firing to quarantine). */
  problems: string[];
}

/**
 * Reads the fleet for the API.
 *
 * @param context The operator's world.
 * @returns The fleet.
 * @throws {ConfigError} when fleet.yaml is invalid.
 */
export async function readApiFleet(context: OperatorContext): Promise<ApiFleet> {
  const view = await readFleetView(context);
  const inFlight = await readInFlight(context.layout, {
    agents: view.agents.map((agent) => agent.agent),
    now: context.now(),
  });
  return apiFleetOf(view, { inFlight, now: context.now() });
}

/**
 * Shapes a fleet view for the API (pure).
 *
 * @param view The fleet view.
 * @param options The firings in flight, by agent, and the clock.
 * @returns The API's fleet.
 */
export function apiFleetOf(
  view: FleetView,
  options: { inFlight: Map<string, InFlight>; now: Date },
): ApiFleet {
  const pause = (entry: PauseEntry): ApiPause => ({
    reason: entry.reason,
    since: entry.since,
    until: entry.until,
    by: entry.by,
  });
  const pauses = (entries: Record<string, PauseEntry>) =>
    Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, pause(entry)]));
  return {
    generated_at: options.now.toISOString(),
    day: view.day,
    timezone: view.timezone,
    agents: view.agents.map((agent): ApiAgent => {
      const today = "unreadable" in agent.today ? null : agent.today;
      return {
        codename: agent.agent,
        enabled: agent.enabled,
        state: agent.state === "paused" && agent.pausedBy === "auto" ? "auto-paused" : agent.state,
        paused: agent.state === "paused"
          ? { reason: agent.pausedReason ?? "", until: agent.pausedUntil, by: agent.pausedBy! }
          : null,
        schedule: agent.schedule,
        next_fire: agent.nextFiring,
        last_firing: agent.lastFiring && {
          id: agent.lastFiring.firingId,
          outcome: agent.lastFiring.outcome,
          started_at: agent.lastFiring.startedAt,
          ended_at: agent.lastFiring.endedAt,
          cost_usd: agent.lastFiring.costUsd,
          error: agent.lastFiring.error,
        },
        today: today && { firings: today.firings, turns: today.turns, cost_usd: today.costUsd },
        ledger_problem: "unreadable" in agent.today ? agent.today.unreadable : null,
        caps: {
          firings_per_day: today?.caps.firings ?? null,
          turns_per_day: today?.caps.turns ?? null,
          cost_usd_per_day: today?.caps.costUsd ?? null,
        },
        consecutive_failures: today?.consecutiveFailures ?? 0,
        in_flight: options.inFlight.get(agent.agent) ?? null,
      };
    }),
    block: view.block && {
      until: view.block.until,
      reason: view.block.reason,
      set_by: view.block.setBy,
    },
    pauses: {
      fleet: view.pauses.all && pause(view.pauses.all),
      agents: pauses(view.pauses.agents),
      repos: pauses(view.pauses.repos),
    },
    scheduler: {
      installed: view.scheduler !== null,
      platform: view.scheduler?.platform ?? null,
      warnings: view.scheduler?.warnings ?? [],
    },
    missed_runs: view.missedRuns.map((miss) => ({
      agent: miss.agent,
      last_firing: miss.lastFiring,
      overdue_since: miss.overdueSince,
    })),
    problems: [
      ...(view.blockFileProblem ? [`block file: ${view.blockFileProblem}`] : []),
      ...(view.pauseFileProblem ? [`pause file: ${view.pauseFileProblem}`] : []),
    ],
  };
}
