/**
 * The bridge from `alfred pause` / `resume` (and the spend-cap auto-pause) to
 * the installed scheduler: stops or restarts the agents' timers. Never throws
 * on a scheduler failure; problems come back as warnings.
 *
 * @module
 */
export { schedulerPauseHook as applySchedulerPause } from "../cli/commands/scheduler.ts";
