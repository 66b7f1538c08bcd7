/**
 * Fixtures of the host-scheduler tests (systemd and launchd): the whole fleet
 * with a schedule of every kind, the scheduler's view of agents, and
 * scheduler runners that record or refuse commands.
 *
 * @module
 */
import type { SchedulerAgent } from "../../scheduler/control.ts";
import type { RunResult, SchedulerRunner } from "../../scheduler/runner.ts";

/** Every codename with a schedule, together covering each schedule form. */
export const WHOLE_FLEET: readonly (readonly [codename: string, schedule: string])[] = [
  ["batman", "every 2h"],
  ["lucius", "every 20m"],
  ["drake", "daily 02:30"],
  ["bane", "weekdays 09:00,17:30"],
  ["rasalghul", "every 30m"],
  ["robin", "hourly :15"],
  ["nightwing", "mon,wed,fri 18:00"],
  ["huntress", "every 1h"],
  ["gordon", "weekends 10:00"],
  ["echo", "every 1d"],
];

/**
 * The scheduler's agents: each binary is `<binDir>/alfred-<codename>`, with a
 * 32-minute timeout.
 *
 * @param binDir The folder of the binaries.
 * @param schedules Codename and schedule pairs, in order.
 * @returns The agents.
 */
export function schedulerAgents(
  binDir: string,
  schedules: Iterable<readonly [string, string]>,
): SchedulerAgent[] {
  return [...schedules].map(([codename, schedule]) => ({
    codename,
    schedule,
    binaryPath: `${binDir}/alfred-${codename}`,
    timeoutSeconds: 1920,
  }));
}

/** A runner for what only plans: any command is a test failure. */
export const NO_COMMANDS: SchedulerRunner = {
  run: () => Promise.reject(new Error("planInstall must not run commands")),
};

/** A scheduler runner that keeps each command line it was given. */
export type RecordingRunner = SchedulerRunner & { calls: string[] };

/**
 * A runner that records each command line and answers from `reply`.
 *
 * @param reply The answer to a command; `undefined` is success with no output.
 * @returns The runner, with `calls` ("program arg …" each).
 */
export function recordingRunner(
  reply: (program: string, args: readonly string[]) => RunResult | undefined = () => undefined,
): RecordingRunner {
  const calls: string[] = [];
  return {
    calls,
    run(program, args) {
      calls.push([program, ...args].join(" "));
      return Promise.resolve(reply(program, args) ?? { code: 0, stdout: "", stderr: "" });
    },
  };
}
