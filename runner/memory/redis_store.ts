/**
 * The Redis lessons store, shared by every host.
 *
 * Keys (default prefix `alfred`): `alfred:lessons:<owner/name>` is a hash of
 * lesson id → lesson JSON; `alfred:lessons-repos` is the set of repos that have
 * lessons; `alfred:lessons-forgotten` is the set of forgotten ids (tombstones),
 * so that a host's local copy of a forgotten lesson is not pushed back.
 *
 * @module
 */
import { parseProblem } from "../state.ts";
import type { RedisConnection, RedisReply } from "../coordination/redis_connection.ts";
import { Lesson, type LessonFilter, type LessonStore, matchesFilter } from "./store.ts";

const ADD = `
local added = 0
for i = 2, #ARGV, 3 do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i + 1]) == 0 then
    added = added + redis.call('HSETNX', ARGV[1] .. ':lessons:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
    redis.call('SADD', KEYS[2], ARGV[i])
  end
end
return added`;

const LIST = `
local repos
if ARGV[2] ~= '' then repos = {ARGV[2]} else repos = redis.call('SMEMBERS', KEYS[1]) end
local out = {}
for _, repo in ipairs(repos) do
  local values = redis.call('HVALS', ARGV[1] .. ':lessons:' .. repo)
  for _, value in ipairs(values) do out[#out + 1] = value end
end
return out`;

const FORGET = `
local removed = 0
for i = 2, #ARGV, 2 do
  removed = removed + redis.call('HDEL', ARGV[1] .. ':lessons:' .. ARGV[i], ARGV[i + 1])
  redis.call('SADD', KEYS[1], ARGV[i + 1])
end
return removed`;

/** The Redis store, with access to its tombstones. */
export interface RedisLessonStore extends LessonStore {
  /** The ids forgotten anywhere in the fleet. */
  forgottenIds(): Promise<Set<string>>;
}

/**
 * Opens the Redis store on an open connection.
 *
 * @param connection The connection; closed by `close`.
 * @param options A warning sink for unreadable entries.
 * @returns The store.
 */
export function redisLessonStore(
  connection: RedisConnection,
  options: { warn?: (message: string) => void } = {},
): RedisLessonStore {
  const prefix = connection.settings.prefix;
  const reposKey = `${prefix}:lessons-repos`;
  const forgottenKey = `${prefix}:lessons-forgotten`;
  const list = async (filter: LessonFilter = {}) => {
    const reply = await connection.eval(LIST, [reposKey], [prefix, filter.repo ?? ""]);
    const lessons: Lesson[] = [];
    let bad = 0;
    for (const value of (reply as RedisReply[]) ?? []) {
      const parsed = parseProblem(String(value), Lesson);
      if (parsed.ok) lessons.push(parsed.value);
      else bad++;
    }
    if (bad) options.warn?.(`warning: ${bad} unreadable lesson(s) in Redis were skipped`);
    return lessons.filter((lesson) => matchesFilter(lesson, filter))
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  };
  return {
    kind: "redis",
    async add(lessons) {
      if (!lessons.length) return;
      const args: string[] = [prefix];
      for (const lesson of lessons) {
        const checked = Lesson.parse(lesson);
        args.push(checked.repo, checked.id, JSON.stringify(checked));
      }
      await connection.eval(ADD, [forgottenKey, reposKey], args);
    },
    list,
    async forget(filter) {
      const doomed = await list(filter);
      if (!doomed.length) return 0;
      const args = [prefix, ...doomed.flatMap((lesson) => [lesson.repo, lesson.id])];
      return Number(await connection.eval(FORGET, [forgottenKey], args));
    },
    async forgottenIds() {
      const reply = await connection.command(["SMEMBERS", forgottenKey]);
      return new Set(Array.isArray(reply) ? reply.map(String) : []);
    },
    close() {
      return connection.close();
    },
  };
}
