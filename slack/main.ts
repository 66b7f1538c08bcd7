/**
 * `alfred-slack`: the Slack listener as its own binary, with its own
 * permissions (runner/config/permissions.ts): Slack's Web API and Socket Mode hosts,
 * GitHub, `ALFRED_HOME`, the agents' binaries and the scheduler's programs.
 * `alfred scheduler install --slack` runs it as a user service.
 *
 * @module
 */
import { slackCommand } from "../cli/commands/slack.ts";
import { alfredHome, layoutOf } from "../runner/paths.ts";
import { exitCodeOf, formatError } from "../runner/errors.ts";
import { describePermissionDenial } from "../runner/config/permission_error.ts";

/**
 * Runs the listener with this process's environment and output.
 *
 * @param args The command line after the program name.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const env = (name: string) => Deno.env.get(name);
  const debug = args.includes("--debug");
  try {
    return await slackCommand(args.filter((arg) => arg !== "--debug"), {
      env,
      layout: layoutOf(alfredHome(env)),
      stdout: (line) => console.log(line),
      stderr: (line) => console.error(line),
      now: () => new Date(),
      debug,
    });
  } catch (error) {
    const shown = describePermissionDenial(error, { binary: "alfred-slack" }) ?? error;
    console.error(formatError(shown, { debug }));
    return exitCodeOf(shown);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
