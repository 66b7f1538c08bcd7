/**
 * The operator's control of the fleet, shared by every surface: the `alfred`
 * CLI, the dashboard (`alfred serve`) and the Slack listener. Reading the
 * fleet view, pausing and resuming, the fleet-wide block, and firing an
 * agent in the background all go through here, so every surface does the
 * same thing the same way.
 *
 * @module
 */
export type { OperatorContext } from "./context.ts";
export { coordinationOf } from "./coordination_of.ts";
export {
  clearFleetBlock,
  describeFleetTarget,
  type FleetTarget,
  parseFleetTarget,
  pauseFleet,
  type PauseOutcome,
  readFleetBlock,
  resumeFleet,
  type ResumeOutcome,
  setFleetBlock,
} from "./actions.ts";
export {
  type AgentHold,
  describeHold,
  type HeldAgent,
  holdOf,
  localTime,
  overrideToday,
  readHolds,
} from "./holds.ts";
export { type AgentView, type CompanionView, type FleetView, readFleetView } from "./fleet_view.ts";
export {
  agentFireCommand,
  currentRuntime,
  type DetachedFiring,
  fireDetached,
  type Runtime,
} from "./fire_detached.ts";
export {
  currentProcessFacts,
  type FireRoute,
  fireRouteOf,
  isCompiledBinary,
  type ProcessFacts,
} from "./fire_route.ts";
