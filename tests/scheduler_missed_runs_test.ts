import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import {
  decideMissedRunWarnings,
  findMissedRuns,
  type MissedRunInput,
  missedRunsFile,
  missedRunsToWarn,
  NO_MISSED_RUNS_WARNED,
} from "../scheduler/missed_runs.ts";

const NOW = new Date("2024-01-03T12:00:00Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

Deno.test("an agent is flagged when its last firing is older than twice its interval", () => {
  const cases: [string, MissedRunInput, boolean][] = [
    [
      "fired one interval ago",
      { codename: "a", intervalSeconds: 1200, lastFiring: ago(20) },
      false,
    ],
    ["fired exactly two intervals ago", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: ago(40),
    }, false],
    ["fired just over two intervals ago", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: ago(41),
    }, true],
    ["paused and silent for a day", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: ago(1440),
      paused: true,
    }, false],
    ["never fired, installed long ago", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: undefined,
      scheduledSince: ago(60),
    }, true],
    ["never fired, installed just now", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: undefined,
      scheduledSince: ago(5),
    }, false],
    ["never fired, install time unknown", {
      codename: "a",
      intervalSeconds: 1200,
      lastFiring: undefined,
    }, false],
  ];
  for (const [why, input, flagged] of cases) {
    assert.equal(findMissedRuns([input], NOW).length === 1, flagged, why);
  }
  const [miss] = findMissedRuns([{
    codename: "drake",
    intervalSeconds: 86400,
    lastFiring: ago(3 * 1440),
  }], NOW);
  assert.deepEqual(miss, {
    codename: "drake",
    lastFiring: ago(3 * 1440),
    overdueSince: ago(1440),
    intervalSeconds: 86400,
  });
});

Deno.test("a miss is warned once per last firing, and again after the agent recovers and misses again", () => {
  const miss = (lastFiring: Date) => ({
    codename: "lucius",
    lastFiring,
    overdueSince: new Date(lastFiring.getTime() + 2400_000),
    intervalSeconds: 1200,
  });
  const first = decideMissedRunWarnings([miss(ago(60))], {
    state: NO_MISSED_RUNS_WARNED,
    now: NOW,
  });
  assert.equal(first.warn.length, 1);
  const second = decideMissedRunWarnings([miss(ago(60))], { state: first.state, now: ago(-20) });
  assert.deepEqual(second.warn, []);
  assert.deepEqual(second.state, first.state);
  const recovered = decideMissedRunWarnings([], { state: second.state, now: ago(-40) });
  assert.deepEqual(recovered.state.warned, {});
  const again = decideMissedRunWarnings([miss(ago(-10))], {
    state: recovered.state,
    now: ago(-100),
  });
  assert.equal(again.warn.length, 1);
  const newFiring = decideMissedRunWarnings([miss(ago(-10))], {
    state: first.state,
    now: ago(-100),
  });
  assert.equal(newFiring.warn.length, 1, "a different last firing is a new miss");
});

Deno.test("missedRunsToWarn keeps its bookkeeping in the state folder across calls", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-missed-" });
  try {
    const layout = layoutOf(dir);
    const missed = findMissedRuns([{
      codename: "robin",
      intervalSeconds: 3600,
      lastFiring: ago(600),
    }], NOW);
    assert.equal((await missedRunsToWarn(layout, { missed, now: NOW })).length, 1);
    assert.equal((await missedRunsToWarn(layout, { missed, now: ago(-30) })).length, 0);
    const saved = JSON.parse(await Deno.readTextFile(missedRunsFile(layout)));
    assert.deepEqual(saved, {
      version: 1,
      warned: { robin: { lastFiring: ago(600).toISOString(), warnedAt: NOW.toISOString() } },
    });
    await Deno.writeTextFile(missedRunsFile(layout), "{ not json");
    const warnings: string[] = [];
    const afterCorrupt = await missedRunsToWarn(layout, {
      missed,
      now: NOW,
      warn: (message) => warnings.push(message),
    });
    assert.equal(afterCorrupt.length, 1);
    assert.match(warnings[0], /corrupt/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
