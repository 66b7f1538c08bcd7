/**
 * What still stops an agent once its pause is lifted: a daily cap reached, or
 * the failure streak (paid agents only, decided by runner/firing/spend.ts), and the
 * operator's way past them for the rest of the day (`alfred resume <agent>
 * --override-today`). Shared by every surface: `alfred resume` and `alfred
 * status`, the dashboard and Slack say the same thing.
 *
 * @module
 */
import { type AgentConfig, type Caps, type FleetConfig, isPaidAgent } from "../config/config.ts";
import type { Coordination } from "../coordination/coordination.ts";
import { AlfredError } from "../errors.ts";
import { newFiringId } from "../firing/events.ts";
import { openAgentLog } from "../firing/log.ts";
import {
  checkSpend,
  dayOf,
  formatUsd,
  type Ledger,
  nextDayStart,
  peekLedger,
  type SpendVerdict,
} from "../firing/spend.ts";
import type { OperatorContext } from "./context.ts";

/**
 * Why an agent's next firing would stop before any work: the spend decision
 * (runner/firing/spend.ts), with when a cap lifts by itself (the operator's next
 * midnight), or a ledger that cannot be read.
 */
export type AgentHold =
  | (Extract<SpendVerdict, { kind: "over-cap" }> & { liftsAt: string })
  | Extract<SpendVerdict, { kind: "failure-streak" }>
  | { kind: "ledger-unreadable"; reason: string };

/** One agent and what holds it. */
export interface HeldAgent {
  /** The agent. */
  agent: string;
  /** What holds it. */
  hold: AgentHold;
}

/**
 * What holds an agent, from today's ledger (pure).
 *
 * @param ledger Today's ledger, or why it cannot be read.
 * @param options The agent's settings, the clock and the operator's time zone.
 * @returns The hold, or `null` when its next firing may work.
 */
export function holdOf(
  ledger: { ledger: Ledger } | { unreadable: string },
  options: { agent: AgentConfig; now: Date; timezone: string },
): AgentHold | null {
  if (!isPaidAgent(options.agent.codename)) return null;
  if ("unreadable" in ledger) return { kind: "ledger-unreadable", reason: ledger.unreadable };
  const verdict = checkSpend(ledger.ledger, options.agent);
  switch (verdict.kind) {
    case "ok":
      return null;
    case "failure-streak":
      return verdict;
    case "over-cap":
      return {
        ...verdict,
        liftsAt: nextDayStart(options.now, options.timezone).toISOString(),
      };
  }
}

/**
 * Reads what holds each of some agents today, without changing any state file.
 *
 * @param agents The agents (in the fleet's configuration).
 * @param options The configuration, the coordination backend, and the clock.
 * @returns The held agents, in the order given.
 */
export async function readHolds(
  agents: readonly AgentConfig[],
  options: { config: FleetConfig; coordination: Coordination; context: OperatorContext },
): Promise<HeldAgent[]> {
  const { config, coordination, context } = options;
  const now = context.now();
  const day = dayOf(now, config.timezone);
  const held: HeldAgent[] = [];
  for (const agent of agents) {
    if (!isPaidAgent(agent.codename)) continue;
    const ledger = coordination.backend === "redis"
      ? { ledger: await coordination.readLedger(agent.codename, { day, warn: context.stderr }) }
      : await peekLedger(context.layout, agent.codename, { day });
    const hold = holdOf(ledger, { agent, now, timezone: config.timezone });
    if (hold) held.push({ agent: agent.codename, hold });
  }
  return held;
}

/**
 * Records the operator's override of an agent's caps for the rest of today:
 * the caps count again from today's figures and the failure streak starts
 * again, in the agent's ledger (under its lock, so no firing writes it
 * meanwhile) and in its log.
 *
 * @param agent The agent.
 * @param options The configuration, the coordination backend, and the world.
 * @returns The ledger with the override.
 * @throws {AlfredError} when the agent is firing right now (its lock is taken).
 */
export async function overrideToday(
  agent: string,
  options: { config: FleetConfig; coordination: Coordination; context: OperatorContext },
): Promise<Ledger> {
  const { config, coordination, context } = options;
  const now = context.now();
  const attempt = await coordination.acquireLock(agent, {
    pid: Deno.pid,
    host: Deno.hostname(),
    firing_id: newFiringId(now),
    started_at: now.toISOString(),
  });
  if (attempt.kind === "busy") {
    throw new AlfredError(`${agent} is firing right now; its caps were not overridden`, {
      hint: `Run \`alfred resume ${agent} --override-today\` again when the firing has ended.`,
    });
  }
  try {
    const ledger = await coordination.overrideToday(agent, {
      day: dayOf(now, config.timezone),
      at: now,
      by: "operator",
      warn: context.stderr,
    });
    const before = ledger.override!;
    await openAgentLog(context.layout, agent, { now: context.now, echo: null }).info(
      `operator override of today's caps: they count again from ${before.firings} firings, ` +
        `${before.turns} turns, $${
          before.cost_usd.toFixed(4)
        }; failure streak ${before.streak} reset`,
    );
    return ledger;
  } finally {
    await attempt.lock.release();
  }
}

/**
 * Says what holds an agent and how it lifts, for a person (pure).
 *
 * @param held The agent and its hold.
 * @param options The operator's time zone (for when a cap lifts).
 * @returns One line, e.g. `lucius is still held: daily cap cost_usd_per_day reached …`.
 */
export function describeHold(held: HeldAgent, options: { timezone: string }): string {
  const { agent, hold } = held;
  const override = `\`alfred resume ${agent} --override-today\``;
  switch (hold.kind) {
    case "over-cap":
      return `${agent} is still held: daily cap ${hold.cap} reached (${
        capFigure(hold.cap, hold.used)
      } of ${capFigure(hold.cap, hold.limit)} ${
        hold.since ? `since the override at ${localTime(hold.since, options.timezone)}` : "today"
      }); it lifts at ${localTime(hold.liftsAt, options.timezone)}, or now with ${override}.`;
    case "failure-streak":
      return `${agent} is still held: ${hold.streak} failures in a row (threshold ${hold.threshold}); ` +
        `it lifts only with ${override} (check \`alfred logs ${agent}\` first), ` +
        "or a higher failure_streak_threshold.";
    case "ledger-unreadable":
      return `${agent} is still held: today's spend ledger is unreadable (${hold.reason}); ` +
        "its next firing moves it aside and pauses the agent again until you resume it.";
  }
}

/** A cap's figure with its unit: `$0.0178`, `412 turns`, `96 firings`. */
function capFigure(cap: keyof Caps, value: number): string {
  switch (cap) {
    case "cost_usd_per_day":
      return formatUsd(value);
    case "turns_per_day":
      return `${value} turns`;
    case "firings_per_day":
      return `${value} firings`;
  }
}

/**
 * An instant in the operator's time zone, to the minute (pure).
 *
 * @param iso An ISO time.
 * @param timezone An IANA time zone.
 * @returns e.g. `2026-11-28 00:00 Europe/Berlin`.
 */
export function localTime(iso: string, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${
    part("minute")
  } ${timezone}`;
}
