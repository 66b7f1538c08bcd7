/**
 * `alfred doctor`: checks what a fleet needs on this machine and says how to
 * fix what is missing.
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { defineCommand } from "./args.ts";
import { AlfredError } from "../../runner/errors.ts";
import { agentLogDir } from "../../runner/paths.ts";
import { type FleetConfig, loadFleetConfig } from "../../runner/config/config.ts";
import { validateScheduleText } from "../../runner/config/schedule_check.ts";
import { checkSandbox, sandboxOffWarning, unconfinedAgents } from "../../runner/sandbox/mod.ts";
import { slackBotOf } from "../../runner/firing/slack_threads.ts";
import { checkLinger } from "../../scheduler/linger.ts";
import { readManifest } from "../../scheduler/manifest.ts";
import { companionStatus } from "../../scheduler/status.ts";
import { readSlackSettings } from "../../slack/settings.ts";
import { processRunner } from "../../scheduler/runner.ts";
import { describeCompanion } from "../../scheduler/status.ts";

/** One check's result. */
export interface Check {
  /** What was checked. */
  name: string;
  /** ok, warn (works, but worth fixing) or fail (the fleet cannot work). */
  status: "ok" | "warn" | "fail";
  /** What was found, and what to do. */
  detail: string;
}

/** The `doctor` command. */
export const doctorCommand: Command = defineCommand({
  command: "doctor",
  help:
    "Usage: alfred doctor [--json]\n\nChecks git, gh and the engines on PATH, the GitHub token,\nALFRED_HOME, and fleet.yaml. Exits 1 when a check fails.",
  options: { json: { type: "boolean" } },
}, async ({ values }, context) => {
  const checks = await runChecks(context);
  if (values.json) context.stdout(JSON.stringify(checks, null, 2));
  else {
    const mark = { ok: "ok  ", warn: "WARN", fail: "FAIL" };
    for (const check of checks) {
      context.stdout(`${mark[check.status]}  ${check.name}: ${check.detail}`);
    }
  }
  return checks.some((check) => check.status === "fail") ? 1 : 0;
});

/**
 * Runs every check.
 *
 * @param context The command's world.
 * @returns The checks, in order.
 */
export async function runChecks(context: CommandContext): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push(await checkHome(context));
  let config: FleetConfig | undefined;
  try {
    config = await loadFleetConfig(context.layout.fleetFile, {
      env: context.env,
      validateSchedule: validateScheduleText,
    });
    checks.push({ name: "fleet.yaml", status: "ok", detail: `valid (${config.source})` });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    checks.push({
      name: "fleet.yaml",
      status: "fail",
      detail: `${error.message}${error.hint ? ` — ${error.hint}` : ""}`,
    });
  }
  const path = context.env("PATH") ?? "";
  const enabled = config ? Object.values(config.agents).filter((agent) => agent.enabled) : [];
  const engines = new Set(
    enabled.filter((a) => a.codename !== "echo").map((agent) => agent.engine),
  );
  const needsGitHub = enabled.some((agent) => agent.codename !== "echo");
  const programs: [string, boolean, string][] = [
    ["git", needsGitHub, "install git (e.g. apt-get install git, or Xcode command-line tools)"],
    ["gh", false, "install the GitHub CLI (https://cli.github.com) or set ALFRED_GITHUB_TOKEN"],
    ["claude", engines.has("claude"), "npm install -g @anthropic-ai/claude-code"],
    ["codex", engines.has("codex"), "npm install -g @openai/codex"],
  ];
  for (const [program, required, fix] of programs) {
    const found = await findOnPath(program, path);
    checks.push(
      found
        ? { name: program, status: "ok", detail: found }
        : { name: program, status: required ? "fail" : "warn", detail: `not on PATH; ${fix}` },
    );
  }
  const token = context.env("ALFRED_GITHUB_TOKEN")
    ? "ALFRED_GITHUB_TOKEN"
    : context.env("GITHUB_TOKEN")
    ? "GITHUB_TOKEN"
    : undefined;
  checks.push(
    token ? { name: "GitHub token", status: "ok", detail: `from ${token}` } : {
      name: "GitHub token",
      status: needsGitHub ? "warn" : "ok",
      detail: needsGitHub
        ? "no ALFRED_GITHUB_TOKEN or GITHUB_TOKEN; agents will ask `gh auth token` (run `gh auth login`)"
        : "not needed by the enabled agents",
    },
  );
  if (Deno.build.os === "linux" && enabled.length) checks.push(await checkLingerForUser(context));
  checks.push(...await checkCompanions(context));
  const sandboxed = enabled.filter((agent) => agent.codename !== "echo" && agent.sandbox !== "off");
  if (sandboxed.length) checks.push(await checkEngineSandbox(sandboxed, path));
  const unconfined = unconfinedAgents(enabled);
  if (unconfined.length) {
    checks.push({
      name: "sandbox: off",
      status: "warn",
      detail: unconfined.map(sandboxOffWarning).join("; "),
    });
  }
  if (config) checks.push(...checkSlack(config, context));
  return checks;
}

