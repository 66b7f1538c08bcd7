import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import type { AgentDefinition } from "../runner/firing/agent.ts";
import { fire } from "../runner/firing/fire.ts";
import { type OperatorContext, parseFleetTarget, resumeFleet } from "../runner/control/mod.ts";
import { describeHold, holdOf } from "../runner/control/holds.ts";
import { readPauseState } from "../runner/firing/pause.ts";
import { spendFile } from "../runner/paths.ts";
import { checkSpend, dayOf, type Ledger, overrideLedger } from "../runner/firing/spend.ts";
import { listAgentLogs } from "../runner/firing/log.ts";

const LEDGER: Ledger = {
  version: 1,
  agent: "lucius",
  day: "2026-11-27",
  firings: 1,
  turns: 6,
  cost_usd: 0.017775,
  successes: 1,
  failures: 0,
  consecutive_failures: 0,
  blocked_until: null,
};

Deno.test("resume over a cap names the cap, a dry run prints the sentinel, and --override-today lets the agent fire", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(
    home.layout.fleetFile,
    "version: 1\ntimezone: UTC\nagents:\n  lucius:\n    enabled: true\n    caps: { cost_usd_per_day: 0.01 }\n",
  );
  const day = dayOf(new Date(), "UTC");
  const file = spendFile(home.layout, "lucius", { day });
  await Deno.mkdir(file.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify({ ...LEDGER, day }));

  const fired = await runAlfred(["fire", "lucius"], { home: home.home });
  assertEquals(fired.code, 0, fired.stderr);
  assertMatch(
    fired.stdout,
    /^\[AGENT-AUTO-PAUSED\] lucius: daily cap cost_usd_per_day reached \(0\.017775 of 0\.01\); resumes at the next day$/m,
  );
  assertEquals(fired.stderr, "", "a person reads the sentinel, not an error line");
  assertEquals(fired.stdout.trimEnd().split("\n").length, 1, "the sentinel is the whole answer");

  const paused = await runAlfred(["status"], { home: home.home });
  assertMatch(paused.stdout, /^lucius\s+auto-paused\s/m);
  assertMatch(
    paused.stdout,
    /^lucius paused itself \(until \d{4}-\d\d-\d\d 00:00 UTC\): daily cap cost_usd_per_day reached/m,
  );

  const resumed = await runAlfred(["resume", "lucius"], { home: home.home });
  assertEquals(resumed.code, 0, resumed.stderr);
  assertEquals(resumed.stdout.split("\n")[0], "Resumed lucius.");
  assertMatch(
    resumed.stdout,
    /^lucius is still held: daily cap cost_usd_per_day reached \(\$0\.0178 of \$0\.01 today\); it lifts at \d{4}-\d\d-\d\d 00:00 UTC, or now with `alfred resume lucius --override-today`\.$/m,
  );

  const dry = await runAlfred(["fire", "lucius", "--dry-run"], { home: home.home });
  assertEquals(dry.code, 0);
  assertEquals(dry.stderr, "");
  assertEquals(
    dry.stdout,
    "[AGENT-AUTO-PAUSED] lucius: daily cap cost_usd_per_day reached (0.017775 of 0.01); resumes at the next day (dry run: nothing was paused)\n",
  );
  assertEquals((await readPauseState(home.layout)).agents, {}, "the dry run paused nothing");

  const status = await runAlfred(["status"], { home: home.home });
  assertMatch(status.stdout, /^lucius\s+held\s/m);
  assertMatch(status.stdout, /^lucius is still held: daily cap cost_usd_per_day/m);

  const override = await runAlfred(["resume", "lucius", "--override-today"], { home: home.home });
  assertEquals(override.code, 0, override.stderr);
  assertStringIncludes(
    override.stdout,
    "lucius may fire again today: its caps count again from now (1 firings, 6 turns, $0.0178 so far today); recorded in its ledger and its log.",
  );
  assert(!override.stdout.includes("still held"), override.stdout);
  const ledger = JSON.parse(await Deno.readTextFile(file));
  assertEquals(ledger.override.cost_usd, 0.017775);
  assertEquals(ledger.override.by, "operator");
  const log = await Deno.readTextFile((await listAgentLogs(home.layout, "lucius")).at(-1)!);
  assertMatch(log, /INFO operator override of today's caps: they count again from 1 firings/);
  const again = await runAlfred(["fire", "lucius", "--dry-run"], { home: home.home });
  assertMatch(again.stdout, /^\[AGENT-DRY-RUN\] lucius would fire now/);
});

/** A paid test agent that always fails. */
const failing: AgentDefinition = {
  codename: "tester",
  job: "Fails.",
  paid: true,
  work: () => Promise.resolve({ outcome: "failure", turns: 1, costUsd: 0, error: "boom" }),
};

Deno.test("resume of an agent stopped by its failure streak says so; the override starts the streak again", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(
    home.layout.fleetFile,
    "version: 1\ntimezone: UTC\nagents:\n  tester:\n    schedule: every 20m\n    failure_streak_threshold: 2\n",
  );
  const lines: string[] = [];
  const options = {
    env: home.env(),
    loadAgent: () => Promise.resolve(failing),
    stdout: (line: string) => lines.push(line),
    stderr: () => {},
  };
  for (let i = 0; i < 3; i++) await fire("tester", options);
  assertMatch(lines.at(-1)!, /^\[AGENT-AUTO-PAUSED\] tester: 2 failures in a row/);
  const context: OperatorContext = {
    env: home.env(),
    layout: home.layout,
    stdout: () => {},
    stderr: () => {},
    now: () => new Date(),
    debug: false,
  };
  const target = parseFleetTarget("resume", { agents: ["tester"] });
  const plain = await resumeFleet(target, context);
  assertEquals(plain.held, [{
    agent: "tester",
    hold: { kind: "failure-streak", streak: 2, threshold: 2 },
  }]);
  assertMatch(
    describeHold(plain.held[0], { timezone: "UTC" }),
    /only with `alfred resume tester --override-today`/,
  );
  const overridden = await resumeFleet(target, context, { overrideToday: true });
  assertEquals(overridden.held, []);
  assertEquals(overridden.overridden.map((o) => o.ledger.override?.streak), [2]);
  lines.length = 0;
  assertEquals(await fire("tester", options), 1, "the next firing ran (and failed again)");
  assertEquals(lines, []);
});

Deno.test("an override lets the caps count again from the day's figures, not without limit", () => {
  const limits = {
    caps: { cost_usd_per_day: 0.01, firings_per_day: 3 },
    failureStreakThreshold: 8,
  };
  const over = { ...LEDGER, firings: 3 };
  assertEquals(checkSpend(over, limits).kind, "over-cap");
  const overridden = overrideLedger(over, { at: new Date("2026-11-27T12:00:00Z"), by: "operator" });
  assertEquals(checkSpend(overridden, limits).kind, "ok");
  const spent = { ...overridden, firings: 6, cost_usd: 0.02 };
  assertEquals(checkSpend(spent, limits), {
    kind: "over-cap",
    cap: "firings_per_day",
    used: 3,
    limit: 3,
    since: "2026-11-27T12:00:00.000Z",
  });
  const agent = { codename: "echo", caps: limits.caps, failureStreakThreshold: 8 };
  assertEquals(
    holdOf({ ledger: over }, { agent: agent as never, now: new Date(), timezone: "UTC" }),
    null,
    "an unpaid agent is never held by caps",
  );
});
