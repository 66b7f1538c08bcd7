/**
 * Measures what Redis coordination adds to each firing, against the
 * file-based default: for each backend, one firing's coordination round
 * trips (read block+pause, take the lock, read the ledger, add the spend,
 * release), plus for Redis the connect that every firing process pays and the
 * one-time load of the `redis` module.
 *
 * `scripts/bench.ts` calls {@linkcode benchRedisCoordination}; run alone with
 * `deno run --allow-all scripts/bench_redis.ts [--iterations N] [--url redis://…]`.
 * Without a URL it starts Debian's `redis-server` on a free loopback port.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileCoordination, openCoordination } from "../runner/coordination/mod.ts";
import type { Coordination } from "../runner/coordination/mod.ts";
import { layoutOf } from "../runner/paths.ts";
import type { CoordinationSettings } from "../runner/coordination/redis_connection.ts";
import { startRedis } from "../tests/support/redis_server.ts";

/** Timing statistics in milliseconds. */
export interface Stats {
  /** Samples taken. */
  n: number;
  /** Mean. */
  mean: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
}

/** What {@linkcode benchRedisCoordination} measured. */
export interface RedisBenchResult {
  /** One firing's coordination with the file backend. */
  file: Stats;
  /** One firing's coordination with Redis, on an open connection. */
  redis: Stats;
  /** Opening a Redis connection (every firing process does it once). */
  connect: Stats;
  /** Loading the `redis` module the first time, in ms (once per process). */
  moduleLoadMs: number;
  /** Median extra time per firing with Redis: connect + round trips − file. */
  overheadMs: number;
}

/** Options of {@linkcode benchRedisCoordination}. */
export interface RedisBenchOptions {
  /** Firings per backend (default 200). */
  iterations?: number;
  /** An existing Redis to use; default: start `redis-server` on loopback. */
  url?: string;
  /** Where figures are printed (default `console.log`). */
  log?: (line: string) => void;
}

/**
 * Runs the benchmark and prints the figures.
 *
 * Requires `--allow-run=redis-server` (without `url`; started by tests/support/redis_server.ts), network access to
 * Redis, and read/write access to a temp folder.
 *
 * @param options Iterations, Redis URL and output.
 * @returns The figures.
 */
export async function benchRedisCoordination(
  options: RedisBenchOptions = {},
): Promise<RedisBenchResult> {
  const iterations = options.iterations ?? 200;
  const log = options.log ?? ((line: string) => console.log(line));
  const home = await Deno.makeTempDir({ prefix: "alfred-bench-redis-" });
  const server = options.url ? undefined : await startRedis();
  try {
    const url = options.url ?? server!.url;
    const loadStart = performance.now();
    await import("redis");
    const moduleLoadMs = performance.now() - loadStart;
    const settings: CoordinationSettings = {
      backend: "redis",
      lockTtlMs: 120_000,
      redis: {
        url,
        password: undefined,
        prefix: `alfred-bench-${crypto.randomUUID().slice(0, 8)}`,
      },
    };
    const fileHome = layoutOf(`${home}/file`);
    const redisHome = layoutOf(`${home}/redis`);
    const file = await measure(iterations, (i) => oneFiring(fileCoordination(fileHome), i));
    const connectSamples: number[] = [];
    const redis = await openCoordination(redisHome, { settings, warn: log });
    let redisStats: Stats;
    try {
      redisStats = await measure(iterations, (i) => oneFiring(redis, i));
    } finally {
      await redis.close();
    }
    for (let i = 0; i < Math.min(iterations, 50); i++) {
      const start = performance.now();
      const connection = await openCoordination(redisHome, { settings, warn: log });
      connectSamples.push(performance.now() - start);
      await connection.close();
    }
    const connect = stats(connectSamples);
    const result: RedisBenchResult = {
      file,
      redis: redisStats,
      connect,
      moduleLoadMs,
      overheadMs: connect.p50 + redisStats.p50 - file.p50,
    };
    const fmt = (s: Stats) =>
      `median ${s.p50.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms, p95 ${
        s.p95.toFixed(2)
      } ms (n=${s.n})`;
    log("coordination per firing (block+pause, lock, ledger, spend, release):");
    log(`  file backend:        ${fmt(file)}`);
    log(`  redis backend:       ${fmt(redisStats)}`);
    log(`  redis connect:       ${fmt(connect)}`);
    log(`  redis module load:   ${moduleLoadMs.toFixed(1)} ms (once per firing process)`);
    log(
      `  overhead of Redis per firing: ${result.overheadMs.toFixed(2)} ms ` +
        `(+ ${moduleLoadMs.toFixed(0)} ms module load)`,
    );
    return result;
  } finally {
    await server?.[Symbol.asyncDispose]();
    await Deno.remove(home, { recursive: true });
  }
}

async function oneFiring(coordination: Coordination, i: number): Promise<void> {
  const now = new Date();
  const firingId = `bench-${i}-${crypto.randomUUID().slice(0, 6)}`;
  await coordination.readGate({ now });
  const attempt = await coordination.acquireLock("bench", {
    pid: Deno.pid,
    host: "bench",
    firing_id: firingId,
    started_at: now.toISOString(),
  });
  if (attempt.kind !== "acquired") throw new Error("bench lock unexpectedly busy");
  try {
    await coordination.readLedger("bench", { day: "2026-01-01" });
    await coordination.addSpend("bench", {
      day: `2026-01-01`,
      entry: { firingId, turns: 1, costUsd: 0.001, tally: "success" },
    });
  } finally {
    await attempt.lock.release();
  }
}

async function measure(iterations: number, run: (i: number) => Promise<void>): Promise<Stats> {
  for (let i = 0; i < Math.min(10, iterations); i++) await run(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    n: samples.length,
    mean: samples.reduce((sum, x) => sum + x, 0) / Math.max(1, samples.length),
    p50: at(0.5),
    p95: at(0.95),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { iterations: { type: "string" }, url: { type: "string" } },
    strict: true,
  });
  await benchRedisCoordination({
    iterations: values.iterations ? Number(values.iterations) : undefined,
    url: values.url,
  });
}
