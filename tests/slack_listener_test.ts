/**
 * The Slack listener end to end, in this process, with the real SDKs
 * (`@slack/socket-mode`, `@slack/web-api`) as the client of the loopback
 * fakes of Slack (Web API and Socket Mode) and GitHub: connect, status,
 * operators, pause and resume (a real firing then prints `[AGENT-PAUSED]`),
 * reconnects, firing from chat, and filing an issue from a message.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./support/assert.ts";
import { ALFRED_LOGIN, markersIn, runAlfred, withHome } from "./support/helpers.ts";
import {
  APP_TOKEN,
  BOT_TOKEN,
  fleetYaml,
  OPERATOR,
  REPO,
  STRANGER,
  withSlackWorld,
} from "./support/slack_world.ts";
import { startFakeSlackApi } from "./support/fake_slack.ts";
import { ConfigError, exitCodeOf, formatError } from "../runner/errors.ts";
import { readSlackSettings } from "../slack/settings.ts";
import { RECONNECT_MS, runSlackListener } from "../slack/listener.ts";
import { APPROVE_ACTION, REJECT_ACTION } from "../slack/blocks.ts";
import { readDraft } from "../slack/drafts.ts";
import { changeWatches, listWatches } from "../slack/firing_watch.ts";
import { appendActivity } from "../runner/firing/activity.ts";
import { draftIssueBody } from "../slack/filing.ts";
import type { PostedMessage } from "./support/fake_slack.ts";

const SDK = { sanitizeOps: false, sanitizeResources: false };

/** Fires echo the way the scheduler does: a real `alfred fire echo` process. */
async function fireEcho(env: Record<string, string>): Promise<string> {
  const result = await runAlfred(["fire", "echo"], { home: env.ALFRED_HOME, env });
  return result.stdout + result.stderr;
}

Deno.test({
  name: "the listener connects over Socket Mode and answers status in Block Kit, in the thread",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    assertEquals(world.slack.connections(), 1);
    assert(world.slack.calls.every((call) => call.authorized), "every call carried its token");
    const { ts } = await world.dm(OPERATOR, "STATUS");
    const answer = world.slack.messages.find((m) => m.thread_ts === ts)!;
    assertMatch(answer.text, /^Fleet status: 1 enabled, 0 paused/);
    assertEquals(answer.blocks[0], {
      type: "header",
      text: { type: "plain_text", text: "Fleet status" },
    });
    const echo = JSON.stringify(answer.blocks.find((b) => JSON.stringify(b).includes("*Echo*")));
    assertMatch(echo, /enabled · every 1d/);
    assertMatch(echo, /never fired/);
    assertMatch(JSON.stringify(answer.blocks), /No fleet-wide block/);
    const help = await world.dm(OPERATOR, "help");
    assertEquals(help.answer, "Alfred commands");
  },
});

Deno.test({
  name: "a non-operator is refused in one line, logged, and nothing changes",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const { answer } = await world.dm(STRANGER, "pause all");
    assertMatch(answer, /only Alfred's operators may command it/);
    await assertNotPaused(world.home.layout.pauseFile);
    const log = await Deno.readTextFile(
      `${world.home.layout.logsDir}/slack/${new Date().toISOString().slice(0, 10)}.log`,
    );
    assertMatch(log, /WARN refused U0STRANGER in DU0STRANGER \(not an operator\): pause/);
  },
});

Deno.test({
  name: "without operators, only help and status are answered",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld({ operators: [] });
    assertMatch((await world.dm(STRANGER, "status")).answer, /^Fleet status/);
    assertMatch((await world.dm(STRANGER, "pause all")).answer, /No operators are configured/);
    await assertNotPaused(world.home.layout.pauseFile);
  },
});

Deno.test({
  name: "pause from chat: the next firing prints [AGENT-PAUSED]; resume: it fires again",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const paused = await world.dm(OPERATOR, "pause echo for 2h deploy freeze");
    assertMatch(paused.answer, /Paused echo until .*: deploy freeze \(from Slack by U0OPERATOR\)/);
    assertMatch(await fireEcho(world.env), /\[AGENT-PAUSED\] echo/);
    const resumed = await world.dm(OPERATOR, "Resume ECHO");
    assertMatch(resumed.answer, /Resumed echo\./);
    const fired = await fireEcho(world.env);
    assert(!fired.includes("[AGENT-PAUSED]"), fired);
  },
});

