/**
 * Install, uninstall, pause and resume Alfred's agents in the OS scheduler
 * (systemd --user timers or launchd agents), through a {@linkcode SchedulerRunner}.
 *
 * Commands, in order:
 * - systemd install: write changed units → `systemctl --user daemon-reload` (when
 *   anything changed) → per agent `enable --now <timer>` (and `restart <timer>`
 *   when its timer file changed), or `disable --now <timer>` for a paused agent.
 * - systemd pause: `systemctl --user disable --now <timer>`: the timer stops now
 *   and stays stopped across reboots; a firing already running finishes.
 *   Resume: `systemctl --user enable --now <timer>`.
 * - launchd install: write changed plists → per agent `launchctl enable
 *   gui/<uid>/<label>`, then `bootstrap gui/<uid> <plist>` when it is not loaded
 *   (`bootout` first when it is loaded with an older plist).
 * - launchd pause: `launchctl disable gui/<uid>/<label>` (so login does not load
 *   it again) then `bootout gui/<uid>/<label>`. Resume: `enable` then `bootstrap`.
 * - companion services (scheduler/companion.ts), after the agents: systemd
 *   `enable <service>` then `restart <service>`, so it runs the binary installed
 *   now; launchd `enable`, then `bootstrap` when it is not loaded, `kickstart -k`
 *   when it is (`bootout` and `bootstrap` when its plist changed). Pausing never
 *   touches them: the Slack listener is how an operator resumes from chat.
 *
 * The pause state file (runner/firing/pause.ts) is the source of truth: pause and
 * resume here never throw for a failed scheduler command, they return warnings.
 *
 * @module
 */
import { AlfredError, ConfigError, UsageError } from "../runner/errors.ts";
import { agentLogDir, type EnvReader, type Layout } from "../runner/paths.ts";
import { readTextIfExists, writeFileAtomic } from "../runner/state.ts";
import { checkCompanion, type CompanionService } from "./companion.ts";
import {
  launchAgentOf,
  launchAgentsDir,
  launchCompanionOf,
  launchdLabel,
  serializePlist,
} from "./launchd.ts";
import {
  type ManifestAgent,
  type ManifestCompanion,
  type ManifestFile,
  type Platform,
  readManifest,
  removeManifest,
  type SchedulerManifest,
  sha256Of,
  writeManifest,
} from "./manifest.ts";
import {
  formatCommand,
  type RunResult,
  SchedulerCommandError,
  type SchedulerRunner,
} from "./runner.ts";
import { parseSchedule } from "./schedule.ts";
import {
  companionUnitOf,
  serializeUnit,
  serviceUnitOf,
  systemdUnitName,
  systemdUserUnitDir,
  timerUnitOf,
} from "./systemd.ts";

/** One agent to schedule, as the CLI maps it from the fleet configuration. */
export interface SchedulerAgent {
  /** The agent's codename. */
  readonly codename: string;
  /** Its `schedule` string from `fleet.yaml`. */
  readonly schedule: string;
  /** Absolute path of its compiled binary. */
  readonly binaryPath: string;
  /** Longest firing, in seconds. */
  readonly timeoutSeconds: number;
}

