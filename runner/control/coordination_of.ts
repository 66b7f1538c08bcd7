/**
 * The coordination backend an operator's action acts on: this host's state files, or
 * Redis when `fleet.yaml` says `coordination: redis` (docs/MEMORY_AND_HOSTS.md).
 *
 * @module
 */
import type { OperatorContext } from "./context.ts";
import { loadFleetConfig } from "../config/config.ts";
import type { Coordination } from "../coordination/coordination.ts";
import { openCoordination } from "../coordination/open.ts";
import { validateScheduleText } from "../config/schedule_check.ts";

/**
 * Opens the configured coordination backend for an operator's action.
 *
 * @param context The action's world.
 * @returns The backend; close it when done (`await using`).
 * @throws {ConfigError} when fleet.yaml is invalid; a Redis error with a hint when Redis is unreachable.
 */
export async function coordinationOf(
  context: OperatorContext,
): Promise<Coordination & AsyncDisposable> {
  const config = await loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  const coordination = await openCoordination(context.layout, {
    settings: config.coordination,
    now: context.now,
    warn: context.stderr,
  });
  return Object.assign(coordination, { [Symbol.asyncDispose]: () => coordination.close() });
}
