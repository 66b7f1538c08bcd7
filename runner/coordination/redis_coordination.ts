/**
 * The Redis backend of {@linkcode Coordination}: several hosts, one fleet.
 *
 * Keys (with the default prefix `alfred`):
 *
 * | Key | Type | What |
 * | --- | --- | --- |
 * | `alfred:lock:<agent>` | string, PX | `<token> <lock record JSON>`; expires unless renewed |
 * | `alfred:fence:<agent>` | counter | fencing tokens (`INCR`) |
 * | `alfred:lock-last:<agent>` | string | the last holder, removed on a clean release |
 * | `alfred:spend:<agent>:<day>` | hash | firings, turns, cost_micro, successes, failures, blocked_until, override_* |
 * | `alfred:spend-applied:<agent>:<day>` | set | firing ids already counted |
 * | `alfred:streak:<agent>` | counter | consecutive failures (carries over days) |
 * | `alfred:block` | hash, PX | `json` (the block record) and `until_ms` |
 * | `alfred:pause` | hash | `all`, `agent:<codename>`, `repo:<owner/name>` → pause entry JSON |
 * | `alfred:github-backoff:<token key>` | hash, PX | `json` (the backoff entry) and `until_ms` |
 *
 * Every change is one Lua script, so it is atomic and one round trip.
 *
 * Failure modes, by design:
 * - The lock is taken with `SET NX PX` and renewed every third of its lifetime
 *   while the firing runs. A host that dies stops renewing and its lock expires;
 *   the next firing reports it as a takeover. A lock held by the firing that
 *   this home's own lock file names as dead is taken over at once: the local
 *   `flock`, taken first, proves that firing gone. Release deletes the key only if it still holds
 *   this holder's token.
 * - Spend is written to a local journal first
 *   (`state/<agent>/spend-journal-<day>.jsonl`), then counted in Redis by a
 *   script that adds each firing id to a set and counts only new ones. Every
 *   later read or write of that ledger on this host replays the whole journal,
 *   so an entry that could not reach Redis (or a ledger Redis lost in a restart
 *   without persistence) is counted exactly once when Redis is back.
 * - When Redis cannot be read, the shared budget is unknown: reads throw
 *   {@linkcode RedisUnavailableError} and the firing does no paid work.
 *
 * @module
 */
import { z } from "zod";
import { BlockFile, DEFAULT_BLOCK_HOURS, newBlock, type SetBlockOptions } from "../firing/block.ts";
import { BackoffEntry, CORRUPT_BACKOFF_S } from "../github/backoff.ts";
import { acquireAgentLock, type LockRecord } from "../firing/lock.ts";
import { agentStateDir, dirnameOf, type Layout, lockFile } from "../paths.ts";
import { readTextIfExists } from "../state.ts";
import { NOTHING_PAUSED, PauseEntry, type PauseFile } from "../firing/pause.ts";
import type { FiringTally, Ledger } from "../firing/spend.ts";
import { Ledger as LedgerSchema } from "../firing/spend.ts";
import {
  type CoordinationSettings,
  pairsToRecord,
  RedisAccessError,
  type RedisConnection,
  type RedisReply,
  RedisUnavailableError,
} from "./redis_connection.ts";
import type {
  Coordination,
  FleetLock,
  FleetLockAttempt,
  Gate,
  SpendEntry,
} from "./coordination.ts";

/** Ledger keys live this long (seconds) after their last change. */
const LEDGER_TTL_SECONDS = 40 * 86_400;

const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
local previous = redis.call('GET', KEYS[3])
redis.call('SET', KEYS[3], value)
if previous then return {1, token, previous} end
return {1, token}`;

/**
 * ACQUIRE over a holder this host knows is dead: only while the lock still
 * holds exactly the value seen (ARGV[3]), so a live holder is never replaced.
 */
const TAKE_OVER = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return {0, current} end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
redis.call('SET', KEYS[3], value)
return {1, token, ARGV[3]}`;

