/**
 * `alfred status` and `alfred doctor` report the installed companion services
 * (the Slack listener): installed, running or not. The service manager is a
 * `systemctl` script on PATH that answers as systemd 252 does (no systemd runs
 * in the test container).
 */
import { assert, assertEquals, assertMatch } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { statusCommand } from "../cli/commands/status.ts";
import { runChecks } from "../cli/commands/doctor.ts";
import type { CommandContext } from "../cli/commands/context.ts";
import { readFleetView } from "../runner/control/mod.ts";
import { writeManifest } from "../scheduler/manifest.ts";

async function withFakeSystemctl(home: string, active: "active" | "failed"): Promise<string> {
  const bin = `${home}/fake-bin`;
  await Deno.mkdir(bin, { recursive: true });
  const show = active === "active"
    ? "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=1\n" +
      "ExecMainStatus=0\nStateChangeTimestamp=Wed 2024-01-03 10:00:00 UTC"
    : "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\nNRestarts=0\n" +
      "ExecMainStatus=3\nStateChangeTimestamp=Wed 2024-01-03 10:05:00 UTC";
  await Deno.writeTextFile(
    `${bin}/systemctl`,
    `#!/bin/sh\ncase "$*" in\n  *list-timers*) echo '[]' ;;\n  *"show alfred-slack.service"*) printf '%s\\n' '${
      show.replaceAll("\n", "' '")
    }' ;;\n  *) exit 1 ;;\nesac\n`,
    { mode: 0o755 },
  );
  return bin;
}

async function installedSlack(home: Awaited<ReturnType<typeof withHome>>): Promise<void> {
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\n");
  await writeManifest(home.layout, {
    version: 1,
    platform: "systemd",
    installedAt: "2024-01-03T09:00:00.000Z",
    agents: [],
    companions: [{ name: "slack", unit: "alfred-slack.service", restart: "always", files: [] }],
  });
}

function contextIn(
  home: Awaited<ReturnType<typeof withHome>>,
  bin: string,
  out: string[],
): CommandContext {
  return {
    env: home.env({ PATH: `${bin}:/usr/bin:/bin` }),
    layout: home.layout,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(`stderr: ${line}`),
    now: () => new Date("2024-01-03T12:00:00Z"),
    debug: false,
  };
}

Deno.test("alfred status shows an installed companion service, running, with its pid", async () => {
  if (Deno.build.os !== "linux") return;
  await using home = await withHome();
  await installedSlack(home);
  const out: string[] = [];
  const context = contextIn(home, await withFakeSystemctl(home.home, "active"), out);
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
  await installedSlack(home);
  const out: string[] = [];
  const context = contextIn(home, await withFakeSystemctl(home.home, "failed"), out);
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
  const context = contextIn(home, "/nonexistent", out);
  await statusCommand([], context);
  assert(!out.some((line) => line.startsWith("Service ")));
  assert(!(await runChecks(context)).some((c) => c.name.startsWith("service ")));
  assertEquals((await readFleetView(context)).companions, []);
});
