import assert from "node:assert/strict";
import { AlfredError } from "../runner/errors.ts";
import { layoutOf } from "../runner/paths.ts";
import {
  installScheduler,
  pauseAtScheduler,
  resumeAtScheduler,
  type SchedulerAgent,
  type SchedulerTarget,
  uninstallScheduler,
} from "../scheduler/control.ts";
import { manifestFile, readManifest, sha256Of } from "../scheduler/manifest.ts";
import { SchedulerCommandError, type SchedulerRunner } from "../scheduler/runner.ts";
import { withTempDir } from "./support/helpers.ts";
import {
  type RecordingRunner,
  recordingRunner,
  schedulerAgents,
} from "./support/scheduler_fleet.ts";

/** A recording runner that keeps track of what launchd has loaded, as launchctl would. */
function launchdRunner(): RecordingRunner {
  const loaded = new Set<string>();
  return recordingRunner((_, args) => {
    const [verb, first, second] = args;
    if (verb === "print") {
      return loaded.has(first)
        ? undefined
        : { code: 113, stdout: "", stderr: "Could not find service" };
    }
    if (verb === "bootstrap") {
      loaded.add(`${first}/${second.split("/").pop()!.replace(/\.plist$/, "")}`);
    }
    if (verb === "bootout") loaded.delete(first);
    return undefined;
  });
}

function targetIn(
  dir: string,
  runner: SchedulerRunner,
  platform: "systemd" | "launchd" = "systemd",
): SchedulerTarget {
  const env: Record<string, string> = { HOME: `${dir}/user`, XDG_CONFIG_HOME: `${dir}/config` };
  return {
    platform,
    layout: layoutOf(`${dir}/alfred home`),
    env: (name) => env[name],
    runner,
    uid: 501,
    now: () => new Date("2024-01-03T10:00:00Z"),
    sleep: () => Promise.resolve(),
  };
}

function fleet(dir: string, schedules: Record<string, string>): SchedulerAgent[] {
  return schedulerAgents(`${dir}/bin`, Object.entries(schedules));
}

const UNITS = "config/systemd/user";

Deno.test("systemd install writes units and the manifest, reloads, and enables unpaused timers", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const target = targetIn(dir, runner);
    const agents = fleet(dir, { lucius: "every 20m", drake: "daily 02:30", echo: "every 1d" });
    const report = await installScheduler(agents, { ...target, paused: ["echo"] });
    assert.deepEqual(runner.calls, [
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user enable --now alfred-drake.timer",
      "systemctl --user disable --now alfred-echo.timer",
    ]);
    assert.equal(report.written.length, 6);
    assert.match(report.warnings.join("\n"), /secrets file .*secrets\.env does not exist/);
    const manifest = await readManifest(target.layout);
    assert.equal(manifest?.platform, "systemd");
    assert.deepEqual(manifest?.agents.map((agent) => agent.unit), [
      "alfred-lucius.timer",
      "alfred-drake.timer",
      "alfred-echo.timer",
    ]);
    for (const file of manifest!.agents.flatMap((agent) => agent.files)) {
      assert.equal(await sha256Of(await Deno.readTextFile(file.path)), file.sha256);
      assert.ok(file.path.startsWith(`${dir}/${UNITS}/alfred-`));
    }
    assert.ok((await Deno.stat(`${dir}/alfred home/logs/drake`)).isDirectory);
  });
});

Deno.test("systemd install is idempotent and a later install applies only what changed", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const target = targetIn(dir, runner);
    await installScheduler(
      fleet(dir, { lucius: "every 20m", drake: "daily 02:30", echo: "every 1d" }),
      target,
    );

    runner.calls.length = 0;
    const again = await installScheduler(
      fleet(dir, { lucius: "every 20m", drake: "daily 02:30", echo: "every 1d" }),
      target,
    );
    assert.deepEqual(again.written, []);
    assert.equal(again.unchanged.length, 6);
    assert.deepEqual(runner.calls, [
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user enable --now alfred-drake.timer",
      "systemctl --user enable --now alfred-echo.timer",
    ]);

    runner.calls.length = 0;
    const changed = await installScheduler(
      fleet(dir, { lucius: "every 20m", drake: "daily 03:45" }),
      target,
    );
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-echo.timer",
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user enable --now alfred-drake.timer",
      "systemctl --user restart alfred-drake.timer",
    ]);
    assert.deepEqual(changed.written, [`${dir}/${UNITS}/alfred-drake.timer`]);
    assert.deepEqual(changed.removed.sort(), [
      `${dir}/${UNITS}/alfred-echo.service`,
      `${dir}/${UNITS}/alfred-echo.timer`,
    ]);
    await assert.rejects(Deno.stat(`${dir}/${UNITS}/alfred-echo.timer`), Deno.errors.NotFound);
    assert.match(
      await Deno.readTextFile(`${dir}/${UNITS}/alfred-drake.timer`),
      /OnCalendar=\*-\*-\* 03:45:00/,
    );
  });
});

