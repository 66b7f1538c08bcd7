import { assert, assertEquals, assertRejects, assertStringIncludes } from "./support/assert.ts";
import { startRedis, type TestRedis } from "./support/redis_server.ts";
import { withHome } from "./support/helpers.ts";
import {
  type Coordination,
  fileCoordination,
  openCoordination,
} from "../runner/coordination/mod.ts";
import {
  backoffOfJson,
  blockOfHash,
  ledgerOfHash,
  parseLockValue,
  pauseOfHash,
  spendJournalFile,
} from "../runner/coordination/redis_coordination.ts";
import {
  clientLogin,
  CoordinationSection,
  type CoordinationSettings,
  describeRedisUrl,
  RedisAccessError,
  RedisSection,
  RedisUnavailableError,
  resolveCoordinationSettings,
  resolveMemorySettings,
} from "../runner/coordination/redis_connection.ts";
import { isBlockActive } from "../runner/firing/block.ts";
import { pauseOf } from "../runner/firing/pause.ts";
import type { Layout } from "../runner/paths.ts";

const DAY = "2026-11-27";
const NOW = new Date("2026-11-27T10:00:00.000Z");

function settingsFor(redis: TestRedis, lockTtlMs = 60_000): CoordinationSettings {
  return {
    backend: "redis",
    lockTtlMs,
    redis: { url: redis.url, password: undefined, prefix: "alfred" },
  };
}

interface Host {
  name: string;
  layout: Layout;
  coordination: Coordination;
  warnings: string[];
}