Deno.test({
  name: "prose that merely contains a command word changes nothing",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    assertMatch(
      (await world.dm(OPERATOR, "could you pause for a sec")).answer,
      /only read commands/,
    );
    assertMatch(
      (await world.dm(OPERATOR, "pause for a sec")).answer,
      /not quite a command.*pause <codename\|all>/,
    );
    await assertNotPaused(world.home.layout.pauseFile);
  },
});

Deno.test({
  name:
    "after Slack asks for a refresh or the connection drops, the listener reconnects and answers",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld({ reconnectMs: 1_000 });
    world.slack.askToReconnect("refresh_requested");
    await world.slack.waitFor(() => world.slack.connections() === 2, {
      what: "a reconnect after refresh_requested",
      timeoutMs: 10_000,
    });
    assertMatch((await world.dm(OPERATOR, "status")).answer, /^Fleet status/);
    world.slack.dropConnection();
    await world.slack.waitFor(() => world.slack.connections() === 3, {
      what: "a reconnect after a dropped connection",
      timeoutMs: 10_000,
    });
    assertMatch((await world.dm(OPERATOR, "status")).answer, /^Fleet status/);
  },
});

Deno.test({
  name: "fire from chat answers with the firing id, then posts the outcome in the same thread",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const { ts, answer } = await world.dm(OPERATOR, "fire echo");
    const id = /Firing echo: (\S+)/.exec(answer)?.[1];
    assert(id, answer);
    const outcome = await world.slack.waitFor(
      () =>
        world.slack.messages.find((m) => m.thread_ts === ts && m.text.startsWith(`echo ${id}:`)),
      { what: "the firing's outcome" },
    );
    assertMatch(outcome.text, /: (success|idle|silent)$/);
  },
});

Deno.test({
  name:
    "file, draft, Approve twice (once after a restart): exactly one issue labelled agent:implement",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const { ts } = await world.dm(
      OPERATOR,
      `file ${REPO}: Login button does nothing on Safari\nSteps: open /login in Safari 17.\nExpected: the form submits.`,
    );
    const draft = world.slack.messages.find((m) => m.thread_ts === ts)!;
    assertMatch(draft.text, /^Draft issue for acme\/widget: Login button does nothing on Safari/);
    const actions = draft.blocks.find((b) => b.type === "actions") as {
      elements: { action_id: string; value: string }[];
    };
    assertEquals(actions.elements.map((e) => e.action_id), [APPROVE_ACTION, REJECT_ACTION]);
    const id = actions.elements[0].value;
    const press = () =>
      world.slack.pressButton({
        user: OPERATOR,
        actionId: APPROVE_ACTION,
        value: id,
        channel: draft.channel,
        messageTs: draft.ts,
      });
    const [first, second] = await Promise.all([press(), press()]);
    assert(first.postedBefore <= world.slack.messages.length && second.ms >= 0);
    const updated = await world.slack.waitFor(
      () => world.slack.messages.find((m) => m.method === "chat.update" && m.ts === draft.ts),
      { what: "the draft updated with the issue link" },
    );
    assertMatch(updated.text, /^Filed acme\/widget#1: Login button/);
    await world.stop();
    await world.start();
    await press();
    await world.slack.waitFor(
      () => world.slack.messages.find((m) => m.thread_ts === ts && /Already filed/.test(m.text)),
      { what: "the third press answered" },
    );
    const created = world.github.exchanges.filter((e) =>
      e.route === "POST /repos/{owner}/{repo}/issues"
    );
    assertEquals(created.length, 1);
    const issue = world.github.issue(REPO, 1);
    assertEquals(issue.labels, ["agent:implement"]);
    assertEquals(issue.title, "Login button does nothing on Safari");
    assertMatch(
      issue.body ?? "",
      /^Steps: open \/login in Safari 17\.\nExpected: the form submits\./,
    );
    const [marker] = markersIn(issue.body ?? "");
    assertEquals(marker, {
      kind: "slack-draft",
      draft: id,
      channel: draft.channel,
      message: ts,
      user: OPERATOR,
    });
    assertEquals(
      (await readDraft(world.home.layout, id, { warn: () => {}, now: () => new Date() }))?.state,
      "filed",
    );
  },
});

