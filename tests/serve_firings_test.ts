/**
 * Firings in the dashboard: pages of the event log, newest first, with the
 * running ones on top; one firing in full (phases from the activity log, the
 * engine's result read by its own parser, the transcript redacted on the way
 * out, sandbox denials, links); and the fleet's report with its daily series.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { jsonOf, startTestServer } from "./support/serve_helpers.ts";
import { seedDemoWorld } from "./support/serve_world.ts";
import type { ActivityEvent } from "../runner/firing/activity.ts";
import { type Layout, layoutOf } from "../runner/paths.ts";
import { readEvents } from "../runner/firing/events.ts";
import { createRedactor } from "../runner/redact.ts";
import { openTranscript } from "../runner/engines/transcripts.ts";
import { phasesOf } from "../serve/firing_detail.ts";
import { dayOfId, listFirings, startOfId } from "../serve/firing_list.ts";
import { linkOf, webUrlOf } from "../serve/links.ts";
import { dailySeries } from "../serve/report_api.ts";

const NOW = new Date();

Deno.test("firings page newest first through the whole log, with no firing twice or lost", async () => {
  await using home = await withHome();
  const world = await seedDemoWorld(home.layout, { now: NOW });
  const agents = ["echo", "lucius", "rasalghul"];
  // Page sizes that end a page exactly where a day's file ends, and ones that do not.
  const { events } = await readEvents(home.layout, {
    since: new Date(NOW.getTime() - 31 * 86_400_000),
    until: NOW,
  });
  const perDay = new Map<string, number>();
  for (const event of events) {
    const day = event.ended_at.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  let cumulative = 0;
  const boundaries = [...perDay].sort(([a], [b]) => b.localeCompare(a)).slice(0, 8).map((
    [, count],
  ) => cumulative += count);
  for (const limit of [1, 7, 37, ...boundaries, world.firings - 1, world.firings, 500]) {
    await pagesCoverTheLog(home.layout, { limit, agents, expected: world.firings });
  }
  const lucius = await listFirings(home.layout, {
    agent: "lucius",
    limit: 500,
    agents,
    now: NOW,
    webUrl: "https://github.com",
  });
  assert(lucius.firings.length > 20 && lucius.firings.every((firing) => firing.agent === "lucius"));
  assertEquals(lucius.next_before, null);
  assertEquals(dayOfId(lucius.firings[0].id), lucius.firings[0].started_at.slice(0, 10));
  assertEquals(startOfId(world.luciusFiring)?.getTime(), NOW.getTime() - 20 * 60_000);
});

async function pagesCoverTheLog(
  layout: Layout,
  options: { limit: number; agents: string[]; expected: number },
): Promise<void> {
  const seen: string[] = [];
  let before: string | undefined;
  for (let page = 0; page <= options.expected; page++) {
    const result = await listFirings(layout, {
      limit: options.limit,
      before,
      agents: options.agents,
      now: NOW,
      webUrl: "https://github.com",
    });
    assert(result.firings.length <= options.limit);
    seen.push(...result.firings.map((firing) => firing.id));
    if (!result.next_before) break;
    before = result.next_before;
  }
  assertEquals(seen.length, options.expected, `pages of ${options.limit}`);
  assertEquals(new Set(seen).size, seen.length, `pages of ${options.limit}: a firing twice`);
  assertEquals(seen, [...seen].sort().reverse(), `pages of ${options.limit}: out of order`);
}

Deno.test("a firing in full: phases with durations, engine result, redacted transcript, denials, links", async () => {
  let world: Awaited<ReturnType<typeof seedDemoWorld>> | undefined;
  await using t = await startTestServer({
    prepare: async (home) => {
      world = await seedDemoWorld(layoutOf(home), { now: NOW, runningPid: Deno.pid });
      // A transcript line with a credential that the writer's redactor did not know.
      await using transcript = await openTranscript(layoutOf(home), "lucius", {
        firingId: world.luciusFiring,
        redact: createRedactor(),
      });
      await transcript.write(
        "stderr",
        "warning: token ghp_0123456789abcdefghijABCDEFGHIJ0123 and server-only-secret-42 leaked",
      );
    },
    env: { ALFRED_GITHUB_TOKEN: "a-secret-the-server-knows" },
    serve: { secrets: ["sk-demo-secret-value-1234", "server-only-secret-42"] },
  });
  const { status, body } = await jsonOf(await t.request(`/api/v1/firings/${world!.luciusFiring}`));
  assertEquals(status, 200);
  assertEquals(body.status, "ended");
  assertEquals(body.by, "scheduler");
  assertEquals(
    body.phases.map((
      phase: { name: string; duration_ms: number },
    ) => [phase.name, phase.duration_ms]),
    [["claimed", 4_000], ["worktree", 15_000], ["engine-done", 352_000], ["pr-opened", 31_000], [
      "finished",
      10_000,
    ]],
  );
  assertEquals(body.engine_result.engine, "claude");
  assertEquals(body.engine_result.turns, 23);
  assertStringIncludes(body.engine_result.text, "Rate-limited POST /login");
  assertEquals(body.denials, [{
    kind: "network",
    detail: "registry.example.org:443 (not in the allowed hosts)",
  }]);
  assertEquals(body.links, {
    issue: "https://github.com/acme/api/issues/212",
    pr: "https://github.com/acme/api/pull/1212",
  });
  const transcript = JSON.stringify(body.transcript);
  assert(!transcript.includes("sk-demo-secret-value-1234"), "a secret the writer knew");
  assert(!transcript.includes("ghp_0123456789"), "a credential shape");
  assert(!transcript.includes("server-only-secret"), "a secret of the server's environment");
  assertStringIncludes(transcript, "[REDACTED]");
  // The running firing: on top of the first page, and in full with an open phase.
  const list = await jsonOf(await t.request("/api/v1/firings?limit=3"));
  assertEquals(list.body.firings[0].id, world!.runningFiring);
  assertEquals(list.body.firings[0].status, "running");
  const running = await jsonOf(await t.request(`/api/v1/firings/${world!.runningFiring}`));
  assertEquals(running.body.outcome, null);
  assertEquals(running.body.phases.map((phase: { name: string }) => phase.name), [
    "reviewing",
    "running",
  ]);
  assertEquals(running.body.phases.at(-1).ended_at, null);
  const fleet = await jsonOf(await t.request("/api/v1/fleet"));
  const ras = fleet.body.agents.find((agent: { codename: string }) =>
    agent.codename === "rasalghul"
  );
  assertEquals(ras.in_flight.firing_id, world!.runningFiring);
  assertEquals(ras.in_flight.step.text, "reviewing acme/web#1187");
});

Deno.test("phases run from the start to each step, then to the end or to now", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s)).toISOString();
  const base = { version: 1 as const, agent: "echo", firing_id: "f" };
  const activity: ActivityEvent[] = [
    { ...base, type: "firing-started", at: at(0), host: "h", pid: 1, by: "hand" },
    { ...base, type: "step", at: at(2), step: "summarised", text: "summarised 3 firings" },
  ];
  const firing = { started_at: at(0), ended_at: at(5), outcome: "success" };
  assertEquals(phasesOf(activity, { firing, now: new Date(at(9)) }), [
    {
      name: "summarised",
      text: "summarised 3 firings",
      started_at: at(0),
      ended_at: at(2),
      duration_ms: 2_000,
    },
    {
      name: "finished",
      text: "ended: success",
      started_at: at(2),
      ended_at: at(5),
      duration_ms: 3_000,
    },
  ]);
  assertEquals(
    phasesOf(activity, {
      firing: { ...firing, ended_at: null, outcome: null },
      now: new Date(at(9)),
    })
      .at(-1),
    { name: "running", text: "in progress", started_at: at(2), ended_at: null, duration_ms: 7_000 },
  );
  // A firing from before the activity log: one phase from its record.
  assertEquals(phasesOf([], { firing, now: new Date(at(9)) }).map((p) => p.duration_ms), [5_000]);
});

Deno.test("links to GitHub come from what a firing recorded, on github.com or Enterprise", () => {
  assertEquals(webUrlOf("https://api.github.com"), "https://github.com");
  assertEquals(webUrlOf("https://ghe.corp/api/v3"), "https://ghe.corp");
  assertEquals(webUrlOf("http://127.0.0.1:9999"), "http://127.0.0.1:9999");
  const cases: [string | null, string | null][] = [
    ["https://github.com/acme/api/pull/3", "https://github.com/acme/api/pull/3"],
    ["acme/api#12", "https://ghe.corp/acme/api/issues/12"],
    ["pr12", null],
    ["javascript:alert(1)", null],
    [null, null],
  ];
  for (const [ref, link] of cases) assertEquals(linkOf(ref, "https://ghe.corp"), link, String(ref));
});

Deno.test("the report's daily series has one value per day and agent, and adds up to the report", async () => {
  await using t = await startTestServer({
    prepare: async (home) => void await seedDemoWorld(layoutOf(home), { now: NOW }),
  });
  const { body } = await jsonOf(await t.request("/api/v1/report?days=30"));
  assertEquals(body.daily.days.length, 30);
  assertEquals(body.daily.days.at(-1), NOW.toISOString().slice(0, 10));
  assertEquals(Object.keys(body.daily.agents).slice(0, 3), ["echo", "lucius", "batman"]);
  let firings = 0;
  for (const series of Object.values(body.daily.agents) as { firings: number[] }[]) {
    assertEquals(series.firings.length, 30);
    firings += series.firings.reduce((sum, n) => sum + n, 0);
  }
  // The report's window is 30 × 24 h; the series' first day starts at its midnight.
  assert(firings <= body.totals.firings && firings > body.totals.firings * 0.9);
  const pure = dailySeries([], { agents: ["echo"], days: 2, now: NOW, timezone: "UTC" });
  assertEquals(pure.agents.echo.success_rate, [null, null]);
});
