/**
 * `fleet.yaml`: the operator's fleet configuration, its schema, its embedded
 * defaults, and errors that point at the file, line, column and field.
 *
 * Secrets never live in the file: Slack is configured by the *name* of the
 * environment variable that holds the webhook URL. Environment settings
 * (`ALFRED_SLACK_WEBHOOK_URL`, `ALFRED_GITHUB_API_URL`) override the file.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import type { EnvReader } from "../paths.ts";
import { peekState, writeState } from "../state.ts";
import {
  CoordinationSection,
  type CoordinationSettings,
  MemorySection,
  type MemorySettings,
  RedisSection,
  resolveCoordinationSettings,
  resolveMemorySettings,
} from "../coordination/redis_connection.ts";
import { BUILT_IN_AGENTS } from "./built_in_agents.ts";

export { BUILT_IN_AGENTS };

/** A codename: lower-case letters, digits and dashes, starting with a letter. */
export const Codename = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
  message: "must be lower-case letters, digits and dashes, starting with a letter",
});

/** A repo as `owner/name`. */
export const RepoName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, {
  message: "must look like owner/name",
});

/** A GitHub login: letters, digits and single hyphens; a GitHub App posts as `<slug>[bot]`. */
export const GitHubLogin = z.string().regex(
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/,
  { message: "must be a GitHub login (letters, digits, single dashes; an App as name[bot])" },
);

/** The engines Alfred can drive. */
export const EngineName = z.enum(["claude", "codex"]);
/** One of {@linkcode EngineName}. */
export type EngineName = z.infer<typeof EngineName>;

const PositiveInt = z.number().int().positive();
const NonNegative = z.number().nonnegative();

/** Daily caps of one agent; a cap that is absent is not enforced. */
export const Caps = z.strictObject({
  turns_per_day: PositiveInt.optional(),
  cost_usd_per_day: NonNegative.optional(),
  firings_per_day: PositiveInt.optional(),
});
/** Parsed caps. */
export type Caps = z.infer<typeof Caps>;

/** Settings an agent inherits from `defaults` unless it sets its own. */
const AgentSettings = {
  engine: EngineName.optional(),
  tier: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  max_turns: PositiveInt.optional(),
  timeout_minutes: z.number().positive().max(24 * 60).optional(),
  caps: Caps.optional(),
  failure_streak_threshold: PositiveInt.optional(),
};

/** The name of an environment variable an agent's engine may see. */
const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  message: "must be an environment variable name (upper case, digits, _)",
});

/** How an agent's engine is confined: see docs/SANDBOX.md. */
export const SandboxModeName = z.enum(["required", "auto", "off"]);

/** A host an agent's engine may reach through the sandbox's proxy: `name[:port]` or `*.name[:port]`. */
const HostEntry = z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i, {
  message: "must be a host name with an optional port, e.g. api.example.com or *.example.com:8443",
});

/**
 * What a repository command (Bane's `pre_push`, Huntress's `smoke_command` and
 * `smoke_setup`) may start with: test and task runners. They run only inside
 * the sandbox (runner/sandbox/repo_command.ts), never as a program the binary itself
 * may start; reach another tool through an npm script or a make target.
 */
export const SMOKE_RUNNERS: readonly string[] = [
  "npx",
  "npm",
  "pnpm",
  "yarn",
  "node",
  "deno",
  "bun",
  "make",
  "python",
  "python3",
  "pytest",
  "uv",
  "go",
  "cargo",
];

/**
 * A check command, run without a shell and inside the sandbox: a list of
 * arguments, or one string split on whitespace (`npm test`, `deno task
 * check`). Its program must be one of {@linkcode SMOKE_RUNNERS}.
 */
export const CheckCommand = z.union([
  z.string().trim().min(1).regex(/^[^|&;<>`$]*$/, {
    message: "is run without a shell: no | & ; < > ` or $ (give a list of arguments instead)",
  }),
  z.array(z.string().min(1)).min(1),
]).refine((command) => SMOKE_RUNNERS.includes(argvOf(command)[0]), {
  message: `must start with a test or task runner (${
    SMOKE_RUNNERS.join(", ")
  }); reach another tool through an npm script or a make target`,
});