async function openHosts(
  redis: TestRedis,
  names: string[],
  options: { lockTtlMs?: number } = {},
): Promise<{ hosts: Host[] } & AsyncDisposable> {
  const homes = await Promise.all(names.map(() => withHome()));
  const hosts: Host[] = [];
  for (const [i, name] of names.entries()) {
    const warnings: string[] = [];
    const coordination = await openCoordination(homes[i].layout, {
      settings: settingsFor(redis, options.lockTtlMs),
      warn: (message) => warnings.push(message),
      now: () => NOW,
    });
    hosts.push({ name, layout: homes[i].layout, coordination, warnings });
  }
  return {
    hosts,
    async [Symbol.asyncDispose]() {
      for (const host of hosts) await host.coordination.close();
      for (const home of homes) await home[Symbol.asyncDispose]();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `done()` holds, polling: Redis expires keys in real time, so a
 * test waits for the effect instead of guessing how long a busy machine takes.
 */
async function eventually(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** What the simulated fleet observed. */
interface Tracker {
  running: Record<string, number>;
  overlaps: number;
  spentMicro: Record<string, number>;
  turns: Record<string, number>;
  ran: Record<string, number>;
  tokens: Record<string, number[]>;
  busy: number;
}

async function simulatedFiring(
  host: Host,
  agent: string,
  index: number,
  tracker: Tracker,
): Promise<void> {
  const firingId = `${host.name}-${agent}-${index}-${crypto.randomUUID().slice(0, 6)}`;
  const attempt = await host.coordination.acquireLock(agent, {
    pid: Deno.pid,
    host: host.name,
    firing_id: firingId,
    started_at: NOW.toISOString(),
  });
  if (attempt.kind === "busy") {
    tracker.busy++;
    return;
  }
  tracker.running[agent] = (tracker.running[agent] ?? 0) + 1;
  if (tracker.running[agent] > 1) tracker.overlaps++;
  try {
    (tracker.tokens[agent] ??= []).push(attempt.lock.fencingToken ?? -1);
    await host.coordination.readLedger(agent, { day: DAY });
    await sleep(2 + Math.floor(Math.random() * 8));
    const micro = 1 + Math.floor(Math.random() * 2_000_000);
    const turns = 1 + Math.floor(Math.random() * 12);
    const result = await host.coordination.addSpend(agent, {
      day: DAY,
      entry: { firingId, turns, costUsd: micro / 1e6, tally: index % 3 ? "success" : "failure" },
    });
    assert(result.synced, "Redis is up: the spend reaches the shared ledger");
    tracker.spentMicro[agent] = (tracker.spentMicro[agent] ?? 0) + micro;
    tracker.turns[agent] = (tracker.turns[agent] ?? 0) + turns;
    tracker.ran[agent] = (tracker.ran[agent] ?? 0) + 1;
  } finally {
    tracker.running[agent]--;
    await attempt.lock.release();
  }
}

Deno.test("three hosts sharing one Redis never fire one agent twice at once and count every cent", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b", "host-c"]);
  const agents = ["lucius", "robin"];
  const tracker: Tracker = {
    running: {},
    overlaps: 0,
    spentMicro: {},
    turns: {},
    ran: {},
    tokens: {},
    busy: 0,
  };
  await Promise.all(
    fleet.hosts.flatMap((host) =>
      agents.map(async (agent) => {
        for (let i = 0; i < 15; i++) {
          await simulatedFiring(host, agent, i, tracker);
          await sleep(Math.floor(Math.random() * 3));
        }
      })
    ),
  );
  assertEquals(tracker.overlaps, 0, "never two firings of one agent at once fleet-wide");
  assert(tracker.busy > 0, "the hosts really competed for the locks");
  for (const agent of agents) {
    assert((tracker.ran[agent] ?? 0) >= 5, `${agent} ran`);
    for (const host of fleet.hosts) {
      const ledger = await host.coordination.readLedger(agent, { day: DAY });
      assertEquals(ledger.firings, tracker.ran[agent]);
      assertEquals(ledger.turns, tracker.turns[agent]);
      assertEquals(Math.round(ledger.cost_usd * 1e6), tracker.spentMicro[agent]);
    }
    const tokens = tracker.tokens[agent];
    assertEquals(new Set(tokens).size, tokens.length, "every acquisition has its own token");
    assertEquals(Math.max(...tokens), tokens.length, "tokens count acquisitions fleet-wide");
  }
});

Deno.test("a block set on one host silences the others, and a pause on one host pauses all", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b", "host-c"]);
  const [a, b, c] = fleet.hosts;
  await a.coordination.setBlock({
    reason: "claude rate limit (429) hit by lucius",
    hours: 1,
    now: NOW,
    setBy: "lucius",
  });
  for (const host of [b, c]) {
    const gate = await host.coordination.readGate({ now: NOW });
    assert(isBlockActive(gate.block, NOW), `${host.name} sees the block`);
    assertEquals(gate.block?.set_by, "lucius");
  }
  const shorter = await b.coordination.setBlock({ reason: "shorter", hours: 0.5, now: NOW });
  assertEquals(shorter.reason, "claude rate limit (429) hit by lucius", "a later block is kept");
  assert(await c.coordination.clearBlock());
  assert(!isBlockActive(await a.coordination.readBlock({ now: NOW }), NOW));

  await b.coordination.pause({ agents: ["lucius"], reason: "looking into it", by: "operator" });
  for (const host of fleet.hosts) {
    const state = await host.coordination.readPause({ now: NOW });
    assertEquals(pauseOf(state, "lucius", NOW)?.reason, "looking into it");
    assertEquals(pauseOf(state, "robin", NOW), undefined);
  }
  await c.coordination.pause({ all: true, reason: "maintenance", by: "operator", now: NOW });
  assertEquals(
    pauseOf(await a.coordination.readPause({ now: NOW }), "robin", NOW)?.reason,
    "maintenance",
  );
  await a.coordination.resume({ all: true });
  const after = await b.coordination.readPause({ now: NOW });
  assertEquals([after.all, after.agents], [null, {}]);
});

Deno.test("a block in Redis expires by itself", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a"]);
  const coordination = fleet.hosts[0].coordination;
  const now = new Date();
  await coordination.setBlock({ reason: "short", until: new Date(now.getTime() + 2_000), now });
  const ttl = Number(/-?\d+/.exec(await redis.raw("PTTL alfred:block"))?.[0]);
  assert(ttl > 0 && ttl <= 2_000, `the block's key expires with the block (PTTL ${ttl})`);
  await eventually(
    async () => (await redis.raw("EXISTS alfred:block")).includes(":0"),
    "the block's key is gone",
  );
});

/** A lock holder: this process, as firing `firing` of `host`. */
function holder(host: string, firing: string) {
  return { pid: Deno.pid, host, firing_id: firing, started_at: NOW.toISOString() };
}

Deno.test("a host that dies holding a lock leaves it for the lock's lifetime only", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b"], { lockTtlMs: 3_000 });
  const [a, b] = fleet.hosts;
  const first = await a.coordination.acquireLock("lucius", holder("host-a", "f-dead"));
  assert(first.kind === "acquired");
  // Host A "dies": its connection goes away, so the lock is no longer renewed.
  await a.coordination.close();
  const busy = await b.coordination.acquireLock("lucius", holder("host-b", "f-1"));
  assertEquals(busy.kind === "busy" && busy.holder?.firing_id, "f-dead");
  await eventually(
    async () => (await redis.raw("EXISTS alfred:lock:lucius")).includes(":0"),
    "the dead host's lock expired",
  );
  const second = await b.coordination.acquireLock("lucius", holder("host-b", "f-2"));
  assert(second.kind === "acquired", "the dead host's lock expired");
  assertEquals(
    second.tookOverFrom && "firing_id" in second.tookOverFrom && second.tookOverFrom.firing_id,
    "f-dead",
    "the takeover names the dead firing",
  );
  assertEquals(second.lock.fencingToken, 2);
  // The dead host's late release must not free the new holder's lock.
  await first.lock.release();
  const third = await b.coordination.acquireLock("lucius", holder("host-b", "f-3"));
  assertEquals(third.kind, "busy");
  await second.lock.release();
  assert(a.warnings.some((w) => w.includes("could not release")));
});

