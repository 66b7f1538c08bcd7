/**
 * {@linkcode openLessonStore}: opens the lessons store the settings name, and
 * {@linkcode lessonsForPrompt}: the few most relevant lessons before a firing.
 *
 * The local file is the record: every lesson is written there first, always.
 * With `memory.backend: redis` (or `ALFRED_REDIS_URL` set), lessons are
 * mirrored to Redis so every host recalls what any host learned. When Redis is
 * down, firings go on with local memory only and one warning; lessons learned
 * meanwhile are pushed to Redis by the next recall that finds Redis up.
 * Forgetting with Redis up leaves a tombstone, so other hosts drop their local
 * copies instead of pushing them back.
 *
 * @module
 */
import type { Layout } from "../paths.ts";
import {
  connectRedis,
  describeRedisUrl,
  isConnectionError,
  type MemorySettings,
} from "../coordination/redis_connection.ts";
import { fileLessonStore } from "./file_store.ts";
import { type RedisLessonStore, redisLessonStore } from "./redis_store.ts";
import {
  type Lesson,
  type LessonFilter,
  type LessonScore,
  type LessonStore,
  rankLessons,
  type RecallQuery,
  renderLessons,
} from "./store.ts";

/** Options of {@linkcode openLessonStore}. */
export interface OpenLessonStoreOptions {
  /** The resolved settings (`resolveMemorySettings`). */
  settings: Pick<MemorySettings, "backend" | "redis">;
  /** Warning sink; called at most once for Redis trouble per store. */
  warn?: (message: string) => void;
  /** How long the first connect to Redis may take, in ms (default 1 s). */
  connectTimeoutMs?: number;
}

/**
 * Opens the lessons store: the local file, mirrored to Redis when configured
 * and reachable. Never throws for Redis trouble: it warns once and goes on
 * with local memory.
 *
 * @param layout The home layout.
 * @param options Settings and warning sink.
 * @returns The store; close it when done.
 */
export async function openLessonStore(
  layout: Layout,
  options: OpenLessonStoreOptions,
): Promise<LessonStore> {
  const local = fileLessonStore(layout, { warn: options.warn });
  const redis = options.settings.backend === "redis" ? options.settings.redis : undefined;
  if (!redis) return local;
  let warned = false;
  const warnOnce = (message: string) => {
    if (warned) return;
    warned = true;
    (options.warn ?? ((line: string) => console.error(line)))(message);
  };
  let remote: RedisLessonStore;
  try {
    const connection = await connectRedis(redis, {
      connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
      warn: (message) =>
        warnOnce(message.replace(/^warning: /, "warning: lessons memory works locally only: ")),
    });
    remote = redisLessonStore(connection, { warn: options.warn });
  } catch (error) {
    if (!isConnectionError(error)) throw error;
    warnOnce(
      `warning: lessons memory works locally only: Redis at ${describeRedisUrl(redis.url)} ` +
        `is unreachable (${(error as Error).message})`,
    );
    return local;
  }
  const tryRemote = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      warnOnce(
        `warning: lessons memory works locally only: could not ${what} in Redis (${
          (error as Error).message
        })`,
      );
      return undefined;
    }
  };
  return {
    kind: "redis",
    async add(lessons) {
      await local.add(lessons);
      await tryRemote("store lessons", () => remote.add(lessons));
    },
    async list(filter: LessonFilter = {}) {
      const mine = await local.list(filter);
      const shared = await tryRemote("read lessons", async () => ({
        lessons: await remote.list(filter),
        forgotten: await remote.forgottenIds(),
      }));
      if (!shared) return mine;
      const sharedIds = new Set(shared.lessons.map((lesson) => lesson.id));
      const dropped = mine.filter((lesson) => shared.forgotten.has(lesson.id));
      if (dropped.length) await local.forget({ ids: dropped.map((lesson) => lesson.id) });
      const unshared = mine.filter((lesson) =>
        !sharedIds.has(lesson.id) && !shared.forgotten.has(lesson.id)
      );
      if (unshared.length) await tryRemote("push lessons", () => remote.add(unshared));
      return [...shared.lessons, ...unshared]
        .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
    },
    async forget(filter) {
      const shared = await tryRemote("forget lessons", () => remote.forget(filter));
      const mine = await local.forget(filter);
      return Math.max(shared ?? 0, mine);
    },
    async close() {
      await remote.close();
    },
  };
}

/**
 * Recalls the most relevant lessons for a firing (same repo only).
 *
 * @param store The store.
 * @param query The firing's repo, agent and issue.
 * @param options How many, and the clock.
 * @returns The lessons with their scores, most relevant first.
 */
export async function recallLessons(
  store: LessonStore,
  query: RecallQuery,
  options: { limit: number; now: Date },
): Promise<{ lesson: Lesson; score: LessonScore }[]> {
  return rankLessons(await store.list({ repo: query.repo }), query, options);
}

/**
 * Recalls lessons and renders them for the prompt in one step.
 *
 * @param store The store.
 * @param query The firing's repo, agent and issue.
 * @param options How many, the size cap, and the clock.
 * @returns The prompt block, `""` when there is nothing relevant.
 */
export async function lessonsForPrompt(
  store: LessonStore,
  query: RecallQuery,
  options: { limit: number; maxChars: number; now: Date },
): Promise<string> {
  const recalled = await recallLessons(store, query, options);
  return renderLessons(recalled.map((entry) => entry.lesson), options);
}
