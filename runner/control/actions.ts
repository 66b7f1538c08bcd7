/**
 * What an operator can do to the fleet, from any surface (the `alfred` CLI,
 * the dashboard, Slack): pause and resume agents, repos or the whole fleet,
 * and set or clear the fleet-wide block. Every surface goes through these
 * functions, so the pause state, the scheduler's timers and the activity log
 * move together whoever asked.
 *
 * @module
 */
import { Codename, type FleetConfig, loadFleetConfig, RepoName } from "../config/config.ts";
import type { BlockFile } from "../firing/block.ts";
import { ConfigError, UsageError } from "../errors.ts";
import type { PauseFile } from "../firing/pause.ts";
import { validateScheduleText } from "../config/schedule_check.ts";
import type { Ledger } from "../firing/spend.ts";
import { type HeldAgent, overrideToday, readHolds } from "./holds.ts";
import { applySchedulerPause } from "../../scheduler/pause_hook.ts";
import type { OperatorContext } from "./context.ts";
import { coordinationOf } from "./coordination_of.ts";

/** What a pause or resume applies to. */
export interface FleetTarget {
  /** The whole fleet. */
  all: boolean;
  /** Agents by codename. */
  agents: string[];
  /** Repos as `owner/name`. */
  repos: string[];
}

/**
 * Checks what a pause or resume names (pure).
 *
 * @param action `pause` or `resume`, for the messages.
 * @param given The whole fleet, codenames, repos.
 * @returns The target.
 * @throws {UsageError} when it names nothing, both the fleet and codenames, or a bad name.
 */
export function parseFleetTarget(
  action: "pause" | "resume",
  given: { all?: boolean; agents?: string[]; repos?: string[] },
): FleetTarget {
  const target = {
    all: given.all ?? false,
    agents: given.agents ?? [],
    repos: given.repos ?? [],
  };
  if (!target.all && !target.agents.length && !target.repos.length) {
    throw new UsageError(`alfred ${action} needs codenames, --all, or --repo owner/name`);
  }
  if (target.all && target.agents.length) {
    throw new UsageError(`alfred ${action}: give codenames or --all, not both`);
  }
  for (const agent of target.agents) {
    if (!Codename.safeParse(agent).success) throw new UsageError(`"${agent}" is not a codename`);
  }
  for (const repo of target.repos) {
    if (!RepoName.safeParse(repo).success) {
      throw new UsageError(`--repo must be owner/name (got "${repo}")`);
    }
  }
  return target;
}

/**
 * Says what a target names, for a person (pure).
 *
 * @param target The target.
 * @returns e.g. `the whole fleet`, `lucius, repo acme/api`.
 */
export function describeFleetTarget(target: FleetTarget): string {
  return [
    ...(target.all ? ["the whole fleet"] : []),
    ...target.agents,
    ...target.repos.map((repo) => `repo ${repo}`),
  ].join(", ");
}

/** What a pause or resume did. */
export interface PauseOutcome {
  /** The pause state after it. */
  state: PauseFile;
  /** Problems with the scheduler's timers (the pause state is written regardless). */
  warnings: string[];
}

/**
 * Pauses agents, repos or the whole fleet, and stops the scheduler's timers
 * where it is installed. A paused agent's firing prints `[AGENT-PAUSED]`.
 *
 * @param target What to pause (see {@linkcode parseFleetTarget}).
 * @param context The world the action runs in.
 * @param options Why, and until when (open-ended when absent).
 * @returns The new pause state and any scheduler warnings.
 */
export async function pauseFleet(
  target: FleetTarget,
  context: OperatorContext,
  options: { reason?: string; until?: Date },
): Promise<PauseOutcome> {
  const state = await withCoordination(context, (coordination) =>
    coordination.pause({
      ...target,
      reason: options.reason ?? "paused by the operator",
      by: "operator",
      until: options.until,
      now: context.now(),
    }));
  const warnings = await applySchedulerPause("pause", target, context);
  return { state, warnings };
}

