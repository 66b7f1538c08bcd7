import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import { planInstall } from "../scheduler/control.ts";
import { parseSchedule } from "../scheduler/schedule.ts";
import {
  quoteExecArg,
  serializeUnit,
  serviceUnitOf,
  timerUnitOf,
  UnitValueError,
} from "../scheduler/systemd.ts";
import { outputOf, withTempDir } from "./support/helpers.ts";
import { NO_COMMANDS, schedulerAgents, WHOLE_FLEET } from "./support/scheduler_fleet.ts";

/** Runs the real systemd-analyze on unit files, without a running systemd (as root in a container). */
async function verify(
  dir: string,
  files: string[],
  options: { logLevel?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const runtime = `${dir}/runtime`;
  await Deno.mkdir(runtime, { recursive: true, mode: 0o700 });
  return await outputOf(
    new Deno.Command("systemd-analyze", {
      // --user needs a runtime dir; --man=no skips looking up Documentation= pages.
      args: ["--user", "--man=no", "verify", ...files],
      clearEnv: true,
      env: {
        PATH: "/usr/bin:/bin:/usr/sbin:/sbin",
        HOME: dir,
        XDG_RUNTIME_DIR: runtime,
        SYSTEMD_LOG_LEVEL: options.logLevel ?? "notice",
        SYSTEMD_PAGER: "",
      },
      stdout: "piped",
      stderr: "piped",
    }),
  );
}

async function writeFleet(dir: string): Promise<{ files: string[]; home: string; binDir: string }> {
  const home = `${dir}/home with space 100%/alfred`;
  const binDir = `${dir}/bin dir %n`;
  await Deno.mkdir(binDir, { recursive: true });
  const agents = schedulerAgents(binDir, WHOLE_FLEET);
  for (const name of [...WHOLE_FLEET.map(([codename]) => codename), "slack", "serve"]) {
    await Deno.writeTextFile(`${binDir}/alfred-${name}`, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  }
  const env = (name: string) =>
    ({ HOME: `${dir}/user`, XDG_CONFIG_HOME: `${dir}/config` } as Record<string, string>)[name];
  const plan = planInstall(agents, {
    platform: "systemd",
    layout: layoutOf(home),
    env,
    runner: NO_COMMANDS,
    environment: { PATH: "/usr/local/bin:/usr/bin:/bin" },
    now: () => new Date("2024-01-03T00:00:00Z"),
    companions: [
      {
        name: "slack",
        description: "Alfred Slack listener",
        command: [`${binDir}/alfred-slack`],
        restart: "always",
      },
      {
        name: "serve",
        description: "Alfred dashboard on 127.0.0.1:8080 (100% local)",
        command: [`${binDir}/alfred-serve`, "--port", "8080"],
        restart: "on-failure",
      },
    ],
  });
  const files: string[] = [];
  for (const agent of [...plan.agents, ...plan.companions]) {
    for (const file of agent.files) {
      await Deno.mkdir(file.path.slice(0, file.path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(file.path, file.text);
      files.push(file.path);
    }
  }
  return { files, home, binDir };
}

Deno.test("every generated unit of the whole fleet passes the real systemd-analyze verify", async () => {
  await withTempDir(async (dir) => {
    const { files } = await writeFleet(dir);
    assert.equal(files.length, WHOLE_FLEET.length * 2 + 2);
    const result = await verify(dir, files);
    assert.equal(result.stderr, "", "systemd-analyze printed warnings");
    assert.equal(result.code, 0);
  });
});

Deno.test("systemd reads back paths with spaces and % exactly as written", async () => {
  await withTempDir(async (dir) => {
    const { files, home, binDir } = await writeFleet(dir);
    const service = files.find((file) => file.endsWith("alfred-drake.service"))!;
    const timer = files.find((file) => file.endsWith("alfred-drake.timer"))!;
    const result = await verify(dir, [service, timer], { logLevel: "debug" });
    assert.equal(result.code, 0, result.stderr);
    const dump = result.stdout + result.stderr;
    const log = `${home}/logs/drake/scheduler.log`;
    for (
      const line of [
        `Environment: ALFRED_HOME=${home}`,
        "Environment: PATH=/usr/local/bin:/usr/bin:/bin",
        `EnvironmentFile: -${home}/secrets.env`,
        `StandardOutputFileToAppend: ${log}`,
        `StandardErrorFileToAppend: ${log}`,
        `Command Line: "${binDir}/alfred-drake"`,
        "OnCalendar: *-*-* 02:30:00",
        "Persistent: yes",
      ]
    ) {
      assert.ok(dump.includes(line), `systemd's dump lacks ${JSON.stringify(line)}`);
    }
  });
});

Deno.test("systemd reads back a companion service's restart policy, stop mode and command", async () => {
  await withTempDir(async (dir) => {
    const { files, home, binDir } = await writeFleet(dir);
    for (
      const [name, restart, command] of [
        ["slack", "always", `"${binDir}/alfred-slack"`],
        ["serve", "on-failure", `"${binDir}/alfred-serve" --port 8080`],
      ]
    ) {
      const service = files.find((file) => file.endsWith(`alfred-${name}.service`))!;
      const result = await verify(dir, [service], { logLevel: "debug" });
      assert.equal(result.code, 0, result.stderr);
      const dump = result.stdout + result.stderr;
      const log = `${home}/logs/${name}/service.log`;
      for (
        const line of [
          `Environment: ALFRED_HOME=${home}`,
          `EnvironmentFile: -${home}/secrets.env`,
          `StandardOutputFileToAppend: ${log}`,
          `Command Line: ${command}`,
          `Restart: ${restart}`,
          "KillMode: process",
          "Type: simple",
          "RestartSec: 5s",
        ]
      ) {
        assert.ok(dump.includes(line), `systemd's dump of ${name} lacks ${JSON.stringify(line)}`);
      }
      const text = await Deno.readTextFile(service);
      assert.match(text, /^RestartPreventExitStatus=2 3 5$/m);
      assert.match(text, /^WantedBy=default\.target$/m);
    }
  });
});

Deno.test("a unit that systemd rejects makes verify fail, so the verify test can fail", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/alfred-broken.service`;
    await Deno.writeTextFile(file, "[Service]\nType=oneshot\nExecStart=" + `${dir}/missing\n`);
    const result = await verify(dir, [file]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /is not executable/);
  });
});

Deno.test("ExecStart arguments are quoted and escaped for systemd", () => {
  const cases: [string, string][] = [
    ["/opt/alfred/bin", '"/opt/alfred/bin"'],
    ["/a b/c", '"/a b/c"'],
    ["100%", '"100%%"'],
    ["$HOME", '"$$HOME"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["", '""'],
  ];
  for (const [arg, quoted] of cases) assert.equal(quoteExecArg(arg), quoted, arg);
  for (const bad of ["line\nbreak", "tab\there", "nul\u0000", ";"]) {
    assert.throws(() => quoteExecArg(bad), UnitValueError, JSON.stringify(bad));
  }
});

type UnitEntries = Parameters<typeof serializeUnit>[0]["sections"][number]["entries"];

/** Serializes `x.service` with one [Service] section of these entries. */
function serviceWith(entries: UnitEntries): string {
  return serializeUnit({ name: "x.service", sections: [{ name: "Service", entries }] });
}

Deno.test("the serializer escapes % in every value and rejects what systemd cannot read back", () => {
  const text = serviceWith([
    { key: "Description", value: "100% done" },
    { key: "Environment", value: { env: { B: 'say "%s" \\ $X', A: "1" } } },
    { key: "TimeoutStartSec", value: 30 },
  ]);
  assert.equal(
    text.split("\n").slice(1).join("\n"),
    [
      "",
      "[Service]",
      "Description=100%% done",
      'Environment="A=1" "B=say \\"%%s\\" \\\\ $X"',
      "TimeoutStartSec=30",
      "",
    ].join("\n"),
  );
  const bad: [string, unknown][] = [
    ["newline", "a\nb"],
    ["carriage return", "a\rb"],
    ["leading blank", " a"],
    ["trailing blank", "a "],
    ["trailing backslash", "a\\"],
  ];
  for (const [why, value] of bad) {
    assert.throws(
      () => serviceWith([{ key: "Description", value: value as string }]),
      UnitValueError,
      why,
    );
  }
  assert.throws(
    () => serviceWith([{ key: "Environment", value: { env: { "A-B": "1" } } }]),
    UnitValueError,
  );
});

Deno.test("service and timer units carry every setting the issue asks for", () => {
  const spec = {
    codename: "lucius",
    binaryPath: "/opt/alfred/alfred-lucius",
    home: "/h/.alfred",
    secretsFile: "/h/.alfred/secrets.env",
    logFile: "/h/.alfred/logs/lucius/scheduler.log",
    timeoutSeconds: 1920,
    schedule: parseSchedule("every 20m"),
  };
  const service = serializeUnit(serviceUnitOf(spec));
  for (
    const line of [
      "Type=oneshot",
      'ExecStart="/opt/alfred/alfred-lucius"',
      'Environment="ALFRED_HOME=/h/.alfred"',
      "EnvironmentFile=/h/.alfred/secrets.env",
      "StandardOutput=append:/h/.alfred/logs/lucius/scheduler.log",
      "StandardError=append:/h/.alfred/logs/lucius/scheduler.log",
      "TimeoutStartSec=1920s",
    ]
  ) assert.ok(service.split("\n").includes(line), `service lacks ${line}`);
  const timer = serializeUnit(timerUnitOf({ ...spec, randomizedDelaySeconds: 30 }));
  for (
    const line of [
      "OnBootSec=300s",
      "OnUnitActiveSec=1200s",
      "Persistent=true",
      "RandomizedDelaySec=30s",
      "AccuracySec=1s",
      "Unit=alfred-lucius.service",
      "WantedBy=timers.target",
    ]
  ) assert.ok(timer.split("\n").includes(line), `timer lacks ${line}`);
  assert.throws(() => serviceUnitOf({ ...spec, binaryPath: "alfred-lucius" }), UnitValueError);
});
