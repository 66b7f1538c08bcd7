import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { type FiringEvent, type Outcome, recordFiring } from "../runner/firing/events.ts";
import {
  buildReport,
  dailyDigest,
  digestOf,
  formatDuration,
  formatReport,
  isEscalated,
  median,
  Report,
  sendDailyDigest,
} from "../runner/report/report.ts";
import { reportCommand } from "../cli/commands/report.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import type { Layout } from "../runner/paths.ts";
import { UsageError } from "../runner/errors.ts";

const NOW = new Date("2026-11-27T12:00:00.000Z");

function event(
  n: number,
  fields: Partial<FiringEvent> & { outcome: Outcome },
): FiringEvent {
  const ended = new Date(NOW.getTime() - n * 3_600_000);
  const duration = fields.duration_ms ?? 60_000;
  return {
    version: 1,
    agent: "lucius",
    firing_id: `f${n}`,
    host: "host-a",
    pid: 1,
    started_at: new Date(ended.getTime() - duration).toISOString(),
    ended_at: ended.toISOString(),
    duration_ms: duration,
    turns: 0,
    cost_usd: 0,
    issue: null,
    pr: null,
    error: null,
    summary: null,
    ...fields,
  };
}

const EVENTS: FiringEvent[] = [
  event(1, {
    outcome: "success",
    issue: "acme/web#1",
    turns: 10,
    cost_usd: 0.4,
    duration_ms: 60_000,
  }),
  event(2, {
    outcome: "failure",
    issue: "acme/web#2",
    turns: 5,
    cost_usd: 0.1,
    duration_ms: 120_000,
  }),
  event(3, {
    outcome: "blocked",
    issue: "https://github.com/acme/web/issues/3",
    turns: 7,
    cost_usd: 0.2,
    duration_ms: 30_000,
  }),
  event(4, { outcome: "idle", duration_ms: 1_000 }),
  event(5, { outcome: "success", agent: "robin", issue: "acme/api#9", turns: 2, cost_usd: 0.05 }),
  event(6, {
    outcome: "partial",
    agent: "robin",
    issue: "acme/api#10",
    summary: "labelled needs:human-scope",
  }),
];

Deno.test("escalation: blocked, or an error or summary that says so", () => {
  const cases: [Pick<FiringEvent, "outcome" | "error" | "summary">, boolean][] = [
    [{ outcome: "blocked", error: null, summary: null }, true],
    [{ outcome: "failure", error: "labelled needs:human-scope", summary: null }, true],
    [{ outcome: "partial", error: null, summary: "Escalated to the operator" }, true],
    [{ outcome: "failure", error: "tests failed", summary: null }, false],
    [{ outcome: "success", error: null, summary: "opened PR" }, false],
  ];
  for (const [input, expected] of cases) {
    assertEquals(isEscalated(input), expected, JSON.stringify(input));
  }
  assertEquals([median([]), median([3]), median([4, 1, 3]), median([4, 1, 3, 2])], [
    null,
    3,
    3,
    2.5,
  ]);
  assertEquals([formatDuration(45_000), formatDuration(750_000), formatDuration(3_900_000)], [
    "45s",
    "12m30s",
    "1h05m",
  ]);
});

Deno.test("the report groups by agent and repo with rates, costs, medians and escalations", () => {
  const report = buildReport(EVENTS, { since: new Date(NOW.getTime() - 86_400_000), until: NOW });
  assertEquals(
    report.rows.map((r) => [r.agent, r.repo, r.firings, r.worked, r.success_rate]),
    [
      ["lucius", "-", 1, 0, null],
      ["lucius", "acme/web", 3, 3, 0.333],
      ["robin", "acme/api", 2, 2, 0.5],
    ],
  );
  const web = report.rows[1];
  assertEquals(web.outcomes, { success: 1, failure: 1, blocked: 1 });
  assertEquals([web.turns, web.cost_usd, web.median_duration_ms], [22, 0.7, 60_000]);
  assertEquals(web.escalated_issues, ["https://github.com/acme/web/issues/3"]);
  assertEquals(report.rows[2].escalated_issues, ["acme/api#10"]);
  assertEquals([report.totals.firings, report.totals.escalated, report.totals.cost_usd], [
    6,
    2,
    0.75,
  ]);
  const text = formatReport(report).join("\n");
  assertStringIncludes(text, "lucius  acme/web  3        33%");
  assertStringIncludes(text, "escalated to a human: acme/api#10");
  assertEquals(buildReport([], { since: NOW, until: NOW }).totals.success_rate, null);
  assertStringIncludes(
    formatReport(buildReport([], { since: NOW, until: NOW })).join("\n"),
    "No firings",
  );
});

