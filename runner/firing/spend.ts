/**
 * The daily spend ledger of one agent, and the decision whether it may do paid
 * work today.
 *
 * `state/<agent>/spend-YYYY-MM-DD.json`, with the day in the operator's time
 * zone. Only the holder of the agent's lock writes it, so updates never race.
 * The failure streak carries over from the previous ledger. A corrupt ledger is
 * quarantined and the agent pauses itself: refusing to run beats forgetting
 * what was spent.
 *
 * @module
 */
import { z } from "zod";
import { agentStateDir, type Layout, spendFile } from "../paths.ts";
import { peekState, readState, writeState } from "../state.ts";
import type { Caps } from "../config/config.ts";
import { StateCorruptError } from "../errors.ts";

/**
 * The operator's override of a day's caps (`alfred resume <agent>
 * --override-today`): the day's figures when it was given, from which the caps
 * count again, and the failure streak it reset. An optional field of version 1
 * (added without a version bump, so ledgers without it read as before).
 */
export const LedgerOverride = z.strictObject({
  /** When the operator gave it. */
  at: z.iso.datetime({ offset: true }),
  /** Who gave it (`operator`). */
  by: z.string().min(1),
  /** Firings of the day before it. */
  firings: z.number().int().nonnegative(),
  /** Turns of the day before it. */
  turns: z.number().int().nonnegative(),
  /** Money spent that day before it, in USD. */
  cost_usd: z.number().nonnegative(),
  /** The failure streak it reset. */
  streak: z.number().int().nonnegative(),
});
/** A parsed override. */
export type LedgerOverride = z.infer<typeof LedgerOverride>;

/** Schema of a spend ledger. */
export const Ledger = z.strictObject({
  version: z.literal(1),
  agent: z.string(),
  day: z.string().regex(/^\d{4}-\d\d-\d\d$/),
  firings: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  successes: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  consecutive_failures: z.number().int().nonnegative(),
  blocked_until: z.iso.datetime({ offset: true }).nullable(),
  override: LedgerOverride.optional(),
});
/** A parsed ledger. */
export type Ledger = z.infer<typeof Ledger>;

/** How one firing counts in the ledger. */
export type FiringTally = "success" | "failure" | "neutral";

/**
 * The operator's calendar day of `now`, as `YYYY-MM-DD`.
 *
 * @param now The instant.
 * @param timezone An IANA time zone.
 * @returns The day in that zone.
 */
export function dayOf(now: Date, timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

/**
 * The first instant of the operator's next day after `now`.
 *
 * @param now The instant.
 * @param timezone An IANA time zone.
 * @returns The next local midnight, to the minute.
 */
export function nextDayStart(now: Date, timezone: string): Date {
  const today = dayOf(now, timezone);
  let t = Math.floor(now.getTime() / 60_000) * 60_000;
  const step = 15 * 60_000;
  while (dayOf(new Date(t + step), timezone) === today) t += step;
  while (dayOf(new Date(t), timezone) === today) t += 60_000;
  return new Date(t);
}

/** Why an agent may not do paid work, or that it may. */
export type SpendVerdict =
  | { kind: "ok" }
  | {
    kind: "over-cap";
    /** The cap reached. */
    cap: keyof Caps;
    /** Today's figure (since the override, when there is one). */
    used: number;
    /** The cap. */
    limit: number;
    /** The caps count from the operator's override given at this time (else from midnight). */
    since?: string;
  }
  | {
    kind: "failure-streak";
    /** Failures in a row. */
    streak: number;
    /** The threshold. */
    threshold: number;
  };

/**
 * Decides whether an agent may start another paid firing today. After an
 * operator's override the caps count from the figures it recorded.
 *
 * @param ledger Today's ledger.
 * @param limits The agent's caps and failure-streak threshold.
 * @returns `ok`, or which limit is reached.
 */
export function checkSpend(
  ledger: Ledger,
  limits: { caps: Caps; failureStreakThreshold: number },
): SpendVerdict {
  if (ledger.consecutive_failures >= limits.failureStreakThreshold) {
    return {
      kind: "failure-streak",
      streak: ledger.consecutive_failures,
      threshold: limits.failureStreakThreshold,
    };
  }
  const base = ledger.override;
  const used: Record<keyof Caps, number> = {
    firings_per_day: ledger.firings - (base?.firings ?? 0),
    turns_per_day: ledger.turns - (base?.turns ?? 0),
    cost_usd_per_day: Math.round((ledger.cost_usd - (base?.cost_usd ?? 0)) * 1e6) / 1e6,
  };
  for (const cap of Object.keys(used) as (keyof Caps)[]) {
    const limit = limits.caps[cap];
    if (limit !== undefined && used[cap] >= limit) {
      return { kind: "over-cap", cap, used: used[cap], limit, ...(base ? { since: base.at } : {}) };
    }
  }
  return { kind: "ok" };
}

/**
 * Why a paid firing stops, in the words of its sentinel and Slack message (pure).
 *
 * @param verdict A verdict other than `ok`.
 * @param agent The agent (for the resume command).
 * @returns e.g. `daily cap turns_per_day reached (400 of 400); resumes at the next day`.
 */
export function spendStopReason(
  verdict: Exclude<SpendVerdict, { kind: "ok" }>,
  agent: string,
): string {
  if (verdict.kind === "failure-streak") {
    return `${verdict.streak} failures in a row (threshold ${verdict.threshold}); check the log, ` +
      `then \`alfred resume ${agent} --override-today\``;
  }
  return `daily cap ${verdict.cap} reached (${verdict.used} of ${verdict.limit}` +
    `${verdict.since ? ` since the override at ${verdict.since}` : ""}); resumes at the next day`;
}

/**
 * Records the operator's override of today's caps (pure): the caps count again
 * from today's figures, and the failure streak starts again from zero.
 *
 * @param ledger Today's ledger.
 * @param override When, and by whom.
 * @returns The ledger with the override.
 */
export function overrideLedger(ledger: Ledger, override: { at: Date; by: string }): Ledger {
  return {
    ...ledger,
    consecutive_failures: 0,
    blocked_until: null,
    override: {
      at: override.at.toISOString(),
      by: override.by,
      firings: ledger.firings,
      turns: ledger.turns,
      cost_usd: ledger.cost_usd,
      streak: ledger.consecutive_failures,
    },
  };
}

/**
 * Money for a person (pure): four decimals under a dollar (trailing zeros
 * trimmed to two), cents above.
 *
 * @param usd An amount in USD.
 * @returns e.g. `$0.0178`, `$0.01`, `$12.40`.
 */
export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4).replace(/0{1,2}$/, "") : usd.toFixed(2)}`;
}

/**
 * Reads today's ledger, starting a fresh one (with the streak carried over)
 * when there is none yet.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options The day, and a warning sink for a quarantined ledger.
 * @returns Today's ledger.
 * @throws {StateCorruptError} when today's ledger is corrupt (it has been moved aside).
 */
export async function readLedger(
  layout: Layout,
  agent: string,
  options: { day: string; warn?: (message: string) => void },
): Promise<Ledger> {
  const file = spendFile(layout, agent, options);
  const ledger = await readState(file, Ledger, {
    warn: options.warn,
    hint:
      `The agent paused itself rather than forget what it spent today; check the file, then \`alfred resume ${agent}\`.`,
  });
  if (ledger) return ledger;
  return freshLedger(agent, {
    day: options.day,
    streak: await previousStreak(layout, agent, { day: options.day, peek: false }),
  });
}

