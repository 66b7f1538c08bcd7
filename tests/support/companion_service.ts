/**
 * An installed companion service (the Slack listener, the dashboard) as
 * `alfred status` and `alfred doctor` see it: the scheduler's manifest lists
 * it, a `systemctl` script on PATH answers as systemd 252 does (no systemd runs
 * in the test container), and a command context reads that PATH.
 *
 * @module
 */
import type { CommandContext } from "../../cli/commands/context.ts";
import { writeManifest } from "../../scheduler/manifest.ts";
import type { TempHome } from "./helpers.ts";

/**
 * Writes a minimal fleet.yaml and a systemd manifest with one companion service.
 *
 * @param home The home.
 * @param companion The companion's name (its unit is `alfred-<name>.service`) and restart policy.
 */
export async function installCompanion(
  home: TempHome,
  companion: { name: string; restart: "always" | "on-failure" },
): Promise<void> {
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\n");
  await writeManifest(home.layout, {
    version: 1,
    platform: "systemd",
    installedAt: "2024-01-03T09:00:00.000Z",
    agents: [],
    companions: [{ ...companion, unit: `alfred-${companion.name}.service`, files: [] }],
  });
}

/**
 * Writes a `systemctl` script into `<home>/fake-bin`: no timers, and `show
 * <unit>` prints the given properties; anything else fails.
 *
 * @param home The home folder.
 * @param unit The unit `show` knows.
 * @param show Its `Key=value` lines, joined by newlines.
 * @returns The folder to put first on PATH.
 */
export async function fakeSystemctl(home: string, unit: string, show: string): Promise<string> {
  const bin = `${home}/fake-bin`;
  await Deno.mkdir(bin, { recursive: true });
  const quoted = show.split("\n").map((line) => `'${line}'`).join(" ");
  await Deno.writeTextFile(
    `${bin}/systemctl`,
    `#!/bin/sh\ncase "$*" in\n  *list-timers*) echo '[]' ;;\n` +
      `  *"show ${unit}"*) printf '%s\\n' ${quoted} ;;\n  *) exit 1 ;;\nesac\n`,
    { mode: 0o755 },
  );
  return bin;
}

/**
 * A command context on `home` whose PATH starts with `bin`, at a fixed time,
 * printing into `out` (standard error lines prefixed `stderr: `).
 *
 * @param home The home.
 * @param bin The folder first on PATH.
 * @param out Where printed lines go.
 * @returns The context.
 */
export function contextWithPath(home: TempHome, bin: string, out: string[]): CommandContext {
  return {
    env: home.env({ PATH: `${bin}:/usr/bin:/bin` }),
    layout: home.layout,
    stdout: (line) => out.push(line),
    stderr: (line) => out.push(`stderr: ${line}`),
    now: () => new Date("2024-01-03T12:00:00Z"),
    debug: false,
  };
}