/**
 * The argument list of a {@linkcode CheckCommand} (pure).
 *
 * @param command A string (split on whitespace) or a list.
 * @returns The arguments, program first.
 */
export function argvOf(command: string | readonly string[]): string[] {
  return typeof command === "string" ? command.trim().split(/\s+/) : [...command];
}

/** One agent's entry under `agents:`. */
export const AgentEntry = z.strictObject({
  sandbox: SandboxModeName.optional(),
  network: z.array(HostEntry).optional(),
  programs: z.array(
    z.string().regex(/^[A-Za-z0-9._+-]+$/, {
      message: "must be a program name found on PATH (no paths, no spaces)",
    }),
  ).optional(),
  hosts: z.array(HostEntry).optional(),
  sandbox_read_only: z.array(z.string().startsWith("/", { message: "must be an absolute path" }))
    .optional(),
  /** Bane: the coverage report (lcov), relative to the repo's checkout or absolute. */
  coverage_report: z.string().min(1).optional(),
  /** Bane: the check that must pass before a pull request is opened (a repo's own wins). */
  pre_push: CheckCommand.optional(),
  /** Bane: how far back "recently changed" looks, in days. */
  since_days: PositiveInt.max(365).optional(),
  /** Bane: files at or above this line coverage (percent) are not targets. */
  coverage_below: z.number().min(0).max(100).optional(),
  /** Custom codenames: the issue label of its queue (default `agent:<codename>`). */
  queue_label: z.string().regex(/^[^,\s][^,]{0,48}[^,\s]$/, {
    message: "must be a GitHub label name (2 to 50 characters, no commas), e.g. agent:docs",
  }).optional(),
  /** Custom codenames: the prompt, relative to ALFRED_HOME or absolute (default `prompts/<codename>.md`). */
  prompt_file: z.string().min(1).optional(),
  /** Custom codenames: what the agent does, in one sentence. */
  job: z.string().min(1).max(200).optional(),
  /** Huntress: the end-to-end test command, run without a shell in a worktree at origin/<base>. */
  smoke_command: CheckCommand.optional(),
  /** Huntress: a command run first in that worktree (e.g. `npm ci`). */
  smoke_setup: CheckCommand.optional(),
  /** Huntress: the staging URL, given to the smoke command as STAGING_URL and BASE_URL. */
  staging_url: z.url().optional(),
  /** Huntress: the AWS Secrets Manager secret with the test credentials. */
  smoke_secret_id: z.string().min(1).optional(),
  /** Huntress: folders the smoke command writes its artefacts to, relative to the worktree. */
  smoke_artifacts: z.array(
    z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, {
      message: "must be a path inside the worktree (relative, no ..)",
    }),
  ).optional(),
  /** Huntress, Gordon: the AWS endpoint (`aws --endpoint-url`), e.g. LocalStack or a VPC endpoint. */
  aws_endpoint_url: z.url().optional(),
  /** Huntress, Gordon: the AWS region (`aws --region`); default: the profile's. */
  aws_region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, {
    message: "must be an AWS region, e.g. eu-west-1",
  }).optional(),
  /** Gordon: the ECS services that run staging. */
  ecs: z.strictObject({
    cluster: z.string().min(1),
    services: z.array(z.string().min(1)).min(1),
    container: z.string().min(1).optional(),
  }).optional(),
  /** Gordon: staging behind main for longer than this many minutes is reported. */
  drift_minutes: PositiveInt.optional(),
  /** Gordon: Sentry's top unresolved error groups of a project. */
  sentry: z.strictObject({
    url: z.url().optional(),
    org: z.string().regex(/^[a-z0-9_-]+$/i, { message: "must be a Sentry organisation slug" }),
    project: z.string().regex(/^[a-z0-9_.-]+$/i, { message: "must be a Sentry project slug" }),
    error_threshold: PositiveInt.optional(),
    top: PositiveInt.max(25).optional(),
  }).optional(),
  /** Drake: the roadmap or specs file it reads, relative to each repo's root. */
  roadmap: z.string().min(1).regex(/^[^/]/, { message: "must be relative to the repo's root" })
    .refine((path) => !path.split("/").includes(".."), { message: "must not contain .." })
    .optional(),
  /** Drake: most issues filed in one firing (default 2). */
  max_issues_per_firing: PositiveInt.max(20).optional(),
  /** Batman: wait for a human's approval of a plan before filing child issues (default true). */
  require_approval: z.boolean().optional(),
  enabled: z.boolean().optional(),
  schedule: z.string().min(1).optional(),
  repos: z.array(RepoName).optional(),
  env: z.array(EnvName).optional(),
  aws: z.boolean().optional(),
  sentinels: z.array(
    z.string().regex(/^[A-Z][A-Z0-9-]*$/, {
      message: "must be upper case letters, digits and dashes, e.g. ROBIN-TRIAGED",
    }),
  ).optional(),
  ...AgentSettings,
});

