import assert from "node:assert/strict";
import type { CommandContext } from "../cli/commands/context.ts";
import { createSchedulerCommand, type SchedulerCommandDeps } from "../cli/commands/scheduler.ts";
import { applySchedulerPause } from "../scheduler/pause_hook.ts";
import { UsageError } from "../runner/errors.ts";
import { layoutOf } from "../runner/paths.ts";
import type { RunResult, SchedulerRunner } from "../scheduler/runner.ts";

const NOW = new Date("2024-01-03T12:00:00Z");

async function withWorld(
  fn: (
    world: { dir: string; context: CommandContext; out: string[]; err: string[] },
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-scheduler-cmd-" });
  const out: string[] = [];
  const err: string[] = [];
  const env: Record<string, string> = { HOME: `${dir}/user`, PATH: "/usr/bin:/bin" };
  const context: CommandContext = {
    env: (name) => env[name],
    layout: layoutOf(`${dir}/home`),
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    now: () => NOW,
    debug: false,
  };
  try {
    await fn({ dir, context, out, err });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function recorder(reply: (args: readonly string[]) => RunResult | undefined = () => undefined) {
  const calls: string[] = [];
  const runner: SchedulerRunner = {
    run(program, args) {
      calls.push([program, ...args].join(" "));
      return Promise.resolve(reply(args) ?? { code: 0, stdout: "", stderr: "" });
    },
  };
  return { calls, runner };
}

async function depsIn(
  dir: string,
  runner: SchedulerRunner,
  paused: string[] = [],
): Promise<SchedulerCommandDeps> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  for (const codename of ["lucius", "drake"]) {
    await Deno.writeTextFile(`${dir}/bin/alfred-${codename}`, "#!/bin/sh\n", { mode: 0o755 });
  }
  return {
    loadAgents: () =>
      Promise.resolve([
        { codename: "lucius", schedule: "every 20m", timeoutSeconds: 1800 },
        { codename: "drake", schedule: "daily 02:30", timeoutSeconds: 1800 },
      ]),
    pausedAgents: (_, codenames) =>
      Promise.resolve(codenames.filter((name) => paused.includes(name))),
    runner,
    execPath: `${dir}/bin/alfred`,
    os: "linux",
    uid: 1000,
  };
}

Deno.test("alfred scheduler --help prints the usage and the three actions", async () => {
  await withWorld(async ({ context, out }) => {
    assert.equal(await createSchedulerCommand({ os: "linux" })(["--help"], context), 0);
    assert.match(out.join("\n"), /install\|uninstall\|status/);
    assert.match(out.join("\n"), /--dry-run/);
  });
});

Deno.test("alfred scheduler rejects unknown actions, platforms and flags as usage errors", async () => {
  await withWorld(async ({ dir, context }) => {
    const command = createSchedulerCommand(await depsIn(dir, recorder().runner));
    for (
      const args of [[], ["start"], ["install", "extra"], ["install", "--platform", "cron"], [
        "install",
        "--x",
      ]]
    ) {
      await assert.rejects(command(args, context), UsageError, args.join(" "));
    }
  });
});

Deno.test("alfred scheduler install uses the binaries beside this one and adds a stop grace to the timeout", async () => {
  await withWorld(async ({ dir, context, out }) => {
    const { calls, runner } = recorder();
    const command = createSchedulerCommand(await depsIn(dir, runner, ["drake"]));
    assert.equal(await command(["install"], context), 0);
    assert.deepEqual(calls, [
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-drake.timer",
    ]);
    const service = await Deno.readTextFile(
      `${dir}/user/.config/systemd/user/alfred-lucius.service`,
    );
    assert.ok(service.includes(`ExecStart="${dir}/bin/alfred-lucius"`));
    assert.ok(service.includes("TimeoutStartSec=1920s"));
    assert.ok(service.includes('"PATH=/usr/bin:/bin"'));
    assert.ok(out.includes("Paused, left stopped: drake."));
  });
});

Deno.test("alfred scheduler install stops when an agent binary is missing", async () => {
  await withWorld(async ({ dir, context }) => {
    const { calls, runner } = recorder();
    const command = createSchedulerCommand(await depsIn(dir, runner));
    await assert.rejects(
      command(["install", "--bin-dir", `${dir}/nowhere`], context),
      /no executable agent binary/,
    );
    assert.deepEqual(calls, []);
  });
});

Deno.test("alfred scheduler install --dry-run --platform launchd prints what it would do", async () => {
  await withWorld(async ({ dir, context, out }) => {
    const { calls, runner } = recorder();
    const command = createSchedulerCommand(await depsIn(dir, runner));
    assert.equal(
      await command([
        "install",
        "--dry-run",
        "--platform",
        "launchd",
        "--label-prefix",
        "com.example",
      ], context),
      0,
    );
    assert.deepEqual(calls, []);
    assert.ok(
      out.includes(`would write ${dir}/user/Library/LaunchAgents/com.example.alfred.lucius.plist`),
    );
    assert.ok(
      out.includes(
        `would run launchctl bootstrap gui/1000 ${dir}/user/Library/LaunchAgents/com.example.alfred.lucius.plist`,
      ),
    );
  });
});

Deno.test("alfred scheduler status shows next fire times and flags a missed run", async () => {
  await withWorld(async ({ dir, context, out }) => {
    const listTimers = JSON.stringify([
      {
        unit: "alfred-lucius.timer",
        next: Date.parse("2024-01-03T12:20:00Z") * 1000,
        last: Date.parse("2024-01-03T09:00:00Z") * 1000,
      },
      { unit: "alfred-drake.timer", next: Date.parse("2024-01-04T02:30:00Z") * 1000, last: null },
    ]);
    const { calls, runner } = recorder((args) =>
      args.includes("list-timers") ? { code: 0, stdout: listTimers, stderr: "" } : undefined
    );
    const command = createSchedulerCommand(await depsIn(dir, runner));
    assert.equal(await command(["status"], context), 0);
    assert.deepEqual(calls, ["systemctl --user list-timers --all --output=json alfred-*.timer"]);
    const lucius = out.find((line) => line.startsWith("lucius"))!;
    assert.match(
      lucius,
      /scheduled\s+next 2024-01-03T12:20:00.000Z\s+last 2024-01-03T09:00:00.000Z/,
    );
    assert.match(lucius, /MISSED RUNS \(no firing since 2024-01-03T09:00:00.000Z\)/);
    const drake = out.find((line) => line.startsWith("drake"))!;
    assert.doesNotMatch(drake, /MISSED/);
  });
});

Deno.test("the pause hook stops timers, and resume leaves agents that are still paused alone", async () => {
  await withWorld(async ({ dir, context }) => {
    const { calls, runner } = recorder();
    const deps = await depsIn(dir, runner, ["drake"]);
    await createSchedulerCommand(deps)(["install"], context);
    calls.length = 0;
    const world = { ...context, deps };
    assert.deepEqual(await applySchedulerPause("pause", { all: true, agents: [] }, world), []);
    assert.deepEqual(await applySchedulerPause("resume", { all: true, agents: [] }, world), []);
    assert.deepEqual(calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-drake.timer",
      "systemctl --user enable --now alfred-lucius.timer",
    ]);
    const failing = recorder(() => ({ code: 1, stdout: "", stderr: "bus down" }));
    const warnings = await applySchedulerPause("pause", { all: false, agents: ["lucius"] }, {
      ...context,
      deps: { ...deps, runner: failing.runner },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /bus down/);
  });
});

Deno.test("install --slack adds the Slack listener service, a plain install keeps it, --no-slack removes it", async () => {
  await withWorld(async ({ dir, context, out, err }) => {
    const { calls, runner } = recorder((args) =>
      args.includes("show")
        ? {
          code: 0,
          stdout: "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\n",
          stderr: "",
        }
        : undefined
    );
    const command = createSchedulerCommand(await depsIn(dir, runner));
    await assert.rejects(
      command(["install", "--slack"], context),
      /no executable agent binary at .*alfred-slack/,
    );
    await Deno.writeTextFile(`${dir}/bin/alfred-slack`, "#!/bin/sh\n", { mode: 0o755 });
    assert.equal(await command(["install", "--slack"], context), 0);
    const unit = `${dir}/user/.config/systemd/user/alfred-slack.service`;
    const text = await Deno.readTextFile(unit);
    assert.ok(text.includes(`ExecStart="${dir}/bin/alfred-slack"`));
    assert.match(text, /^Restart=always$/m);
    assert.ok(calls.includes("systemctl --user restart alfred-slack.service"));
    assert.ok(out.includes("Companion services: slack."));

    calls.length = 0;
    assert.equal(await command(["install"], context), 0);
    assert.ok(calls.includes("systemctl --user restart alfred-slack.service"), calls.join("\n"));
    assert.ok((await Deno.stat(unit)).isFile);

    out.length = 0;
    assert.equal(await command(["status"], context), 0);
    assert.ok(
      out.includes("slack (alfred-slack.service): running, pid 4242"),
      out.join("\n"),
    );

    calls.length = 0;
    assert.equal(await command(["install", "--no-slack"], context), 0);
    assert.ok(calls.includes("systemctl --user disable --now alfred-slack.service"));
    await assert.rejects(Deno.stat(unit), Deno.errors.NotFound);
    assert.deepEqual(err.filter((line) => /slack/.test(line)), []);

    await assert.rejects(command(["install", "--slack", "--no-slack"], context), UsageError);
    await assert.rejects(command(["status", "--slack"], context), UsageError);
  });
});
