import { assertEquals, assertMatch } from "./support/assert.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import { pauseCommand, resumeCommand } from "../cli/commands/pause.ts";
import { createSchedulerCommand, type SchedulerCommandDeps } from "../cli/commands/scheduler.ts";
import { echoAgent } from "../agents/echo/mod.ts";
import { fire } from "../runner/firing/fire.ts";
import type { SchedulerRunner } from "../scheduler/runner.ts";
import { withHome } from "./support/helpers.ts";
import { recordingRunner } from "./support/scheduler_fleet.ts";

async function world(home: Awaited<ReturnType<typeof withHome>>, runner: SchedulerRunner) {
  const out: string[] = [];
  const err: string[] = [];
  await Deno.mkdir(`${home.home}/bin`, { recursive: true });
  for (const codename of ["echo", "lucius"]) {
    await Deno.writeTextFile(`${home.home}/bin/alfred-${codename}`, "#!/bin/sh\n", { mode: 0o755 });
  }
  const deps: SchedulerCommandDeps = {
    loadAgents: () =>
      Promise.resolve([
        { codename: "echo", schedule: "every 24h", timeoutSeconds: 600 },
        { codename: "lucius", schedule: "every 20m", timeoutSeconds: 1800 },
      ]),
    runner,
    execPath: `${home.home}/bin/alfred`,
    os: "linux",
    uid: 1000,
  };
  const context: CommandContext & { deps: SchedulerCommandDeps } = {
    env: home.env(),
    layout: home.layout,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    now: () => new Date(),
    debug: false,
    deps,
  };
  return { context, out, err, deps };
}

async function fireEcho(home: Awaited<ReturnType<typeof withHome>>): Promise<string[]> {
  const lines: string[] = [];
  await fire("echo", {
    env: home.env(),
    loadAgent: () => Promise.resolve(echoAgent),
    stdout: (line) => lines.push(line),
    stderr: () => {},
  });
  return lines;
}

Deno.test("pause --all stops every timer and the next firing prints [AGENT-PAUSED]; resume re-enables them in order", async () => {
  await using home = await withHome();
  const recorder = recordingRunner();
  const { context, deps } = await world(home, recorder);
  assertEquals(await createSchedulerCommand(deps)(["install"], context), 0);
  recorder.calls.length = 0;
  assertEquals(await pauseCommand(["--all", "--reason", "freeze"], context), 0);
  assertEquals(recorder.calls, [
    "systemctl --user disable --now alfred-echo.timer",
    "systemctl --user disable --now alfred-lucius.timer",
  ]);
  assertMatch((await fireEcho(home))[0], /^\[AGENT-PAUSED\] echo: freeze/);
  recorder.calls.length = 0;
  assertEquals(await resumeCommand(["--all"], context), 0);
  assertEquals(recorder.calls, [
    "systemctl --user enable --now alfred-echo.timer",
    "systemctl --user enable --now alfred-lucius.timer",
  ]);
  assertMatch((await fireEcho(home)).join("\n"), /Fleet summary/);
});

Deno.test("pause succeeds with a warning when the scheduler command fails: the pause state rules", async () => {
  await using home = await withHome();
  const installer = recordingRunner();
  const { context, deps, err } = await world(home, installer);
  assertEquals(await createSchedulerCommand(deps)(["install"], context), 0);
  const failing = recordingRunner(() => ({
    code: 1,
    stdout: "",
    stderr: "Failed to connect to bus",
  }));
  const broken = { ...context, deps: { ...deps, runner: failing } };
  assertEquals(await pauseCommand(["echo"], broken), 0);
  assertEquals(failing.calls, ["systemctl --user disable --now alfred-echo.timer"]);
  assertMatch(err.join("\n"), /warning: .*Failed to connect to bus/);
  assertMatch((await fireEcho(home))[0], /^\[AGENT-PAUSED\] echo: paused by the operator/);
});
