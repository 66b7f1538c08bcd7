/**
 * `alfred config get|set <dotted.key> [value]`: reads or sets one value of
 * `fleet.yaml`, comments and layout kept (runner/config/fleet_edit.ts). A set is
 * checked as a firing would load the file; an invalid result is refused with
 * the loader's `file:line:col` error and nothing is written.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import {
  configValueAt,
  describeFleetEdit,
  editFleet,
  planConfigSet,
  readFleetData,
  show,
} from "../../runner/config/fleet_edit.ts";
import { validateScheduleText } from "../../runner/config/schedule_check.ts";

const HELP = `Usage: alfred config get <dotted.key>
       alfred config set <dotted.key> <value>

Reads or sets one value of fleet.yaml as written (defaults are not filled in).
The value is YAML: true, 30, "every 10m", [acme/api, acme/web]. A number after
a list is an index: repos.0.base. The file keeps its comments and layout, and
the previous one is kept as fleet.yaml.bak.

Examples:
  alfred config set agents.lucius.max_turns 30
  alfred config set defaults.caps.cost_usd_per_day 5
  alfred config set timezone Europe/Berlin`;

/** The `config` command. */
export const configCommand: Command = defineCommand({
  command: "config",
  help: HELP,
  allowPositionals: true,
}, async ({ positionals }, context) => {
  const [action, key, ...rest] = positionals;
  if (action === "get" && key && !rest.length) {
    context.stdout(show(configValueAt(await readFleetData(context.layout), key)));
    return 0;
  }
  if (action !== "set" || !key || rest.length !== 1) {
    throw new UsageError("alfred config needs get <key> or set <key> <value>", {
      hint: "e.g. `alfred config set agents.lucius.max_turns 30`; see `alfred config --help`.",
    });
  }
  const result = await editFleet(context.layout, planConfigSet(key, rest[0]), {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  for (const line of describeFleetEdit(result)) context.stdout(line);
  return 0;
});