/**
 * Reads today's ledger as {@linkcode readLedger} would, without side effects:
 * a corrupt file is reported, never moved aside. For views and for the
 * operator's questions (`alfred status`, `alfred resume`).
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options The day.
 * @returns Today's ledger (fresh, with the streak carried over, when there is none), or why it is unreadable.
 */
export async function peekLedger(
  layout: Layout,
  agent: string,
  options: { day: string },
): Promise<{ ledger: Ledger } | { unreadable: string }> {
  const today = await peekState(spendFile(layout, agent, options), Ledger);
  if (today.kind === "ok") return { ledger: today.value };
  if (today.kind === "corrupt") return { unreadable: today.reason };
  return {
    ledger: freshLedger(agent, {
      day: options.day,
      streak: await previousStreak(layout, agent, { day: options.day, peek: true }),
    }),
  };
}

function freshLedger(agent: string, options: { day: string; streak: number }): Ledger {
  return {
    version: 1,
    agent,
    day: options.day,
    firings: 0,
    turns: 0,
    cost_usd: 0,
    successes: 0,
    failures: 0,
    consecutive_failures: options.streak,
    blocked_until: null,
  };
}

/**
 * Adds one firing to a ledger (pure).
 *
 * @param ledger The ledger before.
 * @param firing Turns, cost and how it counts.
 * @returns The ledger after.
 */
export function addFiring(
  ledger: Ledger,
  firing: { turns: number; costUsd: number; tally: FiringTally },
): Ledger {
  return {
    ...ledger,
    firings: ledger.firings + 1,
    turns: ledger.turns + firing.turns,
    cost_usd: Math.round((ledger.cost_usd + firing.costUsd) * 1e6) / 1e6,
    successes: ledger.successes + (firing.tally === "success" ? 1 : 0),
    failures: ledger.failures + (firing.tally === "failure" ? 1 : 0),
    consecutive_failures: firing.tally === "success"
      ? 0
      : firing.tally === "failure"
      ? ledger.consecutive_failures + 1
      : ledger.consecutive_failures,
  };
}

/**
 * Writes a ledger atomically.
 *
 * @param layout The home layout.
 * @param ledger The ledger.
 */
export async function writeLedger(layout: Layout, ledger: Ledger): Promise<void> {
  await writeState(spendFile(layout, ledger.agent, { day: ledger.day }), Ledger, ledger);
}

async function previousStreak(
  layout: Layout,
  agent: string,
  options: { day: string; peek: boolean },
): Promise<number> {
  const { day } = options;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(agentStateDir(layout, agent))) {
      const match = /^spend-(\d{4}-\d\d-\d\d)\.json$/.exec(entry.name);
      if (entry.isFile && match && match[1] < day) names.push(match[1]);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  const latest = names.sort().at(-1);
  if (!latest) return 0;
  const file = spendFile(layout, agent, { day: latest });
  if (options.peek) {
    const peeked = await peekState(file, Ledger);
    return peeked.kind === "ok" ? peeked.value.consecutive_failures : 0;
  }
  // An unreadable older ledger only loses the streak, never today's spend: start at 0.
  const older = await readState(file, Ledger, {
    warn: () => undefined,
  }).catch((error) => {
    if (error instanceof StateCorruptError) return undefined;
    throw error;
  });
  return older?.consecutive_failures ?? 0;
}
