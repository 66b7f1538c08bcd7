/**
 * `alfred-slack` as a process, under exactly the permissions its binary gets
 * (runner/config/permissions.ts, with the loopback fakes as its Slack and GitHub
 * hosts): it connects, answers, files a draft; SIGTERM ends it within 5 s;
 * and no token appears in its output, its log or any file under ALFRED_HOME.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { DENO, REPO_ROOT, withHome } from "./support/helpers.ts";
import { startFakeSlackApi } from "./support/fake_slack.ts";
import { startFakeGitHub } from "./support/fake_github.ts";
import {
  APP_TOKEN,
  BOT_TOKEN,
  fleetYaml,
  listenerEnv,
  OPERATOR,
  REPO,
} from "./support/slack_world.ts";
import { runFlagsOf } from "../runner/config/permissions.ts";
import { APPROVE_ACTION } from "../slack/blocks.ts";

/** The longest SIGTERM may take to end the listener (the issue's bound). */
const STOP_BOUND_MS = 5_000;

Deno.test("alfred-slack under its own permissions answers, files once, ends on SIGTERM within 5 s, and never writes a token", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, fleetYaml());
  await using slack = startFakeSlackApi({ appToken: APP_TOKEN, botToken: BOT_TOKEN });
  await using github = startFakeGitHub();
  const flags = runFlagsOf("alfred-slack", {
    slackApiUrl: slack.apiUrl,
    githubHost: github.url,
  });
  const child = new Deno.Command(DENO, {
    args: ["run", "--quiet", ...flags, `${REPO_ROOT}/slack/main.ts`],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: listenerEnv({ home: home.home, slack, github }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  try {
    await slack.waitFor(() => slack.connections() === 1, { what: "alfred-slack to connect" });
    await slack.sendEvent({
      type: "message",
      channel: "D0OPERATOR",
      channel_type: "im",
      user: OPERATOR,
      text: "status",
      ts: "1764239100.000100",
    });
    const status = await slack.waitFor(
      () => slack.messages.find((m) => m.thread_ts === "1764239100.000100"),
      { what: "the status answer" },
    );
    assertMatch(status.text, /^Fleet status/);
    await slack.sendEvent({
      type: "app_mention",
      channel: "C0ALFRED",
      user: OPERATOR,
      text: `<@U0ALFRED> file ${REPO}: Add a dark mode\nUsers ask for it.`,
      ts: "1764239100.000200",
    });
    const draft = await slack.waitFor(
      () => slack.messages.find((m) => m.thread_ts === "1764239100.000200"),
      { what: "the draft" },
    );
    const id = JSON.stringify(draft.blocks).match(/"value":"(d[0-9a-f]{12})"/)?.[1];
    assert(id, JSON.stringify(draft.blocks));
    const ack = await slack.pressButton({
      user: OPERATOR,
      actionId: APPROVE_ACTION,
      value: id,
      channel: "C0ALFRED",
      messageTs: draft.ts,
    });
    assert(ack.ms >= 0);
    await slack.waitFor(
      () => slack.messages.find((m) => m.method === "chat.update" && m.ts === draft.ts),
      { what: "the draft updated with the issue" },
    );
    assertEquals(github.issue(REPO, 1).labels, ["agent:implement"]);
  } finally {
    const started = performance.now();
    child.kill("SIGTERM");
    const status = await child.status;
    const took = performance.now() - started;
    const [stdout, stderr] = await output;
    console.log(`SIGTERM to exit: ${Math.round(took)} ms; stderr: ${stderr}`);
    assertEquals(status.code, 0, stderr);
    assert(took < STOP_BOUND_MS, `SIGTERM took ${Math.round(took)} ms`);
    assertMatch(stdout, /Listening to Slack as <@U0ALFRED>/);
    for (const token of [APP_TOKEN, BOT_TOKEN]) {
      assert(!stdout.includes(token) && !stderr.includes(token), "a token was printed");
    }
  }
  const leaks: string[] = [];
  for await (const file of walk(home.home)) {
    const text = await Deno.readTextFile(file);
    if (text.includes(APP_TOKEN) || text.includes(BOT_TOKEN)) leaks.push(file);
  }
  assertEquals(leaks, [], "files under ALFRED_HOME holding a token");
  const log = await Deno.readTextFile(
    `${home.layout.logsDir}/slack/${new Date().toISOString().slice(0, 10)}.log`,
  );
  assertMatch(log, /connected to Slack/);
  assertMatch(log, /U0OPERATOR in D0OPERATOR: status/);
  assertMatch(log, /stopped/);
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}
