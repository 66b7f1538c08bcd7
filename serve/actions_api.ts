/**
 * The dashboard's actions: pause and resume an agent or the fleet, fire an
 * agent, clear the fleet-wide block. Each goes through runner/control, the
 * same code as the CLI, so the scheduler's timers stop and start too and the
 * activity log records who did what.
 *
 * @module
 */
import { z } from "zod";
import { parseDuration } from "../cli/commands/args.ts";
import { loadFleetConfig } from "../runner/config/config.ts";
import {
  clearFleetBlock,
  type DetachedFiring,
  fireDetached,
  type OperatorContext,
  parseFleetTarget,
  pauseFleet,
  resumeFleet,
} from "../runner/control/mod.ts";
import { AlfredError, UsageError } from "../runner/errors.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";

/** The body of a pause: how long, and why (both optional). */
export const PauseBody = z.strictObject({
  for: z.string().max(32).optional(),
  reason: z.string().max(500).optional(),
});
/** Parsed {@linkcode PauseBody}. */
export type PauseBody = z.infer<typeof PauseBody>;

/** What a pause or resume answers. */
export interface ActionDone {
  /** What was done, for a person. */
  message: string;
  /** Until when the pause holds; null when open-ended (or for a resume). */
  until: string | null;
  /** Problems with the scheduler's timers (the pause state was written regardless). */
  warnings: string[];
}

/** What a fire answers. */
export interface FireStarted {
  /** The agent. */
  agent: string;
  /** The firing's id: follow it in the event stream and at `/api/v1/firings/<id>`. */
  firing_id: string;
  /** Its process id. */
  pid: number;
}

/** The agent named in the path is not one of the fleet's. */
export class UnknownAgentError extends AlfredError {
  /**
   * Makes the error.
   *
   * @param codename The name asked for.
   */
  constructor(codename: string) {
    super(`"${codename}" is not an agent of this fleet`, {
      hint: "GET /api/v1/fleet lists the agents.",
    });
    this.name = "UnknownAgentError";
  }
}

/**
 * Checks that `codename` is one of the fleet's agents.
 *
 * @param codename The name from the path.
 * @param context The operator's world.
 * @throws {UnknownAgentError} when it is not.
 */
export async function checkAgent(codename: string, context: OperatorContext): Promise<void> {
  const config = await loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  if (!Object.hasOwn(config.agents, codename)) throw new UnknownAgentError(codename);
}

/**
 * Parses a pause body.
 *
 * @param body The JSON body (`{}` when none was sent).
 * @param now The clock.
 * @returns Why and until when.
 * @throws {UsageError} for unknown fields or a bad duration.
 */
export function parsePauseBody(body: unknown, now: Date): { reason?: string; until?: Date } {
  const parsed = PauseBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`bad pause body: ${issue.path.join(".") || "body"}: ${issue.message}`, {
      hint: 'Send {"for": "2h", "reason": "…"}; both are optional.',
    });
  }
  const { for: duration, reason } = parsed.data;
  return {
    reason: reason?.trim() || undefined,
    until: duration ? new Date(now.getTime() + parseDuration(duration, "for")) : undefined,
  };
}

/**
 * Pauses one agent, or the whole fleet.
 *
 * @param who A codename, or `all`.
 * @param context The operator's world.
 * @param options Why and until when.
 * @returns What was done.
 */
export async function pauseAction(
  who: string,
  context: OperatorContext,
  options: { reason?: string; until?: Date },
): Promise<ActionDone> {
  const target = targetOf("pause", who);
  const outcome = await pauseFleet(target, context, {
    reason: options.reason ?? "paused from the dashboard",
    until: options.until,
  });
  return {
    message: `Paused ${who === "all" ? "the whole fleet" : who}` +
      (options.until ? ` until ${options.until.toISOString()}.` : "."),
    until: options.until?.toISOString() ?? null,
    warnings: outcome.warnings,
  };
}

/**
 * Resumes one agent, or the whole fleet (every pause).
 *
 * @param who A codename, or `all`.
 * @param context The operator's world.
 * @returns What was done.
 */
export async function resumeAction(who: string, context: OperatorContext): Promise<ActionDone> {
  const outcome = await resumeFleet(targetOf("resume", who), context);
  return {
    message: `Resumed ${who === "all" ? "the whole fleet" : who}.`,
    until: null,
    warnings: outcome.warnings,
  };
}

/**
 * Fires an agent in the background.
 *
 * @param codename The agent (checked).
 * @param context The operator's world.
 * @param options How to start it (tests); extra environment.
 * @returns The firing's id and process.
 */
export async function fireAction(
  codename: string,
  context: OperatorContext,
  options: {
    fire?: typeof fireDetached;
    env?: Record<string, string>;
  } = {},
): Promise<FireStarted & { firing: DetachedFiring }> {
  const firing = await (options.fire ?? fireDetached)(codename, context, { env: options.env });
  return { agent: codename, firing_id: firing.firingId, pid: firing.pid, firing };
}

/**
 * Clears the fleet-wide block.
 *
 * @param context The operator's world.
 * @returns Whether there was one.
 */
export async function clearBlockAction(
  context: OperatorContext,
): Promise<{ cleared: boolean; message: string }> {
  const cleared = await clearFleetBlock(context);
  return {
    cleared,
    message: cleared ? "Cleared the fleet-wide block." : "There was no fleet-wide block.",
  };
}

function targetOf(action: "pause" | "resume", who: string) {
  return who === "all"
    ? parseFleetTarget(action, { all: true })
    : parseFleetTarget(action, { agents: [who] });
}
