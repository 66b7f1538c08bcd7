/**
 * `alfred quickstart`: the README's first command. Creates ALFRED_HOME if
 * needed, fires the echo agent, then shows the status.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { initCommand } from "./init.ts";
import { statusCommand } from "./status.ts";
import { fireAgent } from "../fire_agent.ts";

/** The `quickstart` command. */
export const quickstartCommand: Command = defineCommand({
  command: "quickstart",
  help:
    "Usage: alfred quickstart\n\nRuns `alfred init` if needed, `alfred fire echo`, then `alfred status`.",
}, async (_parsed, context) => {
  const exists = await Deno.stat(context.layout.fleetFile).then(() => true, (error) => {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  });
  if (!exists) {
    const code = await initCommand([], context);
    if (code !== 0) return code;
  }
  context.stdout("$ alfred fire echo");
  const fired = await fireAgent("echo", { ...context });
  context.stdout("\n$ alfred status");
  const status = await statusCommand([], context);
  return fired || status;
});
