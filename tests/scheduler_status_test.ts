import assert from "node:assert/strict";
import { checkLinger, parseLinger } from "../scheduler/linger.ts";
import type { RunResult, SchedulerRunner } from "../scheduler/runner.ts";
import { parseSchedule } from "../scheduler/schedule.ts";
import {
  companionStatus,
  parseLaunchctlPrint,
  parseListTimers,
  parseSystemctlShow,
  schedulerStatus,
  systemdCompanionStatus,
} from "../scheduler/status.ts";

function replying(
  reply: (program: string, args: readonly string[]) => RunResult,
): SchedulerRunner & {
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    run(program, args) {
      calls.push([program, ...args].join(" "));
      return Promise.resolve(reply(program, args));
    },
  };
}

// The shape systemd 246+ prints for `list-timers --output=json`: times in µs since the epoch.
const LIST_TIMERS_JSON = JSON.stringify([
  {
    next: Date.parse("2024-01-03T12:20:00Z") * 1000,
    left: 1200000000,
    last: Date.parse("2024-01-03T12:00:00Z") * 1000,
    passed: 1,
    unit: "alfred-lucius.timer",
    activates: "alfred-lucius.service",
  },
  {
    next: null,
    left: null,
    last: null,
    passed: null,
    unit: "alfred-drake.timer",
    activates: "alfred-drake.service",
  },
]);

Deno.test("list-timers JSON is parsed into next and last trigger per timer", () => {
  const timers = parseListTimers(LIST_TIMERS_JSON)!;
  assert.equal(timers.get("alfred-lucius.timer")?.next?.toISOString(), "2024-01-03T12:20:00.000Z");
  assert.equal(timers.get("alfred-lucius.timer")?.last?.toISOString(), "2024-01-03T12:00:00.000Z");
  assert.deepEqual(timers.get("alfred-drake.timer"), { next: undefined, last: undefined });
  assert.equal(parseListTimers("NEXT LEFT LAST PASSED UNIT ACTIVATES\n"), undefined);
  assert.equal(parseListTimers('{"not":"an array"}'), undefined);
});

Deno.test("systemd status maps timers to scheduled, stopped and absent agents", async () => {
  const runner = replying(() => ({ code: 0, stdout: LIST_TIMERS_JSON, stderr: "" }));
  const status = await schedulerStatus(
    ["lucius", "drake", "robin"].map((codename) => ({
      codename,
      schedule: parseSchedule("every 20m"),
    })),
    { platform: "systemd", runner, now: new Date("2024-01-03T12:05:00Z") },
  );
  assert.deepEqual(runner.calls, [
    "systemctl --user list-timers --all --output=json alfred-*.timer",
  ]);
  assert.deepEqual(status.agents.map((agent) => agent.state), ["scheduled", "stopped", "absent"]);
  assert.deepEqual(status.warnings, []);
  const old = await schedulerStatus(
    [{ codename: "lucius", schedule: parseSchedule("every 20m") }],
    {
      platform: "systemd",
      runner: replying(() => ({ code: 0, stdout: "NEXT LEFT\n", stderr: "" })),
      now: new Date(),
    },
  );
  assert.equal(old.agents[0].state, "unknown");
  assert.match(old.warnings[0], /no JSON/);
});

const LAUNCHCTL_PRINT = `gui/501/com.example.alfred.drake = {
	active count = 0
	path = /Users/op/Library/LaunchAgents/com.example.alfred.drake.plist
	state = not running

	program = /opt/alfred/alfred-drake
	runs = 3
	last exit code = 0
	run interval = 1200 seconds
}`;

Deno.test("launchctl print is parsed for state, runs, last exit code and interval", () => {
  assert.deepEqual(parseLaunchctlPrint(LAUNCHCTL_PRINT), {
    state: "not running",
    runs: 3,
    lastExitCode: 0,
    runIntervalSeconds: 1200,
    pid: undefined,
  });
  assert.deepEqual(parseLaunchctlPrint("last exit code = (never exited)\n"), {
    state: undefined,
    runs: undefined,
    lastExitCode: undefined,
    runIntervalSeconds: undefined,
    pid: undefined,
  });
});

Deno.test("launchd status computes the next calendar firing and marks unloaded agents absent", async () => {
  const runner = replying((_, args) =>
    args[1].endsWith(".drake")
      ? { code: 0, stdout: LAUNCHCTL_PRINT, stderr: "" }
      : { code: 113, stdout: "", stderr: "Could not find service" }
  );
  const now = new Date(2024, 0, 3, 1, 0);
  const status = await schedulerStatus([
    {
      codename: "drake",
      schedule: parseSchedule("daily 02:30"),
      label: "com.example.alfred.drake",
    },
    { codename: "robin", schedule: parseSchedule("hourly"), label: "com.example.alfred.robin" },
  ], { platform: "launchd", runner, uid: 501, now });
  assert.deepEqual(runner.calls, [
    "launchctl print gui/501/com.example.alfred.drake",
    "launchctl print gui/501/com.example.alfred.robin",
  ]);
  assert.equal(status.agents[0].state, "scheduled");
  assert.equal(status.agents[0].next?.getTime(), new Date(2024, 0, 3, 2, 30).getTime());
  assert.deepEqual(status.agents[0].detail, ["runs 3", "last exit 0"]);
  assert.equal(status.agents[1].state, "absent");
});