/** A Slack user id, as Slack shows it under a profile's "Copy member ID": `U0123ABCD`. */
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, {
  message: "must be a Slack member ID like U0123ABCD (a profile's ⋮ menu → Copy member ID)",
});

/** A Slack channel id, as a channel's details show it: `C0123ABCD`. */
export const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, {
  message: "must be a Slack channel ID like C0123ABCD (the channel's details, at the bottom)",
});

/** One repo under `repos:`. */
export const RepoEntry = z.strictObject({
  name: RepoName,
  path: z.string().min(1).optional(),
  base: z.string().min(1).optional(),
  /** The repo's check before a push (Bane runs it before opening a pull request). */
  pre_push: CheckCommand.optional(),
  /** The repo's coverage report (lcov), relative to its checkout or absolute. */
  coverage_report: z.string().min(1).optional(),
});

/** A tier: which engine and model an agent of that tier runs, and what to try when it is rate-limited. */
export const TierEntry = z.strictObject({
  engine: EngineName,
  model: z.string().min(1).optional(),
  fallback: z.strictObject({
    engine: EngineName.optional(),
    model: z.string().min(1).optional(),
    claude_config_dir: z.string().min(1).optional(),
  }).optional(),
});

/** A resolved tier: engine, model, and the fallback route. */
export interface TierConfig {
  /** The engine. */
  engine: EngineName;
  /** The model, if named. */
  model: string | undefined;
  /** What to try once when the primary is rate-limited. */
  fallback?: { engine?: EngineName; model?: string; claudeConfigDir?: string };
}

/** The whole `fleet.yaml`. */
export const FleetFile = z.strictObject({
  version: z.literal(1),
  timezone: z.string().min(1).optional(),
  defaults: z.strictObject({
    ...AgentSettings,
    sandbox: SandboxModeName.optional(),
    block_hours: z.number().positive().max(48).optional(),
  }).optional(),
  tiers: z.record(z.string().min(1), TierEntry).optional(),
  repos: z.array(RepoEntry).optional(),
  agents: z.record(Codename, AgentEntry).optional(),
  slack: z.strictObject({
    webhook_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
      message:
        "must be the NAME of an environment variable (e.g. ALFRED_SLACK_WEBHOOK_URL), not the URL",
    }).optional(),
    /** Slack user ids that may command the fleet from Slack (docs/SLACK.md). */
    operators: z.array(SlackUserId).optional(),
    /** The channel id firing notices go to with the bot token, one thread per issue. */
    channel: SlackChannelId.optional(),
  }).optional(),
  github: z.strictObject({
    api_url: z.url().optional(),
    trusted_logins: z.array(GitHubLogin).optional(),
  }).optional(),
  redis: RedisSection.optional(),
  memory: MemorySection.optional(),
  coordination: CoordinationSection.optional(),
});
/** The parsed `fleet.yaml`, before defaults are applied. */
export type FleetFile = z.infer<typeof FleetFile>;

