/**
 * The dashboard as a user service: `alfred scheduler install --serve` adds
 * `alfred-serve` as a companion service (systemd `Restart=on-failure`, launchd
 * `KeepAlive`), a plain install keeps it, `--no-serve` removes it; `alfred
 * status` and `alfred doctor` report it, and `alfred status` gives the address
 * of a running dashboard. The service manager is recorded or scripted (no
 * systemd or launchd runs in the test container).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { contextWithPath, fakeSystemctl, installCompanion } from "./support/companion_service.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import { runChecks } from "../cli/commands/doctor.ts";
import { createSchedulerCommand } from "../cli/commands/scheduler.ts";
import { statusCommand } from "../cli/commands/status.ts";
import { writeState } from "../runner/state.ts";
import type { SchedulerRunner } from "../scheduler/runner.ts";
import { ServeRecord, serveRecordFile } from "../serve/files.ts";

async function world(os: "linux" | "darwin") {
  const home = await withHome();
  const out: string[] = [];
  const calls: string[] = [];
  const runner: SchedulerRunner = {
    run(program, args) {
      calls.push([program, ...args].join(" "));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
  };
  const bin = `${home.home}/bin`;
  await Deno.mkdir(bin);
  for (const name of ["alfred-lucius", "alfred-serve"]) {
    await Deno.writeTextFile(`${bin}/${name}`, "#!/bin/sh\n", { mode: 0o755 });
  }
  const context: CommandContext = {
    env: home.env({ HOME: `${home.home}/user` }),
    layout: home.layout,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(`stderr: ${line}`),
    now: () => new Date("2024-01-03T12:00:00Z"),
    debug: false,
  };
  const command = createSchedulerCommand({
    loadAgents: () =>
      Promise.resolve([{ codename: "lucius", schedule: "every 20m", timeoutSeconds: 1800 }]),
    pausedAgents: () => Promise.resolve([]),
    runner,
    execPath: `${bin}/alfred`,
    os,
    uid: 501,
  });
  return { home, out, calls, context, command, user: `${home.home}/user` };
}

Deno.test("install --serve adds the dashboard as a systemd user service, restarted on failure", async () => {
  const w = await world("linux");
  await using _home = w.home;
  assertEquals(await w.command(["install", "--serve"], w.context), 0);
  const unit = `${w.user}/.config/systemd/user/alfred-serve.service`;
  const text = await Deno.readTextFile(unit);
  assert(text.includes(`ExecStart="${w.home.home}/bin/alfred-serve"`), text);
  assertMatch(text, /^Restart=on-failure$/m);
  assertMatch(text, /^Description=Alfred dashboard/m);
  assert(w.calls.includes("systemctl --user restart alfred-serve.service"), w.calls.join("\n"));
  assert(w.out.includes("Companion services: serve."));
  // A later plain install keeps it; --no-serve removes it.
  assertEquals(await w.command(["install"], w.context), 0);
  assert((await Deno.stat(unit)).isFile);
  assertEquals(await w.command(["install", "--no-serve"], w.context), 0);
  assert(w.calls.includes("systemctl --user disable --now alfred-serve.service"));
  await assertRejects(() => Deno.stat(unit), Deno.errors.NotFound);
});

Deno.test("install --serve adds the dashboard as a launchd agent kept alive", async () => {
  const w = await world("darwin");
  await using _home = w.home;
  assertEquals(await w.command(["install", "--serve"], w.context), 0);
  const plist = await Deno.readTextFile(
    `${w.user}/Library/LaunchAgents/local.alfred.serve.plist`,
  );
  assertMatch(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
  assertMatch(plist, new RegExp(`<string>${w.home.home}/bin/alfred-serve</string>`));
});

Deno.test("alfred status and doctor report the dashboard service, and status its address", async () => {
  if (Deno.build.os !== "linux") return;
  await using home = await withHome();
  await installCompanion(home, { name: "serve", restart: "on-failure" });
  const bin = await fakeSystemctl(
    home.home,
    "alfred-serve.service",
    "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=777\nNRestarts=0\n" +
      "ExecMainStatus=0\nStateChangeTimestamp=Wed 2024-01-03 10:00:00 UTC",
  );
  await writeState(serveRecordFile(home.layout), ServeRecord, {
    version: 1,
    url: "http://127.0.0.1:8765",
    pid: 777,
    started_at: "2024-01-03T10:00:00.000Z",
    remote: false,
  });
  const out: string[] = [];
  const context = contextWithPath(home, bin, out);
  assertEquals(await statusCommand([], context), 0);
  const text = out.join("\n");
  assertMatch(text, /^Service serve \(alfred-serve\.service\): running, pid 777/m);
  assertMatch(text, /^Dashboard http:\/\/127\.0\.0\.1:8765 \(pid 777, /m);
  const checks = await runChecks(context);
  const service = checks.find((check) => check.name === "service serve");
  assertEquals(service?.status, "ok", JSON.stringify(checks, null, 2));
});