/** Where and how to talk to the scheduler. */
export interface SchedulerTarget {
  /** Which scheduler. */
  readonly platform: Platform;
  /** The Alfred home layout (units point at it; the manifest lives in it). */
  readonly layout: Layout;
  /** Reads `HOME` and `XDG_CONFIG_HOME` to find the unit folders. */
  readonly env: EnvReader;
  /** Runs `systemctl` / `launchctl`. */
  readonly runner: SchedulerRunner;
  /** The operator's uid, for launchd's `gui/<uid>` domain. */
  readonly uid?: number;
  /** The launchd label prefix, e.g. `com.example`. */
  readonly labelPrefix?: string;
  /** The secrets file; defaults to `<home>/secrets.env`. */
  readonly secretsFile?: string;
  /** More environment variables for every agent (e.g. `PATH`). */
  readonly environment?: Readonly<Record<string, string>>;
  /** The clock. */
  readonly now: () => Date;
  /** Waits between a launchd `bootout` and a retried `bootstrap`; defaults to a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One file install would write, with its content. */
export interface PlannedFile {
  /** The agent it belongs to. */
  readonly codename: string;
  /** Absolute path. */
  readonly path: string;
  /** Content. */
  readonly text: string;
}

/** What install would write, per agent and per companion service. */
export interface InstallPlan {
  /** The scheduler. */
  readonly platform: Platform;
  /** Per agent: the timer or label, and its files. */
  readonly agents: readonly { codename: string; unit: string; files: PlannedFile[] }[];
  /** Per companion service: the service or label, its restart policy, and its files. */
  readonly companions: readonly {
    name: string;
    unit: string;
    restart: CompanionService["restart"];
    files: PlannedFile[];
  }[];
}

/** What install and its plan take besides the agents. */
export interface InstallOptions {
  /**
   * The companion services to install (scheduler/companion.ts). Companions in
   * the manifest but not listed here are stopped and removed. Default: none.
   */
  companions?: readonly CompanionService[];
}

/** What an operation did (or, in a dry run, would do). */
export interface SchedulerReport {
  /** Files written (or that would be). */
  readonly written: string[];
  /** Files already up to date. */
  readonly unchanged: string[];
  /** Files removed. */
  readonly removed: string[];
  /** Scheduler commands run, formatted. */
  readonly commands: string[];
  /** Things the operator should know; never fatal. */
  readonly warnings: string[];
}

/** Waits for launchd to finish a `bootout` before `bootstrap` is retried. */
const BOOTOUT_SETTLE_MS = 500;
/** How often a `bootstrap` right after a `bootout` is tried. */
const BOOTSTRAP_ATTEMPTS = 3;
/** launchctl's exit code for "Could not find service" (measured on macOS 14). */
const LAUNCHCTL_NOT_FOUND = 113;

/**
 * The scheduler of an operating system.
 *
 * @param os `Deno.build.os`.
 * @returns `systemd` on Linux, `launchd` on macOS.
 * @throws {UsageError} on other systems.
 */
export function platformOf(os: string): Platform {
  if (os === "linux") return "systemd";
  if (os === "darwin") return "launchd";
  throw new UsageError(`no supported scheduler on ${os}`, {
    hint: "Alfred schedules agents with systemd (Linux) or launchd (macOS); pass --platform.",
  });
}

/**
 * The secrets file the units read.
 *
 * @param target The scheduler target.
 * @returns `target.secretsFile`, else `<home>/secrets.env`.
 */
export function secretsFileOf(target: Pick<SchedulerTarget, "layout" | "secretsFile">): string {
  return target.secretsFile ?? `${target.layout.home}/secrets.env`;
}

/**
 * Builds the files install would write. Pure apart from reading `env`.
 *
 * @param agents The agents to schedule.
 * @param target The scheduler target.
 * @returns The plan.
 * @throws {ScheduleError} for an invalid schedule; {@linkcode UnitValueError} or
 *   `ConfigError` for a path that cannot be written into a unit.
 */
export function planInstall(
  agents: readonly SchedulerAgent[],
  target: SchedulerTarget & InstallOptions,
): InstallPlan {
  const seen = new Set<string>();
  const planned = agents.map((agent) => {
    if (seen.has(agent.codename)) {
      throw new ConfigError(`agent "${agent.codename}" is listed twice`, {
        hint: "Each codename appears once in fleet.yaml.",
      });
    }
    seen.add(agent.codename);
    const schedule = parseSchedule(agent.schedule);
    const common = {
      codename: agent.codename,
      binaryPath: agent.binaryPath,
      home: target.layout.home,
      secretsFile: secretsFileOf(target),
      logFile: `${agentLogDir(target.layout, agent.codename)}/scheduler.log`,
      environment: target.environment,
      schedule,
    };
    if (target.platform === "systemd") {
      const dir = systemdUserUnitDir(target.env);
      const spec = {
        ...common,
        secretsOptional: true,
        timeoutSeconds: agent.timeoutSeconds,
      };
      const units = [serviceUnitOf(spec), timerUnitOf(spec)];
      return {
        codename: agent.codename,
        unit: systemdUnitName(agent.codename, "timer"),
        files: units.map((unit) => ({
          codename: agent.codename,
          path: `${dir}/${unit.name}`,
          text: serializeUnit(unit),
        })),
      };
    }
    const label = launchdLabel(agent.codename, { prefix: target.labelPrefix });
    const text = serializePlist(launchAgentOf({ ...common, label }));
    return {
      codename: agent.codename,
      unit: label,
      files: [{
        codename: agent.codename,
        path: `${launchAgentsDir(target.env)}/${label}.plist`,
        text,
      }],
    };
  });
  const names = new Set<string>();
  const companions = (target.companions ?? []).map((given) => {
    const companion = checkCompanion(given, { codenames: [...seen] });
    if (names.has(companion.name)) {
      throw new ConfigError(`companion service "${companion.name}" is listed twice`);
    }
    names.add(companion.name);
    const common = {
      companion,
      home: target.layout.home,
      secretsFile: secretsFileOf(target),
      logFile: `${agentLogDir(target.layout, companion.name)}/service.log`,
      environment: target.environment,
    };
    if (target.platform === "systemd") {
      const unit = companionUnitOf(common);
      return {
        name: companion.name,
        unit: unit.name,
        restart: companion.restart,
        files: [{
          codename: companion.name,
          path: `${systemdUserUnitDir(target.env)}/${unit.name}`,
          text: serializeUnit(unit),
        }],
      };
    }
    const label = launchdLabel(companion.name, { prefix: target.labelPrefix });
    return {
      name: companion.name,
      unit: label,
      restart: companion.restart,
      files: [{
        codename: companion.name,
        path: `${launchAgentsDir(target.env)}/${label}.plist`,
        text: serializePlist(launchCompanionOf({ ...common, label })),
      }],
    };
  });
  return { platform: target.platform, agents: planned, companions };
}

/**
 * Installs (or updates) every agent's units and starts their schedules.
 * Idempotent: unchanged files are not rewritten and agents dropped from the
 * fleet since the last install are stopped and removed. Paused agents get
 * their units but stay stopped.
 *
 * Requires write access to the unit folder and `ALFRED_HOME`, and runs
 * `systemctl --user` or `launchctl`.
 *
 * @param agents The agents to schedule.
 * @param target The scheduler target, the paused codenames, and `dryRun`.
 * @returns What was written and run.
 * @throws {SchedulerCommandError} when a scheduler command fails; the files and
 *   manifest are written by then, so `uninstall` still removes them.
 * @throws {AlfredError} when the secrets file is readable by others, or the
 *   manifest was written for the other platform.
 */
export async function installScheduler(
  agents: readonly SchedulerAgent[],
  target: SchedulerTarget & InstallOptions & { paused?: readonly string[]; dryRun?: boolean },
): Promise<SchedulerReport> {
  const plan = planInstall(agents, target);
  const report = emptyReport();
  await checkSecretsFile(secretsFileOf(target), report);
  const previous = await readManifest(target.layout);
  if (previous && previous.platform !== target.platform) {
    throw new AlfredError(
      `the scheduler manifest is for ${previous.platform}, not ${target.platform}`,
      { hint: `Run \`alfred scheduler uninstall --platform ${previous.platform}\` first.` },
    );
  }
  const exec = executor(target, report, { dryRun: target.dryRun });
  const keep = new Set(plan.agents.map((agent) => agent.codename));
  const dropped = (previous?.agents ?? []).filter((agent) => !keep.has(agent.codename));
  for (const agent of dropped) await stopAndRemove(agent, target, exec, report);
  const keepCompanions = new Set(plan.companions.map((companion) => companion.name));
  const droppedCompanions = (previous?.companions ?? []).filter((companion) =>
    !keepCompanions.has(companion.name)
  );
  for (const companion of droppedCompanions) {
    await stopAndRemove(companion, target, exec, report);
  }

  const changed = new Set<string>();
  const writeFiles = async (name: string, planned: readonly PlannedFile[]) => {
    const files: ManifestFile[] = [];
    for (const file of planned) {
      const current = await readTextIfExists(file.path);
      if (current === file.text) {
        report.unchanged.push(file.path);
      } else {
        changed.add(file.path);
        report.written.push(file.path);
        if (!target.dryRun) await writeFileAtomic(file.path, file.text, { mode: 0o644 });
      }
      files.push({ path: file.path, sha256: await sha256Of(file.text) });
    }
    if (!target.dryRun) {
      await Deno.mkdir(agentLogDir(target.layout, name), { recursive: true });
    }
    return files;
  };
  const manifestAgents: ManifestAgent[] = [];
  for (const agent of plan.agents) {
    const files = await writeFiles(agent.codename, agent.files);
    manifestAgents.push({ codename: agent.codename, unit: agent.unit, files });
  }
  const manifestCompanions: ManifestCompanion[] = [];
  for (const companion of plan.companions) {
    const files = await writeFiles(companion.name, companion.files);
    const { name, unit, restart } = companion;
    manifestCompanions.push({ name, unit, restart, files });
  }
  if (!target.dryRun) {
    await writeManifest(target.layout, {
      version: 1,
      platform: target.platform,
      installedAt: target.now().toISOString(),
      agents: manifestAgents,
      companions: manifestCompanions,
    });
  }

  const paused = new Set(target.paused ?? []);
  if (target.platform === "systemd") {
    if (changed.size > 0 || dropped.length > 0 || droppedCompanions.length > 0) {
      await exec.must("systemctl", ["--user", "daemon-reload"]);
    }
    for (const agent of plan.agents) {
      if (paused.has(agent.codename)) {
        await exec.must("systemctl", ["--user", "disable", "--now", agent.unit]);
        continue;
      }
      await exec.must("systemctl", ["--user", "enable", "--now", agent.unit]);
      const timerChanged = agent.files.some((file) =>
        file.path.endsWith(".timer") && changed.has(file.path)
      );
      const wasInstalled = previous?.agents.some((old) => old.codename === agent.codename);
      if (timerChanged && wasInstalled) {
        await exec.must("systemctl", ["--user", "restart", agent.unit]);
      }
    }
    for (const companion of plan.companions) {
      await exec.must("systemctl", ["--user", "enable", companion.unit]);
      await exec.must("systemctl", ["--user", "restart", companion.unit]);
    }
  } else {
    const domain = guiDomain(target);
    const isLoaded = async (service: string) =>
      target.dryRun ? false : (await exec.probe("launchctl", ["print", service])).code === 0;
    for (const agent of plan.agents) {
      const service = `${domain}/${agent.unit}`;
      const plistPath = agent.files[0].path;
      const loaded = await isLoaded(service);
      if (paused.has(agent.codename)) {
        await exec.must("launchctl", ["disable", service]);
        if (loaded) await exec.must("launchctl", ["bootout", service]);
        continue;
      }
      await exec.must("launchctl", ["enable", service]);
      if (loaded && !changed.has(plistPath)) continue;
      if (loaded) await exec.must("launchctl", ["bootout", service]);
      await bootstrap(exec, target, { domain, plistPath, retry: loaded });
    }
    for (const companion of plan.companions) {
      const service = `${domain}/${companion.unit}`;
      const plistPath = companion.files[0].path;
      const loaded = await isLoaded(service);
      await exec.must("launchctl", ["enable", service]);
      if (loaded && !changed.has(plistPath)) {
        await exec.must("launchctl", ["kickstart", "-k", service]);
        continue;
      }
      if (loaded) await exec.must("launchctl", ["bootout", service]);
      await bootstrap(exec, target, { domain, plistPath, retry: loaded });
    }
  }
  return report;
}

/**
 * Stops every agent and companion service the manifest lists and removes
 * exactly the files it lists, then the manifest. A file changed since install
 * is removed too, with a warning.
 *
 * @param target The scheduler target and `dryRun`.
 * @returns What was removed and run; a warning when nothing was installed.
 * @throws {AlfredError} when the manifest was written for the other platform.
 */
export async function uninstallScheduler(
  target: SchedulerTarget & { dryRun?: boolean },
): Promise<SchedulerReport> {
  const report = emptyReport();
  const manifest = await readManifest(target.layout);
  if (!manifest) {
    report.warnings.push("nothing to uninstall: no scheduler manifest (was `install` run?)");
    return report;
  }
  checkPlatform(manifest, target);
  const exec = executor(target, report, { dryRun: target.dryRun });
  const installed = [...manifest.agents, ...manifest.companions];
  for (const unit of installed) await stopAndRemove(unit, target, exec, report);
  if (target.platform === "systemd" && installed.length > 0) {
    await exec.tolerate("systemctl", ["--user", "daemon-reload"]);
  }
  if (!target.dryRun) await removeManifest(target.layout);
  return report;
}

/**
 * Stops the schedules of some agents, within seconds. Never throws for a
 * scheduler failure: the pause state file already stops firings, so failures
 * come back as warnings.
 *
 * @param codenames The agents to pause, or `"all"` for every installed one.
 * @param target The scheduler target.
 * @returns The warnings (empty when every command succeeded).
 */
export async function pauseAtScheduler(
  codenames: readonly string[] | "all",
  target: SchedulerTarget,
): Promise<{ warnings: string[]; commands: string[] }> {
  return await atScheduler(codenames, target, async (agent, exec) => {
    if (target.platform === "systemd") {
      await exec.tolerate("systemctl", ["--user", "disable", "--now", agent.unit]);
      return;
    }
    const service = `${guiDomain(target)}/${agent.unit}`;
    await exec.tolerate("launchctl", ["disable", service]);
    const result = await exec.probe("launchctl", ["bootout", service]);
    if (result.code !== 0 && result.code !== LAUNCHCTL_NOT_FOUND) {
      exec.warn("launchctl", ["bootout", service], result);
    }
  });
}

/**
 * Starts the schedules of some agents again. Like {@linkcode pauseAtScheduler},
 * failures are warnings. Pass only agents that are no longer paused.
 *
 * @param codenames The agents to resume, or `"all"` for every installed one.
 * @param target The scheduler target.
 * @returns The warnings (empty when every command succeeded).
 */
export async function resumeAtScheduler(
  codenames: readonly string[] | "all",
  target: SchedulerTarget,
): Promise<{ warnings: string[]; commands: string[] }> {
  return await atScheduler(codenames, target, async (agent, exec) => {
    if (target.platform === "systemd") {
      await exec.tolerate("systemctl", ["--user", "enable", "--now", agent.unit]);
      return;
    }
    const domain = guiDomain(target);
    await exec.tolerate("launchctl", ["enable", `${domain}/${agent.unit}`]);
    const plistPath = agent.files[0]?.path;
    if (!plistPath) return exec.note(`${agent.codename}: the manifest lists no plist`);
    const result = await exec.probe("launchctl", ["bootstrap", domain, plistPath]);
    if (result.code === 0) return;
    const loaded = await exec.probe("launchctl", ["print", `${domain}/${agent.unit}`]);
    if (loaded.code !== 0) exec.warn("launchctl", ["bootstrap", domain, plistPath], result);
  });
}

type Exec = ReturnType<typeof executor>;

async function atScheduler(
  codenames: readonly string[] | "all",
  target: SchedulerTarget,
  act: (agent: ManifestAgent, exec: Exec) => Promise<void>,
): Promise<{ warnings: string[]; commands: string[] }> {
  const report = emptyReport();
  const exec = executor(target, report, { dryRun: false });
  let manifest: SchedulerManifest | undefined;
  try {
    manifest = await readManifest(target.layout, {
      warn: (message) => report.warnings.push(message),
    });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    report.warnings.push(`${error.message}; the scheduler was not touched`);
    return { warnings: report.warnings, commands: report.commands };
  }
  if (!manifest) {
    report.warnings.push(
      "the scheduler is not installed (`alfred scheduler install`); the pause state alone applies",
    );
    return { warnings: report.warnings, commands: report.commands };
  }
  if (manifest.platform !== target.platform) {
    report.warnings.push(
      `the scheduler manifest is for ${manifest.platform}, not ${target.platform}`,
    );
    return { warnings: report.warnings, commands: report.commands };
  }
  const byName = new Map(manifest.agents.map((agent) => [agent.codename, agent]));
  const names = codenames === "all" ? [...byName.keys()] : codenames;
  for (const name of names) {
    const agent = byName.get(name);
    if (!agent) {
      report.warnings.push(
        `${name}: not installed in the scheduler; the pause state alone applies`,
      );
      continue;
    }
    try {
      await act(agent, exec);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      report.warnings.push(`${name}: ${error.message}`);
    }
  }
  return { warnings: report.warnings, commands: report.commands };
}

async function stopAndRemove(
  agent: { unit: string; files: readonly ManifestFile[] },
  target: SchedulerTarget & { dryRun?: boolean },
  exec: Exec,
  report: SchedulerReport,
): Promise<void> {
  if (target.platform === "systemd") {
    await exec.tolerate("systemctl", ["--user", "disable", "--now", agent.unit]);
  } else {
    const result = await exec.probe("launchctl", ["bootout", `${guiDomain(target)}/${agent.unit}`]);
    if (result.code !== 0 && result.code !== LAUNCHCTL_NOT_FOUND) {
      exec.warn("launchctl", ["bootout", `${guiDomain(target)}/${agent.unit}`], result);
    }
  }
  for (const file of agent.files) {
    const current = await readTextIfExists(file.path);
    if (current === undefined) {
      report.warnings.push(`${file.path} was already gone`);
      continue;
    }
    if (await sha256Of(current) !== file.sha256) {
      report.warnings.push(`${file.path} was edited since install; removing it anyway`);
    }
    if (!target.dryRun) await Deno.remove(file.path);
    report.removed.push(file.path);
  }
}

async function bootstrap(
  exec: Exec,
  target: SchedulerTarget,
  options: { domain: string; plistPath: string; retry: boolean },
): Promise<void> {
  const args = ["bootstrap", options.domain, options.plistPath];
  const attempts = options.retry ? BOOTSTRAP_ATTEMPTS : 1;
  const sleep = target.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  for (let attempt = 1;; attempt++) {
    const result = await exec.probe("launchctl", args);
    if (result.code === 0) return;
    if (attempt >= attempts) {
      throw new SchedulerCommandError(["launchctl", ...args], result, {
        hint: "Check the plist with `plutil -lint` and the log with `log show --predicate " +
          "'subsystem == \"com.apple.xpc.launchd\"' --last 5m`.",
      });
    }
    // launchd finishes a bootout asynchronously; a bootstrap right after it can fail.
    await sleep(BOOTOUT_SETTLE_MS);
  }
}

function executor(target: SchedulerTarget, report: SchedulerReport, options: { dryRun?: boolean }) {
  const run = async (program: string, args: readonly string[]): Promise<RunResult> => {
    report.commands.push(formatCommand(program, args));
    if (options.dryRun) return { code: 0, stdout: "", stderr: "" };
    return await target.runner.run(program, args);
  };
  const warn = (program: string, args: readonly string[], result: RunResult) => {
    const said = result.stderr.trim() || result.stdout.trim() || "no output";
    report.warnings.push(
      `\`${formatCommand(program, args)}\` failed (exit ${result.code}): ${said}`,
    );
  };
  return {
    /** Runs a command that must succeed. */
    async must(program: string, args: readonly string[]): Promise<RunResult> {
      const result = await run(program, args);
      if (result.code !== 0) {
        throw new SchedulerCommandError([program, ...args], result, hintFor(program));
      }
      return result;
    },
    /** Runs a command whose failure is a warning. */
    async tolerate(program: string, args: readonly string[]): Promise<RunResult> {
      const result = await run(program, args);
      if (result.code !== 0) warn(program, args, result);
      return result;
    },
    /** Runs a command whose exit code the caller interprets. */
    probe: run,
    warn,
    note(message: string): void {
      report.warnings.push(message);
    },
  };
}

function hintFor(program: string): { hint: string } {
  if (program === "systemctl") {
    return {
      hint: "Check that a systemd user manager runs (`systemctl --user status`); over SSH, " +
        "enable lingering with `loginctl enable-linger $USER` (see `alfred doctor`).",
    };
  }
  return { hint: "Run the command by hand in a GUI login session to see the full error." };
}

function guiDomain(target: SchedulerTarget): string {
  if (target.uid === undefined) {
    throw new UsageError("launchd needs the operator's uid for the gui/<uid> domain", {
      hint: "Run `alfred scheduler` as the operator, on macOS.",
    });
  }
  return `gui/${target.uid}`;
}

function checkPlatform(manifest: SchedulerManifest, target: SchedulerTarget): void {
  if (manifest.platform !== target.platform) {
    throw new AlfredError(
      `the scheduler manifest is for ${manifest.platform}, not ${target.platform}`,
      {
        hint: `Pass --platform ${manifest.platform}.`,
      },
    );
  }
}

async function checkSecretsFile(file: string, report: SchedulerReport): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    report.warnings.push(
      `secrets file ${file} does not exist; agents that need tokens will fail. Create it with ` +
        `\`install -m 600 /dev/null '${file}'\` and add KEY=value lines.`,
    );
    return;
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    throw new AlfredError(
      `secrets file ${file} has mode ${(info.mode & 0o777).toString(8)}; it must be 600`,
      { hint: `Run \`chmod 600 '${file}'\`, then install again.` },
    );
  }
}

function emptyReport(): SchedulerReport {
  return { written: [], unchanged: [], removed: [], commands: [], warnings: [] };
}
