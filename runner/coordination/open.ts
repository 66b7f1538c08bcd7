/**
 * {@linkcode openCoordination}: opens the coordination backend the settings
 * name (this host's files, or Redis for a fleet across hosts) and records
 * pause, resume and block changes in the activity log, whoever calls them.
 * The `redis` npm module itself loads only when Redis is chosen
 * (runner/coordination/redis_connection.ts).
 *
 * @module
 */
import { appendActivity } from "../firing/activity.ts";
import type { Layout } from "../paths.ts";
import {
  connectRedis,
  type CoordinationSettings,
  RedisAccessError,
  RedisUnavailableError,
} from "./redis_connection.ts";
import { redisCoordination } from "./redis_coordination.ts";
import type { Coordination } from "./coordination.ts";
import { fileCoordination } from "./file_coordination.ts";

/** Options of {@linkcode openCoordination}. */
export interface OpenCoordinationOptions {
  /** The resolved settings (`resolveCoordinationSettings`). */
  settings: CoordinationSettings;
  /** The clock. */
  now?: () => Date;
  /** Warning sink. */
  warn?: (message: string) => void;
  /** How long the first connect to Redis may take, in ms. */
  connectTimeoutMs?: number;
}

/**
 * Opens the coordination backend the settings name.
 *
 * Requires network access to Redis with `coordination: redis`.
 *
 * @param layout The home layout.
 * @param options Settings, clock and warning sink.
 * @returns The coordination; close it when the firing ends.
 * @throws {RedisUnavailableError} when Redis is chosen and does not answer.
 */
export async function openCoordination(
  layout: Layout,
  options: OpenCoordinationOptions,
): Promise<Coordination> {
  const backend = await openBackend(layout, options);
  return recordingActivity(backend, { layout, now: options.now ?? (() => new Date()) });
}

/**
 * Wraps a backend so that every pause, resume, block set and block clear also
 * lands in the activity log (runner/firing/activity.ts), whoever asked for it: the
 * CLI, the dashboard, Slack or a firing's auto-pause.
 */
function recordingActivity(
  backend: Coordination,
  options: { layout: Layout; now: () => Date },
): Coordination {
  const { layout, now } = options;
  /** When and what a pause or resume names, as the activity log records it. */
  const heldAt = (
    hold: { now?: Date; all?: boolean; agents?: string[]; repos?: string[] },
  ) => ({
    at: (hold.now ?? now()).toISOString(),
    target: { all: hold.all ?? false, agents: hold.agents ?? [], repos: hold.repos ?? [] },
  });
  return {
    backend: backend.backend,
    githubBackoff: backend.githubBackoff,
    readGate: (o) => backend.readGate(o),
    acquireLock: (agent, holder) => backend.acquireLock(agent, holder),
    readLedger: (agent, o) => backend.readLedger(agent, o),
    addSpend: (agent, o) => backend.addSpend(agent, o),
    overrideToday: (agent, o) => backend.overrideToday(agent, o),
    setBlockedUntil: (agent, o) => backend.setBlockedUntil(agent, o),
    readBlock: (o) => backend.readBlock(o),
    readPause: (o) => backend.readPause(o),
    close: () => backend.close(),
    async setBlock(o) {
      const block = await backend.setBlock(o);
      await appendActivity(layout, {
        type: "block-set",
        at: (o.now ?? now()).toISOString(),
        until: block.until,
        reason: block.reason,
        set_by: block.set_by,
      });
      return block;
    },
    async clearBlock() {
      const had = await backend.clearBlock();
      if (had) await appendActivity(layout, { type: "block-cleared", at: now().toISOString() });
      return had;
    },
    async pause(o) {
      const state = await backend.pause(o);
      const until = o.until?.toISOString() ?? null;
      await appendActivity(layout, {
        type: "paused",
        ...heldAt(o),
        reason: o.reason,
        by: o.by,
        until,
      });
      return state;
    },
    async resume(o) {
      const state = await backend.resume(o);
      await appendActivity(layout, { type: "resumed", ...heldAt(o) });
      return state;
    },
  };
}

async function openBackend(
  layout: Layout,
  options: OpenCoordinationOptions,
): Promise<Coordination> {
  const { settings } = options;
  if (settings.backend === "file" || !settings.redis) {
    return fileCoordination(layout, { now: options.now, warn: options.warn });
  }
  let connection;
  try {
    connection = await connectRedis(settings.redis, {
      warn: options.warn,
      connectTimeoutMs: options.connectTimeoutMs,
    });
  } catch (error) {
    if (!(error instanceof RedisUnavailableError) || error instanceof RedisAccessError) throw error;
    throw new RedisUnavailableError("reach the shared fleet state (coordination: redis)", {
      url: settings.redis.url,
      cause: error.cause,
      hint:
        "No paid work starts while the shared lock, budget, block and pause state cannot be read. " +
        "Start Redis or fix ALFRED_REDIS_URL / redis.url; the next firing retries by itself.",
    });
  }
  return redisCoordination(layout, connection, { settings, now: options.now, warn: options.warn });
}