/** An agent with every setting resolved. */
export interface AgentConfig {
  /** The codename. */
  codename: string;
  /** Whether the agent fires at all. */
  enabled: boolean;
  /** Its schedule, e.g. `every 20m`. */
  schedule: string;
  /** The engine that runs it. */
  engine: EngineName;
  /** Its tier name. */
  tier: string;
  /** The model, when the tier or agent names one. */
  model: string | undefined;
  /** Most engine turns in one firing. */
  maxTurns: number;
  /** Longest firing, in minutes. */
  timeoutMinutes: number;
  /** Daily caps. */
  caps: Caps;
  /** Consecutive failures after which the agent pauses itself. */
  failureStreakThreshold: number;
  /** Repos it serves (`owner/name`). */
  repos: string[];
  /** Extra environment variables its engine may see. */
  env: string[];
  /** Whether it uses its own AWS profile (`ALFRED_<CODENAME>_AWS_PROFILE`). */
  aws: boolean;
  /** Its own sentinels beyond the built-in ones. */
  sentinels: string[];
  /** How its engine is confined (default: `required` on Linux and macOS). */
  sandbox: z.infer<typeof SandboxModeName>;
  /** Hosts its engine may reach beyond the engine's API host. */
  network: string[];
  /** Extra paths the sandbox shows read-only. */
  sandboxReadOnly: string[];
  /** Drake: the roadmap path relative to a repo's root, when set. */
  roadmap?: string;
  /** Drake: most issues filed in one firing, when set. */
  maxIssuesPerFiring?: number;
  /** Batman: whether a plan waits for a human's approval, when set. */
  requireApproval?: boolean;
  /** Bane: the coverage report path, when set. */
  coverageReport?: string;
  /** Bane: the pre-push check, as arguments, when set. */
  prePush?: string[];
  /** Bane: how far back "recently changed" looks, in days, when set. */
  sinceDays?: number;
  /** Bane: the coverage (percent) below which a file is a target, when set. */
  coverageBelow?: number;
  /** Custom codenames: the issue label of its queue. */
  queueLabel?: string;
  /** Custom codenames: the prompt file, as written in fleet.yaml (relative to ALFRED_HOME or absolute). */
  promptFile?: string;
  /** Custom codenames: its job, in one sentence. */
  job?: string;
  /** Huntress: the smoke test settings, when a command is configured. */
  smoke?: SmokeSettings;
  /** Huntress, Gordon: `aws --endpoint-url`, when set. */
  awsEndpointUrl?: string;
  /** Huntress, Gordon: `aws --region`, when set. */
  awsRegion?: string;
  /** Gordon: the ECS services of staging, when set. */
  ecs?: { cluster: string; services: string[]; container?: string };
  /** Gordon: drift older than this many minutes is reported. */
  driftMinutes?: number;
  /** Gordon: the Sentry project whose top error groups are listed, when set. */
  sentry?: SentrySettings;
}

/** Huntress's smoke test, resolved. */
export interface SmokeSettings {
  /** The command, program first. */
  command: string[];
  /** A command run first, program first. */
  setup?: string[];
  /** The staging URL. */
  stagingUrl?: string;
  /** The Secrets Manager secret id of the test credentials. */
  secretId?: string;
  /** Artefact folders, relative to the worktree. */
  artifacts: string[];
}

/** Gordon's Sentry settings, resolved. */
export interface SentrySettings {
  /** The Sentry base URL (default `https://sentry.io`). */
  url: string;
  /** Organisation slug. */
  org: string;
  /** Project slug. */
  project: string;
  /** Events in 24 h (summed over the top groups) above which Gordon reports. */
  errorThreshold: number;
  /** How many error groups are listed. */
  top: number;
}

/** One repo with defaults applied. */
export interface RepoConfig {
  /** `owner/name`. */
  name: string;
  /** The operator's local checkout, if any. */
  path: string | undefined;
  /** The base branch. */
  base: string;
  /** The repo's pre-push check, as arguments, when set. */
  prePush?: string[];
  /** The repo's coverage report path, when set. */
  coverageReport?: string;
}