Deno.test("systemd uninstall removes exactly the files install wrote, then the manifest", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const target = targetIn(dir, runner);
    await installScheduler(fleet(dir, { lucius: "every 20m", robin: "hourly :15" }), target);
    const foreign = `${dir}/${UNITS}/someone-else.timer`;
    await Deno.writeTextFile(foreign, "[Timer]\n");
    await Deno.writeTextFile(`${dir}/${UNITS}/alfred-robin.timer`, "# edited by hand\n");
    runner.calls.length = 0;
    const report = await uninstallScheduler(target);
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-robin.timer",
      "systemctl --user daemon-reload",
    ]);
    assert.equal(report.removed.length, 4);
    assert.match(report.warnings.join("\n"), /alfred-robin\.timer was edited since install/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/${UNITS}`)].map((entry) => entry.name), [
      "someone-else.timer",
    ]);
    await assert.rejects(Deno.stat(manifestFile(target.layout)), Deno.errors.NotFound);
    const nothing = await uninstallScheduler(target);
    assert.match(nothing.warnings[0], /nothing to uninstall/);
  });
});

Deno.test("systemd pause disables and stops timers now; resume enables and starts them", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const target = targetIn(dir, runner);
    await installScheduler(fleet(dir, { lucius: "every 20m", drake: "daily 02:30" }), target);
    runner.calls.length = 0;
    const paused = await pauseAtScheduler("all", target);
    assert.deepEqual(paused.warnings, []);
    const resumed = await resumeAtScheduler(["drake"], target);
    assert.deepEqual(resumed.warnings, []);
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-drake.timer",
      "systemctl --user enable --now alfred-drake.timer",
    ]);
  });
});

Deno.test("pause succeeds with warnings when the scheduler commands fail", async () => {
  await withTempDir(async (dir) => {
    const target = targetIn(dir, recordingRunner());
    await installScheduler(fleet(dir, { lucius: "every 20m", drake: "daily 02:30" }), target);
    const failing = recordingRunner(() => ({
      code: 1,
      stdout: "",
      stderr: "Failed to connect to bus: No medium found",
    }));
    const result = await pauseAtScheduler(["lucius", "drake", "bane"], {
      ...target,
      runner: failing,
    });
    assert.deepEqual(failing.calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-drake.timer",
    ]);
    assert.equal(result.warnings.length, 3);
    assert.match(
      result.warnings[0],
      /alfred-lucius\.timer` failed \(exit 1\): Failed to connect to bus/,
    );
    assert.match(result.warnings[2], /bane: not installed in the scheduler/);

    const throwing: SchedulerRunner = { run: () => Promise.reject(new Error("spawn blew up")) };
    const thrown = await pauseAtScheduler("all", { ...target, runner: throwing });
    assert.deepEqual(thrown.warnings, ["lucius: spawn blew up", "drake: spawn blew up"]);
  });
});

Deno.test("pause without an installed scheduler warns and runs nothing", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const result = await pauseAtScheduler("all", targetIn(dir, runner));
    assert.deepEqual(runner.calls, []);
    assert.match(result.warnings[0], /not installed/);
  });
});

Deno.test("install fails when a scheduler command fails, after writing the manifest", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner((_, args) =>
      args.includes("daemon-reload") ? { code: 1, stdout: "", stderr: "Access denied" } : undefined
    );
    const target = targetIn(dir, runner);
    await assert.rejects(
      installScheduler(fleet(dir, { lucius: "every 20m" }), target),
      (error: unknown) => {
        assert.ok(error instanceof SchedulerCommandError);
        assert.match(
          error.message,
          /`systemctl --user daemon-reload` failed with exit code 1: Access denied/,
        );
        assert.match(error.hint ?? "", /loginctl enable-linger/);
        return true;
      },
    );
    assert.equal((await readManifest(target.layout))?.agents.length, 1);
  });
});

Deno.test("install refuses a secrets file that others can read", async () => {
  await withTempDir(async (dir) => {
    const target = targetIn(dir, recordingRunner());
    await Deno.mkdir(target.layout.home, { recursive: true });
    await Deno.writeTextFile(`${target.layout.home}/secrets.env`, "GH_TOKEN=x\n", { mode: 0o644 });
    await Deno.chmod(`${target.layout.home}/secrets.env`, 0o644);
    await assert.rejects(
      installScheduler(fleet(dir, { lucius: "every 20m" }), target),
      (error: unknown) =>
        error instanceof AlfredError && /mode 644; it must be 600/.test(error.message),
    );
    await Deno.chmod(`${target.layout.home}/secrets.env`, 0o600);
    const report = await installScheduler(fleet(dir, { lucius: "every 20m" }), target);
    assert.deepEqual(report.warnings, []);
  });
});