const RENEW = `
local v = redis.call('GET', KEYS[1])
local prefix = ARGV[1] .. ' '
if v and string.sub(v, 1, #prefix) == prefix then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
local prefix = ARGV[1] .. ' '
local released = 0
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #prefix) == prefix then
  redis.call('DEL', KEYS[1])
  released = 1
end
local last = redis.call('GET', KEYS[2])
if last and string.sub(last, 1, #prefix) == prefix then redis.call('DEL', KEYS[2]) end
return released`;

const SYNC_LEDGER = `
for i = 2, #ARGV, 4 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], 'firings', 1)
    redis.call('HINCRBY', KEYS[1], 'turns', ARGV[i + 1])
    redis.call('HINCRBY', KEYS[1], 'cost_micro', ARGV[i + 2])
    if ARGV[i + 3] == 'success' then
      redis.call('HINCRBY', KEYS[1], 'successes', 1)
      redis.call('SET', KEYS[3], 0)
    elseif ARGV[i + 3] == 'failure' then
      redis.call('HINCRBY', KEYS[1], 'failures', 1)
      redis.call('INCR', KEYS[3])
    end
  end
end
if #ARGV > 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[3]) or ''}`;

/** Keeps the later of two expiring records (the block, a GitHub backoff); ARGV[4] = '1' replaces it anyway. */
const SET_BLOCK = `
local current = redis.call('HGET', KEYS[1], 'until_ms')
if current and ARGV[4] ~= '1' and tonumber(current) >= tonumber(ARGV[2]) then
  return redis.call('HGET', KEYS[1], 'json')
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'until_ms', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ARGV[1]`;

const OVERRIDE_TODAY = `
local firings = redis.call('HGET', KEYS[1], 'firings') or '0'
local turns = redis.call('HGET', KEYS[1], 'turns') or '0'
local cost = redis.call('HGET', KEYS[1], 'cost_micro') or '0'
local streak = redis.call('GET', KEYS[2]) or '0'
redis.call('HSET', KEYS[1], 'override_at', ARGV[1], 'override_by', ARGV[2],
  'override_firings', firings, 'override_turns', turns, 'override_cost_micro', cost,
  'override_streak', streak)
redis.call('HDEL', KEYS[1], 'blocked_until')
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], 0)
return 1`;

const READ_GATE = `return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}`;

const PAUSE = `
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])`;

const RESUME = `
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
elseif #ARGV > 1 then
  redis.call('HDEL', KEYS[1], unpack(ARGV, 2))
end
return redis.call('HGETALL', KEYS[1])`;

/** One line of the local spend journal. */
export const JournalEntry = z.strictObject({
  version: z.literal(1),
  firing_id: z.string().min(1),
  turns: z.number().int().nonnegative(),
  cost_micro: z.number().int().nonnegative(),
  tally: z.enum(["success", "failure", "neutral"]),
});
/** A parsed journal line. */
export type JournalEntry = z.infer<typeof JournalEntry>;

/**
 * The local spend journal of one agent and day (Redis backend).
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param day `YYYY-MM-DD`.
 * @returns `state/<agent>/spend-journal-<day>.jsonl`.
 */
export function spendJournalFile(layout: Layout, agent: string, day: string): string {
  return `${agentStateDir(layout, agent)}/spend-journal-${day}.jsonl`;
}

/**
 * Builds a ledger from the fields of the Redis hash and the streak (pure).
 *
 * @param agent The agent.
 * @param day The day.
 * @param fields The hash.
 * @param streak The failure streak counter, `""` when unset.
 * @returns The ledger, checked against the schema.
 */
export function ledgerOfHash(
  agent: string,
  day: string,
  fields: Record<string, string>,
  streak: string,
): Ledger {
  const int = (name: string) => Number.parseInt(fields[name] ?? "0", 10);
  return LedgerSchema.parse({
    version: 1,
    agent,
    day,
    firings: int("firings"),
    turns: int("turns"),
    cost_usd: int("cost_micro") / 1e6,
    successes: int("successes"),
    failures: int("failures"),
    consecutive_failures: Math.max(0, Number.parseInt(streak || "0", 10)),
    blocked_until: fields.blocked_until || null,
    ...(fields.override_at
      ? {
        override: {
          at: fields.override_at,
          by: fields.override_by,
          firings: int("override_firings"),
          turns: int("override_turns"),
          cost_usd: int("override_cost_micro") / 1e6,
          streak: int("override_streak"),
        },
      }
      : {}),
  });
}

