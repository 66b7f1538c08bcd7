/**
 * `alfred pause` and `alfred resume`: the fleet's stop switch.
 *
 * The pause state file is the source of truth; the scheduler's timers are
 * stopped too where the scheduler is installed (see docs/SCHEDULER.md).
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand, parseDuration } from "./args.ts";
import {
  describeFleetTarget,
  type FleetTarget,
  parseFleetTarget,
  pauseFleet,
  resumeFleet,
} from "../../runner/control/actions.ts";
import { describeHold } from "../../runner/control/holds.ts";
import { UsageError } from "../../runner/errors.ts";

const PAUSE_HELP =
  `Usage: alfred pause [codename...|--all] [--repo owner/name]... [--reason text] [--for 2h]

Pauses agents (or the whole fleet with --all, or work on a repo with --repo).
A paused agent's firing prints [AGENT-PAUSED] and exits 0. Pauses last until
\`alfred resume\`, or for the --for duration.`;

const RESUME_HELP =
  `Usage: alfred resume [codename...|--all] [--repo owner/name]... [--override-today]

Lifts pauses. --all lifts every pause: the fleet-wide one and each agent's.
Then says which of the agents are still held: over a daily cap (which cap,
today's figure against it, when it lifts) or stopped by their failure streak.

  --override-today   let the held agents fire again today: their caps count
                     again from today's figures and their failure streak
                     starts again (recorded in the ledger and the agent's log)`;

/** What `pause` and `resume` apply to: codenames, `--all`, or `--repo` (repeatable). */
const TARGET_OPTIONS = {
  all: { type: "boolean" },
  repo: { type: "string", multiple: true },
} as const;

/** The fleet target of a `pause` or `resume` command line. */
function targetOf(
  verb: "pause" | "resume",
  parsed: { values: { all?: boolean; repo?: string[] }; positionals: string[] },
): FleetTarget {
  const { values, positionals } = parsed;
  return parseFleetTarget(verb, { all: values.all, repos: values.repo, agents: positionals });
}

/** The `pause` command. */
export const pauseCommand: Command = defineCommand({
  command: "pause",
  help: PAUSE_HELP,
  options: { ...TARGET_OPTIONS, reason: { type: "string" }, for: { type: "string" } },
  allowPositionals: true,
}, async (parsed, context) => {
  const { values } = parsed;
  const target = targetOf("pause", parsed);
  const until = values.for
    ? new Date(context.now().getTime() + parseDuration(values.for, "--for"))
    : undefined;
  const { warnings } = await pauseFleet(target, context, { reason: values.reason, until });
  context.stdout(
    `Paused ${describeFleetTarget(target)}${until ? ` until ${until.toISOString()}` : ""}.`,
  );
  for (const warning of warnings) context.stderr(`warning: ${warning}`);
  return 0;
});

/** The `resume` command. */
export const resumeCommand: Command = defineCommand({
  command: "resume",
  help: RESUME_HELP,
  options: { ...TARGET_OPTIONS, "override-today": { type: "boolean" } },
  allowPositionals: true,
}, async (parsed, context) => {
  const { values } = parsed;
  const target = targetOf("resume", parsed);
  const overrideToday = values["override-today"] ?? false;
  if (overrideToday && !target.all && !target.agents.length) {
    throw new UsageError("--override-today needs codenames or --all", {
      hint: "e.g. `alfred resume lucius --override-today`.",
    });
  }
  const outcome = await resumeFleet(target, context, { overrideToday });
  context.stdout(`Resumed ${describeFleetTarget(target)}.`);
  const timezone = outcome.timezone ?? "UTC";
  for (const { agent, ledger } of outcome.overridden) {
    const before = ledger.override!;
    context.stdout(
      `${agent} may fire again today: its caps count again from now (${before.firings} firings, ` +
        `${before.turns} turns, $${before.cost_usd.toFixed(4)} so far today)` +
        (before.streak ? ` and its failure streak of ${before.streak} starts again` : "") +
        "; recorded in its ledger and its log.",
    );
  }
  for (const held of outcome.held) context.stdout(describeHold(held, { timezone }));
  if (overrideToday && !outcome.overridden.length && !outcome.held.length) {
    context.stdout("Nothing to override: no cap or failure streak holds them today.");
  }
  for (const warning of outcome.warnings) context.stderr(`warning: ${warning}`);
  return 0;
});
