import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./support/assert.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import {
  agentFireCommand,
  fireDetached,
  type OperatorContext,
  parseFleetTarget,
  pauseFleet,
  readFleetView,
  resumeFleet,
} from "../runner/control/mod.ts";
import { readActivity } from "../runner/firing/activity.ts";
import { readEvents } from "../runner/firing/events.ts";
import type { Layout } from "../runner/paths.ts";
import { UsageError } from "../runner/errors.ts";

function contextOf(home: { layout: Layout; env(): (name: string) => string | undefined }) {
  const warnings: string[] = [];
  const context: OperatorContext = {
    env: home.env(),
    layout: home.layout,
    stdout: () => {},
    stderr: (line) => warnings.push(line),
    now: () => new Date(),
    debug: false,
  };
  return { context, warnings };
}

Deno.test("a compiled binary fires an agent through the agent's own binary; deno run through the CLI", () => {
  const compiled = {
    buildInfo: { binary: "alfred-serve" },
    mainModule: "",
    sourceRoot: "file:///x/",
  };
  assertEquals(
    agentFireCommand("lucius", { ...compiled, execPath: "/opt/alfred/bin/alfred-serve" }),
    ["/opt/alfred/bin/alfred-lucius"],
  );
  const [program, ...args] = agentFireCommand("echo", {
    buildInfo: undefined,
    mainModule: "file:///src/alfred/cli/mod.ts",
    execPath: "/usr/bin/deno",
    sourceRoot: "file:///src/alfred/",
  });
  assertEquals(program, "/usr/bin/deno");
  assertEquals(args.slice(0, 1), ["run"]);
  assertEquals(args.slice(-3), ["/src/alfred/cli/mod.ts", "fire", "echo"]);
  let thrown: unknown;
  try {
    agentFireCommand("../sh", { ...compiled, execPath: "/opt/alfred/bin/alfred" });
  } catch (error) {
    thrown = error;
  }
  assert(thrown instanceof UsageError);
});

Deno.test("a fleet target names something valid, or the operator is told what to give", () => {
  assertEquals(parseFleetTarget("pause", { agents: ["echo"] }), {
    all: false,
    agents: ["echo"],
    repos: [],
  });
  const cases: [Parameters<typeof parseFleetTarget>[1], RegExp][] = [
    [{}, /needs codenames, --all, or --repo/],
    [{ all: true, agents: ["echo"] }, /not both/],
    [{ agents: ["Not A Name"] }, /is not a codename/],
    [{ repos: ["nope"] }, /owner\/name/],
  ];
  for (const [given, message] of cases) {
    let thrown: unknown;
    try {
      parseFleetTarget("resume", given);
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof UsageError, `expected a usage error for ${JSON.stringify(given)}`);
    assertMatch(thrown.message, message);
  }
});

Deno.test("a detached firing answers with its id at once; its start, steps and end land in the activity log under that id", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const { context } = contextOf(home);
  const firing = await fireDetached("echo", context, {
    env: { PATH: Deno.env.get("PATH") ?? "", DENO_DIR: Deno.env.get("DENO_DIR") ?? "" },
  });
  assertMatch(firing.firingId, /^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
  assert(firing.pid > 0);
  assertEquals(await firing.exited, 0, await Deno.readTextFile(firing.outputFile));
  const window = { since: new Date(Date.now() - 3_600_000), until: new Date(Date.now() + 60_000) };
  const activity = await readActivity(home.layout, { ...window, firingId: firing.firingId });
  assertEquals(activity.map((event) => event.type), ["firing-started", "step", "firing-ended"]);
  const step = activity[1];
  assert(step.type === "step");
  assertEquals(step.step, "summarised");
  assertMatch(step.text, /^summarised 0 firings, \$0\.00 in the last 24 h$/);
  const started = activity[0];
  assert(started.type === "firing-started");
  assertEquals(started.by, "hand");
  assertEquals(started.pid, firing.pid);
  const { events } = await readEvents(home.layout, window);
  assertEquals(events.map((event) => event.firing_id), [firing.firingId]);
  assertStringIncludes(await Deno.readTextFile(firing.outputFile), "Fleet summary");
});

Deno.test("pause and resume from any surface record themselves in the activity log; a paused detached firing stops at the guard", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const { context } = contextOf(home);
  const target = parseFleetTarget("pause", { agents: ["echo"] });
  const paused = await pauseFleet(target, context, { reason: "dashboard test" });
  assertEquals(paused.state.agents.echo.reason, "dashboard test");
  const view = await readFleetView(context);
  const echo = view.agents.find((agent) => agent.agent === "echo")!;
  assertEquals([echo.state, echo.pausedReason, echo.pausedBy], [
    "paused",
    "dashboard test",
    "operator",
  ]);
  assertEquals(view.agents.length, 10);

  const firing = await fireDetached("echo", context, {
    env: { PATH: Deno.env.get("PATH") ?? "", DENO_DIR: Deno.env.get("DENO_DIR") ?? "" },
  });
  assertEquals(await firing.exited, 0);
  assertStringIncludes(await Deno.readTextFile(firing.outputFile), "[AGENT-PAUSED]");

  await resumeFleet(target, context);
  const window = { since: new Date(Date.now() - 3_600_000), until: new Date(Date.now() + 60_000) };
  const kinds = (await readActivity(home.layout, window)).map((event) => event.type);
  assertEquals(kinds, ["paused", "resumed"]);
});

Deno.test("a firing id handed in must have the firing-id shape", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const run = await runAlfred(["fire", "echo"], {
    home: home.home,
    env: { ALFRED_FIRING_ID: "../../etc" },
  });
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, "ALFRED_FIRING_ID must look like");
  await assertRejects(() => Deno.stat(home.layout.activityDir), Deno.errors.NotFound);
  const window = { since: new Date(Date.now() - 3_600_000), until: new Date(Date.now() + 60_000) };
  assertEquals((await readEvents(home.layout, window)).events, []);
});
