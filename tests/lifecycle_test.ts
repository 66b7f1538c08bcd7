import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import type { AgentDefinition, WorkResult } from "../runner/firing/agent.ts";
import { fire } from "../runner/firing/fire.ts";
import { readEvents } from "../runner/firing/events.ts";
import { readPauseState } from "../runner/firing/pause.ts";
import { spendFile } from "../runner/paths.ts";
import { withHome } from "./support/helpers.ts";

/** A paid test agent whose every firing returns `result`. */
function paidAgent(result: WorkResult, calls: { n: number }): AgentDefinition {
  return {
    codename: "tester",
    job: "Returns a fixed result.",
    paid: true,
    work() {
      calls.n++;
      return Promise.resolve(result);
    },
  };
}

/** A paid test agent whose every firing throws `error`. */
function throwingAgent(error: Error): AgentDefinition {
  return { codename: "tester", job: "Throws.", paid: true, work: () => Promise.reject(error) };
}

/** A loopback Slack webhook that records what it receives. */
function slackServer(options: { failFirst?: number } = {}) {
  const received: Record<string, unknown>[] = [];
  let failures = options.failFirst ?? 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const body = await request.json();
      if (failures > 0) {
        failures--;
        return new Response("upstream down", { status: 503 });
      }
      received.push(body);
      return new Response("ok");
    },
  );
  return { received, url: `http://127.0.0.1:${server.addr.port}/hook`, server };
}

const FLEET = (caps: string) =>
  `version: 1\ntimezone: UTC\nagents:\n  tester:\n    schedule: every 20m\n    caps: ${caps}\n    failure_streak_threshold: 3\n`;

Deno.test("a paid agent over its daily cap pauses itself until the next day and says why on Slack", async () => {
  await using home = await withHome();
  const slack = slackServer();
  await using _server = slack.server;
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{ firings_per_day: 2 }"));
  const calls = { n: 0 };
  const lines: string[] = [];
  const options = {
    env: home.env({ ALFRED_SLACK_WEBHOOK_URL: slack.url }),
    loadAgent: () =>
      Promise.resolve(paidAgent({ outcome: "success", turns: 5, costUsd: 0.25 }, calls)),
    stdout: (line: string) => lines.push(line),
    stderr: () => {},
    now: () => new Date("2026-11-27T10:00:00Z"),
  };
  assertEquals(await fire("tester", options), 0);
  assertEquals(await fire("tester", options), 0);
  assertEquals(await fire("tester", options), 0);
  assertEquals(calls.n, 2, "the third firing does no work");
  assertMatch(
    lines.at(-1)!,
    /^\[AGENT-AUTO-PAUSED\] tester: daily cap firings_per_day reached \(2 of 2\)/,
  );
  const pauseState = await readPauseState(home.layout);
  assertEquals(pauseState.agents.tester.until, "2026-11-28T00:00:00.000Z");
  assertEquals(slack.received.length, 1, "one message, for the auto-pause only");
  assertMatch(JSON.stringify(slack.received[0]), /paused itself/);
  lines.length = 0;
  assertEquals(await fire("tester", options), 0);
  assertMatch(lines[0], /^\[AGENT-PAUSED\] tester: daily cap/);
  const ledger = JSON.parse(
    await Deno.readTextFile(spendFile(home.layout, "tester", { day: "2026-11-27" })),
  );
  assertEquals([ledger.firings, ledger.turns, ledger.cost_usd, ledger.successes], [2, 10, 0.5, 2]);
  const nextDay = { ...options, now: () => new Date("2026-11-28T00:05:00Z") };
  assertEquals(await fire("tester", nextDay), 0);
  assertEquals(calls.n, 3, "the next day it works again");
});

Deno.test("a failure streak at the threshold pauses the agent until the operator resumes it", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{}"));
  const calls = { n: 0 };
  const lines: string[] = [];
  const options = {
    env: home.env(),
    loadAgent: () =>
      Promise.resolve(
        paidAgent({ outcome: "crashed", turns: 1, costUsd: 0.01, error: "boom" }, calls),
      ),
    stdout: (line: string) => lines.push(line),
    stderr: () => {},
  };
  for (let i = 0; i < 3; i++) await fire("tester", options);
  assertEquals(await fire("tester", options), 0);
  assertEquals(calls.n, 3);
  assertMatch(lines.at(-1)!, /^\[AGENT-AUTO-PAUSED\] tester: 3 failures in a row \(threshold 3\)/);
  assertEquals((await readPauseState(home.layout)).agents.tester.until, null);
});

Deno.test("work that throws is recorded as a failure with its error, and the lock is released", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{}"));
  const agent = throwingAgent(new Error("engine exploded"));
  const options = {
    env: home.env(),
    loadAgent: () => Promise.resolve(agent),
    stdout: () => {},
    stderr: () => {},
  };
  assertEquals(await fire("tester", options), 1);
  assertEquals(await fire("tester", options), 1, "the lock was released: the next firing ran too");
  const { events } = await readEvents(home.layout, {
    since: new Date(Date.now() - 60_000),
    until: new Date(),
  });
  assertEquals(events.map((e) => [e.outcome, e.error]), [["failure", "engine exploded"], [
    "failure",
    "engine exploded",
  ]]);
});

