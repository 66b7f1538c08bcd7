import assert from "node:assert/strict";
import { ConfigError } from "../runner/errors.ts";
import { layoutOf } from "../runner/paths.ts";
import { planInstall } from "../scheduler/control.ts";
import * as plist from "plist";
import { LaunchCompanionPlist, launchdLabel, parseLaunchAgent } from "../scheduler/launchd.ts";
import { NO_COMMANDS, schedulerAgents, WHOLE_FLEET } from "./support/scheduler_fleet.ts";

const HOME = "/Users/op & co/.alfred <100%>";

function plan(companions: Parameters<typeof planInstall>[1]["companions"] = []) {
  return planInstall(
    schedulerAgents("/Applications/Alfred Tools", WHOLE_FLEET),
    {
      platform: "launchd",
      layout: layoutOf(HOME),
      env: (name) => name === "HOME" ? "/Users/op" : undefined,
      runner: NO_COMMANDS,
      labelPrefix: "com.example",
      environment: { PATH: "/opt/homebrew/bin:/usr/bin:/bin" },
      uid: 501,
      now: () => new Date("2024-01-03T00:00:00Z"),
      companions,
    },
  );
}

Deno.test("every plist of the whole fleet round-trips with the expected keys and types", () => {
  const agents = plan().agents;
  assert.equal(agents.length, WHOLE_FLEET.length);
  for (const agent of agents) {
    const [file] = agent.files;
    const label = `com.example.alfred.${agent.codename}`;
    assert.equal(agent.unit, label);
    assert.equal(file.path, `/Users/op/Library/LaunchAgents/${label}.plist`);
    const parsed = parseLaunchAgent(file.text, { file: file.path });
    assert.equal(parsed.Label, label);
    assert.deepEqual(parsed.ProgramArguments, [
      `/Applications/Alfred Tools/alfred-${agent.codename}`,
    ]);
    assert.deepEqual(parsed.EnvironmentVariables, {
      PATH: "/opt/homebrew/bin:/usr/bin:/bin",
      ALFRED_HOME: HOME,
      ALFRED_SECRETS_FILE: `${HOME}/secrets.env`,
    });
    assert.equal(parsed.StandardOutPath, `${HOME}/logs/${agent.codename}/scheduler.log`);
    assert.equal(parsed.StandardErrorPath, `${HOME}/logs/${agent.codename}/scheduler.log`);
    assert.equal(parsed.ProcessType, "Background");
    assert.equal(parsed.RunAtLoad, false);
    // XML types: integers are <integer>, the flag is <false/>, special characters escaped.
    assert.match(file.text, /<key>RunAtLoad<\/key>\s*<false\/>/);
    assert.ok(file.text.includes("op &amp; co/.alfred &lt;100%&gt;"));
    assert.ok(!/<real>/.test(file.text), "no number may be written as <real>");
  }
  const byName = new Map(
    agents.map((agent) => [agent.codename, parseLaunchAgent(agent.files[0].text)]),
  );
  assert.equal(byName.get("lucius")?.StartInterval, 1200);
  assert.match(agents[1].files[0].text, /<key>StartInterval<\/key>\s*<integer>1200<\/integer>/);
  assert.equal(byName.get("lucius")?.StartCalendarInterval, undefined);
  assert.deepEqual(byName.get("drake")?.StartCalendarInterval, [{ Hour: 2, Minute: 30 }]);
  assert.deepEqual(byName.get("robin")?.StartCalendarInterval, [{ Minute: 15 }]);
  assert.equal(byName.get("bane")?.StartCalendarInterval?.length, 10);
  assert.deepEqual(byName.get("gordon")?.StartCalendarInterval, [
    { Weekday: 0, Hour: 10, Minute: 0 },
    { Weekday: 6, Hour: 10, Minute: 0 },
  ]);
});

Deno.test("a plist that is not what Alfred writes is rejected with the field named", () => {
  const text = plan().agents[0].files[0].text.replace(
    /<key>RunAtLoad<\/key>\s*<false\/>/,
    "<key>RunAtLoad</key><true/>",
  );
  assert.throws(() => parseLaunchAgent(text, { file: "x.plist" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^x\.plist: RunAtLoad:/);
    return true;
  });
  assert.throws(() => parseLaunchAgent("not xml", { file: "y.plist" }), ConfigError);
});

Deno.test("launchd labels take a reverse-DNS prefix and reject anything else", () => {
  assert.equal(launchdLabel("robin"), "local.alfred.robin");
  assert.equal(launchdLabel("robin", { prefix: "com.example" }), "com.example.alfred.robin");
  for (const prefix of ["", "com..example", "com example", "com/example", "."]) {
    assert.throws(() => launchdLabel("robin", { prefix }), ConfigError, prefix);
  }
});

Deno.test("a companion service's plist runs at load, keeps alive by its policy, and abandons its firings", () => {
  const { companions } = plan([
    {
      name: "slack",
      description: "Alfred Slack listener",
      command: ["/Applications/Alfred Tools/alfred-slack"],
      restart: "always",
    },
    {
      name: "serve",
      description: "Alfred dashboard",
      command: ["/Applications/Alfred Tools/alfred-serve", "--port", "8080"],
      restart: "on-failure",
    },
  ]);
  assert.deepEqual(companions.map((c) => [c.name, c.unit, c.restart]), [
    ["slack", "com.example.alfred.slack", "always"],
    ["serve", "com.example.alfred.serve", "on-failure"],
  ]);
  const [slack, serve] = companions.map((companion) =>
    LaunchCompanionPlist.parse(plist.parse(companion.files[0].text))
  );
  assert.equal(
    companions[0].files[0].path,
    "/Users/op/Library/LaunchAgents/com.example.alfred.slack.plist",
  );
  assert.deepEqual(slack.ProgramArguments, ["/Applications/Alfred Tools/alfred-slack"]);
  assert.equal(slack.KeepAlive, true);
  assert.deepEqual(serve.KeepAlive, { SuccessfulExit: false });
  assert.deepEqual(serve.ProgramArguments.slice(1), ["--port", "8080"]);
  for (const parsed of [slack, serve]) {
    assert.equal(parsed.RunAtLoad, true);
    assert.equal(parsed.AbandonProcessGroup, true);
    assert.equal(parsed.ExitTimeOut, 10);
    assert.equal(parsed.EnvironmentVariables.ALFRED_HOME, HOME);
  }
  assert.equal(slack.StandardOutPath, `${HOME}/logs/slack/service.log`);
  assert.match(companions[0].files[0].text, /<key>KeepAlive<\/key>\s*<true\/>/);
  assert.match(
    companions[1].files[0].text,
    /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/,
  );
});

Deno.test("a companion service may not share an agent's name, nor use a relative program", () => {
  const slack = {
    name: "echo",
    description: "x",
    command: ["/bin/alfred-slack"],
    restart: "always" as const,
  };
  assert.throws(() => plan([slack]), /the agent "echo" has the name of the companion service/);
  assert.throws(
    () => plan([{ ...slack, name: "slack", command: ["alfred-slack"] }]),
    /needs an absolute program path/,
  );
  assert.throws(() => plan([{ ...slack, name: "Slack!" }]), ConfigError);
});
