/**
 * `GET /api/v1/firings`: recorded firings from the event log
 * (runner/firing/events.ts), newest first, with the ones running now on top; paged
 * by firing id (ids sort by start time).
 *
 * @module
 */
import { type FiringEvent, readEvents } from "../runner/firing/events.ts";
import type { Layout } from "../runner/paths.ts";
import { type InFlight, readInFlight } from "./in_flight.ts";
import { linkOf } from "./links.ts";

/** The shape of a firing id: UTC start, then 6 hex digits. */
export const FIRING_ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;
/** Firings per page by default. */
export const DEFAULT_FIRINGS_LIMIT = 50;
/** Most firings per page. */
export const MAX_FIRINGS_LIMIT = 500;

/** One firing in a list. */
export interface ApiFiring {
  /** The firing id. */
  id: string;
  /** The agent. */
  agent: string;
  /** `running` until its record is written. */
  status: "running" | "ended";
  /** The outcome; null while running. */
  outcome: string | null;
  /** When it started. */
  started_at: string;
  /** When it ended; null while running. */
  ended_at: string | null;
  /** How long it ran; null while running. */
  duration_ms: number | null;
  /** Engine turns. */
  turns: number;
  /** Cost in US dollars. */
  cost_usd: number;
  /** The issue it worked on, as recorded. */
  issue: string | null;
  /** The pull request, as recorded. */
  pr: string | null;
  /** Links to them on GitHub, when they name one. */
  links: { issue: string | null; pr: string | null };
  /** Why it failed. */
  error: string | null;
  /** What it did, in one line. */
  summary: string | null;
}

/** Options of {@linkcode listFirings}. */
export interface ListFiringsOptions {
  /** Only this agent's. */
  agent?: string;
  /** Most firings returned. */
  limit: number;
  /** Only firings whose id sorts before this one (the previous page's `next_before`). */
  before?: string;
  /** The agents whose running firings may be listed. */
  agents: string[];
  /** The clock. */
  now: Date;
  /** The GitHub web address, for links. */
  webUrl: string;
}

/**
 * Lists firings, newest first.
 *
 * @param layout The home layout.
 * @param options Filter, page and clock.
 * @returns The firings and the cursor of the next page (null at the end).
 */
export async function listFirings(
  layout: Layout,
  options: ListFiringsOptions,
): Promise<{ firings: ApiFiring[]; next_before: string | null }> {
  const { limit, before } = options;
  const wanted = (id: string, agent: string) =>
    (!options.agent || agent === options.agent) && (!before || id < before);
  const found = new Map<string, ApiFiring>();
  if (!before) {
    const running = await readInFlight(layout, {
      agents: options.agent ? [options.agent] : options.agents,
      now: options.now,
    });
    for (const [agent, firing] of running) {
      found.set(firing.firing_id, runningFiring(agent, firing));
    }
  }
  const days = await eventDays(layout);
  // Older day files hold firings that ended, so started, before that day: once a file's
  // day is not after the start day of the firing just past this page, no older file can
  // add one that sorts before it (and that one's presence says a next page exists).
  for (const day of days) {
    for (const event of await readEventDay(layout, day)) {
      if (wanted(event.firing_id, event.agent)) {
        found.set(event.firing_id, endedFiring(event, options.webUrl));
      }
    }
    const sorted = [...found.keys()].sort().reverse();
    if (sorted.length > limit && day <= dayOfId(sorted[limit])!) break;
  }
  const firings = [...found.values()].sort((a, b) => b.id.localeCompare(a.id));
  const page = firings.slice(0, limit);
  return {
    firings: page,
    next_before: firings.length > limit ? page[page.length - 1].id : null,
  };
}

/**
 * Finds one firing's record in the event log.
 *
 * @param layout The home layout.
 * @param id The firing id.
 * @param options The clock (the log is searched from the firing's start day to today).
 * @returns The record, or `undefined` when none is written (yet).
 */
export async function findFiringEvent(
  layout: Layout,
  id: string,
  options: { now: Date },
): Promise<FiringEvent | undefined> {
  const first = dayOfId(id);
  if (!first) return undefined;
  const today = options.now.toISOString().slice(0, 10);
  // A firing lasts at most a day; its record is in the file of the day it ended.
  for (let t = Date.parse(first); t <= Date.parse(first) + 2 * 86_400_000; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > today) break;
    const event = (await readEventDay(layout, day)).find((e) => e.firing_id === id);
    if (event) return event;
  }
  return undefined;
}

/**
 * A recorded firing in the API's shape (pure).
 *
 * @param event The event-log record.
 * @param webUrl The GitHub web address, for links.
 * @returns The firing.
 */
export function endedFiring(event: FiringEvent, webUrl: string): ApiFiring {
  return {
    id: event.firing_id,
    agent: event.agent,
    status: "ended",
    outcome: event.outcome,
    started_at: event.started_at,
    ended_at: event.ended_at,
    duration_ms: event.duration_ms,
    turns: event.turns,
    cost_usd: event.cost_usd,
    issue: event.issue,
    pr: event.pr,
    links: { issue: linkOf(event.issue, webUrl), pr: linkOf(event.pr, webUrl) },
    error: event.error,
    summary: event.summary,
  };
}

/**
 * A running firing in the API's shape (pure).
 *
 * @param agent The agent.
 * @param firing What its lock and activity say.
 * @returns The firing.
 */
export function runningFiring(agent: string, firing: InFlight): ApiFiring {
  return {
    id: firing.firing_id,
    agent,
    status: "running",
    outcome: null,
    started_at: firing.started_at,
    ended_at: null,
    duration_ms: null,
    turns: 0,
    cost_usd: 0,
    issue: null,
    pr: null,
    links: { issue: null, pr: null },
    error: null,
    summary: firing.step?.text ?? null,
  };
}

/**
 * The UTC day a firing started, from its id (pure).
 *
 * @param id A firing id.
 * @returns `YYYY-MM-DD`, or `undefined` when it is not a firing id.
 */
export function dayOfId(id: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T/.exec(id);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/**
 * The start time of a firing, from its id (pure).
 *
 * @param id A firing id.
 * @returns The time, or `undefined` when it is not a firing id.
 */
export function startOfId(id: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(id);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
}

/** The days of the event log, newest first. */
async function eventDays(layout: Layout): Promise<string[]> {
  const days: string[] = [];
  try {
    for await (const entry of Deno.readDir(layout.eventsDir)) {
      const match = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(entry.name);
      if (entry.isFile && match) days.push(match[1]);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return days.sort().reverse();
}

/** The records of one day file; lines that do not parse are skipped. */
async function readEventDay(layout: Layout, day: string): Promise<FiringEvent[]> {
  const start = Date.parse(`${day}T00:00:00Z`);
  const window = { since: new Date(start), until: new Date(start + 86_400_000 - 1) };
  return (await readEvents(layout, window)).events;
}
