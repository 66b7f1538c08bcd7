/**
 * `alfred`, the control CLI of the fleet.
 *
 * `alfred fire <codename>` takes a fast path: the guard runs before any other
 * module loads, so a blocked or paused firing costs little more than starting
 * the runtime. Every other command is imported when it is used.
 *
 * @module
 */
import type { Command } from "./commands/context.ts";
import { stdoutTerminal } from "../agents/agent_main.ts";

/** The top-level usage text. */
export const USAGE = `alfred: run and control a fleet of narrow coding agents

Usage: alfred <command> [options]

Commands:
  init [--repo owner/name[=path]]...  write a commented fleet.yaml (never overwrites)
  repos list|add|remove                the repos the fleet serves (edits fleet.yaml)
  enable|disable <codename>...         turn agents on or off (edits fleet.yaml)
  config get|set <key> [value]         one value of fleet.yaml, e.g. agents.lucius.max_turns
  fire <codename> [--dry-run] [--quiet|--json]
                                       fire one agent once, now, and watch it
  status [--json]                      agents, last firings, today's spend, block, pauses
  pause [codename...|--all] [--repo owner/name] [--reason text] [--for 2h]
  resume [codename...|--all] [--repo owner/name] [--override-today]
  block status|set|clear               the fleet-wide provider block
  logs <codename> [-f] [-n lines]      an agent's log
  doctor                               check tools, token, ALFRED_HOME and config
  version                              version and target of this binary
  quickstart                           init if needed, fire echo, show status
  scheduler install|uninstall|status   systemd --user timers or launchd agents
  labels bootstrap <owner/repo>        create the agent labels in a repo (idempotent)
  memory list|forget|export            the lessons agents remember between firings
  report [--days N] [--json]           reliability per agent and repo
  serve [--port N] [--open] | link     the dashboard (web page, JSON API, live events)
  slack                                the Slack listener, in the foreground (docs/SLACK.md)

Options: --help on any command; --debug for stack traces.
Environment: ALFRED_HOME (default ~/.alfred), ALFRED_GITHUB_TOKEN or GITHUB_TOKEN,
  ALFRED_GITHUB_API_URL, ALFRED_SLACK_WEBHOOK_URL, ALFRED_SLACK_APP_TOKEN,
  ALFRED_SLACK_BOT_TOKEN, ALFRED_SLACK_API_URL.
Exit codes: 0 ok (also a firing that stopped on purpose), 1 failure, 2 usage,
  3 config, 4 corrupt state, 5 permission denied. See docs/CLI.md.`;

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: () => import("./commands/init.ts").then((m) => m.initCommand),
  fire: () => import("./commands/fire.ts").then((m) => m.fireCommand),
  repos: () => import("./commands/repos.ts").then((m) => m.reposCommand),
  enable: () => import("./commands/enable.ts").then((m) => m.enableCommand),
  disable: () => import("./commands/enable.ts").then((m) => m.disableCommand),
  config: () => import("./commands/config.ts").then((m) => m.configCommand),
  status: () => import("./commands/status.ts").then((m) => m.statusCommand),
  pause: () => import("./commands/pause.ts").then((m) => m.pauseCommand),
  resume: () => import("./commands/pause.ts").then((m) => m.resumeCommand),
  block: () => import("./commands/block.ts").then((m) => m.blockCommand),
  logs: () => import("./commands/logs.ts").then((m) => m.logsCommand),
  doctor: () => import("./commands/doctor.ts").then((m) => m.doctorCommand),
  version: () => import("./commands/version.ts").then((m) => m.versionCommand),
  quickstart: () => import("./commands/quickstart.ts").then((m) => m.quickstartCommand),
  scheduler: () => import("./commands/scheduler.ts").then((m) => m.schedulerCommand),
  labels: () => import("./commands/labels.ts").then((m) => m.labelsCommand),
  memory: () => import("./commands/memory.ts").then((m) => m.memoryCommand),
  report: () => import("./commands/report.ts").then((m) => m.reportCommand),
  serve: () => import("./commands/serve.ts").then((m) => m.serveCommand),
  slack: () => import("./commands/slack.ts").then((m) => m.slackCommand),
};

/**
 * Runs the CLI with `args` and returns the exit code.
 *
 * @param args The command line after the program name.
 * @param options Environment and output (defaults: the process's own).
 * @returns The exit code.
 */
export async function main(
  args: string[],
  options: {
    env?: (name: string) => string | undefined;
    stdout?: (line: string) => void;
    stderr?: (line: string) => void;
  } = {},
): Promise<number> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const stdout = options.stdout ?? ((line: string) => console.log(line));
  const stderr = options.stderr ?? ((line: string) => console.error(line));
  const debug = args.includes("--debug");
  const rest = args.filter((arg) => arg !== "--debug");
  const [name, ...commandArgs] = rest;
  // The live progress line is drawn only on this process's own terminal.
  const terminal = options.stdout === undefined ? stdoutTerminal(env) : undefined;
  // Fast path: `alfred fire <codename>` with nothing else runs the guard first.
  if (name === "fire" && commandArgs.length === 1 && !commandArgs[0].startsWith("-")) {
    const { fireAgent } = await import("./fire_agent.ts");
    return await fireAgent(commandArgs[0], { env, stdout, stderr, debug, terminal });
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    stdout(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    stderr(
      `error: unknown command "${name}"\nhint: run \`alfred --help\` for the list of commands.`,
    );
    return 2;
  }
  const { runCommand } = await import("./run_command.ts");
  return await runCommand(load, commandArgs, { env, stdout, stderr, debug, terminal });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
