/**
 * `alfred slack`: the Slack listener, in the foreground, until SIGTERM or
 * Ctrl-C. It runs in this process under `deno run` and as the `alfred-slack`
 * binary (its own permissions: Slack's hosts, GitHub, the agents' binaries);
 * the compiled `alfred` hands over to `alfred-slack` beside it.
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { defineCommand } from "./args.ts";
import { basenameOf, dirnameOf } from "../../runner/paths.ts";
import { runProcess } from "../../runner/process.ts";
import { readSlackSettings } from "../../slack/settings.ts";
import { runSlackListener } from "../../slack/listener.ts";

const HELP = `Usage: alfred slack

Runs the Slack listener in the foreground (Socket Mode) until SIGTERM or Ctrl-C.
In a DM or a mention: help, status, pause <codename|all> [for 2h] [reason],
resume <codename|all>, block [for 2h [reason]|clear], fire <codename>,
report [days], file <owner/repo>: <title> (body on the next lines).

Environment: ALFRED_SLACK_APP_TOKEN (xapp-, connections:write),
ALFRED_SLACK_BOT_TOKEN (xoxb-), ALFRED_SLACK_API_URL (default
https://slack.com/api/). fleet.yaml: slack.operators, slack.channel.
As a service: alfred scheduler install --slack. See docs/SLACK.md.`;

/** Signals that stop the listener. */
const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGINT"];

/**
 * Where the listener runs, from this process's executable (pure): here
 * (`deno run`, or the `alfred-slack` binary), or in `alfred-slack` beside a
 * compiled `alfred`.
 *
 * @param execPath `Deno.execPath()`.
 * @returns `here`, or the sibling binary to run.
 */
export function slackRunner(execPath: string): { here: true } | { binary: string } {
  const name = basenameOf(execPath).replace(/\.exe$/, "");
  if (name === "alfred") return { binary: `${dirnameOf(execPath)}/alfred-slack` };
  return { here: true };
}

/** The `slack` command. */
export const slackCommand: Command = defineCommand({
  command: "slack",
  help: HELP,
}, async (_parsed, context) => {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, onSignal);
  try {
    const where = slackRunner(Deno.execPath());
    if ("binary" in where) return await handOver(where.binary, { context, signal: stop.signal });
    const settings = readSlackSettings(context.env);
    return await runSlackListener({ context, settings, signal: stop.signal });
  } finally {
    for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, onSignal);
  }
});

/** Runs `alfred-slack`, passing its output through, until it ends or a signal stops it. */
async function handOver(
  binary: string,
  options: { context: CommandContext; signal: AbortSignal },
): Promise<number> {
  const result = await runProcess(binary, [], {
    cwd: "/",
    env: Deno.env.toObject(),
    timeoutMs: Infinity,
    onStdoutLine: options.context.stdout,
    onStderrLine: options.context.stderr,
    signal: options.signal,
  });
  return result.code ?? 0;
}
