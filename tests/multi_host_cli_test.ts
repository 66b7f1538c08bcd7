/**
 * One fleet across several hosts, through the real CLI: three ALFRED_HOMEs
 * (three simulated hosts) sharing one real redis-server with
 * `coordination: redis`.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { alfredCommand, runAlfred, withHome } from "./support/helpers.ts";
import { startRedis } from "./support/redis_server.ts";

async function hosts(url: string, n: number) {
  const homes = [];
  for (let i = 0; i < n; i++) {
    const home = await withHome();
    await Deno.writeTextFile(
      home.layout.fleetFile,
      `version: 1\nredis:\n  url: ${JSON.stringify(url)}\ncoordination: redis\n`,
    );
    homes.push(home);
  }
  return homes;
}

Deno.test("with coordination: redis, a block or pause set on one host stops firings on every host", async () => {
  await using redis = await startRedis();
  const [a, b, c] = await hosts(redis.url, 3);
  await using _a = a, _b = b, _c = c;
  const blocked = await runAlfred(["block", "set", "--for", "1h", "--reason", "429 on host a"], {
    home: a.home,
  });
  assertEquals(blocked.code, 0, blocked.stderr);
  for (const host of [b, c]) {
    const run = await runAlfred(["fire", "echo"], { home: host.home });
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stdout, /^\[AGENT-GLOBAL-BLOCKED\] until \S+ \(429 on host a\)/);
  }
  assertMatch((await runAlfred(["block", "status"], { home: c.home })).stdout, /429 on host a/);
  assertEquals((await runAlfred(["block", "clear"], { home: b.home })).code, 0);
  assertMatch((await runAlfred(["fire", "echo"], { home: c.home })).stdout, /Fleet summary/);
  assertEquals(
    (await runAlfred(["pause", "--all", "--reason", "freeze on a"], { home: a.home })).code,
    0,
  );
  assertMatch(
    (await runAlfred(["fire", "echo"], { home: b.home })).stdout,
    /^\[AGENT-PAUSED\] echo: freeze on a/,
  );
  assertEquals((await runAlfred(["resume", "--all"], { home: c.home })).code, 0);
  assertMatch((await runAlfred(["fire", "echo"], { home: b.home })).stdout, /Fleet summary/);
});

Deno.test("with coordination: redis, one agent fires on one host at a time fleet-wide", async () => {
  await using redis = await startRedis();
  const [a, b, c] = await hosts(redis.url, 3);
  await using _a = a, _b = b, _c = c;
  // Host a's echo blocks inside its work on a FIFO (its summary reads
  // yesterday's event log), holding the fleet-wide lock meanwhile.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await Deno.mkdir(a.layout.eventsDir, { recursive: true });
  const fifo = `${a.layout.eventsDir}/${yesterday}.jsonl`;
  assertEquals((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
  const holder = alfredCommand(["fire", "echo"], { home: a.home }).spawn();
  // Opening the FIFO's write end waits until host a's echo opens it to read:
  // then it is inside its work, holding the fleet-wide lock. No polling, no race.
  const writerOpened = Deno.open(fifo, { write: true });
  const first = await Promise.race([
    writerOpened.then((writer) => ({ writer })),
    holder.status.then((status) => ({ status })),
  ]);
  if (!("writer" in first)) {
    // The holder ended before reading: release the pending open, then say why.
    (await Deno.open(fifo, { read: true })).close();
    (await writerOpened).close();
    const output = await holder.output();
    throw new Error(`host a's echo ended early: ${new TextDecoder().decode(output.stdout)}`);
  }
  assertMatch(
    (await runAlfred(["fire", "echo"], { home: b.home })).stdout,
    /^\[AGENT-LOCKED\] echo is already firing \(pid \d+ on /,
  );
  assertMatch((await runAlfred(["fire", "echo"], { home: c.home })).stdout, /^\[AGENT-LOCKED\]/);
  first.writer.close();
  const done = await holder.output();
  assertEquals(done.code, 0, new TextDecoder().decode(done.stderr));
  assert(new TextDecoder().decode(done.stdout).includes("Fleet summary"));
  await Deno.remove(fifo);
  assertMatch(
    (await runAlfred(["fire", "echo"], { home: c.home })).stdout,
    /Fleet summary/,
    "the lock was released",
  );
});

Deno.test("with coordination: redis and Redis down, a firing stops with a clear message before any work", async () => {
  await using redis = await startRedis();
  const [a] = await hosts(redis.url, 1);
  await using _a = a;
  await redis.stop();
  const run = await runAlfred(["fire", "echo"], { home: a.home });
  assertEquals(run.code, 1);
  assertMatch(run.stderr, /^error: .*[Rr]edis/m);
  assertMatch(run.stderr, /^hint: /m);
  assertEquals(
    await Deno.stat(a.layout.eventsDir).then(() => true, () => false),
    false,
    "no firing recorded",
  );
});