async function assertNotPaused(file: string): Promise<void> {
  try {
    const state = JSON.parse(await Deno.readTextFile(file));
    assertEquals(state.all ?? null, null);
    assertEquals(Object.keys(state.agents ?? {}), []);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Posts a `file` DM and returns the draft message and its id. */
async function draftIn(
  world: Awaited<ReturnType<typeof withSlackWorld>>,
  title: string,
): Promise<{ ts: string; draft: PostedMessage; id: string }> {
  const { ts } = await world.dm(OPERATOR, `file ${REPO}: ${title}\nThe body.`);
  const draft = world.slack.messages.find((m) => m.thread_ts === ts)!;
  const id = /"value":"(d[0-9a-f]{12})"/.exec(JSON.stringify(draft.blocks))?.[1];
  assert(id, draft.text);
  return { ts, draft, id };
}

Deno.test({
  name: "a button press is acknowledged before its slow work (filing waits on GitHub)",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const { draft, id } = await draftIn(world, "Slow GitHub");
    world.github.setFault(({ route }) =>
      route === "POST /repos/{owner}/{repo}/issues" ? { kind: "slow", ms: 1_500 } : undefined
    );
    const before = world.slack.messages.length;
    const ack = await world.slack.pressButton({
      user: OPERATOR,
      actionId: APPROVE_ACTION,
      value: id,
      channel: draft.channel,
      messageTs: draft.ts,
    });
    assertEquals(ack.postedBefore, before, "acknowledged before the draft was updated");
    assert(!world.slack.messages.some((m) => m.method === "chat.update"));
    console.log(`ack after ${Math.round(ack.ms)} ms; filing takes at least 1500 ms`);
    await world.slack.waitFor(
      () => world.slack.messages.find((m) => m.method === "chat.update" && m.ts === draft.ts),
      { what: "the filed draft" },
    );
  },
});

Deno.test({
  name:
    "Reject drops a draft; a stranger's press is refused; a draft filed before a crash is found, not filed again",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    const rejected = await draftIn(world, "Not this one");
    const press = (user: string, actionId: string, target: typeof rejected) =>
      world.slack.pressButton({
        user,
        actionId,
        value: target.id,
        channel: target.draft.channel,
        messageTs: target.draft.ts,
      });
    await press(STRANGER, APPROVE_ACTION, rejected);
    await world.slack.waitFor(
      () =>
        world.slack.messages.find((m) =>
          m.thread_ts === rejected.ts && /only Alfred's operators may approve/.test(m.text)
        ),
      { what: "the stranger refused" },
    );
    await press(OPERATOR, REJECT_ACTION, rejected);
    const update = await world.slack.waitFor(
      () =>
        world.slack.messages.find((m) => m.method === "chat.update" && m.ts === rejected.draft.ts),
      { what: "the rejected draft" },
    );
    assertMatch(update.text, /rejected/);
    await press(OPERATOR, APPROVE_ACTION, rejected);
    await world.slack.waitFor(
      () =>
        world.slack.messages.find((m) => m.thread_ts === rejected.ts && /is rejected/.test(m.text)),
      { what: "Approve after Reject refused" },
    );

    // The crash window: the issue exists on GitHub, the draft still says pending.
    const crashed = await draftIn(world, "Filed, then the listener died");
    const body = draftIssueBody(
      (await readDraft(world.home.layout, crashed.id, { warn: () => {}, now: () => new Date() }))!,
      { approvedBy: OPERATOR },
    );
    const number = world.github.addIssue(REPO, {
      title: "Filed, then the listener died",
      body,
      labels: ["agent:implement"],
      login: ALFRED_LOGIN,
    });
    await press(OPERATOR, APPROVE_ACTION, crashed);
    const filed = await world.slack.waitFor(
      () =>
        world.slack.messages.find((m) => m.method === "chat.update" && m.ts === crashed.draft.ts),
      { what: "the draft linked to the issue found" },
    );
    assertMatch(filed.text, new RegExp(`^Filed acme/widget#${number}:`));
    const created = world.github.exchanges.filter((e) =>
      e.route === "POST /repos/{owner}/{repo}/issues"
    );
    assertEquals(created.length, 0, "nothing was created");
    assertEquals(world.github.issue(REPO, number).labels, ["agent:implement"]);

    const elsewhere = await world.dm(OPERATOR, "file acme/other: Not ours");
    assertMatch(
      elsewhere.answer,
      /^acme\/other is not one of the fleet's repos \(acme\/widget\)/,
    );
  },
});

