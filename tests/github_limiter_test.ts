import assert from "node:assert/strict";
import { type JobInfo, Limiter, LimiterGroup } from "../runner/github/limiter.ts";
import { getIssue } from "../runner/github/rest.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";

Deno.test("the k-th job starts at least k * minTime after the first, in order", async () => {
  const limiter = new Limiter({ maxConcurrent: 1, minTime: 30 });
  const starts: number[] = [];
  const order: string[] = [];
  await Promise.all(["a", "b", "c"].map((name) =>
    limiter.schedule(() => {
      starts.push(performance.now());
      order.push(name);
      return Promise.resolve();
    })
  ));
  assert.deepEqual(order, ["a", "b", "c"]);
  // As Bottleneck: each start is booked minTime after the previous booking, so
  // a late timer shortens the next gap but never brings a start forward.
  for (let i = 1; i < starts.length; i++) {
    assert.ok(starts[i] - starts[0] >= i * 30 - 1, `job ${i} at ${starts[i] - starts[0]} ms`);
  }
});

Deno.test("no more jobs run at once than maxConcurrent, counted by weight", async () => {
  const cases = [
    { maxConcurrent: 1, weights: [1, 1, 1, 1], most: 1 },
    { maxConcurrent: 2, weights: [1, 1, 1, 1], most: 2 },
    { maxConcurrent: 1, weights: [0, 0, 0], most: 3 },
  ];
  for (const { maxConcurrent, weights, most } of cases) {
    const limiter = new Limiter({ maxConcurrent });
    let running = 0;
    let peak = 0;
    await Promise.all(weights.map((weight) =>
      limiter.schedule({ weight }, async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      })
    ));
    assert.equal(peak, most, JSON.stringify({ maxConcurrent, weights }));
  }
});

Deno.test("a queued job of a lower priority number runs first; arguments reach the task", async () => {
  const limiter = new Limiter({ maxConcurrent: 1 });
  const order: string[] = [];
  const task = (name: string) => {
    order.push(name);
    return Promise.resolve(name.toUpperCase());
  };
  const results = await Promise.all([
    limiter.schedule(task, "first"),
    limiter.schedule({ priority: 9 }, task, "last"),
    limiter.schedule({ priority: 0 }, task, "urgent"),
    limiter.schedule(task, "normal"),
  ]);
  assert.deepEqual(order, ["first", "urgent", "normal", "last"]);
  assert.deepEqual(results, ["FIRST", "LAST", "URGENT", "NORMAL"]);
});

Deno.test("a failed job is retried while a listener answers a wait, else it fails with its error", async () => {
  const limiter = new Limiter();
  const seen: JobInfo[] = [];
  limiter.on("failed", (_error, info) => {
    seen.push(structuredClone(info));
    return info.retryCount < 2 ? 1 : undefined;
  });
  let calls = 0;
  const flaky = (label: string) => {
    calls++;
    return calls < 3 ? Promise.reject(new Error(`fail ${calls}`)) : Promise.resolve(label);
  };
  assert.equal(await limiter.schedule(flaky, "ok"), "ok");
  assert.deepEqual(seen.map((info) => [info.retryCount, info.args]), [[0, ["ok"]], [1, ["ok"]]]);

  calls = -10;
  seen.length = 0;
  await assert.rejects(limiter.schedule(flaky, "never"), /fail -7/);
  assert.deepEqual(seen.map((info) => info.retryCount), [0, 1, 2]);
});

Deno.test("a group gives each key its own limiter", () => {
  const group = new LimiterGroup({ maxConcurrent: 1 });
  assert.equal(group.key("a"), group.key("a"));
  assert.notEqual(group.key("a"), group.key("b"));
});

Deno.test("a GitHub request with no spacing due waits on no timer", async () => {
  await using fake = startFakeGitHub();
  const number = fake.addIssue("acme/web", { title: "x" });
  const client = await fakeClient(fake);
  const issue = { repo: { owner: "acme", name: "web" }, number };
  await getIssue(client, issue);
  const original = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    await getIssue(client, issue);
  } finally {
    globalThis.setTimeout = original;
  }
  // With Bottleneck's own limiters, about 12; octokit's retry plugin added one more.
  assert.equal(timers, 0, `${timers} timers`);
});
