/**
 * `alfred fire <codename> [--dry-run]`: fires one agent once, now.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { fireAgent } from "../fire_agent.ts";

const HELP = `Usage: alfred fire <codename> [--dry-run] [--quiet | --json]

Fires one agent once, through the same lifecycle as a scheduled firing: guard
(block, pause), lock, spend caps, work, record, notify. It shows each step as
it happens (claimed, worktree, engine with turns and cost so far, committed,
pushed, pull request, released): one live line on a terminal, plain lines
otherwise. It ends with one summary line: outcome, link, turns, cost, wall time.
A firing that stops on purpose prints one line starting with [AGENT-...] and
exits 0.

  --dry-run   check everything and say what would happen; do no work
  --quiet     print only the summary line (or the [AGENT-...] line)
  --json      print only the firing record, as JSON, with its steps`;

/** The `fire` command. */
export const fireCommand: Command = defineCommand({
  command: "fire",
  help: HELP,
  options: {
    "dry-run": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    json: { type: "boolean" },
  },
  allowPositionals: true,
}, async ({ values, positionals }, context) => {
  if (positionals.length !== 1) {
    throw new UsageError("alfred fire takes exactly one codename", {
      hint: "e.g. `alfred fire echo`; `alfred status` lists the agents.",
    });
  }
  if (values.quiet && values.json) {
    throw new UsageError("alfred fire: give --quiet or --json, not both");
  }
  return await fireAgent(positionals[0], {
    env: context.env,
    stdout: context.stdout,
    stderr: context.stderr,
    dryRun: values["dry-run"] ?? false,
    debug: context.debug,
    progress: values.json ? "json" : values.quiet ? "quiet" : "auto",
    terminal: context.terminal,
  });
});