Deno.test("no stack trace reaches the firing's output or its log unless --debug is given", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{}"));
  const agent = throwingAgent(new TypeError("cannot read properties of undefined"));
  const stackLine = /^\s+at .*:\d+:\d+\)?$/m;
  const logText = async () => {
    const dir = `${home.layout.logsDir}/tester`;
    let text = "";
    for await (const entry of Deno.readDir(dir)) {
      text += await Deno.readTextFile(`${dir}/${entry.name}`);
    }
    return text;
  };
  for (const debug of [false, true]) {
    const err: string[] = [];
    assertEquals(
      await fire("tester", {
        env: home.env(),
        loadAgent: () => Promise.resolve(agent),
        stdout: () => {},
        stderr: (line) => err.push(line),
        debug,
      }),
      1,
    );
    const shown = err.join("\n");
    assertMatch(shown, /cannot read properties of undefined/);
    if (debug) {
      assertMatch(shown, stackLine, "--debug shows the stack");
    } else {
      assert(!stackLine.test(shown), `a stack trace was printed:\n${shown}`);
      assert(!stackLine.test(await logText()), "a stack trace reached the log");
    }
  }
});

Deno.test("a failing Slack webhook never fails the firing and is retried", async () => {
  await using home = await withHome();
  const slack = slackServer({ failFirst: 1 });
  await using _server = slack.server;
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{}"));
  const agent: AgentDefinition = {
    codename: "tester",
    job: "Ships.",
    paid: true,
    work: () =>
      Promise.resolve({
        outcome: "success",
        turns: 2,
        costUsd: 0.1,
        notice: { severity: "info", agent: "tester", title: "shipped", text: "PR opened" },
      }),
  };
  const code = await fire("tester", {
    env: home.env({ ALFRED_SLACK_WEBHOOK_URL: slack.url }),
    loadAgent: () => Promise.resolve(agent),
    stdout: () => {},
    stderr: () => {},
  });
  assertEquals(code, 0);
  assertEquals(slack.received.length, 1, "delivered on the second attempt");
  const blocks = (slack.received[0] as { blocks: { text?: { text: string } }[] }).blocks;
  assert(blocks[0].text?.text.includes("*[Tester]* shipped"));
});

Deno.test("secrets from the environment never reach the agent's log or Slack", async () => {
  await using home = await withHome();
  const slack = slackServer();
  await using _server = slack.server;
  await Deno.writeTextFile(home.layout.fleetFile, FLEET("{}"));
  const token = "tok-0123456789abcdef0123";
  const agent: AgentDefinition = {
    codename: "tester",
    job: "Leaks.",
    paid: true,
    work: () =>
      Promise.reject(new Error(`push failed for https://x:${token}@github.example/a/b.git`)),
  };
  await fire("tester", {
    env: home.env({ ALFRED_GITHUB_TOKEN: token, ALFRED_SLACK_WEBHOOK_URL: slack.url }),
    loadAgent: () => Promise.resolve(agent),
    stdout: () => {},
    stderr: () => {},
  });
  const logDir = `${home.home}/logs/tester`;
  let logText = "";
  for await (const entry of Deno.readDir(logDir)) {
    logText += await Deno.readTextFile(`${logDir}/${entry.name}`);
  }
  assertMatch(logText, /push failed/);
  assert(!logText.includes(token), "the token is not in the log");
  assertEquals(slack.received.length, 1);
  assert(
    !JSON.stringify(slack.received[0]).includes(token),
    "the token is not in the Slack message",
  );
  const { events } = await readEvents(home.layout, {
    since: new Date(Date.now() - 60_000),
    until: new Date(),
  });
  assertEquals(events.length, 1);
  assert(!JSON.stringify(events).includes(token), "the token is not in the event log");
});

Deno.test("echo posts the daily digest to Slack when the fleet did something, and stays quiet otherwise", async () => {
  await using home = await withHome();
  const slack = slackServer();
  await using _server = slack.server;
  const { echoAgent } = await import("../agents/echo/mod.ts");
  const options = {
    env: home.env({ ALFRED_SLACK_WEBHOOK_URL: slack.url }),
    loadAgent: () => Promise.resolve(echoAgent),
    stdout: () => {},
    stderr: () => {},
  };
  assertEquals(await fire("echo", options), 0);
  assertEquals(slack.received.length, 0, "nothing happened in the last 24 h: no post");
  assertEquals(await fire("echo", options), 0);
  assertEquals(slack.received.length, 1, "the first echo firing is something to report");
  assertMatch(JSON.stringify(slack.received[0]), /echo/);
  assertMatch(JSON.stringify(slack.received[0]), /Fleet summary/);
});