/** The fleet configuration with defaults and environment overrides applied. */
export interface FleetConfig {
  /** Where it came from: a file path, or `(embedded defaults)`. */
  source: string;
  /** IANA time zone of the operator's day (spend ledgers roll over at its midnight). */
  timezone: string;
  /** Length of a fleet-wide block when the error gives none. */
  blockHours: number;
  /** Tiers by name. */
  tiers: Record<string, TierConfig>;
  /** Repos by name. */
  repos: RepoConfig[];
  /** Agents by codename. */
  agents: Record<string, AgentConfig>;
  /** The Slack webhook URL, when configured and present in the environment. */
  slackWebhookUrl: string | undefined;
  /** The name of the env var that holds it. */
  slackWebhookEnv: string;
  /** Slack user ids that may command the fleet from Slack; none means read-only. */
  slackOperators: string[];
  /** The channel firing notices go to with the bot token (`ALFRED_SLACK_BOT_TOKEN`), if set. */
  slackChannel: string | undefined;
  /** GitHub REST API base URL. */
  githubApiUrl: string;
  /**
   * Accounts besides the token's own whose markers count (`github.trusted_logins`):
   * the other hosts' bot accounts, or a GitHub App's `<slug>[bot]`.
   */
  githubTrustedLogins: string[];
  /** Where lessons are remembered (docs/MEMORY_AND_HOSTS.md). */
  memory: MemorySettings;
  /** Where locks, spend, block and pauses are shared: this host's files, or Redis. */
  coordination: CoordinationSettings;
}

/**
 * Whether an agent's work costs money: built-in agents as declared, custom
 * codenames always (they run an engine).
 *
 * @param codename The agent.
 * @returns Whether the spend caps and the failure streak apply to it.
 */
export function isPaidAgent(codename: string): boolean {
  return BUILT_IN_AGENTS[codename]?.paid ?? true;
}

const DEFAULT_TIERS: FleetConfig["tiers"] = {
  fast: { engine: "claude", model: "haiku" },
  standard: { engine: "claude", model: "sonnet" },
  deep: { engine: "claude", model: "opus" },
};

/** Fallbacks for every setting `fleet.yaml` may leave out. */
export const BUILT_IN_DEFAULTS = {
  engine: "claude" as EngineName,
  tier: "standard",
  maxTurns: 40,
  timeoutMinutes: 30,
  caps: { turns_per_day: 400, cost_usd_per_day: 25, firings_per_day: 96 } as Caps,
  failureStreakThreshold: 8,
  blockHours: 1,
  slackWebhookEnv: "ALFRED_SLACK_WEBHOOK_URL",
  githubApiUrl: "https://api.github.com",
};

/**
 * Reads `fleet.yaml` from `file`, or uses the embedded defaults when it is missing.
 *
 * @param file The path of `fleet.yaml`.
 * @param options Environment (for overrides and the Slack webhook), schedule validator, and
 *   `cacheFile`: where to keep the last parse, so that a firing whose `fleet.yaml` did not
 *   change skips the YAML parser (about 60 ms to load) and only checks the schema.
 * @returns The resolved configuration.
 * @throws {ConfigError} when the file is invalid.
 */
