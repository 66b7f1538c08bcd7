/**
 * `alfred scheduler install|uninstall|status`: puts every enabled agent into
 * systemd --user timers (Linux) or launchd agents (macOS), and the companion
 * services the operator opts into (`--slack`, `--serve`) into user services; takes them
 * out, and shows what the scheduler says. Also the bridge `alfred pause` / `resume` use
 * to stop and start timers (scheduler/pause_hook.ts).
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { parseCommandArgs } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { dirnameOf } from "../../runner/paths.ts";
import { loadFleetConfig } from "../../runner/config/config.ts";
import type { CompanionRestart, CompanionService } from "../../scheduler/companion.ts";
import {
  installScheduler,
  platformOf,
  type SchedulerAgent,
  type SchedulerReport,
  type SchedulerTarget,
  uninstallScheduler,
} from "../../scheduler/control.ts";
import { launchdLabel } from "../../scheduler/launchd.ts";
import { Platform, readManifest } from "../../scheduler/manifest.ts";
import { findMissedRuns } from "../../scheduler/missed_runs.ts";
import {
  pausedFromState,
  type SchedulerHostDeps,
  schedulerTargetOf,
} from "../../scheduler/pause_hook.ts";
import { intervalSecondsOf, parseSchedule } from "../../scheduler/schedule.ts";
import { companionStatus, describeCompanion, schedulerStatus } from "../../scheduler/status.ts";

export { describeCompanion } from "../../scheduler/status.ts";
export { processRunner } from "../../scheduler/runner.ts";

/** A companion service `alfred scheduler install` can add, as its flag names it. */
export interface KnownCompanion {
  /** What it is, for a person (the unit's description). */
  readonly description: string;
  /** Its binary, beside the agents' (`alfred-slack`). */
  readonly binary: string;
  /** Arguments after the binary. */
  readonly args: readonly string[];
  /** When the service manager starts it again. */
  readonly restart: CompanionRestart;
  /** One line for the help text. */
  readonly help: string;
}

/**
 * The companion services `install` knows, by name: `--<name>` installs one,
 * `--no-<name>` removes it, and a plain `install` keeps those already installed.
 */
export const KNOWN_COMPANIONS: Readonly<Record<string, KnownCompanion>> = {
  slack: {
    description: "Alfred Slack listener",
    binary: "alfred-slack",
    args: [],
    restart: "always",
    help: "the Slack listener (alfred-slack), restarted always; docs/SLACK.md",
  },
  serve: {
    description: "Alfred dashboard",
    binary: "alfred-serve",
    args: [],
    restart: "on-failure",
    help: "the dashboard (alfred-serve), restarted on failure; docs/API.md",
  },
};

const HELP = `Usage: alfred scheduler install|uninstall|status [options]

  install     Write a timer (systemd) or agent plist (launchd) for every enabled
              agent and start it. Idempotent; paused agents stay stopped.
              Companion services already installed are kept and restarted.
  uninstall   Stop and remove exactly what install wrote (from its manifest).
  status      Next fire time per agent from the scheduler; flags missed runs;
              whether each companion service runs.

Options:
  --platform systemd|launchd   Default: systemd on Linux, launchd on macOS.
  --dry-run                    Print the files and commands; change nothing.
  --bin-dir DIR                Folder of the alfred-<codename> binaries
                               (default: the folder of this binary).
  --label-prefix PREFIX        launchd label prefix (default: local), e.g. com.example.
${
  Object.entries(KNOWN_COMPANIONS).map(([name, known]) =>
    `  --${name}, --no-${name}`.padEnd(31) + `install, or remove, ${known.help}\n`
  ).join("")
}  -h, --help                   This text.

See docs/SCHEDULER.md.`;

/** Seconds the scheduler waits past the agent's own timeout, so the runner can clean up first. */
export const STOP_GRACE_SECONDS = 120;

/** One agent the scheduler needs, as mapped from the fleet configuration. */
export interface SchedulerAgentInput {
  /** The codename. */
  readonly codename: string;
  /** The `schedule` string. */
  readonly schedule: string;
  /** Longest firing in seconds (the agent's own timeout). */
  readonly timeoutSeconds: number;
}

/** What the command needs from the rest of Alfred; tests replace each part. */
export interface SchedulerCommandDeps extends SchedulerHostDeps {
  /** The enabled agents. Defaults to reading `fleet.yaml`. */
  loadAgents?: (context: CommandContext) => Promise<SchedulerAgentInput[]>;
  /** Last firing per agent (from the event log); defaults to what the scheduler knows. */
  lastFirings?: (context: CommandContext) => Promise<Map<string, Date>>;
  /** `Deno.execPath()`; its folder holds the agent binaries. */
  execPath?: string;
}

