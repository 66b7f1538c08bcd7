import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { committingReplies, createLuciusWorld, REPO } from "./support/lucius_world.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import { readActivity } from "../runner/firing/activity.ts";
import { LABELS } from "../runner/claims/labels.ts";
import type { FiringEvent } from "../runner/firing/events.ts";
import {
  createFiringDisplay,
  formatDuration,
  summaryLine,
  type Terminal,
} from "../cli/commands/fire_progress.ts";

Deno.test("a firing by hand prints each step as it happens, the pull request URL and one summary line", async () => {
  await using world = await createLuciusWorld({ replies: committingReplies() });
  world.github.addIssue(REPO, { title: "Add a greeting", labels: [LABELS.implement] });
  const fired = await world.fire();
  assertEquals(fired.code, 0, fired.stderr);
  assertEquals(fired.stderr, "");
  const pullUrl = `https://github.com/${REPO}/pull/${world.github.pulls(REPO)[0].number}`;
  const lines = fired.stdout.trimEnd().split("\n");
  const texts = lines.slice(0, -1).map((line) => line.replace(/^\s*\d+\.\d+s {2}/, ""));
  assertEquals(
    texts.length,
    lines.length - 1,
    `every step line starts with its time:\n${fired.stdout}`,
  );
  assertMatch(texts[0], /^claimed acme\/web#1 "Add a greeting"$/);
  assertMatch(texts[1], /^worktree ready on agent\/lucius\/1-/);
  assertEquals(texts[2], "engine claude (sonnet) running");
  assertMatch(texts.at(-5)!, /^engine finished: success · 3 turns · \$0\.\d+$/);
  assertMatch(texts.at(-4)!, /^committed 1 commit on agent\/lucius\/1-/);
  assertMatch(texts.at(-3)!, /^pushed agent\/lucius\/1-/);
  assertEquals(texts.at(-2), `opened pull request ${pullUrl}`);
  assertEquals(texts.at(-1), `released acme/web#1, now ${LABELS.prOpen}`);
  assertMatch(
    lines.at(-1)!,
    new RegExp(`^lucius: success · ${pullUrl} · 3 turns · \\$0\\.\\d+ · \\d+\\.\\ds$`),
  );
  const activity = await readActivity(world.layout, {
    since: new Date(Date.now() - 600_000),
    until: new Date(),
  });
  const started = activity.find((event) => event.type === "firing-started");
  assertEquals(started && "by" in started ? started.by : undefined, "hand");
  const steps = activity.flatMap((event) => event.type === "step" ? [event.step] : []);
  assertEquals(steps.filter((step) => step !== "engine"), [
    "claimed",
    "worktree",
    "committed",
    "pushed",
    "pr-opened",
    "released",
  ]);
  assert(steps.includes("engine"));
});

Deno.test("a scheduled firing (the agent's own entry point) prints exactly what it printed before: nothing", async () => {
  await using world = await createLuciusWorld({ replies: committingReplies() });
  world.github.addIssue(REPO, { title: "Add a greeting", labels: [LABELS.implement] });
  const fired = await world.fireUnder(["--allow-all"]);
  assertEquals(fired.code, 0, fired.stderr);
  assertEquals(world.github.pulls(REPO).length, 1, "it shipped");
  assertEquals(fired.stdout, "");
  assertEquals(fired.stderr, "");
  const activity = await readActivity(world.layout, {
    since: new Date(Date.now() - 600_000),
    until: new Date(),
  });
  const started = activity.find((event) => event.type === "firing-started");
  assertEquals(started && "by" in started ? started.by : undefined, "scheduler");
  assert(activity.some((event) => event.type === "step"), "the steps still reach the activity log");
});

Deno.test("--quiet prints only the summary line and --json only the firing record", async () => {
  await using world = await createLuciusWorld();
  const fireWith = (flag: string) =>
    runAlfred(["fire", "lucius", flag], { home: world.home, env: world.env() });
  const quiet = await fireWith("--quiet");
  assertEquals(quiet.code, 0, quiet.stderr);
  assertMatch(quiet.stdout, /^lucius: idle · nothing to do · 0 turns · \$0\.00 · \d+\.\ds\n$/);
  const json = await fireWith("--json");
  assertEquals(json.code, 0, json.stderr);
  const record = JSON.parse(json.stdout);
  assertEquals([record.agent, record.outcome, record.summary], ["lucius", "idle", "nothing to do"]);
  assertEquals(record.steps, []);
});

const RECORD: FiringEvent = {
  version: 1,
  agent: "lucius",
  firing_id: "20261127T091500123Z-a1b2c3",
  host: "box",
  pid: 1,
  started_at: "2026-11-27T09:15:00.123Z",
  ended_at: "2026-11-27T09:17:14.123Z",
  duration_ms: 134_000,
  outcome: "success",
  turns: 8,
  cost_usd: 0.0421,
  issue: "https://github.com/acme/web/issues/12",
  pr: "https://github.com/acme/web/pull/13",
  error: null,
  summary: "acme/web#12 → https://github.com/acme/web/pull/13",
};

Deno.test("the summary line has outcome, link, turns, cost and wall time", () => {
  assertEquals(
    summaryLine(RECORD),
    "lucius: success · https://github.com/acme/web/pull/13 · 8 turns · $0.0421 · 2m 14s",
  );
  assertEquals(
    summaryLine({ ...RECORD, outcome: "failure", pr: null, turns: 1, error: "engine\nexploded" }),
    "lucius: failure · https://github.com/acme/web/issues/12 · 1 turn · $0.0421 · 2m 14s · error: engine exploded",
  );
  assertEquals(
    [
      formatDuration(400),
      formatDuration(59_950),
      formatDuration(134_000),
      formatDuration(3_900_000),
    ],
    ["0.4s", "60.0s", "2m 14s", "1h 05m"],
  );
});

Deno.test("on a terminal one live line shows the current step and its elapsed time; finished steps stay above", () => {
  let written = "";
  const terminal: Terminal = { write: (text) => void (written += text), columns: () => 80 };
  const lines: string[] = [];
  let ms = 0;
  let tick = () => {};
  const display = createFiringDisplay("lucius", {
    mode: "auto",
    stdout: (line) => {
      written += `${line}\n`;
      lines.push(line);
    },
    stderr: (line) => void (written += `${line}\n`),
    terminal,
    clock: () => ms,
    every: (_ms, fn) => {
      tick = fn;
      return () => {
        tick = () => {};
      };
    },
  });
  display.onStep({ step: "claimed", text: 'claimed acme/web#12 "Fix the login"' });
  ms = 1_500;
  display.onStep({ step: "engine", text: "engine claude (sonnet) running" });
  ms = 43_000;
  tick();
  const lastDraw = written.slice(written.lastIndexOf("\r\x1b[2K") + "\r\x1b[2K".length);
  assertMatch(lastDraw, /^. engine claude \(sonnet\) running · 41\.5s$/);
  display.onStep({
    step: "engine",
    text: "engine claude (sonnet) running",
    turns: 5,
    costUsd: 0.03,
  });
  assert(
    written.endsWith("engine claude (sonnet) running · 5 turns · $0.03 · 41.5s"),
    "updated in place",
  );
  display.stderr("warning: slow GitHub");
  display.onEnded(RECORD);
  ms = 134_000;
  display.finish(0);
  assertEquals(lines, [
    '✓   0.0s  claimed acme/web#12 "Fix the login"',
    "✓   1.5s  engine claude (sonnet) running · 5 turns · $0.03",
    "lucius: success · https://github.com/acme/web/pull/13 · 8 turns · $0.0421 · 2m 14s",
  ]);
  assertStringIncludes(
    written,
    "\r\x1b[2Kwarning: slow GitHub\n",
    "a warning clears the live line first",
  );
  assert(written.endsWith("2m 14s\n"), "no live line is left behind");
});

Deno.test("--quiet holds the lines of a firing that stopped on purpose and prints them as its summary", () => {
  const lines: string[] = [];
  const display = createFiringDisplay("lucius", {
    mode: "quiet",
    stdout: (line) => lines.push(line),
    stderr: () => {},
  });
  display.onStep({ step: "claimed", text: "claimed" });
  display.stdout("[AGENT-LOCKED] lucius is already firing");
  assertEquals(lines, []);
  display.finish(0);
  assertEquals(lines, ["[AGENT-LOCKED] lucius is already firing"]);
});

Deno.test("alfred fire started by a scheduler (ALFRED_FIRED_BY=scheduler) prints what scheduled firings print", async () => {
  await using home = await withHome();
  const env = { ALFRED_FIRED_BY: "scheduler" };
  const fired = await runAlfred(["fire", "echo"], { home: home.home, env });
  assertEquals(fired.code, 0, fired.stderr);
  assertMatch(fired.stdout, /^Fleet summary/);
  assert(!/summarised|echo: success/.test(fired.stdout), fired.stdout);
  const bad = await runAlfred(["fire", "echo"], {
    home: home.home,
    env: { ALFRED_FIRED_BY: "robot" },
  });
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, 'ALFRED_FIRED_BY must be "scheduler" or "hand" (got "robot")');
});
