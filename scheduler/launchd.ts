/**
 * launchd agents for Alfred agents: `~/Library/LaunchAgents/<prefix>.alfred.<codename>.plist`,
 * built as data and written with the `plist` library (which escapes XML).
 *
 * launchd has no `EnvironmentFile`: secrets stay out of the plist (which any
 * process of the user can read) and the binary is told where they are through
 * `ALFRED_SECRETS_FILE`.
 *
 * @module
 */
import * as plist from "plist";
import { z } from "zod";
import { ConfigError } from "../runner/errors.ts";
import type { EnvReader } from "../runner/paths.ts";
import { COMPANION_STOP_SECONDS, type CompanionService } from "./companion.ts";
import { launchdTriggerOf, type Schedule } from "./schedule.ts";

/** The label prefix when none is configured; labels read `local.alfred.<codename>`. */
export const DEFAULT_LABEL_PREFIX = "local";

/** Schema of one `StartCalendarInterval` dictionary as Alfred writes it. */
export const LaunchdCalendarEntrySchema = z.strictObject({
  Weekday: z.number().int().min(0).max(7).optional(),
  Hour: z.number().int().min(0).max(23).optional(),
  Minute: z.number().int().min(0).max(59),
});

/** Schema of the launchd agent plist Alfred writes (and reads back in `status` and tests). */
export const LaunchAgentPlist = z.strictObject({
  Label: z.string().min(1),
  ProgramArguments: z.array(z.string()).min(1),
  EnvironmentVariables: z.record(z.string(), z.string()),
  StartInterval: z.number().int().positive().optional(),
  StartCalendarInterval: z.array(LaunchdCalendarEntrySchema).min(1).optional(),
  StandardOutPath: z.string(),
  StandardErrorPath: z.string(),
  ProcessType: z.literal("Background"),
  RunAtLoad: z.literal(false),
});
/** A launchd agent plist as Alfred writes it. */
export type LaunchAgentPlist = z.infer<typeof LaunchAgentPlist>;

/** What one agent's launchd plist needs. */
export interface LaunchdAgentSpec {
  /** The agent's codename. */
  readonly codename: string;
  /** Its label, from {@linkcode launchdLabel}. */
  readonly label: string;
  /** Absolute path of its binary. */
  readonly binaryPath: string;
  /** Arguments after the binary; none by default. */
  readonly args?: readonly string[];
  /** `ALFRED_HOME`. */
  readonly home: string;
  /** The secrets file, passed as `ALFRED_SECRETS_FILE`. */
  readonly secretsFile: string;
  /** The file both output streams go to. */
  readonly logFile: string;
  /** More environment variables (e.g. `PATH`). */
  readonly environment?: Readonly<Record<string, string>>;
  /** The parsed schedule. */
  readonly schedule: Schedule;
}

/**
 * Schema of a companion service's plist: started at load, kept alive by its
 * restart policy, its process group left alone when it ends (the firings it
 * started go on).
 */
export const LaunchCompanionPlist = z.strictObject({
  Label: z.string().min(1),
  ProgramArguments: z.array(z.string()).min(1),
  EnvironmentVariables: z.record(z.string(), z.string()),
  /** `true` (restart always) or `{ SuccessfulExit: false }` (restart after a failure). */
  KeepAlive: z.union([z.literal(true), z.strictObject({ SuccessfulExit: z.literal(false) })]),
  RunAtLoad: z.literal(true),
  AbandonProcessGroup: z.literal(true),
  ExitTimeOut: z.number().int().positive(),
  StandardOutPath: z.string(),
  StandardErrorPath: z.string(),
  ProcessType: z.literal("Standard"),
});
/** A companion service's plist as Alfred writes it. */
export type LaunchCompanionPlist = z.infer<typeof LaunchCompanionPlist>;

