/**
 * What the scheduler says about each agent: loaded or not, next and last
 * firing; and about each companion service: running or not. Parses `systemctl --user list-timers --all --output=json` (systemd
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
  /** The process id, while it runs. */
  readonly pid: number | undefined;
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
    pid: number(field("pid")),
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

/** A companion service (scheduler/companion.ts) as the service manager sees it. */
export interface CompanionStatus {
  /** The companion's name. */
  readonly name: string;
  /** Its systemd service or launchd label. */
  readonly unit: string;
  /**
   * `running`; `restarting` (waiting to be started again after it ended);
   * `stopped`; `failed` (ended and will not be restarted); `absent` (not loaded);
   * `unknown` (the service manager could not be asked).
   */
  readonly state: "running" | "restarting" | "stopped" | "failed" | "absent" | "unknown";
  /** Its process id, while it runs. */
  readonly pid: number | undefined;
  /** When it entered its current state, as the service manager prints it, when known. */
  readonly since: string | undefined;
  /** More facts for the operator (restarts, last exit code). */
  readonly detail: string[];
}

/** The properties `systemctl --user show` is asked for. */
const SHOW_PROPERTIES = [
  "LoadState",
  "ActiveState",
  "SubState",
  "MainPID",
  "NRestarts",
  "ExecMainStatus",
  "StateChangeTimestamp",
];

/**
 * Parses the `Key=Value` lines of `systemctl show`.
 *
 * @param stdout The command's output.
 * @returns The properties by name.
 */
export function parseSystemctlShow(stdout: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) properties[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return properties;
}

/**
 * The state of a systemd service from its `systemctl show` properties (pure).
 *
 * @param name The companion's name.
 * @param unit Its service.
 * @param properties From {@linkcode parseSystemctlShow}.
 * @returns Its status.
 */
export function systemdCompanionStatus(
  name: string,
  unit: string,
  properties: Record<string, string>,
): CompanionStatus {
  const pid = Number(properties.MainPID) > 0 ? Number(properties.MainPID) : undefined;
  const since = properties.StateChangeTimestamp || undefined;
  const detail: string[] = [];
  if (Number(properties.NRestarts) > 0) detail.push(`restarts ${properties.NRestarts}`);
  const exit = properties.ExecMainStatus;
  const active = properties.ActiveState;
  if (active !== "active" && exit && exit !== "0") detail.push(`last exit ${exit}`);
  const state: CompanionStatus["state"] = properties.LoadState === "not-found"
    ? "absent"
    : active === "active"
    ? "running"
    : active === "activating" || active === "reloading"
    ? (properties.SubState === "auto-restart" ? "restarting" : "running")
    : active === "failed"
    ? "failed"
    : active === "inactive" || active === "deactivating"
    ? "stopped"
    : "unknown";
  return { name, unit, state, pid: state === "running" ? pid : undefined, since, detail };
}

/**
 * Asks the service manager about each companion service.
 *
 * @param companions The companions' names and units (from the manifest).
 * @param options The platform, runner, and the uid for launchd's `gui/<uid>` domain.
 * @returns One status per companion, in the given order, plus warnings.
 */
export async function companionStatus(
  companions: readonly { name: string; unit: string }[],
  options: { platform: Platform; runner: SchedulerRunner; uid?: number },
): Promise<{ companions: CompanionStatus[]; warnings: string[] }> {
  const warnings: string[] = [];
  const statuses: CompanionStatus[] = [];
  for (const { name, unit } of companions) {
    const unknown: CompanionStatus = {
      name,
      unit,
      state: "unknown",
      pid: undefined,
      since: undefined,
      detail: [],
    };
    if (options.platform === "systemd") {
      const args = ["--user", "show", unit, `--property=${SHOW_PROPERTIES.join(",")}`];
      const result = await options.runner.run("systemctl", args);
      if (result.code !== 0) {
        warnings.push(
          `systemctl --user show ${unit} failed (exit ${result.code}): ${
            result.stderr.trim() || "no output"
          }`,
        );
        statuses.push(unknown);
        continue;
      }
      statuses.push(systemdCompanionStatus(name, unit, parseSystemctlShow(result.stdout)));
      continue;
    }
    if (options.uid === undefined) {
      warnings.push(`${name}: no uid to ask launchd with`);
      statuses.push(unknown);
      continue;
    }
    const result = await options.runner.run("launchctl", ["print", `gui/${options.uid}/${unit}`]);
    if (result.code !== 0) {
      statuses.push({ ...unknown, state: "absent" });
      continue;
    }
    const facts = parseLaunchctlPrint(result.stdout);
    const running = facts.state === "running";
    const detail = [];
    if (facts.runs !== undefined) detail.push(`runs ${facts.runs}`);
    if (!running && facts.lastExitCode !== undefined) {
      detail.push(`last exit ${facts.lastExitCode}`);
    }
    statuses.push({
      ...unknown,
      state: running ? "running" : "stopped",
      pid: running ? facts.pid : undefined,
      detail,
    });
  }
  return { companions: statuses, warnings };
}

/**
 * One line about a companion service, for `alfred scheduler status` and `alfred status` (pure).
 *
 * @param companion Its status.
 * @returns e.g. `slack (alfred-slack.service): running, pid 4242, since …`.
 */
export function describeCompanion(
  companion: Pick<CompanionStatus, "name" | "unit" | "state" | "detail"> & {
    pid?: number | null;
    since?: string | null;
  },
): string {
  const facts = [
    companion.state === "absent" ? "installed but not loaded" : companion.state,
    ...(companion.pid ? [`pid ${companion.pid}`] : []),
    ...(companion.since ? [`since ${companion.since}`] : []),
    ...companion.detail,
  ];
  return `${companion.name} (${companion.unit}): ${facts.join(", ")}`;
}