export async function loadFleetConfig(
  file: string,
  options: { env: EnvReader; validateSchedule?: (text: string) => void; cacheFile?: string },
): Promise<FleetConfig> {
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`, {
        hint: "Check the file's permissions.",
        cause: error,
      });
    }
  }
  const parsed = text === undefined
    ? { version: 1 as const }
    : await parseWithCache(text, { file, cacheFile: options.cacheFile });
  return resolveFleetConfig(parsed, {
    env: options.env,
    source: text === undefined ? "(embedded defaults)" : file,
    validateSchedule: options.validateSchedule,
  });
}

/**
 * Applies defaults and environment overrides to a parsed `fleet.yaml`.
 *
 * @param file The parsed file.
 * @param options Environment, source name, schedule validator.
 * @returns The resolved configuration.
 * @throws {ConfigError} for cross-field problems (unknown tier, unknown repo, bad time zone).
 */
export function resolveFleetConfig(
  file: FleetFile,
  options: { env: EnvReader; source: string; validateSchedule?: (text: string) => void },
): FleetConfig {
  const fail = (field: string, message: string) =>
    new ConfigError(`${options.source}: ${field}: ${message}`, {
      hint: `Fix ${field} in ${options.source}.`,
    });
  const timezone = file.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: timezone });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw fail("timezone", `unknown time zone "${timezone}" (use an IANA name like Europe/Berlin)`);
  }
  const tiers = { ...DEFAULT_TIERS };
  for (const [name, tier] of Object.entries(file.tiers ?? {})) {
    tiers[name] = {
      engine: tier.engine,
      model: tier.model,
      fallback: tier.fallback && {
        engine: tier.fallback.engine,
        model: tier.fallback.model,
        claudeConfigDir: tier.fallback.claude_config_dir,
      },
    };
  }
  const repos: RepoConfig[] = (file.repos ?? []).map((repo) => ({
    name: repo.name,
    path: repo.path,
    base: repo.base ?? "main",
    ...(repo.pre_push ? { prePush: argvOf(repo.pre_push) } : {}),
    ...(repo.coverage_report ? { coverageReport: repo.coverage_report } : {}),
  }));
  const repoNames = new Set(repos.map((repo) => repo.name));
  if (repoNames.size !== repos.length) throw fail("repos", "a repo is listed twice");
  const defaults = file.defaults ?? {};
  const agents: Record<string, AgentConfig> = {};
  const codenames = new Set([...Object.keys(BUILT_IN_AGENTS), ...Object.keys(file.agents ?? {})]);
  for (const codename of codenames) {
    const entry = file.agents?.[codename] ?? {};
    const builtIn = BUILT_IN_AGENTS[codename];
    const tier = entry.tier ?? defaults.tier ?? BUILT_IN_DEFAULTS.tier;
    if (!tiers[tier]) {
      throw fail(
        `agents.${codename}.tier`,
        `unknown tier "${tier}" (known: ${Object.keys(tiers).join(", ")})`,
      );
    }
    const schedule = entry.schedule ?? builtIn?.schedule;
    if (!schedule) throw fail(`agents.${codename}.schedule`, "a custom agent needs a schedule");
    if (options.validateSchedule) {
      try {
        options.validateSchedule(schedule);
      } catch (error) {
        throw fail(`agents.${codename}.schedule`, (error as Error).message);
      }
    }
    for (const repo of entry.repos ?? []) {
      if (!repoNames.has(repo)) {
        throw fail(`agents.${codename}.repos`, `"${repo}" is not listed under repos:`);
      }
    }
    agents[codename] = {
      codename,
      enabled: entry.enabled ?? (file.agents?.[codename] !== undefined || codename === "echo"),
      schedule,
      engine: entry.engine ?? defaults.engine ?? tiers[tier].engine,
      tier,
      model: entry.model ?? defaults.model ?? tiers[tier].model,
      maxTurns: entry.max_turns ?? defaults.max_turns ?? BUILT_IN_DEFAULTS.maxTurns,
      timeoutMinutes: entry.timeout_minutes ?? defaults.timeout_minutes ??
        BUILT_IN_DEFAULTS.timeoutMinutes,
      caps: { ...BUILT_IN_DEFAULTS.caps, ...defaults.caps, ...entry.caps },
      failureStreakThreshold: entry.failure_streak_threshold ?? defaults.failure_streak_threshold ??
        BUILT_IN_DEFAULTS.failureStreakThreshold,
      repos: entry.repos ?? [...repoNames],
      env: entry.env ?? [],
      aws: entry.aws ?? false,
      sentinels: entry.sentinels ?? [],
      sandbox: entry.sandbox ?? defaults.sandbox ??
        (Deno.build.os === "linux" || Deno.build.os === "darwin" ? "required" : "off"),
      network: entry.network ?? [],
      sandboxReadOnly: entry.sandbox_read_only ?? [],
      ...(entry.roadmap ? { roadmap: entry.roadmap } : {}),
      ...(entry.max_issues_per_firing ? { maxIssuesPerFiring: entry.max_issues_per_firing } : {}),
      ...(entry.require_approval !== undefined ? { requireApproval: entry.require_approval } : {}),
      ...(entry.coverage_report ? { coverageReport: entry.coverage_report } : {}),
      ...(entry.pre_push ? { prePush: argvOf(entry.pre_push) } : {}),
      ...(entry.since_days ? { sinceDays: entry.since_days } : {}),
      ...(entry.coverage_below !== undefined ? { coverageBelow: entry.coverage_below } : {}),
      ...rosterSettingsOf(codename, entry, { builtIn: builtIn !== undefined, fail }),
    };
  }
  const slackWebhookEnv = file.slack?.webhook_env ?? BUILT_IN_DEFAULTS.slackWebhookEnv;
  const slackWebhookUrl = options.env("ALFRED_SLACK_WEBHOOK_URL") || options.env(slackWebhookEnv) ||
    undefined;
  return {
    source: options.source,
    timezone,
    blockHours: defaults.block_hours ?? BUILT_IN_DEFAULTS.blockHours,
    tiers,
    repos,
    agents,
    slackWebhookUrl,
    slackWebhookEnv,
    slackOperators: file.slack?.operators ?? [],
    slackChannel: file.slack?.channel,
    githubApiUrl: options.env("ALFRED_GITHUB_API_URL") || file.github?.api_url ||
      BUILT_IN_DEFAULTS.githubApiUrl,
    githubTrustedLogins: [...new Set(file.github?.trusted_logins ?? [])],
    memory: resolveMemorySettings(file, options.env),
    coordination: resolveCoordinationSettings(file, options.env),
  };
}

/** Defaults of the roster's own settings. */
export const ROSTER_DEFAULTS = {
  driftMinutes: 60,
  sentryUrl: "https://sentry.io",
  sentryErrorThreshold: 100,
  sentryTop: 5,
};

/** The custom-codename, Huntress and Gordon settings of one agent entry (pure). */
function rosterSettingsOf(
  codename: string,
  entry: z.infer<typeof AgentEntry>,
  options: { builtIn: boolean; fail: (field: string, message: string) => ConfigError },
): Partial<AgentConfig> {
  for (const key of ["queue_label", "prompt_file", "job"] as const) {
    if (options.builtIn && entry[key] !== undefined) {
      throw options.fail(
        `agents.${codename}.${key}`,
        `only a custom codename sets ${key} (${codename} is built in)`,
      );
    }
  }
  const settings: Partial<AgentConfig> = {};
  if (!options.builtIn) {
    settings.queueLabel = entry.queue_label ?? `agent:${codename}`;
    settings.promptFile = entry.prompt_file ?? `prompts/${codename}.md`;
    if (entry.job) settings.job = entry.job;
  }
  if (entry.smoke_command) {
    settings.smoke = {
      command: argvOf(entry.smoke_command),
      ...(entry.smoke_setup ? { setup: argvOf(entry.smoke_setup) } : {}),
      ...(entry.staging_url ? { stagingUrl: entry.staging_url } : {}),
      ...(entry.smoke_secret_id ? { secretId: entry.smoke_secret_id } : {}),
      artifacts: entry.smoke_artifacts ?? [],
    };
  }
  if (entry.aws_endpoint_url) settings.awsEndpointUrl = entry.aws_endpoint_url;
  if (entry.aws_region) settings.awsRegion = entry.aws_region;
  if (entry.ecs) settings.ecs = { ...entry.ecs };
  if (entry.drift_minutes) settings.driftMinutes = entry.drift_minutes;
  if (entry.sentry) {
    settings.sentry = {
      url: (entry.sentry.url ?? ROSTER_DEFAULTS.sentryUrl).replace(/\/+$/, ""),
      org: entry.sentry.org,
      project: entry.sentry.project,
      errorThreshold: entry.sentry.error_threshold ?? ROSTER_DEFAULTS.sentryErrorThreshold,
      top: entry.sentry.top ?? ROSTER_DEFAULTS.sentryTop,
    };
  }
  return settings;
}

/** The last successful parse of `fleet.yaml`, keyed by the SHA-256 of its text. */
const FleetCache = z.strictObject({
  version: z.literal(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  parsed: z.unknown(),
});

async function parseWithCache(
  text: string,
  options: { file: string; cacheFile?: string },
): Promise<FleetFile> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (options.cacheFile) {
    const cached = await peekState(options.cacheFile, FleetCache);
    if (cached.kind === "ok" && cached.value.sha256 === sha256) {
      // The same text parsed before; the schema is checked again (it may have changed).
      const again = FleetFile.safeParse(cached.value.parsed);
      if (again.success) return again.data;
    }
  }
  const { parseFleetFile } = await import("./fleet_yaml.ts");
  const parsed = parseFleetFile(text, { file: options.file });
  if (options.cacheFile) {
    await writeState(options.cacheFile, FleetCache, { version: 1, sha256, parsed });
  }
  return parsed;
}