/** What a resume did, and what still stops the agents it named. */
export interface ResumeOutcome extends PauseOutcome {
  /**
   * Agents the resume named (every enabled agent with `all`) whose next
   * firing would still stop: a daily cap reached, or the failure streak.
   */
  held: HeldAgent[];
  /** Agents whose caps and failure streak the operator overrode for the rest of today. */
  overridden: { agent: string; ledger: Ledger }[];
  /** The operator's time zone (when the caps lift), when the configuration could be read. */
  timezone?: string;
}

/**
 * Lifts pauses, and restarts the scheduler's timers of agents no longer
 * paused. Then tells the truth about the agents it named: which are still
 * held by a daily cap or their failure streak. With `overrideToday`, each held
 * agent's caps count again from today's figures and its streak starts again
 * (recorded in its ledger and its log), so its next firing works.
 *
 * @param target What to resume (see {@linkcode parseFleetTarget}).
 * @param context The world the action runs in.
 * @param options `overrideToday`: let the named held agents fire again today.
 * @returns The new pause state, scheduler warnings, the agents still held, and the overrides.
 * @throws {ConfigError} with `overrideToday` when fleet.yaml is invalid (the pauses are lifted).
 */
export async function resumeFleet(
  target: FleetTarget,
  context: OperatorContext,
  options: { overrideToday?: boolean } = {},
): Promise<ResumeOutcome> {
  const state = await withCoordination(
    context,
    (coordination) => coordination.resume({ ...target, now: context.now() }),
  );
  const warnings = await applySchedulerPause("resume", target, context);
  if (!target.all && !target.agents.length) return { state, warnings, held: [], overridden: [] };
  let config: FleetConfig;
  try {
    config = await loadFleetConfig(context.layout.fleetFile, {
      env: context.env,
      validateSchedule: validateScheduleText,
    });
  } catch (error) {
    if (options.overrideToday || !(error instanceof ConfigError)) throw error;
    warnings.push(`caps not checked: ${error.message}`);
    return { state, warnings, held: [], overridden: [] };
  }
  const agents = target.all
    ? Object.values(config.agents).filter((agent) => agent.enabled)
    : target.agents.flatMap((name) => config.agents[name] ? [config.agents[name]] : []);
  return await withCoordination(context, async (coordination) => {
    const world = { config, coordination, context };
    let held = await readHolds(agents, world);
    const overridden: ResumeOutcome["overridden"] = [];
    if (options.overrideToday) {
      for (const { agent } of held) {
        overridden.push({ agent, ledger: await overrideToday(agent, world) });
      }
      held = await readHolds(agents, world);
    }
    return { state, warnings, held, overridden, timezone: config.timezone };
  });
}

/**
 * Reads the fleet-wide block.
 *
 * @param context The world the action runs in.
 * @returns The block, in force or not, or `undefined`.
 */
export async function readFleetBlock(context: OperatorContext): Promise<BlockFile | undefined> {
  return await withCoordination(
    context,
    (coordination) => coordination.readBlock({ now: context.now(), warn: context.stderr }),
  );
}

/**
 * Sets the fleet-wide block, replacing the current one (even a later one).
 *
 * @param until When it ends.
 * @param context The world the action runs in.
 * @param options Why.
 * @returns The block now in force.
 */
export async function setFleetBlock(
  until: Date,
  context: OperatorContext,
  options: { reason?: string } = {},
): Promise<BlockFile> {
  return await withCoordination(context, (coordination) =>
    coordination.setBlock({
      reason: options.reason ?? "set by the operator",
      until,
      now: context.now(),
      setBy: "operator",
      shorten: true,
    }));
}

/**
 * Clears the fleet-wide block.
 *
 * @param context The world the action runs in.
 * @returns Whether there was one.
 */
export async function clearFleetBlock(context: OperatorContext): Promise<boolean> {
  return await withCoordination(context, (coordination) => coordination.clearBlock());
}

async function withCoordination<T>(
  context: OperatorContext,
  act: (coordination: Awaited<ReturnType<typeof coordinationOf>>) => Promise<T>,
): Promise<T> {
  await using coordination = await coordinationOf(context);
  return await act(coordination);
}
