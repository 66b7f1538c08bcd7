/**
 * `alfred slack` from the command line, and what `alfred doctor` says about Slack.
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import { APP_TOKEN, BOT_TOKEN, CHANNEL, fleetYaml } from "./support/slack_world.ts";
import { slackRunner } from "../cli/commands/slack.ts";
import { runChecks } from "../cli/commands/doctor.ts";
import type { CommandContext } from "../cli/commands/context.ts";

Deno.test("alfred slack: --help, and a missing token is a configuration error that says what to set", async () => {
  await using home = await withHome();
  const help = await runAlfred(["slack", "--help"], { home: home.home });
  assertEquals(help.code, 0, help.stderr);
  assertMatch(help.stdout, /^Usage: alfred slack/);
  assertMatch(help.stdout, /ALFRED_SLACK_APP_TOKEN/);
  const bare = await runAlfred(["slack"], { home: home.home });
  assertEquals(bare.code, 3);
  assertMatch(
    bare.stderr,
    /^error: ALFRED_SLACK_APP_TOKEN is not set\nhint: Create an app-level token/,
  );
  const wrong = await runAlfred(["slack"], {
    home: home.home,
    env: { ALFRED_SLACK_APP_TOKEN: APP_TOKEN, ALFRED_SLACK_BOT_TOKEN: "xoxp-user-token-123456" },
  });
  assertEquals(wrong.code, 3);
  assertMatch(
    wrong.stderr,
    /ALFRED_SLACK_BOT_TOKEN is not a bot token \(it must start with xoxb-\)/,
  );
  assert(!wrong.stderr.includes("xoxp-user-token"), "the value is never echoed");
  const flag = await runAlfred(["slack", "--port", "1"], { home: home.home });
  assertEquals(flag.code, 2);
});

Deno.test("the listener runs in this process under deno run and as alfred-slack; a compiled alfred hands over", () => {
  assertEquals(slackRunner("/home/op/.deno/bin/deno"), { here: true });
  assertEquals(slackRunner("/home/op/.local/bin/alfred-slack"), { here: true });
  assertEquals(slackRunner("/home/op/.local/bin/alfred"), {
    binary: "/home/op/.local/bin/alfred-slack",
  });
});

Deno.test("alfred doctor says where notices go and whether the listener may be commanded", async () => {
  await using home = await withHome();
  const check = async (yaml: string, env: Record<string, string>) => {
    await Deno.writeTextFile(home.layout.fleetFile, yaml);
    const context: CommandContext = {
      env: home.env(env),
      layout: home.layout,
      stdout: () => {},
      stderr: () => {},
      now: () => new Date(),
      debug: false,
    };
    const checks = await runChecks(context);
    return Object.fromEntries(
      checks.filter((c) => c.name.startsWith("Slack")).map((
        c,
      ) => [c.name, `${c.status}: ${c.detail}`]),
    );
  };
  assertEquals(await check(fleetYaml(), {}), {
    Slack: "warn: ALFRED_SLACK_WEBHOOK_URL is not set; notices go to the agents' logs only",
  });
  assertEquals(
    await check(fleetYaml(), {
      ALFRED_SLACK_APP_TOKEN: APP_TOKEN,
      ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN,
    }),
    {
      Slack: `ok: notices go to ${CHANNEL} through the bot, one thread per issue`,
      "Slack listener": "ok: tokens set; 1 operator(s) may command",
    },
  );
  const readOnly = await check(fleetYaml({ operators: [] }), {
    ALFRED_SLACK_APP_TOKEN: APP_TOKEN,
    ALFRED_SLACK_BOT_TOKEN: "nope",
  });
  assertMatch(readOnly["Slack listener"], /^fail: ALFRED_SLACK_BOT_TOKEN is not a bot token/);
});
