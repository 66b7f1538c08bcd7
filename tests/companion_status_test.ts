/**
 * `alfred status` and `alfred doctor` report the installed companion services
 * (the Slack listener): installed, running or not. The service manager is a
 * `systemctl` script on PATH that answers as systemd 252 does (no systemd runs
 * in the test container).
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { type TempHome, withHome } from "./support/helpers.ts";
import { contextWithPath, fakeSystemctl, installCompanion } from "./support/companion_service.ts";
import { statusCommand } from "../cli/commands/status.ts";
import { runChecks } from "../cli/commands/doctor.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import { readFleetView } from "../runner/control/mod.ts";

/**
 * An installed Slack listener, `active` (running, pid 4242) or `failed` (last
 * exit 3), with a context whose systemctl says so.
 */
async function slackServiceIn(
  home: TempHome,
  state: "active" | "failed",
): Promise<{ context: CommandContext; out: string[] }> {
  await installCompanion(home, { name: "slack", restart: "always" });
  const show = state === "active"
    ? "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=1\n" +
      "ExecMainStatus=0\nStateChangeTimestamp=Wed 2024-01-03 10:00:00 UTC"
    : "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\nNRestarts=0\n" +
      "ExecMainStatus=3\nStateChangeTimestamp=Wed 2024-01-03 10:05:00 UTC";
  const bin = await fakeSystemctl(home.home, "alfred-slack.service", show);
  const out: string[] = [];
  return { context: contextWithPath(home, bin, out), out };
}

Deno.test("alfred status shows an installed companion service, running, with its pid", async () => {
  if (Deno.build.os !== "linux") return;
  await using home = await withHome();
  const { context, out } = await slackServiceIn(home, "active");
  assertEquals(await statusCommand([], context), 0);
  assert(
    out.includes(
      "Service slack (alfred-slack.service): running, pid 4242, " +
        "since Wed 2024-01-03 10:00:00 UTC, restarts 1",
    ),
    out.join("\n"),
  );
  const view = await readFleetView(context);
  assertEquals(view.companions, [{
    name: "slack",
    unit: "alfred-slack.service",
    state: "running",
    pid: 4242,
    since: "Wed 2024-01-03 10:00:00 UTC",
    detail: ["restarts 1"],
  }]);
  const checks = await runChecks(context);
  const check = checks.find((c) => c.name === "service slack");
  assertEquals(check?.status, "ok");
});

Deno.test("alfred doctor warns when a companion service failed, and says where to look", async () => {
  if (Deno.build.os !== "linux") return;
  await using home = await withHome();
  const { context, out } = await slackServiceIn(home, "failed");
  const check = (await runChecks(context)).find((c) => c.name === "service slack");
  assertEquals(check?.status, "warn");
  assertMatch(check!.detail, /^slack \(alfred-slack\.service\): failed, since .*, last exit 3; /);
  assertMatch(
    check!.detail,
    /logs\/slack\/service\.log and `systemctl --user status alfred-slack\.service`/,
  );
  out.length = 0;
  await statusCommand([], context);
  assert(out.some((line) => /^Service slack \(alfred-slack\.service\): failed/.test(line)));
});

Deno.test("without companion services installed, status and doctor say nothing about them", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\n");
  const out: string[] = [];
  const context = contextWithPath(home, "/nonexistent", out);
  await statusCommand([], context);
  assert(!out.some((line) => line.startsWith("Service ")));
  assert(!(await runChecks(context)).some((c) => c.name.startsWith("service ")));
  assertEquals((await readFleetView(context)).companions, []);
});
