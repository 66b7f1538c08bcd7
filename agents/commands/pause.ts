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
import {
  describeFleetTarget,
  parseFleetTarget,
  pauseFleet,
  resumeFleet,
} from "../../runner/control/actions.ts";

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
  const target = parseFleetTarget("pause", {
    all: values.all,
    repos: values.repo,
    agents: positionals,
  });
  const until = values.for
    ? new Date(context.now().getTime() + parseDuration(values.for, "--for"))
    : undefined;
  const { warnings } = await pauseFleet(target, context, { reason: values.reason, until });
  context.stdout(
    `Paused ${describeFleetTarget(target)}${until ? ` until ${until.toISOString()}` : ""}.`,
  );
  for (const warning of warnings) context.stderr(`warning: ${warning}`);
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
  const target = parseFleetTarget("resume", {
    all: values.all,
    repos: values.repo,
    agents: positionals,
  });
  const { warnings } = await resumeFleet(target, context);
  context.stdout(`Resumed ${describeFleetTarget(target)}.`);
  for (const warning of warnings) context.stderr(`warning: ${warning}`);
  return 0;
}