Deno.test("a lock whose holder died on this very home is taken over at once, not after its lifetime", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b", "host-c"], { lockTtlMs: 60_000 });
  const [a, b, c] = fleet.hosts;
  const dead = { pid: 999_999, host: "host-a", firing_id: "f-dead", started_at: NOW.toISOString() };
  // Host A's firing f-dead took the fleet-wide lock and was killed: Redis still
  // holds it for a minute, and A's own lock file still names f-dead (no flock held).
  const taken = await c.coordination.acquireLock("lucius", dead);
  assert(taken.kind === "acquired");
  await c.coordination.close(); // nobody renews or releases it now
  await Deno.mkdir(`${a.layout.stateDir}/lucius`, { recursive: true });
  await Deno.writeTextFile(
    `${a.layout.stateDir}/lucius/lock`,
    JSON.stringify({ version: 1, ...dead }) + "\n",
  );
  const elsewhere = await b.coordination.acquireLock("lucius", holder("host-b", "f-b"));
  assertEquals(elsewhere.kind, "busy", "another host cannot know f-dead is dead");
  const next = await a.coordination.acquireLock("lucius", holder("host-a", "f-next"));
  assert(next.kind === "acquired", "host A's own lock file proves f-dead gone");
  assertEquals(
    next.tookOverFrom && "firing_id" in next.tookOverFrom && next.tookOverFrom.firing_id,
    "f-dead",
  );
  assertEquals(next.lock.fencingToken, 2);
  const stillBusy = await b.coordination.acquireLock("lucius", holder("host-b", "f-b2"));
  assertEquals(stillBusy.kind === "busy" && stillBusy.holder?.firing_id, "f-next");
  await next.lock.release();
});

Deno.test("the GitHub backoff of a token is shared through Redis and keeps the later wait", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b"]);
  const [a, b] = fleet.hosts;
  const entry = (until: string) => ({
    until,
    limit: "secondary" as const,
    reason: "secondary rate limit on POST /repos/acme/web/issues/1/labels",
    set_at: NOW.toISOString(),
    set_by: "lucius",
  });
  assertEquals(await b.coordination.githubBackoff.read("0123456789abcdef"), undefined);
  await a.coordination.githubBackoff.extend("0123456789abcdef", entry("2026-11-27T10:02:00.000Z"));
  const shorter = await b.coordination.githubBackoff.extend(
    "0123456789abcdef",
    entry("2026-11-27T10:01:00.000Z"),
  );
  assertEquals(shorter.until, "2026-11-27T10:02:00.000Z", "a shorter wait never cuts a longer one");
  assertEquals(
    (await b.coordination.githubBackoff.read("0123456789abcdef"))?.until,
    "2026-11-27T10:02:00.000Z",
  );
  assertEquals(await b.coordination.githubBackoff.read("fedcba9876543210"), undefined, "per token");
});

Deno.test("a renewed lock outlives its lifetime, and a lost lock aborts its signal", async () => {
  await using redis = await startRedis();
  // Renewed every second; a stall of the test process under 2 s cannot lose it.
  await using fleet = await openHosts(redis, ["host-a", "host-b"], { lockTtlMs: 3_000 });
  const [a, b] = fleet.hosts;
  const attempt = await a.coordination.acquireLock("robin", {
    pid: Deno.pid,
    host: "host-a",
    firing_id: "f-long",
    started_at: NOW.toISOString(),
  });
  assert(attempt.kind === "acquired");
  await sleep(4_000); // longer than the lock's lifetime
  assert(!attempt.lock.signal.aborted);
  const other = await b.coordination.acquireLock("robin", {
    pid: Deno.pid,
    host: "host-b",
    firing_id: "f-other",
    started_at: NOW.toISOString(),
  });
  assertEquals(other.kind, "busy", "renewal kept the lock past its lifetime");
  // Someone else's value replaces ours (as after an expiry and a takeover).
  await redis.raw(`SET alfred:lock:robin "99 {}" PX 60000`);
  await eventually(
    () => Promise.resolve(attempt.lock.signal.aborted),
    "the holder learns it lost the lock",
  );
  assert(a.warnings.some((w) => w.includes("expired")));
  await attempt.lock.release();
  assertStringIncludes(await redis.raw("GET alfred:lock:robin"), "99 {}", "release spares it");
});

