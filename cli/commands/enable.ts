/**
 * `alfred enable <codename>...` and `alfred disable <codename>...`: turn
 * agents on or off in `fleet.yaml`, comments and layout kept
 * (runner/config/fleet_edit.ts), with the previous file kept as `fleet.yaml.bak`.
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { describeFleetEdit, editFleet, planEnabled } from "../../runner/config/fleet_edit.ts";
import { validateScheduleText } from "../../runner/config/schedule_check.ts";
import { readManifest } from "../../scheduler/manifest.ts";

const help = (verb: "enable" | "disable") =>
  `Usage: alfred ${verb} <codename>...

${
    verb === "enable"
      ? "Turns agents on"
      : "Turns agents off"
  } in fleet.yaml (agents.<codename>.enabled: ${verb === "enable"}),
keeping its comments and layout and the previous file as fleet.yaml.bak. The
result is checked as a firing would load it; an invalid result is refused and
nothing is written. Prints what changed.`;

/** The `enable` command. */
export const enableCommand: Command = setEnabledCommand("enable");

/** The `disable` command. */
export const disableCommand: Command = setEnabledCommand("disable");

function setEnabledCommand(verb: "enable" | "disable"): Command {
  return defineCommand(
    { command: verb, help: help(verb), allowPositionals: true },
    ({ positionals }, context) => setEnabled(verb, positionals, context),
  );
}

async function setEnabled(
  verb: "enable" | "disable",
  positionals: string[],
  context: CommandContext,
): Promise<number> {
  if (!positionals.length) {
    throw new UsageError(`alfred ${verb} needs at least one codename`, {
      hint: `e.g. \`alfred ${verb} lucius\`; \`alfred status\` lists the agents.`,
    });
  }
  const enabled = verb === "enable";
  const result = await editFleet(context.layout, planEnabled(positionals, enabled), {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  for (const line of describeFleetEdit(result)) context.stdout(line);
  if (!result.written) return 0;
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  if (manifest) {
    context.stdout(
      "The scheduler is installed: run `alfred scheduler install` to update its timers.",
    );
  }
  if (enabled) {
    const first = positionals.find((codename) => codename !== "echo") ?? positionals[0];
    context.stdout(`Next: \`alfred fire ${first} --dry-run\`, then \`alfred fire ${first}\`.`);
  }
  return 0;
}
