/**
 * `alfred fire <codename> [--dry-run]`: fires one agent once, now.
 *
 * @module
 */
import type { CommandContext } from "./context.ts";
import { parseCommandArgs } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";

const HELP = `Usage: alfred fire <codename> [--dry-run]

Fires one agent once, through the same lifecycle as a scheduled firing: guard
(block, pause), lock, spend caps, work, record, notify. It prints one line
starting with [AGENT-...] when it stops on purpose, and exits 0 then.

  --dry-run   check everything and say what would happen; do no work`;

/** The `fire` command. */
export async function fireCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    command: "fire",
    options: { "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help) {
    context.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError("alfred fire takes exactly one codename", {
      hint: "e.g. `alfred fire echo`; `alfred status` lists the agents.",
    });
  }
  const { fireAgent } = await import("../fire_agent.ts");
  return await fireAgent(positionals[0], {
    env: context.env,
    stdout: context.stdout,
    stderr: context.stderr,
    dryRun: values["dry-run"] ?? false,
    debug: context.debug,
  });
}