Deno.test("Redis stopped and restarted during firings: paid work refused meanwhile, no spend lost", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b", "host-c"]);
  const expected = { firings: 0, turns: 0, micro: 0 };
  const spend = async (host: Host, id: string, micro: number, turns: number) => {
    const result = await host.coordination.addSpend("lucius", {
      day: DAY,
      entry: { firingId: id, turns, costUsd: micro / 1e6, tally: "success" },
    });
    expected.firings++;
    expected.turns += turns;
    expected.micro += micro;
    return result;
  };
  for (const [i, host] of fleet.hosts.entries()) {
    assert((await spend(host, `before-${i}`, 1_234_567 + i, 3)).synced);
  }
  // host-a is mid-firing when Redis goes away.
  const inFlight = await fleet.hosts[0].coordination.acquireLock(
    "lucius",
    holder("host-a", "in-flight"),
  );
  assert(inFlight.kind === "acquired");
  await redis.stop();
  const late = await spend(fleet.hosts[0], "in-flight", 700_001, 9);
  assertEquals(late.synced, false, "the spend waits in the local journal");
  assertStringIncludes(
    await Deno.readTextFile(spendJournalFile(fleet.hosts[0].layout, "lucius", DAY)),
    "in-flight",
  );
  await inFlight.lock.release();
  // While Redis is down, no host can read the shared budget, so none starts paid work.
  const refused = await assertRejects(
    () => fleet.hosts[1].coordination.readLedger("lucius", { day: DAY }),
    RedisUnavailableError,
  );
  assertStringIncludes(refused.hint ?? "", "no firing starts paid work");
  await assertRejects(
    () => fleet.hosts[2].coordination.acquireLock("lucius", holder("host-c", "refused")),
    RedisUnavailableError,
  );
  await using newHome = await withHome();
  const fresh = await assertRejects(
    () => openCoordination(newHome.layout, { settings: settingsFor(redis), connectTimeoutMs: 500 }),
    RedisUnavailableError,
  );
  assertStringIncludes(fresh.message, "127.0.0.1");
  // Redis comes back empty (no persistence): every host's journal restores its part.
  await redis.start();
  for (const host of fleet.hosts) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await host.coordination.readLedger("lucius", { day: DAY });
        break;
      } catch (error) {
        if (!(error instanceof RedisUnavailableError) || Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }
  const ledger = await fleet.hosts[1].coordination.readLedger("lucius", { day: DAY });
  assertEquals(
    [ledger.firings, ledger.turns, Math.round(ledger.cost_usd * 1e6)],
    [expected.firings, expected.turns, expected.micro],
  );
  // Replaying the journals again counts nothing twice.
  for (const host of fleet.hosts) await host.coordination.readLedger("lucius", { day: DAY });
  assertEquals((await fleet.hosts[2].coordination.readLedger("lucius", { day: DAY })).firings, 4);
  // And the lock is free: the outage left nothing stuck.
  const next = await fleet.hosts[2].coordination.acquireLock("lucius", holder("host-c", "after"));
  assert(next.kind === "acquired");
  await next.lock.release();
  assert(fleet.hosts[0].warnings.some((w) => w.includes("kept in the local journal")));
});

Deno.test("the failure streak is shared and carries over to the next day", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b"]);
  const [a, b] = fleet.hosts;
  const add = (host: Host, id: string, tally: "success" | "failure" | "neutral", day = DAY) =>
    host.coordination.addSpend("bane", {
      day,
      entry: { firingId: id, turns: 1, costUsd: 0.01, tally },
    });
  await add(a, "x1", "failure");
  await add(b, "x2", "failure");
  await add(a, "x3", "neutral");
  assertEquals((await b.coordination.readLedger("bane", { day: DAY })).consecutive_failures, 2);
  const tomorrow = await a.coordination.readLedger("bane", { day: "2026-11-28" });
  assertEquals([tomorrow.firings, tomorrow.consecutive_failures], [0, 2]);
  await add(b, "x4", "success", "2026-11-28");
  const after = await a.coordination.readLedger("bane", { day: "2026-11-28" });
  assertEquals([after.successes, after.consecutive_failures], [1, 0]);
  await a.coordination.setBlockedUntil("bane", {
    day: DAY,
    until: new Date("2026-11-28T00:00:00Z"),
  });
  assertEquals(
    (await b.coordination.readLedger("bane", { day: DAY })).blocked_until,
    "2026-11-28T00:00:00.000Z",
  );
});

