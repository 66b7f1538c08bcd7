/**
 * The fleet's recent activity as one short text: what the echo agent posts.
 *
 * @module
 */
import type { BlockFile } from "../firing/block.ts";
import type { FiringEvent } from "../firing/events.ts";
import type { PauseFile } from "../firing/pause.ts";

/** Per-agent figures of a window. */
export interface AgentActivity {
  /** Codename. */
  agent: string;
  /** Firings that ended in the window. */
  firings: number;
  /** Count by outcome. */
  outcomes: Record<string, number>;
  /** Engine turns. */
  turns: number;
  /** Spend in USD. */
  costUsd: number;
  /** PRs opened. */
  prs: string[];
}

/** The fleet's figures of a window. */
export interface FleetActivity {
  /** Window start. */
  since: string;
  /** Window end. */
  until: string;
  /** Per agent, by codename. */
  agents: AgentActivity[];
  /** Totals. */
  totals: { firings: number; turns: number; costUsd: number; failures: number };
  /** The block in force, if any. */
  block: { until: string; reason: string } | null;
  /** Paused agents (and `*` for the whole fleet) with reasons. */
  paused: { agent: string; reason: string }[];
  /** Event-log lines that could not be read. */
  badLines: number;
}

const FAILURES = new Set([
  "failure",
  "crashed",
  "timeout",
  "max-turns",
  "rate-limited",
  "budget-exhausted",
  "overloaded",
  "auth-error",
  "permission-denied",
  "no-sentinel",
  "blocked",
]);

/**
 * Summarises events and state into figures (pure).
 *
 * @param events The firings of the window.
 * @param options Window, block, pause state, unreadable line count.
 * @returns The figures.
 */
export function summariseActivity(
  events: FiringEvent[],
  options: {
    since: Date;
    until: Date;
    block?: BlockFile;
    pause: PauseFile;
    badLines?: number;
  },
): FleetActivity {
  const byAgent = new Map<string, AgentActivity>();
  for (const event of events) {
    const entry = byAgent.get(event.agent) ??
      { agent: event.agent, firings: 0, outcomes: {}, turns: 0, costUsd: 0, prs: [] };
    entry.firings++;
    entry.outcomes[event.outcome] = (entry.outcomes[event.outcome] ?? 0) + 1;
    entry.turns += event.turns;
    entry.costUsd += event.cost_usd;
    if (event.pr) entry.prs.push(event.pr);
    byAgent.set(event.agent, entry);
  }
  const agents = [...byAgent.values()].sort((a, b) => a.agent.localeCompare(b.agent));
  const nowMs = options.until.getTime();
  const paused = [
    ...(options.pause.all ? [{ agent: "*", reason: options.pause.all.reason }] : []),
    ...Object.entries(options.pause.agents)
      .filter(([, entry]) => entry.until === null || Date.parse(entry.until) > nowMs)
      .map(([agent, entry]) => ({ agent, reason: entry.reason })),
  ];
  return {
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    agents,
    totals: {
      firings: events.length,
      turns: agents.reduce((sum, a) => sum + a.turns, 0),
      costUsd: agents.reduce((sum, a) => sum + a.costUsd, 0),
      failures: events.filter((event) => FAILURES.has(event.outcome)).length,
    },
    block: options.block && Date.parse(options.block.until) > nowMs
      ? { until: options.block.until, reason: options.block.reason }
      : null,
    paused,
    badLines: options.badLines ?? 0,
  };
}

/**
 * Renders the figures as plain text for stdout or Slack.
 *
 * @param activity The figures.
 * @returns Lines of text.
 */
export function renderActivity(activity: FleetActivity): string {
  const { totals } = activity;
  const lines = [
    `Fleet summary, ${activity.since} to ${activity.until}:`,
    `${totals.firings} firing${totals.firings === 1 ? "" : "s"}, ${totals.failures} failed, ` +
    `${totals.turns} turns, $${totals.costUsd.toFixed(2)} spent.`,
  ];
  for (const agent of activity.agents) {
    const outcomes = Object.entries(agent.outcomes).sort().map(([o, n]) => `${o} ${n}`).join(", ");
    lines.push(
      `- ${agent.agent}: ${agent.firings} (${outcomes}); ${agent.turns} turns, $${
        agent.costUsd.toFixed(2)
      }` +
        (agent.prs.length ? `; PRs: ${agent.prs.join(" ")}` : ""),
    );
  }
  if (!activity.agents.length) lines.push("- no firings in this window");
  lines.push(
    activity.block
      ? `Fleet blocked until ${activity.block.until}: ${activity.block.reason}`
      : "No fleet-wide block.",
  );
  for (const p of activity.paused) {
    lines.push(
      p.agent === "*" ? `Whole fleet paused: ${p.reason}` : `Paused: ${p.agent}: ${p.reason}`,
    );
  }
  if (activity.badLines) {
    lines.push(`warning: ${activity.badLines} event-log lines could not be read`);
  }
  return lines.join("\n");
}
