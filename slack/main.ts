/**
 * `alfred-slack`: the Slack listener as its own binary, with its own
 * permissions (runner/config/permissions.ts): Slack's Web API and Socket Mode hosts,
 * GitHub, `ALFRED_HOME`, the agents' binaries and the scheduler's programs.
 * `alfred scheduler install --slack` runs it as a user service.
 *
 * @module
 */
import { slackCommand } from "../cli/commands/slack.ts";
import { runCommand } from "../cli/run_command.ts";

/**
 * Runs the listener with this process's environment and output.
 *
 * @param args The command line after the program name.
 * @returns The exit code.
 */
export function main(args: string[]): Promise<number> {
  return runCommand(() => Promise.resolve(slackCommand), args, { binary: "alfred-slack" });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