Deno.test("a dry run reports files and commands without touching anything", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    const target = targetIn(dir, runner);
    const report = await installScheduler(fleet(dir, { lucius: "every 20m" }), {
      ...target,
      dryRun: true,
    });
    assert.deepEqual(runner.calls, []);
    assert.deepEqual(report.commands, [
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
    ]);
    assert.equal(report.written.length, 2);
    await assert.rejects(Deno.stat(`${dir}/config`), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(manifestFile(target.layout)), Deno.errors.NotFound);
  });
});

Deno.test("launchd install bootstraps, pause disables and boots out, resume enables and bootstraps", async () => {
  await withTempDir(async (dir) => {
    const runner = launchdRunner();
    const target = { ...targetIn(dir, runner, "launchd"), labelPrefix: "com.example" };
    const plist = (name: string) =>
      `${dir}/user/Library/LaunchAgents/com.example.alfred.${name}.plist`;
    await installScheduler(fleet(dir, { lucius: "every 20m", drake: "daily 02:30" }), target);
    assert.deepEqual(runner.calls, [
      "launchctl print gui/501/com.example.alfred.lucius",
      "launchctl enable gui/501/com.example.alfred.lucius",
      `launchctl bootstrap gui/501 ${plist("lucius")}`,
      "launchctl print gui/501/com.example.alfred.drake",
      "launchctl enable gui/501/com.example.alfred.drake",
      `launchctl bootstrap gui/501 ${plist("drake")}`,
    ]);

    runner.calls.length = 0;
    await installScheduler(fleet(dir, { lucius: "every 20m", drake: "daily 04:00" }), target);
    assert.deepEqual(runner.calls, [
      "launchctl print gui/501/com.example.alfred.lucius",
      "launchctl enable gui/501/com.example.alfred.lucius",
      "launchctl print gui/501/com.example.alfred.drake",
      "launchctl enable gui/501/com.example.alfred.drake",
      "launchctl bootout gui/501/com.example.alfred.drake",
      `launchctl bootstrap gui/501 ${plist("drake")}`,
    ]);

    runner.calls.length = 0;
    const paused = await pauseAtScheduler(["lucius"], target);
    const resumed = await resumeAtScheduler(["lucius"], target);
    assert.deepEqual([...paused.warnings, ...resumed.warnings], []);
    assert.deepEqual(runner.calls, [
      "launchctl disable gui/501/com.example.alfred.lucius",
      "launchctl bootout gui/501/com.example.alfred.lucius",
      "launchctl enable gui/501/com.example.alfred.lucius",
      `launchctl bootstrap gui/501 ${plist("lucius")}`,
    ]);

    runner.calls.length = 0;
    await uninstallScheduler(target);
    assert.deepEqual(runner.calls, [
      "launchctl bootout gui/501/com.example.alfred.lucius",
      "launchctl bootout gui/501/com.example.alfred.drake",
    ]);
    await assert.rejects(Deno.stat(plist("lucius")), Deno.errors.NotFound);
  });
});

Deno.test("install refuses a manifest written for the other platform", async () => {
  await withTempDir(async (dir) => {
    const runner = recordingRunner();
    await installScheduler(fleet(dir, { lucius: "every 20m" }), targetIn(dir, runner));
    await assert.rejects(
      installScheduler(fleet(dir, { lucius: "every 20m" }), targetIn(dir, runner, "launchd")),
      /manifest is for systemd, not launchd/,
    );
  });
});

function slackIn(dir: string, restart: "always" | "on-failure" = "always") {
  return {
    name: "slack",
    description: "Alfred Slack listener",
    command: [`${dir}/bin/alfred-slack`],
    restart,
  };
}

/** A systemd target in `dir` where Lucius and the Slack companion were just installed. */
async function installedWithSlack(dir: string) {
  const runner = recordingRunner();
  const target = targetIn(dir, runner);
  const agents = fleet(dir, { lucius: "every 20m" });
  await installScheduler(agents, { ...target, companions: [slackIn(dir)] });
  return { runner, target, agents };
}