async function checkLingerForUser(context: CommandContext): Promise<Check> {
  const user = context.env("USER") ?? context.env("LOGNAME");
  if (!user) {
    return {
      name: "linger",
      status: "warn",
      detail: "USER is not set; cannot check `loginctl` lingering",
    };
  }
  const linger = await checkLinger(user, { runner: processRunner(context.env) });
  return {
    name: "linger",
    status: linger.linger ? "ok" : "warn",
    detail: linger.hint ? `${linger.message}; ${linger.hint}` : linger.message,
  };
}

/** Slack: where notices go (threads through the bot, or the webhook), and the listener's settings. */
function checkSlack(config: FleetConfig, context: CommandContext): Check[] {
  const checks: Check[] = [];
  let bot;
  try {
    bot = slackBotOf(config, context.env);
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    checks.push({ name: "Slack", status: "fail", detail: `${error.message} — ${error.hint}` });
  }
  if (bot) {
    checks.push({
      name: "Slack",
      status: "ok",
      detail: `notices go to ${bot.channel} through the bot, one thread per issue`,
    });
  } else if (config.slackWebhookUrl) {
    checks.push({
      name: "Slack",
      status: "ok",
      detail: `webhook from ${config.slackWebhookEnv}` +
        (context.env("ALFRED_SLACK_BOT_TOKEN") && !config.slackChannel
          ? "; set slack.channel in fleet.yaml for one thread per issue"
          : ""),
    });
  } else {
    checks.push({
      name: "Slack",
      status: "warn",
      detail: `${config.slackWebhookEnv} is not set; notices go to the agents' logs only`,
    });
  }
  if (context.env("ALFRED_SLACK_APP_TOKEN")) {
    try {
      readSlackSettings(context.env);
      checks.push({
        name: "Slack listener",
        status: config.slackOperators.length ? "ok" : "warn",
        detail: config.slackOperators.length
          ? `tokens set; ${config.slackOperators.length} operator(s) may command`
          : "tokens set, but no slack.operators in fleet.yaml: it answers help and status only",
      });
    } catch (error) {
      if (!(error instanceof AlfredError)) throw error;
      checks.push({
        name: "Slack listener",
        status: "fail",
        detail: `${error.message} — ${error.hint}`,
      });
    }
  }
  return checks;
}

/** One check per installed companion service (the Slack listener): does it run? */
async function checkCompanions(context: CommandContext): Promise<Check[]> {
  let manifest;
  try {
    manifest = await readManifest(context.layout, { warn: context.stderr });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    return [{ name: "scheduler manifest", status: "warn", detail: error.message }];
  }
  if (!manifest?.companions.length) return [];
  const { companions } = await companionStatus(manifest.companions, {
    platform: manifest.platform,
    runner: processRunner(context.env),
    uid: manifest.platform === "launchd" ? Deno.uid() ?? undefined : undefined,
  });
  return companions.map((companion) => {
    const log = `${agentLogDir(context.layout, companion.name)}/service.log`;
    const look = manifest.platform === "systemd"
      ? `\`systemctl --user status ${companion.unit}\``
      : `\`launchctl print gui/$(id -u)/${companion.unit}\``;
    return companion.state === "running"
      ? { name: `service ${companion.name}`, status: "ok", detail: describeCompanion(companion) }
      : {
        name: `service ${companion.name}`,
        status: "warn",
        detail: `${describeCompanion(companion)}; see ${log} and ${look}`,
      };
  });
}

async function checkEngineSandbox(
  agents: FleetConfig["agents"][string][],
  path: string,
): Promise<Check> {
  const check = await checkSandbox({ path });
  if (check.ok) return { name: "sandbox", status: "ok", detail: check.detail };
  const required = agents.filter((agent) => agent.sandbox === "required").map((agent) =>
    agent.codename
  );
  return {
    name: "sandbox",
    status: required.length ? "fail" : "warn",
    detail: `${check.detail}; ` +
      (required.length
        ? `${
          required.join(", ")
        } require it and will refuse to fire: install bubblewrap (apt-get install bubblewrap) and allow user namespaces, or set sandbox: auto`
        : "engines will run unconfined (sandbox: auto)"),
  };
}

async function checkHome(context: CommandContext): Promise<Check> {
  const { home } = context.layout;
  try {
    await Deno.mkdir(home, { recursive: true });
    const probe = `${home}/.doctor-${Deno.pid}`;
    await Deno.writeTextFile(probe, "ok");
    await Deno.remove(probe);
    return { name: "ALFRED_HOME", status: "ok", detail: `${home} is writable` };
  } catch (error) {
    return {
      name: "ALFRED_HOME",
      status: "fail",
      detail: `${home} is not writable (${
        (error as Error).message
      }); set ALFRED_HOME to a folder you own`,
    };
  }
}

/**
 * Finds a program on PATH without running it.
 *
 * @param program Its name.
 * @param path The PATH value.
 * @returns Its full path, or `undefined`.
 */
export async function findOnPath(program: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(":").filter(Boolean)) {
    const candidate = `${dir}/${program}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && (info.mode === null || (info.mode & 0o111) !== 0)) return candidate;
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.PermissionDenied)
      ) throw error;
    }
  }
  return undefined;
}
