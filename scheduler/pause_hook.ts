/**
 * The bridge from `alfred pause` / `resume` (and the spend-cap auto-pause) to
 * the installed scheduler: stops or restarts the agents' timers. Never throws
 * on a scheduler failure; problems come back as warnings. Also how a caller
 * names the scheduler of this host ({@linkcode schedulerTargetOf}), which the
 * `alfred scheduler` command shares.
 *
 * @module
 */
import type { OperatorContext } from "../runner/control/context.ts";
import { UsageError } from "../runner/errors.ts";
import { pauseOf, readPauseState } from "../runner/firing/pause.ts";
import type { EnvReader } from "../runner/paths.ts";
import {
  pauseAtScheduler,
  platformOf,
  resumeAtScheduler,
  type SchedulerTarget,
} from "./control.ts";
import { type Platform, readManifest } from "./manifest.ts";
import { processRunner, type SchedulerRunner } from "./runner.ts";

/** What the hook needs from the host; tests replace each part. */
export interface SchedulerHostDeps {
  /** Codenames currently paused. Defaults to reading the pause state. */
  pausedAgents?: (context: OperatorContext, codenames: string[]) => Promise<string[]>;
  /** Runs systemctl/launchctl. Defaults to runner/process.ts. */
  runner?: SchedulerRunner;
  /** `Deno.build.os`. */
  os?: string;
  /** `Deno.uid()`. */
  uid?: number;
}

/**
 * Stops or starts the timers of the named agents (or all). A resumed agent
 * that is still paused by another entry (e.g. the fleet-wide pause) stays
 * stopped. Never throws for scheduler failures: they come back as warnings.
 *
 * @param action `pause` or `resume`.
 * @param target `all`, or the codenames.
 * @param context The operator's world; `deps` replaces the runner and host facts in tests.
 * @returns Warnings for the operator.
 */
export async function applySchedulerPause(
  action: "pause" | "resume",
  target: { all: boolean; agents: string[] },
  context: OperatorContext & { deps?: SchedulerHostDeps },
): Promise<string[]> {
  const deps = context.deps ?? {};
  let schedulerTarget: SchedulerTarget;
  try {
    schedulerTarget = schedulerTargetOf(context, {
      platform: platformOf(deps.os ?? Deno.build.os),
      deps,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return [`the scheduler was not touched: ${error.message}`];
  }
  if (action === "pause") {
    const result = await pauseAtScheduler(target.all ? "all" : target.agents, schedulerTarget);
    return result.warnings;
  }
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  const candidates = target.all ? (manifest?.agents ?? []).map((a) => a.codename) : target.agents;
  const stillPaused = new Set(await (deps.pausedAgents ?? pausedFromState)(context, candidates));
  const result = await resumeAtScheduler(
    candidates.filter((name) => !stillPaused.has(name)),
    schedulerTarget,
  );
  return result.warnings;
}

/**
 * The scheduler of this host, as the scheduler's operations take it.
 *
 * @param context The operator's world (layout, environment, clock).
 * @param options The platform, host replacements, and a label prefix (launchd).
 * @returns The target.
 */
export function schedulerTargetOf(
  context: OperatorContext,
  options: { platform: Platform; deps: SchedulerHostDeps; labelPrefix?: string },
): SchedulerTarget {
  const { deps } = options;
  const uid = deps.uid ?? (options.platform === "launchd" ? Deno.uid() ?? undefined : undefined);
  return {
    platform: options.platform,
    layout: context.layout,
    env: context.env,
    runner: deps.runner ?? processRunner(context.env),
    uid,
    labelPrefix: options.labelPrefix,
    environment: pathOf(context.env),
    now: context.now,
  };
}

/**
 * The codenames among `codenames` that the pause state holds now.
 *
 * @param context The operator's world.
 * @param codenames The agents to look at.
 * @returns Those paused (by themselves, their repos, or the whole fleet).
 */
export async function pausedFromState(
  context: OperatorContext,
  codenames: string[],
): Promise<string[]> {
  const now = context.now();
  const state = await readPauseState(context.layout, { now, warn: context.stderr });
  return codenames.filter((codename) => pauseOf(state, codename, now) !== undefined);
}

function pathOf(env: EnvReader): Record<string, string> {
  const path = env("PATH");
  return path ? { PATH: path } : {};
}