/**
 * Builds the `scheduler` command around its dependencies.
 *
 * @param deps Replacements for the fleet config, pause state, runner and host facts.
 * @returns The command.
 */
export function createSchedulerCommand(deps: SchedulerCommandDeps = {}): Command {
  return async (args, context) => {
    const { values, positionals } = parseCommandArgs(args, {
      command: "scheduler",
      options: {
        platform: { type: "string" },
        "dry-run": { type: "boolean" },
        "bin-dir": { type: "string" },
        "label-prefix": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...COMPANION_FLAGS,
      },
      allowPositionals: true,
    });
    const flags = values as Record<string, string | boolean | undefined>;
    if (values.help) {
      context.stdout(HELP);
      return 0;
    }
    const [action, ...extra] = positionals;
    if (!action || !["install", "uninstall", "status"].includes(action) || extra.length) {
      throw new UsageError(
        `alfred scheduler needs one of install, uninstall, status (got "${positionals.join(" ")}")`,
      );
    }
    const platform = parsePlatform(values.platform, deps.os);
    const target = schedulerTargetOf(context, {
      platform,
      deps,
      labelPrefix: values["label-prefix"],
    });
    if (action === "uninstall") {
      const report = await uninstallScheduler({ ...target, dryRun: values["dry-run"] });
      printReport(report, context, { dryRun: values["dry-run"] ?? false });
      return 0;
    }
    const inputs = await (deps.loadAgents ?? agentsFromFleet)(context);
    const binDir = values["bin-dir"] ?? dirnameOf(deps.execPath ?? Deno.execPath());
    if (!binDir.startsWith("/")) {
      throw new UsageError(`--bin-dir must be an absolute folder (got "${binDir}")`);
    }
    const agents: SchedulerAgent[] = inputs.map((input) => ({
      codename: input.codename,
      schedule: input.schedule,
      binaryPath: `${binDir}/alfred-${input.codename}`,
      timeoutSeconds: input.timeoutSeconds + STOP_GRACE_SECONDS,
    }));
    if (action === "install") {
      const wanted = await companionsWanted(flags, context);
      const companions = wanted.names.map((name) => companionOf(name, binDir));
      if (!values["dry-run"]) {
        await requireBinaries([
          ...agents.map((agent) => agent.binaryPath),
          ...companions.map((companion) => companion.command[0]),
        ]);
      }
      const codenames = agents.map((agent) => agent.codename);
      const paused = await (deps.pausedAgents ?? pausedFromState)(context, codenames);
      const report = await installScheduler(agents, {
        ...target,
        paused,
        companions,
        dryRun: values["dry-run"],
      });
      report.warnings.push(...wanted.warnings);
      printReport(report, context, { dryRun: values["dry-run"] ?? false });
      if (paused.length) context.stdout(`Paused, left stopped: ${paused.join(", ")}.`);
      if (companions.length) {
        context.stdout(`Companion services: ${companions.map((c) => c.name).join(", ")}.`);
      }
      return 0;
    }
    for (const name of Object.keys(KNOWN_COMPANIONS)) {
      if (flags[name] || flags[`no-${name}`]) {
        throw new UsageError(`--${name} and --no-${name} go with \`alfred scheduler install\``);
      }
    }
    return await printStatus(agents, { context, target, deps });
  };
}

/** The `scheduler` command with production dependencies. */
export const schedulerCommand: Command = createSchedulerCommand();