Deno.test({
  name:
    "a token Slack refuses ends the listener with a configuration error naming the variable, never the token",
  ...SDK,
  async fn() {
    await using home = await withHome();
    await Deno.writeTextFile(home.layout.fleetFile, fleetYaml());
    await using slack = startFakeSlackApi({ appToken: APP_TOKEN, botToken: BOT_TOKEN });
    const wrong = { app: `${APP_TOKEN.slice(0, -4)}0000`, bot: `${BOT_TOKEN.slice(0, -4)}0000` };
    for (
      const [app, bot, variable] of [
        [wrong.app, BOT_TOKEN, "ALFRED_SLACK_APP_TOKEN"],
        [APP_TOKEN, wrong.bot, "ALFRED_SLACK_BOT_TOKEN"],
      ]
    ) {
      const env: Record<string, string> = {
        ALFRED_SLACK_APP_TOKEN: app,
        ALFRED_SLACK_BOT_TOKEN: bot,
        ALFRED_SLACK_API_URL: slack.apiUrl,
      };
      const error = await runSlackListener({
        context: {
          env: (name) => env[name],
          layout: home.layout,
          stdout: () => {},
          stderr: () => {},
          now: () => new Date(),
          debug: false,
        },
        settings: readSlackSettings((name) => env[name]),
        signal: new AbortController().signal,
        reconnectMs: 1_000,
      }).then(() => undefined, (thrown) => thrown);
      assert(error instanceof ConfigError, String(error));
      assertEquals(error.message, `Slack refused ${variable} (invalid_auth)`);
      assertEquals(exitCodeOf(error), 3);
      assert(!formatError(error).includes(app) && !formatError(error).includes(bot));
    }
  },
});

Deno.test("the listener's settings name a missing or malformed token, never its value", () => {
  const settings = (env: Record<string, string>) => () => readSlackSettings((name) => env[name]);
  assertThrows(settings({}), ConfigError, "ALFRED_SLACK_APP_TOKEN is not set");
  assertThrows(
    settings({ ALFRED_SLACK_APP_TOKEN: BOT_TOKEN, ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN }),
    ConfigError,
    "ALFRED_SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)",
  );
  assertThrows(
    settings({ ALFRED_SLACK_APP_TOKEN: APP_TOKEN }),
    ConfigError,
    "ALFRED_SLACK_BOT_TOKEN is not set",
  );
  assertThrows(
    settings({
      ALFRED_SLACK_APP_TOKEN: APP_TOKEN,
      ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN,
      ALFRED_SLACK_API_URL: "slack.com/api",
    }),
    ConfigError,
    "ALFRED_SLACK_API_URL is not an http(s) URL",
  );
  assertEquals(
    readSlackSettings((name) =>
      ({ ALFRED_SLACK_APP_TOKEN: APP_TOKEN, ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN } as Record<
        string,
        string
      >)[name]
    ).apiUrl,
    "https://slack.com/api/",
  );
  assertEquals(RECONNECT_MS < 10_000, true, "the first reconnect comes well within 10 s");
});

Deno.test({
  name: "a firing started before a restart still gets its outcome posted, once",
  ...SDK,
  async fn() {
    await using world = await withSlackWorld();
    await world.stop();
    const firingId = "20261201T090000000Z-abcdef";
    const startedAt = new Date(Date.now() - 5 * 60_000);
    await changeWatches(world.home.layout, {
      add: {
        firing_id: firingId,
        codename: "echo",
        channel: "DU0OPERATOR",
        thread_ts: "1764239999.000100",
        output_file: `${world.home.layout.logsDir}/echo/fire-${firingId}.out`,
        started_at: startedAt.toISOString(),
      },
    }, { warn: () => {}, now: () => new Date() });
    await appendActivity(world.home.layout, {
      type: "firing-ended",
      at: new Date(startedAt.getTime() + 60_000).toISOString(),
      agent: "echo",
      firing_id: firingId,
      outcome: "success",
      turns: 0,
      cost_usd: 0,
      issue: null,
      pr: null,
      error: null,
    });
    await world.start();
    const posted = await world.slack.waitFor(
      () => world.slack.messages.find((m) => m.thread_ts === "1764239999.000100"),
      { what: "the outcome of the firing started before the restart" },
    );
    assertEquals(posted.text, `echo ${firingId}: success`);
    await world.stop();
    assertEquals(
      (await listWatches(world.home.layout, { warn: () => {}, now: () => new Date() })).length,
      0,
    );
    await world.start();
    assertEquals(
      world.slack.messages.filter((m) => m.thread_ts === "1764239999.000100").length,
      1,
      "posted once",
    );
  },
});