/**
 * Money in whole micro-dollars, the unit the shared ledger counts in, so that
 * sums across hosts are exact.
 *
 * @param usd An amount in USD.
 * @returns The amount in micro-dollars, rounded.
 */
export function toMicroUsd(usd: number): number {
  return Math.round(usd * 1e6);
}

/** Options of {@linkcode redisCoordination}. */
export interface RedisCoordinationOptions {
  /** The clock (for lock records' expiry and block lengths). */
  now?: () => Date;
  /** Called with warnings (lost lock, Redis down while renewing). */
  warn?: (message: string) => void;
}

/**
 * Builds the Redis backend on an open connection. The local per-agent `flock`
 * is taken first (cheap, and it keeps `alfred status` on this host accurate),
 * then the fleet-wide lock in Redis.
 *
 * @param layout The home layout (for the local lock and spend journal).
 * @param connection An open Redis connection; closed by `close`.
 * @param options Settings, clock and warning sink.
 * @returns The coordination.
 */
export function redisCoordination(
  layout: Layout,
  connection: RedisConnection,
  options: RedisCoordinationOptions & { settings: Pick<CoordinationSettings, "lockTtlMs"> },
): Coordination {
  const prefix = connection.settings.prefix;
  const key = (...parts: string[]) => [prefix, ...parts].join(":");
  const now = options.now ?? (() => new Date());
  const warn = options.warn ?? ((message: string) => console.error(message));
  const ttlMs = options.settings.lockTtlMs;
  const url = connection.settings.url;
  const unavailable = (what: string, error: unknown) =>
    error instanceof RedisUnavailableError && !(error instanceof RedisAccessError)
      ? new RedisUnavailableError(what, {
        url,
        cause: error.cause,
        hint:
          "With coordination: redis no firing starts paid work while the shared state cannot be read. " +
          "Start Redis or fix ALFRED_REDIS_URL; firings resume by themselves once it answers.",
      })
      : error;
  const run = async (what: string, script: string, keys: string[], args: (string | number)[]) => {
    try {
      return await connection.eval(script, keys, args);
    } catch (error) {
      throw unavailable(what, error);
    }
  };

  const syncLedger = async (agent: string, day: string): Promise<Ledger> => {
    const entries = await readJournal(spendJournalFile(layout, agent, day), warn);
    const args: (string | number)[] = [LEDGER_TTL_SECONDS];
    for (const entry of entries) {
      args.push(entry.firing_id, entry.turns, entry.cost_micro, entry.tally);
    }
    const reply = await run(
      "read the shared spend ledger",
      SYNC_LEDGER,
      [key("spend", agent, day), key("spend-applied", agent, day), key("streak", agent)],
      args,
    ) as RedisReply[];
    return ledgerOfHash(agent, day, pairsToRecord(reply[0]), String(reply[1] ?? ""));
  };

  const coordination: Coordination = {
    backend: "redis",
    async readGate(gateOptions) {
      const reply = await run("read the fleet's block and pause state", READ_GATE, [
        key("block"),
        key("pause"),
      ], []) as RedisReply[];
      return {
        block: blockOfHash(pairsToRecord(reply[0]), gateOptions.now),
        pause: pauseOfHash(pairsToRecord(reply[1]), gateOptions.now),
      } satisfies Gate;
    },
    async acquireLock(agent, holder) {
      const local = await acquireAgentLock(lockFile(layout, agent), holder);
      if (local.kind === "busy") return local;
      try {
        const record: LockRecord = { version: 1, ...holder };
        const keys = [key("lock", agent), key("fence", agent), key("lock-last", agent)];
        let reply = await run("take the fleet-wide lock", ACQUIRE, keys, [
          JSON.stringify(record),
          ttlMs,
        ]) as RedisReply[];
        if (reply[0] === 0) {
          const held = parseLockValue(String(reply[1]));
          // The holder is the firing this home's own lock file says died without
          // releasing (this firing holds that flock now): take its lock at once
          // instead of waiting for it to expire.
          const dead = local.tookOverFrom;
          if (
            "pid" in held.record && dead && "pid" in dead &&
            held.record.firing_id === dead.firing_id
          ) {
            reply = await run("take over the fleet-wide lock", TAKE_OVER, keys, [
              JSON.stringify(record),
              ttlMs,
              String(reply[1]),
            ]) as RedisReply[];
          }
        }
        if (reply[0] === 0) {
          await local.lock.release();
          const held = parseLockValue(String(reply[1]));
          return { kind: "busy", holder: "pid" in held.record ? held.record : undefined };
        }
        const token = Number(reply[1]);
        const previous = reply[2] === undefined || reply[2] === null
          ? undefined
          : parseLockValue(String(reply[2])).record;
        const lock = heldLock(agent, { token, record, local: local.lock.release });
        const tookOverFrom = previous ?? local.tookOverFrom;
        return { kind: "acquired", lock, tookOverFrom } satisfies FleetLockAttempt;
      } catch (error) {
        await local.lock.release();
        throw error;
      }
    },
    readLedger(agent, ledgerOptions) {
      return syncLedger(agent, ledgerOptions.day);
    },
    async addSpend(agent, spendOptions) {
      await appendJournal(spendJournalFile(layout, agent, spendOptions.day), spendOptions.entry);
      try {
        return { ledger: await syncLedger(agent, spendOptions.day), synced: true };
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        (spendOptions.warn ?? warn)(
          `warning: spend of firing ${spendOptions.entry.firingId} kept in the local journal; ` +
            `it is added to the shared ledger when Redis answers again (${error.message})`,
        );
        return { ledger: undefined, synced: false };
      }
    },
    async overrideToday(agent, overrideOptions) {
      // The journal first, so the override counts from every firing this host knows.
      await syncLedger(agent, overrideOptions.day);
      await run(
        "record the override of today's caps",
        OVERRIDE_TODAY,
        [key("spend", agent, overrideOptions.day), key("streak", agent)],
        [overrideOptions.at.toISOString(), overrideOptions.by, LEDGER_TTL_SECONDS],
      );
      return await syncLedger(agent, overrideOptions.day);
    },
    async setBlockedUntil(agent, blockedOptions) {
      await run(
        "mark the daily cap",
        `redis.call('HSET', KEYS[1], 'blocked_until', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`,
        [key("spend", agent, blockedOptions.day)],
        [
          blockedOptions.until.toISOString(),
          LEDGER_TTL_SECONDS,
        ],
      );
    },
    async readBlock(blockOptions) {
      return (await coordination.readGate(blockOptions)).block;
    },
    async setBlock(blockOptions: SetBlockOptions) {
      const at = blockOptions.now ?? now();
      const block = newBlock(blockOptions, at);
      const until = new Date(block.until);
      const reply = await run("set the fleet-wide block", SET_BLOCK, [key("block")], [
        JSON.stringify(block),
        until.getTime(),
        until.getTime() - at.getTime(),
        blockOptions.shorten ? "1" : "0",
      ]);
      return BlockFile.parse(JSON.parse(String(reply)));
    },
    async clearBlock() {
      const reply = await run("clear the fleet-wide block", "return redis.call('DEL', KEYS[1])", [
        key("block"),
      ], []);
      return reply === 1;
    },
    async readPause(pauseOptions) {
      return (await coordination.readGate(pauseOptions)).pause;
    },
    async pause(pauseOptions) {
      const at = pauseOptions.now ?? now();
      const entry = JSON.stringify(
        PauseEntry.parse({
          reason: pauseOptions.reason,
          since: at.toISOString(),
          until: pauseOptions.until ? pauseOptions.until.toISOString() : null,
          by: pauseOptions.by,
        }),
      );
      const fields = [
        ...(pauseOptions.all ? ["all"] : []),
        ...(pauseOptions.agents ?? []).map((agent) => `agent:${agent}`),
        ...(pauseOptions.repos ?? []).map((repo) => `repo:${repo}`),
      ];
      const reply = await run(
        "pause",
        PAUSE,
        [key("pause")],
        fields.flatMap((field) => [field, entry]),
      );
      return pauseOfHash(pairsToRecord(reply), at);
    },
    async resume(resumeOptions) {
      const fields = [
        ...(resumeOptions.agents ?? []).map((agent) => `agent:${agent}`),
        ...(resumeOptions.repos ?? []).map((repo) => `repo:${repo}`),
      ];
      const reply = await run("resume", RESUME, [key("pause")], [
        resumeOptions.all ? "1" : "0",
        ...fields,
      ]);
      return pauseOfHash(pairsToRecord(reply), resumeOptions.now ?? now());
    },
    githubBackoff: {
      async read(tokenKey) {
        const reply = await run(
          "read the fleet's GitHub backoff",
          "return redis.call('HGET', KEYS[1], 'json')",
          [key("github-backoff", tokenKey)],
          [],
        );
        return reply === null || reply === undefined
          ? undefined
          : backoffOfJson(String(reply), now());
      },
      async extend(tokenKey, entry) {
        const untilMs = Date.parse(entry.until);
        const ttlMs = Math.max(1, untilMs - Date.parse(entry.set_at));
        const reply = await run("set the fleet's GitHub backoff", SET_BLOCK, [
          key("github-backoff", tokenKey),
        ], [JSON.stringify(BackoffEntry.parse(entry)), untilMs, ttlMs, "0"]);
        return backoffOfJson(String(reply), now());
      },
    },
    close() {
      return connection.close();
    },
  };

  function heldLock(
    agent: string,
    held: { token: number; record: LockRecord; local: () => Promise<void> },
  ): FleetLock {
    const controller = new AbortController();
    let released = false;
    let warnedDown = false;
    const renew = async () => {
      try {
        const kept = await connection.eval(RENEW, [key("lock", agent)], [held.token, ttlMs]);
        warnedDown = false;
        if (kept !== 1 && !controller.signal.aborted) {
          clearInterval(timer);
          const message = `the fleet-wide lock of ${agent} (token ${held.token}) expired and ` +
            "may be held by another firing; stop and let the next firing retry";
          warn(`warning: ${message}`);
          controller.abort(new RedisUnavailableError("keep the fleet-wide lock", { url }));
        }
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error;
        if (!warnedDown) {
          warnedDown = true;
          warn(`warning: could not renew the fleet-wide lock of ${agent}: ${error.message}`);
        }
      }
    };
    const timer = setInterval(() => void renew(), Math.max(100, Math.floor(ttlMs / 3)));
    return {
      record: held.record,
      fencingToken: held.token,
      signal: controller.signal,
      async release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        try {
          await connection.eval(RELEASE, [key("lock", agent), key("lock-last", agent)], [
            held.token,
          ]);
        } catch (error) {
          if (!(error instanceof RedisUnavailableError)) throw error;
          warn(
            `warning: could not release the fleet-wide lock of ${agent}; it expires within ${
              Math.ceil(ttlMs / 1000)
            } s (${error.message})`,
          );
        } finally {
          await held.local();
        }
      },
    };
  }

  return coordination;
}

