/**
 * Firing threads: with a bot token and `slack.channel`, every notice about one
 * issue goes to one thread (the claim starts it; the pull request, its review
 * and fixes follow), through real firings of test agents against the loopback
 * Slack Web API fake; without the bot, the webhook stays the fallback.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { startFakeSlack, startFakeSlackApi } from "./support/fake_slack.ts";
import { BOT_TOKEN, CHANNEL } from "./support/slack_world.ts";
import type { AgentDefinition, WorkResult } from "../runner/firing/agent.ts";
import { fire } from "../runner/firing/fire.ts";
import { slackThreadsFile, threadKeyOf } from "../runner/firing/slack_threads.ts";

const FLEET = [
  "version: 1",
  "timezone: UTC",
  "repos:",
  "  - name: acme/widget",
  "agents:",
  "  builder: { schedule: every 20m }",
  "  reviewer: { schedule: every 30m }",
  "slack:",
  `  channel: ${CHANNEL}`,
  "",
].join("\n");

const PR = "https://github.com/acme/widget/pull/13";

/** An agent that claims (reports the step) when told to, then returns `result`. */
function agent(
  codename: string,
  result: WorkResult,
  claim?: { issue: string; title: string },
): AgentDefinition {
  return {
    codename,
    job: "Test agent.",
    paid: false,
    async work(context) {
      if (claim) {
        await context.progress({
          step: "claimed",
          text: `claimed ${claim.issue} "${claim.title}"`,
          issue: claim.issue,
        });
      }
      return result;
    },
  };
}

Deno.test("a claim, its pull request, the review and the fixes read as one thread; another issue gets its own", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET);
  await using slack = startFakeSlackApi({ appToken: "xapp-unused-000000", botToken: BOT_TOKEN });
  await using webhook = startFakeSlack();
  const env = home.env({
    ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN,
    ALFRED_SLACK_API_URL: slack.apiUrl,
    ALFRED_SLACK_WEBHOOK_URL: webhook.url,
  });
  const run = (definition: AgentDefinition) =>
    fire(definition.codename, {
      env,
      loadAgent: () => Promise.resolve(definition),
      stdout: () => {},
      stderr: () => {},
    });
  await run(agent("builder", {
    outcome: "success",
    turns: 3,
    costUsd: 0.1,
    issue: "acme/widget#12",
    pr: PR,
    notice: { severity: "info", agent: "builder", title: "shipped #12", text: "Fixed the login." },
  }, { issue: "acme/widget#12", title: "Fix the login" }));
  await run(agent("reviewer", {
    outcome: "success",
    turns: 2,
    costUsd: 0.05,
    pr: PR,
    notice: {
      severity: "warn",
      agent: "reviewer",
      title: "1 blocking finding on #13",
      text: "[P1] src/login.ts: the token is logged",
    },
  }));
  await run(agent("builder", {
    outcome: "failure",
    turns: 1,
    costUsd: 0.01,
    issue: "https://github.com/acme/widget/issues/20",
    error: "tests fail",
    notice: { severity: "error", agent: "builder", title: "failed on #20", text: "tests fail" },
  }, { issue: "acme/widget#20", title: "Speed up search" }));

  const posts = slack.messages;
  assertEquals(posts.map((m) => m.text), [
    '[Builder] claimed acme/widget#12 "Fix the login"',
    "[Builder] shipped #12",
    "[Reviewer] 1 blocking finding on #13",
    '[Builder] claimed acme/widget#20 "Speed up search"',
    "[Builder] failed on #20",
  ]);
  assert(posts.every((m) => m.channel === CHANNEL && m.method === "chat.postMessage"));
  const [claim12, shipped, review, claim20, failed] = posts;
  assertEquals(claim12.thread_ts, undefined, "the claim starts the thread");
  assertEquals([shipped.thread_ts, review.thread_ts], [claim12.ts, claim12.ts]);
  assertEquals(claim20.thread_ts, undefined);
  assertEquals(failed.thread_ts, claim20.ts);
  assertEquals(failed.reply_broadcast, true, "a failure is also shown in the channel");
  assert(slack.calls.every((call) => call.authorized));
  assertEquals(webhook.messages.length, 0, "with the bot, the webhook is not used");

  const store = JSON.parse(await Deno.readTextFile(slackThreadsFile(home.layout)));
  assertEquals(
    Object.fromEntries(
      Object.entries(store.threads).map(([k, v]) => [k, (v as { ts: string }).ts]),
    ),
    {
      "acme/widget#12": claim12.ts,
      "acme/widget#13": claim12.ts,
      "acme/widget#20": claim20.ts,
    },
  );
  const text = await Deno.readTextFile(slackThreadsFile(home.layout));
  assert(!text.includes(BOT_TOKEN), "no token in the thread store");
});

Deno.test("without a bot token the webhook stays the fallback, and a claim posts nothing", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET);
  await using webhook = startFakeSlack();
  const env = home.env({ ALFRED_SLACK_WEBHOOK_URL: webhook.url });
  await fire("builder", {
    env,
    loadAgent: () =>
      Promise.resolve(agent("builder", {
        outcome: "success",
        turns: 1,
        costUsd: 0,
        issue: "acme/widget#12",
        notice: { severity: "info", agent: "builder", title: "shipped #12", text: "" },
      }, { issue: "acme/widget#12", title: "Fix the login" })),
    stdout: () => {},
    stderr: () => {},
  });
  assertEquals(webhook.messages.map((m) => m.text), ["[Builder] shipped #12"]);
  await Deno.stat(slackThreadsFile(home.layout)).then(
    () => assert(false, "no thread store without the bot"),
    (error) => assert(error instanceof Deno.errors.NotFound),
  );
});

Deno.test("a thread key is owner/name#number in lower case, from a reference or a GitHub URL", () => {
  const cases: [string, string | undefined][] = [
    ["acme/widget#12", "acme/widget#12"],
    ["Acme/Widget#012", "acme/widget#12"],
    ["https://github.com/Acme/widget/issues/12", "acme/widget#12"],
    ["https://github.com/acme/widget/pull/13", "acme/widget#13"],
    ["https://github.com/acme/widget/pull/13/files", "acme/widget#13"],
    ["https://ghe.corp/api/v3/repos/acme/widget/issues/7", "acme/widget#7"],
    ["acme/widget", undefined],
    ["#12", undefined],
    ["https://github.com/acme/widget", undefined],
  ];
  for (const [ref, key] of cases) assertEquals(threadKeyOf(ref), key, ref);
  assertMatch(String(threadKeyOf(" acme/widget#1 ")), /^acme\/widget#1$/);
});