Deno.test("an override of today's caps is shared by every host and survives later spend", async () => {
  await using redis = await startRedis();
  await using fleet = await openHosts(redis, ["host-a", "host-b"]);
  const [a, b] = fleet.hosts;
  for (const id of ["y1", "y2"]) {
    await a.coordination.addSpend("bane", {
      day: DAY,
      entry: { firingId: id, turns: 4, costUsd: 0.5, tally: "failure" },
    });
  }
  const overridden = await b.coordination.overrideToday("bane", {
    day: DAY,
    at: NOW,
    by: "operator",
  });
  assertEquals(overridden.consecutive_failures, 0);
  assertEquals(overridden.override, {
    at: NOW.toISOString(),
    by: "operator",
    firings: 2,
    turns: 8,
    cost_usd: 1,
    streak: 2,
  });
  await a.coordination.addSpend("bane", {
    day: DAY,
    entry: { firingId: "y3", turns: 1, costUsd: 0.25, tally: "success" },
  });
  const later = await a.coordination.readLedger("bane", { day: DAY });
  assertEquals([later.firings, later.cost_usd, later.override?.cost_usd], [3, 1.25, 1]);
});

Deno.test("the file backend keeps the single-host behaviour", async () => {
  await using home = await withHome();
  const coordination = fileCoordination(home.layout);
  const holder = { pid: Deno.pid, host: "h", firing_id: "f1", started_at: NOW.toISOString() };
  const first = await coordination.acquireLock("echo", holder);
  assert(first.kind === "acquired");
  assertEquals(first.lock.fencingToken, null);
  assertEquals(
    (await coordination.acquireLock("echo", { ...holder, firing_id: "f2" })).kind,
    "busy",
  );
  const spent = await coordination.addSpend("echo", {
    day: DAY,
    entry: { firingId: "f1", turns: 4, costUsd: 0.25, tally: "success" },
  });
  assertEquals([spent.ledger?.firings, spent.ledger?.cost_usd], [1, 0.25]);
  await first.lock.release();
  await coordination.setBlock({ reason: "test", hours: 1, now: NOW });
  await coordination.pause({ agents: ["echo"], reason: "r", by: "operator", now: NOW });
  const gate = await coordination.readGate({ now: NOW });
  assert(isBlockActive(gate.block, NOW));
  assertEquals(pauseOf(gate.pause, "echo", NOW)?.reason, "r");
});

Deno.test("unreadable Redis values fail safe (pure decoders)", () => {
  const cases: { fields: Record<string, string>; blocked: boolean; allPaused: boolean }[] = [
    { fields: {}, blocked: false, allPaused: false },
    { fields: { json: "{not json" }, blocked: true, allPaused: true },
    { fields: { json: JSON.stringify({ version: 2 }) }, blocked: true, allPaused: true },
  ];
  for (const { fields, blocked, allPaused } of cases) {
    assertEquals(isBlockActive(blockOfHash(fields, NOW), NOW), blocked, JSON.stringify(fields));
    const pause = pauseOfHash(fields, NOW);
    assertEquals(pause.all !== null, allPaused, JSON.stringify(fields));
  }
  const entry = JSON.stringify({ reason: "r", since: NOW.toISOString(), until: null, by: "auto" });
  assertEquals(Object.keys(pauseOfHash({ "agent:lucius": entry }, NOW).agents), ["lucius"]);
  assertEquals(parseLockValue("7 nonsense"), { token: 7, record: { unreadable: "nonsense" } });
  const ledger = ledgerOfHash("x", DAY, { firings: "2", cost_micro: "1500001" }, "");
  assertEquals([ledger.firings, ledger.cost_usd, ledger.consecutive_failures], [2, 1.500001, 0]);
  const backoff = backoffOfJson("{not json", NOW);
  assertEquals(
    Date.parse(backoff.until) - NOW.getTime(),
    60_000,
    "an unreadable backoff holds a minute",
  );
});

