/**
 * `alfred pause` and `alfred resume`: the fleet's stop switch.
 *
 * The pause state file is the source of truth; the scheduler's timers are
 * stopped too where the scheduler is installed (see docs/SCHEDULER.md).
 *
 * @module
 */
import type { CommandContext } from "./context.ts";
import { parseCommandArgs, parseDuration } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { Codename, RepoName } from "../../runner/config.ts";
import { coordinationOf } from "./coordination_of.ts";

const PAUSE_HELP =
  `Usage: alfred pause [codename...|--all] [--repo owner/name]... [--reason text] [--for 2h]

Pauses agents (or the whole fleet with --all, or work on a repo with --repo).
A paused agent's firing prints [AGENT-PAUSED] and exits 0. Pauses last until
\`alfred resume\`, or for the --for duration.`;

const RESUME_HELP = `Usage: alfred resume [codename...|--all] [--repo owner/name]...

Lifts pauses. --all lifts every pause: the fleet-wide one and each agent's.`;

/** The `pause` command. */
export async function pauseCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    command: "pause",
    options: {
      all: { type: "boolean" },
      repo: { type: "string", multiple: true },
      reason: { type: "string" },
      for: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(PAUSE_HELP);
    return 0;
  }
  const target = parseTarget("pause", { all: values.all, repos: values.repo, agents: positionals });
  const now = context.now();
  const until = values.for
    ? new Date(now.getTime() + parseDuration(values.for, "--for"))
    : undefined;
  await using coordination = await coordinationOf(context);
  await coordination.pause({
    ...target,
    reason: values.reason ?? "paused by the operator",
    by: "operator",
    until,
    now,
  });
  context.stdout(
    `Paused ${describeTarget(target)}${until ? ` until ${until.toISOString()}` : ""}.`,
  );
  await stopScheduler("pause", target, context);
  return 0;
}

/** The `resume` command. */
export async function resumeCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    command: "resume",
    options: {
      all: { type: "boolean" },
      repo: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(RESUME_HELP);
    return 0;
  }
  const target = parseTarget("resume", {
    all: values.all,
    repos: values.repo,
    agents: positionals,
  });
  await using coordination = await coordinationOf(context);
  await coordination.resume({ ...target, now: context.now() });
  context.stdout(`Resumed ${describeTarget(target)}.`);
  await stopScheduler("resume", target, context);
  return 0;
}

interface Target {
  all: boolean;
  agents: string[];
  repos: string[];
}

function parseTarget(
  command: string,
  given: { all?: boolean; agents: string[]; repos?: string[] },
): Target {
  const target = { all: given.all ?? false, agents: given.agents, repos: given.repos ?? [] };
  if (!target.all && !target.agents.length && !target.repos.length) {
    throw new UsageError(`alfred ${command} needs codenames, --all, or --repo owner/name`);
  }
  if (target.all && target.agents.length) {
    throw new UsageError(`alfred ${command}: give codenames or --all, not both`);
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

function describeTarget(target: Target): string {
  const parts = [
    ...(target.all ? ["the whole fleet"] : []),
    ...target.agents,
    ...target.repos.map((repo) => `repo ${repo}`),
  ];
  return parts.join(", ");
}

/**
 * Stops or restarts the scheduler's timers when the scheduler is installed.
 * The pause state is already written: a scheduler failure is a warning.
 */
async function stopScheduler(
  action: "pause" | "resume",
  target: Target,
  context: CommandContext,
): Promise<void> {
  const { applySchedulerPause } = await import("../../scheduler/pause_hook.ts");
  const warnings = await applySchedulerPause(
    action,
    { all: target.all, agents: target.agents },
    context,
  );
  for (const warning of warnings) context.stderr(`warning: ${warning}`);
}
