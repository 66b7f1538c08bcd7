/**
 * `GET /api/v1/report?days=N`: the reliability report of `alfred report`
 * (runner/report/report.ts), plus what the dashboard's charts plot: per agent and
 * day (the operator's time zone), firings, successes and cost.
 *
 * @module
 */
import { loadFleetConfig } from "../runner/config/config.ts";
import type { OperatorContext } from "../runner/control/mod.ts";
import { type FiringEvent, readEvents } from "../runner/firing/events.ts";
import { buildReport, type Report, tallyFirings } from "../runner/report/report.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";
import { dayOf } from "../runner/firing/spend.ts";

/** One agent's series: one value per day of {@linkcode DailySeries.days}. */
export interface AgentSeries {
  /** Firings that ended that day. */
  firings: number[];
  /** Of them, how many did work (not idle, silent, dry-run, auto-paused). */
  worked: number[];
  /** Of them, how many succeeded. */
  successes: number[];
  /** Successes over firings that worked; null on a day none worked. */
  success_rate: (number | null)[];
  /** Cost in US dollars. */
  cost_usd: number[];
}

/** The charts' data. */
export interface DailySeries {
  /** The days, oldest first (`YYYY-MM-DD`, the operator's time zone). */
  days: string[];
  /** Each agent of fleet.yaml, in its order. */
  agents: Record<string, AgentSeries>;
}

/** `GET /api/v1/report`. */
export type ApiReport = Report & { timezone: string; daily: DailySeries };

/**
 * Reads the report of the last `days` days.
 *
 * @param context The operator's world.
 * @param options How many days.
 * @returns The report and its daily series.
 * @throws {ConfigError} when fleet.yaml is invalid.
 */
export async function readApiReport(
  context: OperatorContext,
  options: { days: number },
): Promise<ApiReport> {
  const config = await loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  const now = context.now();
  const since = new Date(now.getTime() - options.days * 86_400_000);
  const { events, badLines } = await readEvents(context.layout, { since, until: now });
  return {
    ...buildReport(events, { since, until: now, badLines }),
    timezone: config.timezone,
    daily: dailySeries(events, {
      agents: Object.keys(config.agents),
      days: options.days,
      now,
      timezone: config.timezone,
    }),
  };
}

/**
 * Groups firings by agent and day (pure).
 *
 * @param events The firings.
 * @param options The agents to chart (others' firings too, after them), how many days, the clock, the time zone.
 * @returns The series.
 */
export function dailySeries(
  events: FiringEvent[],
  options: { agents: string[]; days: number; now: Date; timezone: string },
): DailySeries {
  const days: string[] = [];
  for (let i = options.days - 1; i >= 0; i--) {
    const day = dayOf(new Date(options.now.getTime() - i * 86_400_000), options.timezone);
    if (days.at(-1) !== day) days.push(day);
  }
  const agents = [...new Set([...options.agents, ...events.map((event) => event.agent)])];
  const groups = new Map<string, FiringEvent[]>();
  for (const event of events) {
    const key = `${event.agent}\u0000${dayOf(new Date(event.ended_at), options.timezone)}`;
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  const series: Record<string, AgentSeries> = {};
  for (const agent of agents) {
    const tallies = days.map((day) => tallyFirings(groups.get(`${agent}\u0000${day}`) ?? []));
    series[agent] = {
      firings: tallies.map((tally) => tally.firings),
      worked: tallies.map((tally) => tally.worked),
      successes: tallies.map((tally) => tally.successes),
      success_rate: tallies.map((tally) => tally.success_rate),
      cost_usd: tallies.map((tally) => tally.cost_usd),
    };
  }
  return { days, agents: series };
}