Deno.test("Redis with an ACL user: the documented rights suffice, a wrong password or narrow ACL is refused", async () => {
  await using redis = await startRedis();
  await using home = await withHome();
  const rights = "-@all +eval +ping +select +smembers +get +set +incr +pexpire +expire +del " +
    "+hgetall +hget +hset +hsetnx +hdel +hvals +hincrby +sadd +sismember";
  assertStringIncludes(await redis.raw(`ACL SETUSER alfred on >s3cret ~alfred:* ${rights}`), "+OK");
  assertStringIncludes(
    await redis.raw(`ACL SETUSER narrow on >s3cret ~alfred:* -@all +eval`),
    "+OK",
  );
  assertStringIncludes(await redis.raw("ACL SETUSER default off"), "+OK");
  const settings = (user: string, password: string): CoordinationSettings => ({
    backend: "redis",
    lockTtlMs: 60_000,
    redis: {
      url: `redis://${user}@127.0.0.1:${redis.port}`,
      password,
      prefix: "alfred",
    },
  });
  const ok = await openCoordination(home.layout, { settings: settings("alfred", "s3cret") });
  try {
    const attempt = await ok.acquireLock("gordon", {
      pid: Deno.pid,
      host: "h",
      firing_id: "f",
      started_at: NOW.toISOString(),
    });
    assert(attempt.kind === "acquired");
    await ok.readGate({ now: NOW });
    await ok.addSpend("gordon", {
      day: DAY,
      entry: { firingId: "f", turns: 1, costUsd: 0.5, tally: "success" },
    });
    await ok.setBlock({ reason: "r", hours: 1, now: NOW });
    await ok.clearBlock();
    await ok.pause({ all: true, reason: "r", by: "operator", now: NOW });
    await ok.resume({ all: true });
    await attempt.lock.release();
  } finally {
    await ok.close();
  }
  const wrong = await assertRejects(
    () => openCoordination(home.layout, { settings: settings("alfred", "nope") }),
    RedisAccessError,
  );
  assertStringIncludes(wrong.message, "refused Alfred");
  assert(!wrong.message.includes("nope"), "the password is never printed");
  const narrow = await openCoordination(home.layout, { settings: settings("narrow", "s3cret") });
  try {
    await assertRejects(() => narrow.readGate({ now: NOW }), RedisAccessError);
  } finally {
    await narrow.close();
  }
});

Deno.test("Redis settings resolve from fleet.yaml and the environment, without secrets in the file", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assertEquals(resolveCoordinationSettings({}, env({})), {
    backend: "file",
    lockTtlMs: 120_000,
    redis: undefined,
  });
  assertEquals(
    resolveCoordinationSettings(
      {
        coordination: { backend: "redis", lock_ttl_seconds: 30 },
        redis: { url: "rediss://a@h:6380" },
      },
      env({ ALFRED_REDIS_PASSWORD: "pw" }),
    ),
    {
      backend: "redis",
      lockTtlMs: 30_000,
      redis: { url: "rediss://a@h:6380", password: "pw", prefix: "alfred" },
    },
  );
  assertEquals(
    resolveCoordinationSettings({ coordination: "redis" }, env({})).redis?.url,
    "redis://127.0.0.1:6379",
  );
  const memoryCases: [Record<string, string>, string | undefined, string][] = [
    [{}, undefined, "file"],
    [{ ALFRED_REDIS_URL: "redis://r:1" }, undefined, "redis"],
    [{ ALFRED_REDIS_URL: "redis://r:1" }, "file", "file"],
    [{}, "redis", "redis"],
  ];
  for (const [values, backend, expected] of memoryCases) {
    const sections = backend ? { memory: { backend: backend as "file" | "redis" } } : {};
    assertEquals(resolveMemorySettings(sections, env(values)).backend, expected);
  }
  assertEquals(RedisSection.safeParse({ url: "redis://u:secret@h:6379" }).success, false);
  assertEquals(RedisSection.safeParse({ url: "rediss://u@h:6380/0" }).success, true);
  assertEquals(CoordinationSection.safeParse("redis").success, true);
  assertEquals(CoordinationSection.safeParse("etcd").success, false);
  assertEquals(describeRedisUrl("rediss://u:secret@h:6380/0"), "rediss://h:6380/0");
  assertEquals(clientLogin({ url: "rediss://alfred@h:6380/0", password: "pw" }), {
    url: "rediss://h:6380/0",
    username: "alfred",
    password: "pw",
  });
});
