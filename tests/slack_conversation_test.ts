/**
 * slack/conversation.ts without Socket Mode: a recording Slack port, the
 * GitHub fake, and drafts in state.
 */
import { assertEquals, assertMatch } from "./support/assert.ts";
import { alfredTrust, withHome } from "./support/helpers.ts";
import { startFakeGitHub } from "./support/fake_github.ts";
import { fleetYaml, OPERATOR, REPO } from "./support/slack_world.ts";
import { answerButton, type ConversationDeps } from "../slack/conversation.ts";
import { APPROVE_ACTION, type SlackMessage } from "../slack/blocks.ts";
import { type Draft, updateDraft } from "../slack/drafts.ts";
import { createGitHubClient } from "../runner/github/client.ts";
import { formatMarker } from "../runner/claims/markers.ts";
import type { Layout } from "../runner/paths.ts";
import { openAgentLog } from "../runner/firing/log.ts";

/** The conversation's world: a home with fleet.yaml, the GitHub fake, a recording Slack port. */
async function conversationWorld() {
  const home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, fleetYaml());
  const github = startFakeGitHub();
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
  return {
    home,
    github,
    deps,
    updates,
    async [Symbol.asyncDispose]() {
      await github[Symbol.asyncDispose]();
      await home[Symbol.asyncDispose]();
    },
  };
}

/** A pending draft in state, as the listener records one. */
async function pendingDraft(layout: Layout, title: string): Promise<Draft> {
  const draft: Draft = {
    id: "d0123456789ab",
    repo: REPO,
    title,
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
  await updateDraft(layout, draft.id, {
    change: () => draft,
    warn: () => {},
    now: () => new Date(),
  });
  return draft;
}

function approve(draft: Draft, deps: ConversationDeps): Promise<void> {
  return answerButton({
    user: OPERATOR,
    actionId: APPROVE_ACTION,
    value: draft.id,
    channel: "D0OPERATOR",
    messageTs: "1764240000.000200",
  }, deps);
}

Deno.test("a press that comes before the draft's ts was recorded still updates the draft message", async () => {
  await using world = await conversationWorld();
  const draft = await pendingDraft(world.home.layout, "Pressed early");
  await approve(draft, world.deps);
  assertEquals(world.updates.map((u) => [u.channel, u.ts]), [["D0OPERATOR", "1764240000.000200"]]);
  assertMatch(world.updates[0].message.text, /^Filed acme\/widget#1: Pressed early/);
  assertEquals(world.github.issue(REPO, 1).labels, ["agent:implement"]);
});

Deno.test("an issue by anyone else that carries the draft's marker is not taken for the filed draft", async () => {
  await using world = await conversationWorld();
  const draft = await pendingDraft(world.home.layout, "The real one");
  const forged = world.github.addIssue(REPO, {
    title: "Look-alike",
    login: "mallory",
    body: formatMarker({
      kind: "slack-draft",
      draft: draft.id,
      channel: draft.channel,
      message: draft.message_ts,
      user: OPERATOR,
    }),
  });
  await approve(draft, world.deps);
  const filed = forged + 1;
  assertMatch(
    world.updates[0].message.text,
    new RegExp(`^Filed acme/widget#${filed}: The real one`),
  );
  assertEquals(world.github.issue(REPO, filed).labels, ["agent:implement"]);
  assertEquals(world.github.issue(REPO, forged).labels, [], "the look-alike is left alone");
});