Deno.test("linger is read from loginctl, and a user unknown to logind is not lingering", async () => {
  assert.equal(parseLinger("Linger=yes\n"), true);
  assert.equal(parseLinger("Linger=no\n"), false);
  assert.equal(parseLinger(""), undefined);
  const on = await checkLinger("op", {
    runner: replying(() => ({ code: 0, stdout: "Linger=yes\n", stderr: "" })),
  });
  assert.deepEqual([on.linger, on.hint], [true, undefined]);
  const off = await checkLinger("op", {
    runner: replying(() => ({
      code: 1,
      stdout: "",
      stderr: "Failed to get user: User ID 1000 is not logged in or lingering",
    })),
  });
  assert.equal(off.linger, false);
  assert.match(off.hint ?? "", /loginctl enable-linger op/);
  const dir = await Deno.makeTempDir({ prefix: "alfred-linger-" });
  try {
    const noBus = replying(() => ({
      code: 1,
      stdout: "",
      stderr: "Failed to connect to bus: Host is down",
    }));
    const unknown = await checkLinger("op", { runner: noBus, lingerDir: dir });
    assert.equal(unknown.linger, undefined);
    assert.match(unknown.message, /Host is down/);
    await Deno.writeTextFile(`${dir}/op`, "");
    assert.equal((await checkLinger("op", { runner: noBus, lingerDir: dir })).linger, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a companion service's state is read from systemctl show", () => {
  const show = (text: string) =>
    systemdCompanionStatus("slack", "alfred-slack.service", parseSystemctlShow(text));
  const running = show(
    "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=2\n" +
      "ExecMainStatus=0\nStateChangeTimestamp=Wed 2024-01-03 10:00:00 UTC\n",
  );
  assert.deepEqual(running, {
    name: "slack",
    unit: "alfred-slack.service",
    state: "running",
    pid: 4242,
    since: "Wed 2024-01-03 10:00:00 UTC",
    detail: ["restarts 2"],
  });
  const cases: [string, string][] = [
    ["LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0", "absent"],
    ["LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nMainPID=0", "restarting"],
    ["LoadState=loaded\nActiveState=failed\nSubState=failed\nExecMainStatus=3", "failed"],
    ["LoadState=loaded\nActiveState=inactive\nSubState=dead\nMainPID=0", "stopped"],
    ["LoadState=loaded\nActiveState=maintenance\nSubState=x", "unknown"],
  ];
  for (const [text, state] of cases) assert.equal(show(text).state, state, text);
  assert.deepEqual(show(cases[2][0]).detail, ["last exit 3"]);
  assert.equal(show(cases[2][0]).pid, undefined);
});

Deno.test("companion status asks systemctl show or launchctl print, one service each", async () => {
  const systemd = replying((_, args) =>
    args.includes("alfred-slack.service")
      ? { code: 0, stdout: "LoadState=loaded\nActiveState=active\nMainPID=7\n", stderr: "" }
      : { code: 1, stdout: "", stderr: "Failed to connect to bus" }
  );
  const found = await companionStatus(
    [{ name: "slack", unit: "alfred-slack.service" }, {
      name: "serve",
      unit: "alfred-serve.service",
    }],
    { platform: "systemd", runner: systemd },
  );
  assert.equal(
    systemd.calls[0],
    "systemctl --user show alfred-slack.service --property=LoadState,ActiveState,SubState," +
      "MainPID,NRestarts,ExecMainStatus,StateChangeTimestamp",
  );
  assert.deepEqual(found.companions.map((c) => [c.state, c.pid]), [["running", 7], [
    "unknown",
    undefined,
  ]]);
  assert.match(
    found.warnings.join("\n"),
    /alfred-serve\.service failed \(exit 1\): Failed to connect/,
  );

  const launchd = replying((_, args) =>
    args[1].endsWith(".slack")
      ? { code: 0, stdout: "\tstate = running\n\tpid = 812\n\truns = 1\n", stderr: "" }
      : { code: 113, stdout: "", stderr: "Could not find service" }
  );
  const mac = await companionStatus([
    { name: "slack", unit: "local.alfred.slack" },
    { name: "serve", unit: "local.alfred.serve" },
  ], { platform: "launchd", runner: launchd, uid: 501 });
  assert.deepEqual(launchd.calls, [
    "launchctl print gui/501/local.alfred.slack",
    "launchctl print gui/501/local.alfred.serve",
  ]);
  assert.deepEqual(mac.companions.map((c) => [c.state, c.pid, c.detail]), [
    ["running", 812, ["runs 1"]],
    ["absent", undefined, []],
  ]);
});
