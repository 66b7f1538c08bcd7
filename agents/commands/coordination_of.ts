/**
 * The coordination backend a command acts on: this host's state files, or
 * Redis when `fleet.yaml` says `coordination: redis` (docs/MEMORY_AND_HOSTS.md).
 *
 * @module
 */
import type { CommandContext } from "./context.ts";
import type { Coordination } from "../../runner/coordination/coordination.ts";

/**
 * Opens the configured coordination backend for a command.
 *
 * @param context The command's world.
 * @returns The backend; close it when done (`await using`).
 * @throws {ConfigError} when fleet.yaml is invalid; a Redis error with a hint when Redis is unreachable.
 */
export async function coordinationOf(
  context: CommandContext,
): Promise<Coordination & AsyncDisposable> {
  const [{ loadFleetConfig }, { validateScheduleText }, { openCoordination }] = await Promise.all([
    import("../../runner/config.ts"),
    import("../../runner/schedule_check.ts"),
    import("../../runner/coordination/mod.ts"),
  ]);
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
