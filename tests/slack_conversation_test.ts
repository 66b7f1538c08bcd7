/**
 * slack/conversation.ts without Socket Mode: a recording Slack port, the
 * GitHub fake, and drafts in state.
 */
import { assertEquals, assertMatch } from "./assert.ts";
import { alfredTrust, withHome } from "./helpers.ts";
import { startFakeGitHub } from "./fake_github.ts";
import { fleetYaml, OPERATOR, REPO } from "./slack_world.ts";
import { answerButton, type ConversationDeps } from "../slack/conversation.ts";
import { APPROVE_ACTION, type SlackMessage } from "../slack/blocks.ts";
import { type Draft, updateDraft } from "../slack/drafts.ts";
import { createGitHubClient } from "../runner/github/client.ts";
import { openAgentLog } from "../runner/log.ts";

Deno.test("a press that comes before the draft's ts was recorded still updates the draft message", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, fleetYaml());
  await using github = startFakeGitHub();
  const env = home.env({ ALFRED_GITHUB_API_URL: github.url, ALFRED_GITHUB_TOKEN: "test-token" });
  const updates: { channel: string; ts: string; message: SlackMessage }[] = [];
  const deps: ConversationDeps = {
    context: {
      env,
      layout: home.layout,
      stdout: () => {},
      stderr: () => {},
      now: () => new Date(),
      debug: false,
    },
    port: {
      post: () => Promise.resolve("1764240000.000900"),
      update: (channel, ts, message) => {
        updates.push({ channel, ts, message });
        return Promise.resolve();
      },
    },
    log: openAgentLog(home.layout, "slack", { echo: null }),
    github: () => createGitHubClient({ env }),
    trusted: () => Promise.resolve(alfredTrust()),
    fire: () => Promise.reject(new Error("not here")),
    follow: () => {},
  };
  const draft: Draft = {
    id: "d0123456789ab",
    repo: REPO,
    title: "Pressed early",
    body: "",
    author: OPERATOR,
    channel: "D0OPERATOR",
    message_ts: "1764240000.000100",
    thread_ts: "1764240000.000100",
    draft_ts: null,
    created_at: new Date().toISOString(),
    state: "pending",
    issue: null,
    decided_by: null,
    decided_at: null,
  };
  await updateDraft(home.layout, draft.id, {
    change: () => draft,
    warn: () => {},
    now: () => new Date(),
  });
  await answerButton({
    user: OPERATOR,
    actionId: APPROVE_ACTION,
    value: draft.id,
    channel: "D0OPERATOR",
    messageTs: "1764240000.000200",
  }, deps);
  assertEquals(updates.map((u) => [u.channel, u.ts]), [["D0OPERATOR", "1764240000.000200"]]);
  assertMatch(updates[0].message.text, /^Filed acme\/widget#1: Pressed early/);
  assertEquals(github.issue(REPO, 1).labels, ["agent:implement"]);
});