/**
 * Splits a lock value `<token> <record JSON>` (pure).
 *
 * @param value The value of `alfred:lock:<agent>`.
 * @returns The token and the record (or what was unreadable).
 */
export function parseLockValue(
  value: string,
): { token: number; record: LockRecord | { unreadable: string } } {
  const space = value.indexOf(" ");
  const token = Number.parseInt(value.slice(0, space), 10);
  const text = value.slice(space + 1);
  try {
    const parsed = z.strictObject({
      version: z.literal(1),
      pid: z.number().int().positive(),
      host: z.string(),
      firing_id: z.string(),
      started_at: z.iso.datetime({ offset: true }),
    }).safeParse(JSON.parse(text));
    return { token, record: parsed.success ? parsed.data : { unreadable: text.slice(0, 200) } };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { token, record: { unreadable: text.slice(0, 200) } };
  }
}

/**
 * The block held in Redis (pure). An unreadable block counts as a block of the
 * default length, like a corrupt block file.
 *
 * @param fields The `alfred:block` hash.
 * @param now The clock.
 * @returns The block, or `undefined`.
 */
export function blockOfHash(fields: Record<string, string>, now: Date): BlockFile | undefined {
  if (!fields.json) return undefined;
  try {
    const parsed = BlockFile.safeParse(JSON.parse(fields.json));
    if (parsed.success) return parsed.data;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return {
    version: 1,
    until: new Date(now.getTime() + DEFAULT_BLOCK_HOURS * 3_600_000).toISOString(),
    reason: "the block held in Redis was unreadable; `alfred block clear` lifts it",
    set_at: now.toISOString(),
    set_by: "alfred",
  };
}

/**
 * A GitHub backoff held in Redis (pure). An unreadable one counts as a
 * backoff of {@linkcode CORRUPT_BACKOFF_S} from `now`, like a corrupt file.
 *
 * @param json The `json` field of `alfred:github-backoff:<key>`.
 * @param now The clock.
 * @returns The entry.
 */
export function backoffOfJson(json: string, now: Date): BackoffEntry {
  try {
    const parsed = BackoffEntry.safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return {
    until: new Date(now.getTime() + CORRUPT_BACKOFF_S * 1000).toISOString(),
    limit: "secondary",
    reason: "the GitHub backoff held in Redis was unreadable",
    set_at: now.toISOString(),
    set_by: "alfred",
  };
}

/**
 * The pause state held in Redis (pure). An unreadable entry pauses the whole
 * fleet, like a corrupt pause file: the stop switch must never be lost.
 *
 * @param fields The `alfred:pause` hash.
 * @param now The clock.
 * @returns The pause state.
 */
export function pauseOfHash(fields: Record<string, string>, now: Date): PauseFile {
  const state: PauseFile = { version: 1, all: null, agents: {}, repos: {} };
  const bad: string[] = [];
  for (const [field, text] of Object.entries(fields)) {
    let entry: PauseEntry | undefined;
    try {
      const parsed = PauseEntry.safeParse(JSON.parse(text));
      if (parsed.success) entry = parsed.data;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
    if (!entry) {
      bad.push(field);
      continue;
    }
    if (field === "all") state.all = entry;
    else if (field.startsWith("agent:")) state.agents[field.slice(6)] = entry;
    else if (field.startsWith("repo:")) state.repos[field.slice(5)] = entry;
    else bad.push(field);
  }
  if (bad.length) {
    state.all = {
      reason: `pause entries in Redis were unreadable (${bad.join(", ")}); ` +
        "check them, then `alfred resume --all`",
      since: now.toISOString(),
      until: null,
      by: "auto",
    };
  }
  return Object.keys(fields).length ? state : NOTHING_PAUSED;
}

async function appendJournal(file: string, entry: SpendEntry): Promise<void> {
  const line: JournalEntry = JournalEntry.parse({
    version: 1,
    firing_id: entry.firingId,
    turns: entry.turns,
    cost_micro: toMicroUsd(entry.costUsd),
    tally: entry.tally satisfies FiringTally,
  });
  await Deno.mkdir(dirnameOf(file), { recursive: true });
  const handle = await Deno.open(file, { append: true, create: true });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(line) + "\n");
    const written = await handle.write(bytes);
    if (written !== bytes.length) throw new Error(`short write to ${file}`);
    await handle.sync();
  } finally {
    handle.close();
  }
}

async function readJournal(file: string, warn: (message: string) => void): Promise<JournalEntry[]> {
  const text = await readTextIfExists(file);
  if (text === undefined) return [];
  const entries: JournalEntry[] = [];
  let bad = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const parsed = JournalEntry.safeParse(JSON.parse(line));
      if (parsed.success) entries.push(parsed.data);
      else bad++;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      bad++;
    }
  }
  if (bad) warn(`warning: ${bad} unreadable line(s) in ${file} were skipped`);
  return entries;
}
