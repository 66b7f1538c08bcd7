/**
 * The one door from the scheduler module to `systemctl`, `launchctl` and
 * `loginctl`: a {@linkcode SchedulerRunner}. Tests pass a recording runner;
 * production adapts runner/process.ts's spawn with {@linkcode runnerFromSpawn}.
 *
 * @module
 */
import { AlfredError } from "../runner/errors.ts";
import type { EnvReader } from "../runner/paths.ts";
import { ProgramNotFoundError, runCapture } from "../runner/process.ts";

/** What a scheduler command printed and how it ended. */
export interface RunResult {
  /** The exit code; non-zero is a failure. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** Runs one scheduler command (`systemctl`, `launchctl`, `loginctl`). */
export interface SchedulerRunner {
  /**
   * Runs `program` with `args` and waits for it.
   * @param program The program name, looked up on `PATH`.
   * @param args Its arguments.
   * @returns Its exit code and output; a program that cannot start is code 127.
   */
  run(program: string, args: readonly string[]): Promise<RunResult>;
}

/** A spawn function as runner/process.ts provides it. */
export type SpawnFunction = (
  program: string,
  args: string[],
  options: { timeoutMs: number },
) => Promise<RunResult>;

/** How long one scheduler command may take; `alfred pause` must finish in seconds. */
export const SCHEDULER_COMMAND_TIMEOUT_MS = 15_000;

/**
 * Adapts a spawn function to a {@linkcode SchedulerRunner}. A program that is
 * not installed becomes exit code 127 with the reason on stderr, so callers
 * handle one shape of failure.
 *
 * @param spawn Spawns a process and collects its output.
 * @param options `timeoutMs` per command.
 * @returns The runner.
 */
export function runnerFromSpawn(
  spawn: SpawnFunction,
  options: { timeoutMs?: number } = {},
): SchedulerRunner {
  const timeoutMs = options.timeoutMs ?? SCHEDULER_COMMAND_TIMEOUT_MS;
  return {
    async run(program, args) {
      try {
        return await spawn(program, [...args], { timeoutMs });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          return { code: 127, stdout: "", stderr: `${program}: not found on PATH` };
        }
        throw error;
      }
    },
  };
}

/** A scheduler command failed where the operation cannot go on without it. */
export class SchedulerCommandError extends AlfredError {
  /** The command line, program first. */
  readonly command: readonly string[];
  /** What it printed on standard error. */
  readonly stderr: string;

  /**
   * Creates a {@linkcode SchedulerCommandError}.
   *
   * @param command The command line, program first.
   * @param result How it ended.
   * @param options The hint.
   */
  constructor(command: readonly string[], result: RunResult, options: { hint?: string } = {}) {
    const said = result.stderr.trim() || result.stdout.trim() || "no output";
    super(`\`${command.join(" ")}\` failed with exit code ${result.code}: ${said}`, {
      hint: options.hint ??
        "Run the command by hand to see the full error; docs/SCHEDULER.md lists the common ones.",
    });
    this.name = "SchedulerCommandError";
    this.command = command;
    this.stderr = result.stderr;
  }
}

/**
 * Formats a command line for reports and dry runs.
 *
 * @param program The program.
 * @param args Its arguments.
 * @returns The words joined by spaces, each with spaces or quotes JSON-quoted.
 */
export function formatCommand(program: string, args: readonly string[]): string {
  return [program, ...args].map((word) => /[\s"'\\$]/.test(word) ? JSON.stringify(word) : word)
    .join(" ");
}

/** Environment variables the scheduler commands see; nothing else is passed on. */
const SCHEDULER_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "XDG_RUNTIME_DIR",
  "DBUS_SESSION_BUS_ADDRESS",
  "LANG",
] as const;

/**
 * The production {@linkcode SchedulerRunner}: runner/process.ts's `runCapture`
 * with an allowlisted environment (PATH, HOME, USER, LOGNAME, XDG_RUNTIME_DIR,
 * DBUS_SESSION_BUS_ADDRESS, LANG). `alfred doctor` uses it for the linger check.
 *
 * Requires `--allow-run` for systemctl, launchctl and loginctl.
 *
 * @param env Reads the allowlisted variables.
 * @returns The runner; a missing program is exit code 127, a timeout 124.
 */
export function processRunner(env: EnvReader): SchedulerRunner {
  const childEnv: Record<string, string> = {};
  for (const name of SCHEDULER_ENV) {
    const value = env(name);
    if (value !== undefined) childEnv[name] = value;
  }
  return runnerFromSpawn(async (program, args, options) => {
    try {
      const result = await runCapture(program, args, {
        cwd: "/",
        env: childEnv,
        timeoutMs: options.timeoutMs,
      });
      const code = result.timedOut ? 124 : result.code ?? 128;
      const stderr = result.timedOut
        ? `timed out after ${options.timeoutMs} ms\n${result.stderr}`
        : result.stderr;
      return { code, stdout: result.stdout, stderr };
    } catch (error) {
      if (error instanceof ProgramNotFoundError) {
        return { code: 127, stdout: "", stderr: `${program}: not found on PATH` };
      }
      throw error;
    }
  });
}