async function printStatus(
  agents: SchedulerAgent[],
  options: { context: CommandContext; target: SchedulerTarget; deps: SchedulerCommandDeps },
): Promise<number> {
  const { context, target, deps } = options;
  const now = context.now();
  const parsed = agents.map((agent) => ({
    codename: agent.codename,
    schedule: parseSchedule(agent.schedule),
    label: launchdLabel(agent.codename, { prefix: target.labelPrefix }),
  }));
  const lastFirings = deps.lastFirings ? await deps.lastFirings(context) : undefined;
  const status = await schedulerStatus(parsed, {
    platform: target.platform,
    runner: target.runner,
    uid: target.uid,
    now,
    lastFirings,
  });
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  const paused = new Set(
    await (deps.pausedAgents ?? pausedFromState)(context, agents.map((agent) => agent.codename)),
  );
  const missed = new Map(
    findMissedRuns(
      parsed.map((agent, index) => ({
        codename: agent.codename,
        intervalSeconds: intervalSecondsOf(agent.schedule),
        lastFiring: lastFirings?.get(agent.codename) ?? status.agents[index].last,
        scheduledSince: manifest ? new Date(manifest.installedAt) : undefined,
        paused: paused.has(agent.codename),
      })),
      now,
    ).map((miss) => [miss.codename, miss]),
  );
  context.stdout(`Scheduler: ${target.platform}${manifest ? "" : " (not installed)"}`);
  for (const [index, agent] of status.agents.entries()) {
    const when = (date: Date | undefined) => date ? date.toISOString() : "-";
    const flags = [
      ...(paused.has(agent.codename) ? ["paused"] : []),
      ...(missed.has(agent.codename)
        ? [`MISSED RUNS (no firing since ${when(missed.get(agent.codename)?.lastFiring)})`]
        : []),
      ...agent.detail,
    ];
    context.stdout(
      [
        agent.codename.padEnd(10),
        agent.state.padEnd(9),
        `next ${when(agent.next)}`,
        `last ${when(lastFirings?.get(agent.codename) ?? agent.last)}`,
        parsed[index].schedule.text,
        ...flags,
      ].join("  "),
    );
  }
  for (const warning of status.warnings) context.stderr(`warning: ${warning}`);
  if (manifest?.companions.length) {
    const companions = await companionStatus(manifest.companions, {
      platform: target.platform,
      runner: target.runner,
      uid: target.uid,
    });
    for (const companion of companions.companions) {
      context.stdout(describeCompanion(companion));
    }
    for (const warning of companions.warnings) context.stderr(`warning: ${warning}`);
  }
  return 0;
}

function parsePlatform(text: string | undefined, os: string | undefined): Platform {
  if (text === undefined) return platformOf(os ?? Deno.build.os);
  const parsed = Platform.safeParse(text);
  if (!parsed.success) {
    throw new UsageError(`--platform must be systemd or launchd (got "${text}")`);
  }
  return parsed.data;
}

/** `--<name>` and `--no-<name>` for every known companion service. */
const COMPANION_FLAGS = Object.fromEntries(
  Object.keys(KNOWN_COMPANIONS).flatMap((name) => [
    [name, { type: "boolean" as const }],
    [`no-${name}`, { type: "boolean" as const }],
  ]),
);

/**
 * The companion services an install should leave installed: those already in
 * the manifest, plus the ones asked for with `--<name>`, minus `--no-<name>`.
 */
async function companionsWanted(
  flags: Record<string, string | boolean | undefined>,
  context: CommandContext,
): Promise<{ names: string[]; warnings: string[] }> {
  const warnings: string[] = [];
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  const names = new Set<string>();
  for (const installed of manifest?.companions ?? []) {
    if (KNOWN_COMPANIONS[installed.name]) names.add(installed.name);
    else {
      warnings.push(
        `companion service "${installed.name}" is not known to this alfred; removing it`,
      );
    }
  }
  for (const name of Object.keys(KNOWN_COMPANIONS)) {
    if (flags[name] && flags[`no-${name}`]) {
      throw new UsageError(`give --${name} or --no-${name}, not both`);
    }
    if (flags[name]) names.add(name);
    if (flags[`no-${name}`]) names.delete(name);
  }
  return { names: [...names].sort(), warnings };
}

function companionOf(name: string, binDir: string): CompanionService {
  const known = KNOWN_COMPANIONS[name];
  return {
    name,
    description: known.description,
    command: [`${binDir}/${known.binary}`, ...known.args],
    restart: known.restart,
  };
}

async function requireBinaries(paths: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const path of paths) {
    try {
      const info = await Deno.stat(path);
      if (!info.isFile || (info.mode !== null && (info.mode & 0o111) === 0)) {
        missing.push(path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(path);
    }
  }
  if (missing.length) {
    throw new UsageError(`no executable agent binary at ${missing.join(", ")}`, {
      hint: "Build the binaries (`deno task build`) and pass their folder with --bin-dir.",
    });
  }
}

function printReport(
  report: SchedulerReport,
  context: CommandContext,
  options: { dryRun: boolean },
) {
  const would = options.dryRun ? "would " : "";
  for (const file of report.written) context.stdout(`${would}write ${file}`);
  for (const file of report.removed) context.stdout(`${would}remove ${file}`);
  if (report.unchanged.length) context.stdout(`unchanged: ${report.unchanged.length} file(s)`);
  for (const command of report.commands) context.stdout(`${would}run ${command}`);
  for (const warning of report.warnings) context.stderr(`warning: ${warning}`);
}

async function agentsFromFleet(context: CommandContext): Promise<SchedulerAgentInput[]> {
  const config = await loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: (text) => void parseSchedule(text),
  });
  return Object.values(config.agents)
    .filter((agent) => agent.enabled)
    .map((agent) => ({
      codename: agent.codename,
      schedule: agent.schedule,
      timeoutSeconds: agent.timeoutMinutes * 60,
    }));
}
