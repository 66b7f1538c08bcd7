/**
 * Coordination of firings: the interface, both backends, and
 * {@linkcode openCoordination}, which picks the backend from the settings.
 * The Redis backend (and the `redis` npm module) is loaded only when chosen.
 *
 * @module
 */
import type { Layout } from "../paths.ts";
import type { CoordinationSettings } from "../redis_connection.ts";
import type { Coordination } from "./coordination.ts";
import { fileCoordination } from "./file_coordination.ts";

export type {
  Coordination,
  FleetLock,
  FleetLockAttempt,
  Gate,
  PauseOptions,
  SpendEntry,
  SpendResult,
} from "./coordination.ts";
export { fileCoordination } from "./file_coordination.ts";

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
  const { settings } = options;
  if (settings.backend === "file" || !settings.redis) {
    return fileCoordination(layout, { now: options.now, warn: options.warn });
  }
  const [{ connectRedis, RedisAccessError, RedisUnavailableError }, { redisCoordination }] =
    await Promise.all([
      import("../redis_connection.ts"),
      import("./redis_coordination.ts"),
    ]);
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