Deno.test("systemd install starts companion services, pause leaves them alone, uninstall removes them", async () => {
  await withTempDir(async (dir) => {
    const { runner, target, agents } = await installedWithSlack(dir);
    assert.deepEqual(runner.calls, [
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user enable alfred-slack.service",
      "systemctl --user restart alfred-slack.service",
    ]);
    const service = `${dir}/${UNITS}/alfred-slack.service`;
    assert.match(await Deno.readTextFile(service), /^Restart=always$/m);
    const manifest = await readManifest(target.layout);
    assert.deepEqual(manifest?.companions.map((c) => [c.name, c.unit, c.restart]), [
      ["slack", "alfred-slack.service", "always"],
    ]);
    assert.equal(manifest?.companions[0].files[0].path, service);
    assert.ok((await Deno.stat(`${dir}/alfred home/logs/slack`)).isDirectory);

    // Nothing changed: no reload, but the service restarts to run the binary installed now.
    runner.calls.length = 0;
    await installScheduler(agents, { ...target, companions: [slackIn(dir)] });
    assert.deepEqual(runner.calls, [
      "systemctl --user enable --now alfred-lucius.timer",
      "systemctl --user enable alfred-slack.service",
      "systemctl --user restart alfred-slack.service",
    ]);

    runner.calls.length = 0;
    await pauseAtScheduler("all", target);
    await resumeAtScheduler("all", target);
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user enable --now alfred-lucius.timer",
    ]);

    runner.calls.length = 0;
    await uninstallScheduler(target);
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-lucius.timer",
      "systemctl --user disable --now alfred-slack.service",
      "systemctl --user daemon-reload",
    ]);
    await assert.rejects(Deno.stat(service), Deno.errors.NotFound);
  });
});

Deno.test("an install without a companion stops and removes it; a changed policy rewrites the unit", async () => {
  await withTempDir(async (dir) => {
    const { runner, target, agents } = await installedWithSlack(dir);
    runner.calls.length = 0;
    const report = await installScheduler(agents, {
      ...target,
      companions: [slackIn(dir, "on-failure")],
    });
    assert.deepEqual(report.written, [`${dir}/${UNITS}/alfred-slack.service`]);
    assert.equal(runner.calls[0], "systemctl --user daemon-reload");
    runner.calls.length = 0;
    const dropped = await installScheduler(agents, target);
    assert.deepEqual(dropped.removed, [`${dir}/${UNITS}/alfred-slack.service`]);
    assert.deepEqual(runner.calls, [
      "systemctl --user disable --now alfred-slack.service",
      "systemctl --user daemon-reload",
      "systemctl --user enable --now alfred-lucius.timer",
    ]);
    assert.deepEqual((await readManifest(target.layout))?.companions, []);
  });
});

Deno.test("launchd install bootstraps a companion, then kickstarts it; a changed plist is reloaded", async () => {
  await withTempDir(async (dir) => {
    const runner = launchdRunner();
    const target = targetIn(dir, runner, "launchd");
    const plist = `${dir}/user/Library/LaunchAgents/local.alfred.slack.plist`;
    await installScheduler([], { ...target, companions: [slackIn(dir)] });
    assert.deepEqual(runner.calls, [
      "launchctl print gui/501/local.alfred.slack",
      "launchctl enable gui/501/local.alfred.slack",
      `launchctl bootstrap gui/501 ${plist}`,
    ]);
    runner.calls.length = 0;
    await installScheduler([], { ...target, companions: [slackIn(dir)] });
    assert.deepEqual(runner.calls, [
      "launchctl print gui/501/local.alfred.slack",
      "launchctl enable gui/501/local.alfred.slack",
      "launchctl kickstart -k gui/501/local.alfred.slack",
    ]);
    runner.calls.length = 0;
    await installScheduler([], { ...target, companions: [slackIn(dir, "on-failure")] });
    assert.deepEqual(runner.calls, [
      "launchctl print gui/501/local.alfred.slack",
      "launchctl enable gui/501/local.alfred.slack",
      "launchctl bootout gui/501/local.alfred.slack",
      `launchctl bootstrap gui/501 ${plist}`,
    ]);
    runner.calls.length = 0;
    await uninstallScheduler(target);
    assert.deepEqual(runner.calls, ["launchctl bootout gui/501/local.alfred.slack"]);
    await assert.rejects(Deno.stat(plist), Deno.errors.NotFound);
  });
});

Deno.test("a manifest from before companion services reads as having none", async () => {
  await withTempDir(async (dir) => {
    const target = targetIn(dir, recordingRunner());
    await Deno.mkdir(target.layout.stateDir, { recursive: true });
    await Deno.writeTextFile(
      manifestFile(target.layout),
      JSON.stringify({
        version: 1,
        platform: "systemd",
        installedAt: "2024-01-01T00:00:00.000Z",
        agents: [],
      }),
    );
    assert.deepEqual((await readManifest(target.layout))?.companions, []);
  });
});