Deno.test("the daily digest is quiet when nothing fired and warns when work was escalated", async () => {
  await using home = await withHome();
  const config = { timezone: "UTC" };
  assertEquals(await dailyDigest(home.layout, { now: NOW, config }), undefined);
  for (const e of EVENTS) await recordFiring(home.layout, e);
  await recordFiring(home.layout, event(40, { outcome: "failure", agent: "bane" }));
  const notice = await dailyDigest(home.layout, { now: NOW, config });
  assert(notice);
  assertEquals(notice.severity, "warn");
  assertStringIncludes(notice.title, "Daily digest 2026-11-27: 6 firings");
  assert(!notice.text.includes("bane"), "older than 24 hours");
  assertStringIncludes(
    notice.text,
    "Needs a human: acme/api#10, https://github.com/acme/web/issues/3",
  );
  const calm = digestOf(buildReport([EVENTS[0]], { since: NOW, until: NOW }), config);
  assertEquals(calm?.severity, "info");
});

Deno.test("the digest is posted to the configured Slack webhook, and only then", async () => {
  await using home = await withHome();
  const bodies: unknown[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    bodies.push(await req.json());
    return new Response("ok");
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/hook`;
    const empty = await sendDailyDigest(home.layout, {
      now: NOW,
      config: { timezone: "UTC", slackWebhookUrl: url },
    });
    assertEquals([empty.notice, empty.posted, bodies.length], [undefined, undefined, 0]);
    await recordFiring(home.layout, EVENTS[0]);
    const unconfigured = await sendDailyDigest(home.layout, {
      now: NOW,
      config: { timezone: "UTC", slackWebhookUrl: undefined },
    });
    assert(unconfigured.notice && !unconfigured.posted);
    const sent = await sendDailyDigest(home.layout, {
      now: NOW,
      config: { timezone: "UTC", slackWebhookUrl: url },
      post: { attempts: 1 },
    });
    assertEquals(sent.posted?.ok, true);
    assertEquals(bodies.length, 1);
    assertStringIncludes(JSON.stringify(bodies[0]), "Daily digest");
  } finally {
    await server.shutdown();
  }
});

function context(layout: Layout, out: string[]): CommandContext {
  return {
    env: (name) => (name === "ALFRED_HOME" ? layout.home : undefined),
    layout,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(`ERR ${line}`),
    now: () => NOW,
    debug: false,
  };
}

Deno.test("alfred report prints a table or JSON and rejects bad flags", async () => {
  await using home = await withHome();
  for (const e of EVENTS) await recordFiring(home.layout, e);
  const out: string[] = [];
  assertEquals(await reportCommand(["--json", "--days", "2"], context(home.layout, out)), 0);
  const report = Report.parse(JSON.parse(out.join("\n")));
  assertEquals(report.totals.firings, 6);
  const table: string[] = [];
  await reportCommand([], context(home.layout, table));
  assertMatch(table.join("\n"), /^robin\s+acme\/api\s+2\s+50%/m);
  for (const bad of [["--days", "0"], ["--days", "x"], ["--digest", "--json"], ["--nope"]]) {
    await assertRejects(() => reportCommand(bad, context(home.layout, [])), UsageError);
  }
  const digest: string[] = [];
  assertEquals(await reportCommand(["--digest"], context(home.layout, digest)), 0);
  assertStringIncludes(digest.join("\n"), "Slack is not configured");
});
