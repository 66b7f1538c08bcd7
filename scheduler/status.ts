/**
 * What the scheduler says about each agent: loaded or not, next and last
 * firing. Parses `systemctl --user list-timers --all --output=json` (systemd
 * 246 and later print the timer table as JSON with times in microseconds since
 * the epoch) and `launchctl print gui/<uid>/<label>` (which has no next fire
 * time: it is computed from the schedule for calendar forms).
 *
 * @module
 */
import { z } from "zod";
import type { Platform } from "./manifest.ts";
import type { SchedulerRunner } from "./runner.ts";
import { nextCalendarFiring, type Schedule } from "./schedule.ts";
import { systemdUnitName } from "./systemd.ts";

/** One agent as the scheduler sees it. */
export interface AgentSchedulerStatus {
  /** The agent's codename. */
  readonly codename: string;
  /** `scheduled`: will fire; `stopped`: loaded but not running (paused); `absent`: not loaded. */
  readonly state: "scheduled" | "stopped" | "absent" | "unknown";
  /** The next firing, when known. */
  readonly next: Date | undefined;
  /** The scheduler's last trigger, when known. */
  readonly last: Date | undefined;
  /** More facts for the operator (runs, last exit code). */
  readonly detail: string[];
}

/** One row of `systemctl list-timers --output=json`. */
export const ListTimersRow = z.looseObject({
  unit: z.string(),
  next: z.number().nullable().optional(),
  last: z.number().nullable().optional(),
  activates: z.union([z.string(), z.array(z.string())]).nullable().optional(),
});
/** The whole `list-timers` JSON output. */
export const ListTimersOutput = z.array(ListTimersRow);
/** One parsed row. */
export type ListTimersRow = z.infer<typeof ListTimersRow>;

/**
 * Parses `systemctl --user list-timers --all --output=json`.
 *
 * @param stdout The command's output.
 * @returns Next and last trigger per timer unit, or `undefined` when the output
 *   is not JSON (systemd before 246 ignores `--output=json` and prints a table).
 */
export function parseListTimers(
  stdout: string,
): Map<string, { next: Date | undefined; last: Date | undefined }> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const rows = ListTimersOutput.safeParse(json);
  if (!rows.success) return undefined;
  const timers = new Map<string, { next: Date | undefined; last: Date | undefined }>();
  for (const row of rows.data) {
    timers.set(row.unit, { next: fromMicros(row.next), last: fromMicros(row.last) });
  }
  return timers;
}

/** Facts from `launchctl print gui/<uid>/<label>`. */
export interface LaunchctlPrint {
  /** `running`, `not running`, … */
  readonly state: string | undefined;
  /** How often launchd started it since it was loaded. */
  readonly runs: number | undefined;
  /** The last exit code, or `undefined` when it never exited. */
  readonly lastExitCode: number | undefined;
  /** `StartInterval` as launchd applied it, in seconds. */
  readonly runIntervalSeconds: number | undefined;
}

/**
 * Parses the lines of `launchctl print` that matter. The format is not a
 * stable interface (launchctl(1) says so); unknown lines are ignored.
 *
 * @param stdout The command's output.
 * @returns The facts found.
 */
export function parseLaunchctlPrint(stdout: string): LaunchctlPrint {
  const field = (name: string) => new RegExp(`^\\s*${name} = (.*)$`, "m").exec(stdout)?.[1]?.trim();
  const number = (text: string | undefined) => {
    const match = text === undefined ? null : /^-?\d+/.exec(text);
    return match ? Number(match[0]) : undefined;
  };
  return {
    state: field("state"),
    runs: number(field("runs")),
    lastExitCode: number(field("last exit code")),
    runIntervalSeconds: number(field("run interval")),
  };
}

/**
 * Asks the scheduler about each agent.
 *
 * @param agents Codename, parsed schedule and launchd label (for launchd) of each agent.
 * @param options The platform, runner, uid, clock and known last firings (from the
 *   event log) used to estimate an interval agent's next firing under launchd.
 * @returns One status per agent, in the given order, plus warnings.
 */
export async function schedulerStatus(
  agents: readonly { codename: string; schedule: Schedule; label?: string }[],
  options: {
    platform: Platform;
    runner: SchedulerRunner;
    uid?: number;
    now: Date;
    lastFirings?: ReadonlyMap<string, Date>;
  },
): Promise<{ agents: AgentSchedulerStatus[]; warnings: string[] }> {
  const warnings: string[] = [];
  if (options.platform === "systemd") {
    const args = ["--user", "list-timers", "--all", "--output=json", "alfred-*.timer"];
    const result = await options.runner.run("systemctl", args);
    const timers = result.code === 0 ? parseListTimers(result.stdout) : undefined;
    if (result.code !== 0) {
      warnings.push(
        `systemctl --user list-timers failed (exit ${result.code}): ${result.stderr.trim()}`,
      );
    } else if (!timers) {
      warnings.push(
        "systemctl printed no JSON (systemd older than 246?); next fire times are unknown",
      );
    }
    return {
      warnings,
      agents: agents.map((agent) => {
        if (!timers) return unknown(agent.codename);
        const timer = timers.get(systemdUnitName(agent.codename, "timer"));
        if (!timer) {
          return {
            codename: agent.codename,
            state: "absent",
            next: undefined,
            last: undefined,
            detail: [],
          };
        }
        return {
          codename: agent.codename,
          state: timer.next ? "scheduled" : "stopped",
          next: timer.next,
          last: timer.last,
          detail: [],
        };
      }),
    };
  }
  const statuses: AgentSchedulerStatus[] = [];
  for (const agent of agents) {
    if (options.uid === undefined || !agent.label) {
      warnings.push(`${agent.codename}: no uid or label to ask launchd with`);
      statuses.push(unknown(agent.codename));
      continue;
    }
    const result = await options.runner.run("launchctl", [
      "print",
      `gui/${options.uid}/${agent.label}`,
    ]);
    if (result.code !== 0) {
      statuses.push({
        codename: agent.codename,
        state: "absent",
        next: undefined,
        last: undefined,
        detail: [],
      });
      continue;
    }
    const facts = parseLaunchctlPrint(result.stdout);
    const lastFiring = options.lastFirings?.get(agent.codename);
    const next = agent.schedule.kind === "calendar"
      ? nextCalendarFiring(agent.schedule, options.now)
      : lastFiring && new Date(lastFiring.getTime() + agent.schedule.seconds * 1000);
    const detail = [];
    if (facts.runs !== undefined) detail.push(`runs ${facts.runs}`);
    if (facts.lastExitCode !== undefined) detail.push(`last exit ${facts.lastExitCode}`);
    statuses.push({ codename: agent.codename, state: "scheduled", next, last: undefined, detail });
  }
  return { agents: statuses, warnings };
}

function unknown(codename: string): AgentSchedulerStatus {
  return { codename, state: "unknown", next: undefined, last: undefined, detail: [] };
}

function fromMicros(value: number | null | undefined): Date | undefined {
  if (value === null || value === undefined || value <= 0) return undefined;
  // systemd's USEC_INFINITY (2^64-1) means "never".
  if (value >= Number.MAX_SAFE_INTEGER) return undefined;
  return new Date(Math.floor(value / 1000));
}