/** What a companion's launchd plist needs besides the companion itself. */
export interface LaunchdCompanionSpec {
  /** The companion: name, command, restart policy. */
  readonly companion: CompanionService;
  /** Its label, from {@linkcode launchdLabel}. */
  readonly label: string;
  /** `ALFRED_HOME`. */
  readonly home: string;
  /** The secrets file, passed as `ALFRED_SECRETS_FILE`. */
  readonly secretsFile: string;
  /** The file both output streams go to. */
  readonly logFile: string;
  /** More environment variables (e.g. `PATH`). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The plist of a companion service.
 *
 * @param spec The companion, label, home, secrets and log.
 * @returns The plist dictionary, checked against {@linkcode LaunchCompanionPlist}.
 * @throws {ConfigError} when the program path is not absolute or a string has
 *   control characters.
 */
export function launchCompanionOf(spec: LaunchdCompanionSpec): LaunchCompanionPlist {
  const [program] = spec.companion.command;
  if (!program?.startsWith("/")) {
    throw new ConfigError(
      `${spec.label}: ProgramArguments needs an absolute path (got "${program}")`,
      { hint: "Pass --bin-dir with an absolute folder." },
    );
  }
  const companion: LaunchCompanionPlist = {
    Label: spec.label,
    ProgramArguments: [...spec.companion.command],
    EnvironmentVariables: {
      ...spec.environment,
      ALFRED_HOME: spec.home,
      ALFRED_SECRETS_FILE: spec.secretsFile,
    },
    KeepAlive: spec.companion.restart === "always" ? true : { SuccessfulExit: false },
    RunAtLoad: true,
    AbandonProcessGroup: true,
    ExitTimeOut: COMPANION_STOP_SECONDS,
    StandardOutPath: spec.logFile,
    StandardErrorPath: spec.logFile,
    ProcessType: "Standard",
  };
  rejectControl(companion, spec.label);
  return LaunchCompanionPlist.parse(companion);
}

/**
 * The launchd label of an agent.
 *
 * @param codename The agent's codename.
 * @param options `prefix` in reverse-DNS form, e.g. `com.example`.
 * @returns `<prefix>.alfred.<codename>`.
 * @throws {ConfigError} when the prefix is not dot-separated letters, digits and dashes.
 */
export function launchdLabel(codename: string, options: { prefix?: string } = {}): string {
  const prefix = options.prefix ?? DEFAULT_LABEL_PREFIX;
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(prefix)) {
    throw new ConfigError(`launchd label prefix "${prefix}" is not in reverse-DNS form`, {
      hint: 'Use dot-separated letters, digits and dashes, e.g. "com.example".',
    });
  }
  return `${prefix}.alfred.${codename}`;
}

/**
 * The folder of the operator's launchd agents.
 *
 * @param env Reads `HOME`.
 * @returns `$HOME/Library/LaunchAgents`.
 * @throws {ConfigError} when `HOME` is not set.
 */
export function launchAgentsDir(env: EnvReader): string {
  const home = env("HOME");
  if (!home) {
    throw new ConfigError("HOME is not set", {
      hint: "Run `alfred scheduler` from the operator's login shell.",
    });
  }
  return `${home}/Library/LaunchAgents`;
}

/**
 * The plist of one agent.
 *
 * @param spec The agent's label, binary, home, secrets, log and schedule.
 * @returns The plist dictionary, checked against {@linkcode LaunchAgentPlist}.
 * @throws {ConfigError} when the binary path is not absolute or a string has
 *   control characters (XML cannot carry them).
 */
export function launchAgentOf(spec: LaunchdAgentSpec): LaunchAgentPlist {
  if (!spec.binaryPath.startsWith("/")) {
    throw new ConfigError(
      `${spec.label}: ProgramArguments needs an absolute path (got "${spec.binaryPath}")`,
      {
        hint: "Pass --bin-dir with an absolute folder.",
      },
    );
  }
  const agent: LaunchAgentPlist = {
    Label: spec.label,
    ProgramArguments: [spec.binaryPath, ...(spec.args ?? [])],
    EnvironmentVariables: {
      ...spec.environment,
      ALFRED_HOME: spec.home,
      ALFRED_SECRETS_FILE: spec.secretsFile,
    },
    ...launchdTriggerOf(spec.schedule),
    StandardOutPath: spec.logFile,
    StandardErrorPath: spec.logFile,
    ProcessType: "Background",
    RunAtLoad: false,
  };
  rejectControl(agent, spec.label);
  return LaunchAgentPlist.parse(agent);
}

/**
 * Writes a plist as XML.
 *
 * @param agent The plist dictionary.
 * @returns The XML text, ending with a newline.
 */
export function serializePlist(agent: LaunchAgentPlist | LaunchCompanionPlist): string {
  return plist.build(agent as unknown as plist.PlistValue) + "\n";
}

/**
 * Parses a plist written by {@linkcode serializePlist}.
 *
 * @param xml The XML text.
 * @param options `file` names it in error messages.
 * @returns The checked dictionary.
 * @throws {ConfigError} when it is not a plist of the shape Alfred writes.
 */
export function parseLaunchAgent(xml: string, options: { file?: string } = {}): LaunchAgentPlist {
  const where = options.file ?? "plist";
  let value: unknown;
  try {
    value = plist.parse(xml);
  } catch (error) {
    throw new ConfigError(`${where}: not a plist: ${(error as Error).message}`, {
      hint: "Run `alfred scheduler install` to rewrite it.",
      cause: error,
    });
  }
  const result = LaunchAgentPlist.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(`${where}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`, {
    hint: "Run `alfred scheduler install` to rewrite it.",
  });
}

function rejectControl(value: unknown, label: string): void {
  if (typeof value === "string") {
    // deno-lint-ignore no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value) || /[\n\r\t]/.test(value)) {
      throw new ConfigError(`${label}: ${JSON.stringify(value)} contains a control character`, {
        hint: "Move Alfred's home or binaries to a path without control characters.",
      });
    }
  } else if (Array.isArray(value)) {
    for (const item of value) rejectControl(item, label);
  } else if (value && typeof value === "object") {
    for (const item of Object.values(value)) rejectControl(item, label);
  }
}
