import { assertEquals, assertRejects } from "./support/assert.ts";
import {
  addFiring,
  checkSpend,
  dayOf,
  type Ledger,
  nextDayStart,
  readLedger,
  writeLedger,
} from "../runner/firing/spend.ts";
import { StateCorruptError } from "../runner/errors.ts";
import { spendFile } from "../runner/paths.ts";
import { withHome } from "./support/helpers.ts";

const ledger = (extra: Partial<Ledger> = {}): Ledger => ({
  version: 1,
  agent: "lucius",
  day: "2026-11-27",
  firings: 0,
  turns: 0,
  cost_usd: 0,
  successes: 0,
  failures: 0,
  consecutive_failures: 0,
  blocked_until: null,
  ...extra,
});
const limits = {
  caps: { turns_per_day: 100, cost_usd_per_day: 10, firings_per_day: 5 },
  failureStreakThreshold: 8,
};

Deno.test("checkSpend: under every cap is ok; at a cap or the streak threshold it stops", () => {
  const cases: [Partial<Ledger>, string, string?][] = [
    [{}, "ok"],
    [{ turns: 99, cost_usd: 9.99, firings: 4, consecutive_failures: 7 }, "ok"],
    [{ turns: 100 }, "over-cap", "turns_per_day"],
    [{ cost_usd: 10 }, "over-cap", "cost_usd_per_day"],
    [{ firings: 5 }, "over-cap", "firings_per_day"],
    [{ consecutive_failures: 8 }, "failure-streak"],
    [{ consecutive_failures: 9, turns: 500 }, "failure-streak"],
  ];
  for (const [fields, kind, cap] of cases) {
    const verdict = checkSpend(ledger(fields), limits);
    assertEquals(verdict.kind, kind, JSON.stringify(fields));
    if (cap) {
      assertEquals<string | undefined>(verdict.kind === "over-cap" ? verdict.cap : undefined, cap);
    }
  }
  assertEquals(
    checkSpend(ledger({ turns: 10_000 }), { caps: {}, failureStreakThreshold: 8 }).kind,
    "ok",
    "absent caps are not enforced",
  );
});

Deno.test("addFiring counts firings, turns and cost, and tracks the failure streak", () => {
  let l = ledger();
  l = addFiring(l, { turns: 12, costUsd: 0.1, tally: "failure" });
  l = addFiring(l, { turns: 3, costUsd: 0.2, tally: "failure" });
  l = addFiring(l, { turns: 0, costUsd: 0, tally: "neutral" });
  assertEquals([l.firings, l.turns, l.cost_usd, l.failures, l.successes, l.consecutive_failures], [
    3,
    15,
    0.3,
    2,
    0,
    2,
  ]);
  l = addFiring(l, { turns: 1, costUsd: 0.05, tally: "success" });
  assertEquals([l.firings, l.successes, l.consecutive_failures], [4, 1, 0]);
});

Deno.test("the day boundary follows the operator's time zone", () => {
  const t = new Date("2026-11-27T23:30:00Z");
  assertEquals(dayOf(t, "UTC"), "2026-11-27");
  assertEquals(dayOf(t, "Europe/Berlin"), "2026-11-28");
  assertEquals(dayOf(t, "America/Los_Angeles"), "2026-11-27");
  assertEquals(nextDayStart(t, "UTC").toISOString(), "2026-11-28T00:00:00.000Z");
  assertEquals(nextDayStart(t, "Europe/Berlin").toISOString(), "2026-11-28T23:00:00.000Z");
  assertEquals(
    nextDayStart(new Date("2026-11-27T10:00:00Z"), "Asia/Kolkata").toISOString(),
    "2026-11-27T18:30:00.000Z",
  );
});

Deno.test("a new day's ledger starts empty but keeps the failure streak", async () => {
  await using home = await withHome();
  await writeLedger(home.layout, ledger({ day: "2026-11-25", consecutive_failures: 2, turns: 50 }));
  await writeLedger(home.layout, ledger({ day: "2026-11-26", consecutive_failures: 5, turns: 80 }));
  const today = await readLedger(home.layout, "lucius", { day: "2026-11-27" });
  assertEquals([today.turns, today.firings, today.consecutive_failures], [0, 0, 5]);
});

Deno.test("a corrupt ledger of today is quarantined and reported, never silently reset", async () => {
  await using home = await withHome();
  const file = spendFile(home.layout, "lucius", { day: "2026-11-27" });
  await Deno.mkdir(`${home.layout.stateDir}/lucius`, { recursive: true });
  await Deno.writeTextFile(file, '{"version":1,"agent":"lucius","turns":4');
  const error = await assertRejects(
    () => readLedger(home.layout, "lucius", { day: "2026-11-27", warn: () => {} }),
    StateCorruptError,
  );
  assertEquals(
    await Deno.readTextFile(error.quarantinedTo!),
    '{"version":1,"agent":"lucius","turns":4',
  );
});
