/**
 * `alfred block status|set|clear`: the fleet-wide provider block.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand, parseDuration } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { isBlockActive } from "../../runner/firing/block.ts";
import { clearFleetBlock, readFleetBlock, setFleetBlock } from "../../runner/control/actions.ts";

const HELP = `Usage: alfred block status
       alfred block set (--for 2h | --until <ISO time>) [--reason text]
       alfred block clear

While a block holds, every firing prints [AGENT-GLOBAL-BLOCKED] and exits 0
with no other effect. Agents set it themselves when the provider answers with
a rate limit or an exhausted budget. \`set\` replaces the current block.`;

/** The `block` command. */
export const blockCommand: Command = defineCommand({
  command: "block",
  help: HELP,
  options: {
    for: { type: "string" },
    until: { type: "string" },
    reason: { type: "string" },
  },
  allowPositionals: true,
}, async ({ values, positionals }, context) => {
  const [action, ...extra] = positionals;
  if (extra.length) throw new UsageError(`alfred block: unexpected "${extra.join(" ")}"`);
  const now = context.now();
  switch (action) {
    case "status":
    case undefined: {
      const block = await readFleetBlock(context);
      context.stdout(
        isBlockActive(block, now)
          ? `Fleet blocked until ${block.until} (${block.reason}), set by ${block.set_by} at ${block.set_at}.`
          : "No fleet-wide block.",
      );
      return 0;
    }
    case "set": {
      if (!values.for === !values.until) {
        throw new UsageError("alfred block set needs exactly one of --for or --until");
      }
      let until: Date;
      if (values.until) {
        until = new Date(values.until);
        if (Number.isNaN(until.getTime())) {
          throw new UsageError(
            `--until must be an ISO time like 2026-11-27T18:00:00Z (got "${values.until}")`,
          );
        }
        if (until.getTime() <= now.getTime()) throw new UsageError("--until must be in the future");
      } else {
        until = new Date(now.getTime() + parseDuration(values.for!, "--for"));
      }
      const block = await setFleetBlock(until, context, { reason: values.reason });
      context.stdout(`Fleet blocked until ${block.until} (${block.reason}).`);
      return 0;
    }
    case "clear": {
      const had = await clearFleetBlock(context);
      context.stdout(had ? "Fleet-wide block cleared." : "There was no fleet-wide block.");
      return 0;
    }
    default:
      throw new UsageError(`alfred block: unknown action "${action}" (status, set or clear)`);
  }
});
