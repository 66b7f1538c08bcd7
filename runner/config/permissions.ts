/**
 * The one source of truth for what each Alfred binary may do: the programs it
 * may run, the hosts it may reach, the environment variables it may read, the
 * system facts it may ask for, and its file access.
 *
 * `scripts/build.ts` turns these declarations into `deno compile` flags, the
 * tests run every entry point with `deno run` and the same flags, and
 * `alfred version` prints the set of the running binary. See docs/SECURITY.md
 * for what these permissions stop and what they do not.
 *
 * File access is unrestricted by default: Deno stores permission paths in a
 * compiled binary verbatim and resolves them at start-up against the working
 * directory, with no `~` or `$HOME` expansion, so a portable binary cannot
 * name `~/.alfred`. A build for one machine can narrow it with absolute paths
 * (`fsPaths`, `scripts/build.ts --fs-allow`).
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { DEFAULT_SLACK_API_URL } from "../firing/notify.ts";
import { sandboxSocketPath } from "../sandbox/runtime_dir.ts";
import type { EngineName } from "./config.ts";

export type { EngineName };

/** Every engine, in the order they are listed. */
export const ENGINES: readonly EngineName[] = ["claude", "codex"];

/** The built-in codenames, each shipped as `alfred-<codename>`. */
export const BUILT_IN_CODENAMES: readonly string[] = [
  "echo",
  "lucius",
  "batman",
  "drake",
  "bane",
  "rasalghul",
  "robin",
  "nightwing",
  "huntress",
  "gordon",
];

/** The GitHub REST API host of github.com (GitHub Enterprise: `--github-host`). */
export const DEFAULT_GITHUB_HOST = "api.github.com:443";
/** The host of Slack incoming webhooks. */
export const DEFAULT_SLACK_HOST = "hooks.slack.com:443";
/** The Slack listener's binary (slack/main.ts). */
export const SLACK_BINARY = "alfred-slack";
/** Where the memory store (Redis) listens when memory is enabled: loopback only. */
export const DEFAULT_REDIS_HOSTS: readonly string[] = ["127.0.0.1:6379", "localhost:6379"];

/**
 * The engines' API hosts. The engine is a subprocess, but under the sandbox
 * (runner/sandbox/) its traffic goes through the runner's egress proxy, so the
 * runner itself connects to these.
 */
export const ENGINE_HOSTS: Readonly<Record<EngineName, readonly string[]>> = {
  claude: ["api.anthropic.com:443"],
  codex: ["api.openai.com:443"],
};

/**
 * What confining an engine or a repository command needs: the sandbox programs
 * and the proxy's loopback listener.
 */
export const SANDBOX_NEEDS = {
  /** bubblewrap (Linux) and macOS's sandbox-exec, by the absolute path runner/sandbox uses. */
  programs: ["bwrap", "/usr/bin/sandbox-exec"],
  /** The egress proxy listens on an ephemeral loopback port (`:0` allows exactly that). */
  hosts: ["127.0.0.1:0"],
} as const;

/** Programs a firing that makes git worktrees runs besides git: the disk-space check. */
export const WORKTREE_PROGRAMS: readonly string[] = ["df"];

/** Variables every firing binary reads: Alfred's settings, identity, paths, locale. */
export const RUNNER_ENV: readonly string[] = [
  "ALFRED_*",
  "GITHUB_TOKEN",
  "HOME",
  "PATH",
  "USER",
  "LOGNAME",
  "XDG_*",
  "TMPDIR",
  "TZ",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TERM",
];

/** Variables each engine's adapter passes through to it (runner/engines/env.ts). */
export const ENGINE_ENV: Readonly<Record<EngineName, readonly string[]>> = {
  claude: ["ANTHROPIC_*", "CLAUDE_CODE_*", "CLAUDE_CONFIG_DIR", "API_TIMEOUT_MS"],
  codex: ["OPENAI_*", "CODEX_HOME"],
};

/** Extra variables `alfred` reads to talk to the user's service manager. */
export const SCHEDULER_ENV: readonly string[] = ["DBUS_SESSION_BUS_ADDRESS"];

/** Programs `alfred` runs for the scheduler (systemd, launchd, lingering). */
export const SCHEDULER_PROGRAMS: readonly string[] = ["systemctl", "launchctl", "loginctl"];

/**
 * The hosts of Slack's Web API and of its Socket Mode connections, from the
 * Web API's base URL (pure). Slack hands out Socket Mode URLs on varying
 * hosts under its own domain (`wss-primary.slack.com`, …), so for slack.com
 * that is `*.slack.com:443`; any other base URL (a proxy, a test fake) serves
 * both on its own host.
 *
 * @param apiUrl The Web API base URL (`ALFRED_SLACK_API_URL` at run time,
 *   `--slack-api-url` at build time). Default: Slack's own.
 * @returns `api` and `socket` as `host:port`.
 * @throws {ConfigError} when it is not a URL.
 */
export function slackHostsOf(
  apiUrl: string = DEFAULT_SLACK_API_URL,
): { api: string; socket: string } {
  const api = normaliseHost(apiUrl);
  const socket = api === "slack.com:443" ? "*.slack.com:443" : api;
  return { api, socket };
}

/**
 * The program that signals a child's process group. `Deno.kill` (and node's
 * `process.kill`) require `--allow-run` without a list, so a binary with a
 * program list ends process groups with `kill -s TERM -- -<pgid>` instead.
 */
export const KILL_PROGRAM = "kill";

/**
 * Where the dashboard (`alfred-serve`) may listen: any port of the loopback
 * addresses, and of all interfaces for `--allow-remote` (which the server
 * refuses without that flag; serve/listen_address.ts). A host without a port
 * allows every port, since `--port` is chosen when it starts.
 */
export const SERVE_LISTEN_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"];

/** Programs `alfred-serve --open` starts to show the sign-in link in a browser. */
export const BROWSER_OPENERS: readonly string[] = ["xdg-open", "open"];

/** Programs the dashboard runs for the scheduler: timers' next fire times, pause and resume. */
export const SERVE_SCHEDULER_PROGRAMS: readonly string[] = ["systemctl", "launchctl"];

/**
 * Shells and programs that start other programs: each one can run any
 * program, which would make the program list meaningless.
 */
export const SHELLS: readonly string[] = [
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "fish",
  "csh",
  "tcsh",
  "env",
  "sudo",
  "su",
  "doas",
  "xargs",
  "busybox",
  "nohup",
];

/**
 * Runners of arbitrary code: interpreters, package managers and task runners
 * that execute files of a repository (its tests, its scripts). No binary may
 * start one outside the sandbox; Bane's and Huntress's commands reach them
 * through `bwrap` / `sandbox-exec` (runner/sandbox/repo_command.ts).
 */
export const CODE_RUNNERS: readonly string[] = [
  "node",
  "nodejs",
  "npm",
  "npx",
  "pnpm",
  "pnpx",
  "yarn",
  "bun",
  "bunx",
  "deno",
  "make",
  "gmake",
  "python",
  "python3",
  "pip",
  "pip3",
  "uv",
  "pytest",
  "perl",
  "ruby",
  "php",
  "java",
  "go",
  "cargo",
  "rustc",
  "dotnet",
  "lua",
];

/** Programs no binary may list, nor any declaration: {@linkcode SHELLS} and {@linkcode CODE_RUNNERS}. */
export const FORBIDDEN_PROGRAMS: readonly string[] = [...SHELLS, ...CODE_RUNNERS];

/** What one agent's job needs, before options are applied. */
export interface AgentNeeds {
  /** Talks to the GitHub REST API (and may ask `gh auth token`). */
  readonly github: boolean;
  /** Runs an engine (`claude` or `codex`). */
  readonly engine: boolean;
  /** Runs `git` (worktrees, commits, pushes). */
  readonly git: boolean;
  /** Uses the memory store (Redis on loopback). */
  readonly memory: boolean;
  /** Further programs (custom agents). */
  readonly programs?: readonly string[];
  /** Further hosts (custom agents). */
  readonly hosts?: readonly string[];
  /** Further environment variables (custom agents). */
  readonly env?: readonly string[];
  /** Reads the Sentry API (Gordon): the host is {@linkcode PermissionOptions.sentryHost}. */
  readonly sentry?: boolean;
  /**
   * Runs repository code in the sandbox without an engine (Huntress): bwrap or
   * sandbox-exec and the egress proxy. Every engine agent has them already.
   */
  readonly sandbox?: boolean;
}

const CODING_AGENT: AgentNeeds = { github: true, engine: true, git: true, memory: true };

/** Sentry's API host (self-hosted Sentry: `sentryHost`). */
export const DEFAULT_SENTRY_HOST = "sentry.io:443";

/** The needs of each built-in agent. Echo has no LLM and no GitHub: Slack only. */
export const AGENT_NEEDS: Readonly<Record<string, AgentNeeds>> = {
  echo: { github: false, engine: false, git: false, memory: false },
  lucius: CODING_AGENT,
  batman: CODING_AGENT,
  drake: CODING_AGENT,
  // Bane's pre-push check runs in the sandbox (bwrap / sandbox-exec), never directly.
  bane: CODING_AGENT,
  rasalghul: CODING_AGENT,
  // Robin reads issues and labels them; its engine reads the operator's checkout. No git.
  robin: { github: true, engine: true, git: false, memory: true },
  nightwing: CODING_AGENT,
  // Huntress runs the operator's smoke command in the sandbox (and its egress proxy)
  // and the AWS CLI for its test credentials; no engine. Git and GitHub: the worktree
  // at origin/<base> (the token may come from `gh auth token`).
  huntress: {
    github: true,
    engine: false,
    git: true,
    memory: false,
    sandbox: true,
    programs: ["aws"],
  },
  // Gordon asks ECS through the AWS CLI, fetches main with git, reads Sentry; no engine.
  gordon: {
    github: true,
    engine: false,
    git: true,
    memory: false,
    programs: ["aws"],
    sentry: true,
  },
};

/** A program name: no path, no separator, no shell syntax. */
export const ProgramName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, {
  message: "must be a bare program name (letters, digits, . _ + -), found on PATH",
}).refine((name) => !FORBIDDEN_PROGRAMS.includes(name), {
  message: "may not be a shell, a program that runs other programs, or a code runner " +
    "(node, npm, make, python...: those run only inside the sandbox)",
});

/** A host, optionally with a port: `api.example.com`, `10.0.0.5:8080`. No wildcards. */
export const HostName = z.string().regex(
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/,
  { message: "must be a host name or IPv4 address, optionally with :port (no scheme, no *)" },
);

/** An environment variable name; a trailing `*` allows a prefix (`FOO_*`). */
export const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*\*?$/, {
  message: "must be an upper-case variable name, optionally ending in * for a prefix",
});

/** What a custom agent may declare in `fleet.yaml` under `agents.<codename>`. */
export const CustomAgentNeeds = z.object({
  programs: z.array(ProgramName).optional(),
  hosts: z.array(HostName).optional(),
  env: z.array(EnvName).optional(),
});
/** Parsed {@linkcode CustomAgentNeeds}. */
export type CustomAgentNeeds = z.infer<typeof CustomAgentNeeds>;

/** The resolved permissions of one binary. */
export const PermissionSet = z.strictObject({
  /** Programs it may run, by name (Deno pins each to the path found on PATH at start). */
  run: z.array(z.string()),
  /** Hosts (with ports) it may connect to. */
  net: z.array(z.string()),
  /** Environment variables it may read; others read as unset. */
  env: z.array(z.string()),
  /** System facts it may ask for (`Deno.hostname()` and the like). */
  sys: z.array(z.string()),
  /** `"all"`, or the absolute paths it may read. */
  read: z.union([z.literal("all"), z.array(z.string())]),
  /** `"all"`, or the absolute paths it may write. */
  write: z.union([z.literal("all"), z.array(z.string())]),
});
/** Parsed {@linkcode PermissionSet}. */
export type PermissionSet = z.infer<typeof PermissionSet>;

/** Options that adapt the declarations to an operator's setup. */
export interface PermissionOptions {
  /** The GitHub API host: `api.github.com` or a GitHub Enterprise host (`ghe.example.com[:port]` or its URL). */
  githubHost?: string;
  /** The Slack webhook host. Default {@linkcode DEFAULT_SLACK_HOST}. */
  slackHost?: string;
  /** Slack's Web API base URL (its hosts: {@linkcode slackHostsOf}). Default: Slack's own. */
  slackApiUrl?: string;
  /** The Sentry API host Gordon reads. Default {@linkcode DEFAULT_SENTRY_HOST}. */
  sentryHost?: string;
  /** Where Redis listens. Default {@linkcode DEFAULT_REDIS_HOSTS}. */
  redisHosts?: readonly string[];
  /** The engines the coding agents may run. Default: both. */
  engines?: readonly EngineName[];
  /** Engine API hosts (e.g. a gateway in ANTHROPIC_BASE_URL), by engine. Default {@linkcode ENGINE_HOSTS}. */
  engineHosts?: Readonly<Partial<Record<EngineName, readonly string[]>>>;
  /** When set, file access is limited to these absolute paths (a one-machine build). */
  fsPaths?: readonly string[];
  /** Custom agents (from `fleet.yaml`), by codename. */
  custom?: Readonly<Record<string, CustomAgentNeeds>>;
  /**
   * Hosts each agent's sandbox may reach (its `network:` in `fleet.yaml`, and
   * Huntress's `staging_url`), by codename: the egress proxy runs in the
   * agent's binary, so the binary must be allowed to connect to them
   * ({@linkcode sandboxHostsOf}).
   */
  sandboxHosts?: Readonly<Record<string, readonly string[]>>;
}

/** One binary the build can produce. */
export interface BinaryDeclaration {
  /** `alfred`, `alfred-serve` or `alfred-<codename>`. */
  binary: string;
  /** The agent's codename; undefined for `alfred` and `alfred-serve`. */
  codename: string | undefined;
  /** The entry file, relative to the repository root. */
  entry: string;
  /** Its permissions. */
  permissions: PermissionSet;
}

/**
 * Lists every binary: `alfred`, `alfred-serve`, `alfred-slack`, each built-in `alfred-<codename>` and each custom one.
 *
 * @param options Host, engine, file and custom-agent options.
 * @returns The declarations, `alfred` first.
 * @throws {ConfigError} when an option or a custom declaration is invalid.
 */
export function declarationsOf(options: PermissionOptions = {}): BinaryDeclaration[] {
  const codenames = [...BUILT_IN_CODENAMES, ...Object.keys(options.custom ?? {}).sort()];
  const unique = [...new Set(codenames)];
  return [
    { binary: "alfred", codename: undefined, entry: "cli/mod.ts" },
    { binary: "alfred-serve", codename: undefined, entry: "serve/main.ts" },
    { binary: SLACK_BINARY, codename: undefined, entry: "slack/main.ts" },
    ...unique.map((codename) => ({
      binary: `alfred-${codename}`,
      codename,
      // A custom codename has no entry file of its own: agents/custom/mod.ts reads
      // its codename from the binary's name (the build's preload module).
      entry: BUILT_IN_CODENAMES.includes(codename)
        ? `agents/${codename}/mod.ts`
        : "agents/custom/mod.ts",
    })),
  ].map((item) => ({ ...item, permissions: permissionsOf(item.binary, options) }));
}

/**
 * The permissions of one binary.
 *
 * `alfred` holds what its own commands need (scheduler, `doctor`'s sandbox
 * check, `labels`, `memory`, `report`) and may start each `alfred-<codename>`
 * binary, which a compiled `alfred fire <codename>` runs (runner/control/fire_route.ts),
 * and `alfred-serve` and `alfred-slack`, which a compiled `alfred serve` and
 * `alfred slack` run: not the union of every agent. `alfred-serve` holds what
 * the dashboard needs; `alfred-slack` holds Slack's Web API and Socket Mode
 * hosts, GitHub (filing), Redis (a shared pause), the scheduler's programs
 * (pause stops timers) and the agents' binaries (`fire`), with the variables
 * those firings need passed on; `alfred-<codename>` holds only what its agent
 * needs. No binary may start a shell or a code runner ({@linkcode FORBIDDEN_PROGRAMS}).
 *
 * @example Usage
 * ```ts
 * import { permissionsOf } from "./permissions.ts";
 * const set = permissionsOf("alfred-echo");
 * // set.run is [], set.net is ["hooks.slack.com:443"]
 * ```
 *
 * @param binary `alfred` or `alfred-<codename>`.
 * @param options Host, engine, file and custom-agent options.
 * @returns The sorted, de-duplicated permission set.
 * @throws {ConfigError} for an unknown binary or an invalid option.
 */
export function permissionsOf(binary: string, options: PermissionOptions = {}): PermissionSet {
  const custom = validateCustom(options.custom ?? {});
  const needsOf = (codename: string): AgentNeeds | undefined =>
    AGENT_NEEDS[codename] ??
      (custom[codename] ? { ...CODING_AGENT, ...custom[codename] } : undefined);
  const acc = { run: new Set<string>(), net: new Set<string>(), env: new Set<string>() };
  const sys = new Set<string>(["hostname"]);
  if (binary === "alfred") {
    addCliNeeds(acc, options);
    // A compiled `alfred fire <codename>` runs the agent's own binary, with its own permissions.
    for (const codename of [...BUILT_IN_CODENAMES, ...Object.keys(custom)]) {
      acc.run.add(`alfred-${codename}`);
    }
    // A compiled `alfred serve` and `alfred slack` hand over to their own binaries.
    acc.run.add("alfred-serve");
    acc.run.add(SLACK_BINARY);
    sys.add("uid");
  } else if (binary === "alfred-serve") {
    addServeNeeds(acc, { ...options, codenames: [...BUILT_IN_CODENAMES, ...Object.keys(custom)] });
    sys.add("uid");
  } else if (binary === SLACK_BINARY) {
    addSlackListenerNeeds(acc, [...BUILT_IN_CODENAMES, ...Object.keys(custom)], options);
    sys.add("uid");
    // @slack/web-api's User-Agent names the OS release.
    sys.add("osRelease");
  } else {
    const codename = binary.startsWith("alfred-") ? binary.slice("alfred-".length) : "";
    const needs = needsOf(codename);
    if (!needs) {
      throw new ConfigError(`unknown binary "${binary}"`, {
        hint: `Binaries: alfred, alfred-serve, ${SLACK_BINARY}, ${
          [...BUILT_IN_CODENAMES, ...Object.keys(custom)].map((c) => `alfred-${c}`).join(", ")
        }. A custom agent needs an entry under agents: in fleet.yaml.`,
      });
    }
    addNeeds(acc, needs, { ...options, codename });
  }
  // Ending a child's process group: Deno.kill needs an unrestricted --allow-run,
  // so runner/process.ts signals the group with the `kill` program instead.
  if (acc.run.size) acc.run.add(KILL_PROGRAM);
  const forbidden = [...acc.run].filter((program) => FORBIDDEN_PROGRAMS.includes(program));
  if (forbidden.length) {
    throw new ConfigError(`${binary} would be allowed to start ${forbidden.join(", ")}`, {
      hint:
        "Shells and code runners run only inside the sandbox (runner/sandbox/repo_command.ts); " +
        "fix the declaration in runner/config/permissions.ts.",
    });
  }
  const fs = options.fsPaths === undefined ? "all" as const : validateFsPaths(options.fsPaths);
  return {
    run: [...acc.run].sort(),
    net: [...acc.net].sort(),
    env: [...acc.env].sort(),
    sys: [...sys].sort(),
    read: fs,
    write: fs,
  };
}

/**
 * The `deno compile` permission flags of a binary: never `--allow-all`, never a
 * bare `--allow-run` or `--allow-net`, always `--no-prompt`.
 *
 * @param binary `alfred` or `alfred-<codename>`.
 * @param options Host, engine, file and custom-agent options.
 * @returns The flags, in a fixed order.
 */
export function compileFlagsOf(binary: string, options: PermissionOptions = {}): string[] {
  return flagsOf(permissionsOf(binary, options));
}

/**
 * The `deno run` flags that grant exactly what {@linkcode compileFlagsOf} grants.
 *
 * @param binary `alfred` or `alfred-<codename>`.
 * @param options Host, engine, file and custom-agent options.
 * @returns The flags, in a fixed order.
 */
export function runFlagsOf(binary: string, options: PermissionOptions = {}): string[] {
  return flagsOf(permissionsOf(binary, options));
}

/**
 * Turns a permission set into Deno flags (the same for `deno run` and `deno compile`).
 *
 * Unlisted environment variables read as unset (`--ignore-env`) instead of
 * throwing, so `Deno.env.toObject()` returns just the allowed ones; remote
 * imports are denied.
 *
 * @param set The permission set.
 * @returns The flags.
 */
export function flagsOf(set: PermissionSet): string[] {
  const list = (flag: string, values: "all" | readonly string[]) =>
    values === "all" ? [flag] : values.length ? [`${flag}=${values.join(",")}`] : [];
  return [
    "--no-prompt",
    ...list("--allow-read", set.read),
    ...list("--allow-write", set.write),
    ...list("--allow-net", set.net),
    ...list("--allow-env", set.env),
    "--ignore-env",
    ...list("--allow-sys", set.sys),
    ...list("--allow-run", set.run),
    "--deny-import",
  ];
}

/**
 * Finds what is too wide in a list of Deno flags.
 *
 * @param flags Flags as given to `deno compile` or `deno run`.
 * @returns One sentence per problem; empty when the flags are narrow.
 */
export function wideFlagsIn(flags: readonly string[]): string[] {
  const problems: string[] = [];
  for (const flag of flags) {
    if (flag === "--allow-all" || flag === "-A") problems.push(`${flag} grants everything`);
    if (flag === "--allow-run") problems.push("--allow-run without a list runs any program");
    if (flag === "--allow-net") problems.push("--allow-net without a list reaches any host");
    if (flag === "--allow-ffi" || flag.startsWith("--allow-ffi=")) {
      problems.push("--allow-ffi loads native code");
    }
  }
  if (!flags.includes("--no-prompt")) problems.push("--no-prompt is missing");
  return problems;
}

/**
 * The `permissions` object `deno compile` embeds for a set, without
 * `allow_import` (Deno's own default list, overridden by `deny_import: []`).
 *
 * @param set The permission set.
 * @returns The expected embedded object.
 */
export function embeddedPermissionsOf(set: PermissionSet): Record<string, unknown> {
  const list = (values: "all" | readonly string[]) =>
    values === "all" ? [] : values.length ? [...values] : null;
  return {
    allow_env: list(set.env),
    deny_env: null,
    ignore_env: [],
    allow_net: list(set.net),
    deny_net: null,
    allow_ffi: null,
    deny_ffi: null,
    allow_read: list(set.read),
    deny_read: null,
    ignore_read: null,
    allow_run: list(set.run),
    deny_run: null,
    allow_sys: list(set.sys),
    deny_sys: null,
    allow_write: list(set.write),
    deny_write: null,
    deny_import: [],
    prompt: false,
  };
}

/**
 * Normalises a GitHub host option: a host, `host:port` or an API URL.
 *
 * @param value `ghe.example.com`, `ghe.example.com:8443` or `https://ghe.example.com/api/v3`.
 * @returns `host:port` (port 443 unless given).
 * @throws {ConfigError} when it is not a host.
 */
export function normaliseHost(value: string): string {
  let host = value.trim();
  if (/^https?:\/\//.test(host)) {
    const url = new URL(host);
    host = url.port ? `${url.hostname}:${url.port}` : `${url.hostname}:443`;
  }
  const parsed = HostName.safeParse(host);
  if (!parsed.success) {
    throw new ConfigError(`"${value}" is not a host: ${parsed.error.issues[0].message}`, {
      hint: "Give a host such as ghe.example.com or ghe.example.com:8443.",
    });
  }
  return host.includes(":") ? host.toLowerCase() : `${host.toLowerCase()}:443`;
}

/**
 * Reads custom agents' declarations from a parsed `fleet.yaml` (any codename
 * that is not built in, with its `programs`, `hosts` and `env`).
 *
 * @param fleet The parsed YAML document (`yaml`'s `parse`).
 * @param options `file` names the source in errors.
 * @returns The custom agents' needs, by codename.
 * @throws {ConfigError} naming the agent and field that is invalid.
 */
export function customNeedsOf(
  fleet: unknown,
  options: { file: string },
): Record<string, CustomAgentNeeds> {
  const agents = (fleet && typeof fleet === "object" && "agents" in fleet)
    ? (fleet as { agents: unknown }).agents
    : undefined;
  if (agents === undefined || agents === null) return {};
  if (typeof agents !== "object" || Array.isArray(agents)) {
    throw new ConfigError(`${options.file}: agents: must be a mapping`, {
      hint: `Fix agents: in ${options.file}.`,
    });
  }
  const result: Record<string, CustomAgentNeeds> = {};
  for (const [codename, entry] of Object.entries(agents as Record<string, unknown>)) {
    if (BUILT_IN_CODENAMES.includes(codename)) continue;
    const picked = entry && typeof entry === "object"
      ? Object.fromEntries(
        Object.entries(entry).filter(([key]) => ["programs", "hosts", "env"].includes(key)),
      )
      : {};
    result[codename] = parseNeeds(codename, picked, options.file);
  }
  return validateCustom(result, options.file);
}

/**
 * Reads the hosts each agent's sandbox may reach from a parsed `fleet.yaml`:
 * `agents.<codename>.network` (built-in and custom agents alike) and, for
 * Huntress, the host of `staging_url`. They are validated like custom agents'
 * `hosts`: a compiled binary's network permission lists exact hosts, so a
 * wildcard (`*.example.com`) cannot be built in.
 *
 * @param fleet The parsed YAML document (`yaml`'s `parse`).
 * @param options `file` names the source in errors.
 * @returns Normalised `host:port` entries, by codename (agents without any are left out).
 * @throws {ConfigError} naming the agent and entry that is invalid.
 */
export function sandboxHostsOf(
  fleet: unknown,
  options: { file: string },
): Record<string, string[]> {
  const agents = (fleet && typeof fleet === "object" && "agents" in fleet)
    ? (fleet as { agents: unknown }).agents
    : undefined;
  if (!agents || typeof agents !== "object" || Array.isArray(agents)) return {};
  const result: Record<string, string[]> = {};
  for (const [codename, entry] of Object.entries(agents as Record<string, unknown>)) {
    if (!entry || typeof entry !== "object") continue;
    const { network, staging_url: stagingUrl } = entry as Record<string, unknown>;
    const hosts: string[] = [];
    const list = network === undefined ? [] : Array.isArray(network) ? network : [network];
    list.forEach((host, index) => {
      const field = `agents.${codename}.network.${index}`;
      const parsed = HostName.safeParse(host);
      if (!parsed.success) {
        throw new ConfigError(`${options.file}: ${field}: ${parsed.error.issues[0].message}`, {
          hint: `A binary's network permission lists exact hosts: replace ${
            JSON.stringify(host)
          } with each host the sandbox may reach (e.g. registry.npmjs.org), then rebuild.`,
        });
      }
      hosts.push(normaliseHost(parsed.data));
    });
    if (codename === "huntress" && typeof stagingUrl === "string") {
      let url: URL | undefined;
      try {
        url = new URL(stagingUrl);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
      }
      if (!url || !/^https?:$/.test(url.protocol)) {
        throw new ConfigError(`${options.file}: agents.huntress.staging_url: not an http(s) URL`, {
          hint: "Give the staging URL, e.g. https://staging.example.com.",
        });
      }
      const port = url.port || (url.protocol === "http:" ? "80" : "443");
      hosts.push(normaliseHost(`${url.hostname}:${port}`));
    }
    if (hosts.length) result[codename] = [...new Set(hosts)];
  }
  return result;
}

function parseNeeds(codename: string, value: unknown, file: string): CustomAgentNeeds {
  const parsed = CustomAgentNeeds.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ["agents", codename, ...issue.path.map(String)].join(".");
  throw new ConfigError(`${file}: ${field}: ${issue.message}`, {
    hint: `Fix ${field} in ${file}; docs/SECURITY.md lists what an agent may declare.`,
  });
}

function validateCustom(
  custom: Readonly<Record<string, CustomAgentNeeds>>,
  file = "custom agents",
): Record<string, CustomAgentNeeds> {
  const result: Record<string, CustomAgentNeeds> = {};
  for (const [codename, needs] of Object.entries(custom)) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(codename)) {
      throw new ConfigError(`${file}: agents.${codename}: not a valid codename`, {
        hint: "A codename is lower-case letters, digits and dashes, starting with a letter.",
      });
    }
    result[codename] = parseNeeds(codename, needs, file);
  }
  return result;
}

/**
 * What the `alfred` CLI's own commands need: the scheduler (`scheduler`,
 * `pause`, `status`, `doctor`'s lingering check), the sandbox check of
 * `doctor`, the GitHub API and `gh auth token` (`labels`), Redis (`memory`,
 * the Redis coordination of `pause`, `block`, `status`), Slack (`report`'s
 * digest, an in-process Echo under `quickstart`).
 */
function addCliNeeds(
  acc: { run: Set<string>; net: Set<string>; env: Set<string> },
  options: PermissionOptions,
): void {
  for (const name of [...RUNNER_ENV, ...SCHEDULER_ENV]) acc.env.add(name);
  acc.net.add(normaliseHost(options.slackHost ?? DEFAULT_SLACK_HOST));
  acc.net.add(normaliseHost(options.githubHost ?? DEFAULT_GITHUB_HOST));
  for (const host of options.redisHosts ?? DEFAULT_REDIS_HOSTS) acc.net.add(normaliseHost(host));
  for (const program of ["gh", ...SCHEDULER_PROGRAMS, ...SANDBOX_NEEDS.programs]) {
    acc.run.add(program);
  }
}

/** What the Slack listener needs (runner/control, slack/). */
function addSlackListenerNeeds(
  acc: { run: Set<string>; net: Set<string>; env: Set<string> },
  codenames: readonly string[],
  options: PermissionOptions,
): void {
  for (const name of RUNNER_ENV) acc.env.add(name);
  for (const name of SCHEDULER_ENV) acc.env.add(name);
  // Passed on to the firings it starts (runner/control/fire_detached.ts).
  for (const engine of ENGINES) for (const name of ENGINE_ENV[engine]) acc.env.add(name);
  const slack = slackHostsOf(options.slackApiUrl);
  acc.net.add(slack.api);
  acc.net.add(slack.socket);
  acc.net.add(normaliseHost(options.githubHost ?? DEFAULT_GITHUB_HOST));
  for (const host of options.redisHosts ?? DEFAULT_REDIS_HOSTS) acc.net.add(normaliseHost(host));
  acc.run.add("gh");
  for (const program of ["systemctl", "launchctl"]) acc.run.add(program);
  for (const codename of codenames) acc.run.add(`alfred-${codename}`);
}

function addNeeds(
  acc: { run: Set<string>; net: Set<string>; env: Set<string> },
  needs: AgentNeeds,
  options: PermissionOptions & { codename: string },
): void {
  for (const name of RUNNER_ENV) acc.env.add(name);
  acc.net.add(normaliseHost(options.slackHost ?? DEFAULT_SLACK_HOST));
  // Firing threads: notices through the bot token (runner/firing/slack_threads.ts).
  acc.net.add(slackHostsOf(options.slackApiUrl).api);
  if (needs.github) {
    acc.net.add(normaliseHost(options.githubHost ?? DEFAULT_GITHUB_HOST));
    acc.run.add("gh");
  }
  if (needs.git) {
    acc.run.add("git");
    for (const program of WORKTREE_PROGRAMS) acc.run.add(program);
  }
  if (needs.memory) {
    for (const host of options.redisHosts ?? DEFAULT_REDIS_HOSTS) acc.net.add(normaliseHost(host));
  }
  if (needs.engine) {
    for (const engine of options.engines ?? ENGINES) {
      if (!ENGINES.includes(engine)) {
        throw new ConfigError(`unknown engine "${engine}"`, {
          hint: `Engines: ${ENGINES.join(", ")}.`,
        });
      }
      acc.run.add(engine);
      for (const name of ENGINE_ENV[engine]) acc.env.add(name);
      for (const host of options.engineHosts?.[engine] ?? ENGINE_HOSTS[engine]) {
        acc.net.add(normaliseHost(host));
      }
    }
  }
  if (needs.engine || needs.sandbox) {
    for (const program of SANDBOX_NEEDS.programs) acc.run.add(program);
    for (const host of SANDBOX_NEEDS.hosts) acc.net.add(host);
    // Deno allows a Unix socket only by its exact path: the agent's fixed proxy socket.
    acc.net.add(`unix:${sandboxSocketPath(options.codename)}`);
    // The proxy connects to the hosts the agent declares for its sandbox.
    for (const host of options.sandboxHosts?.[options.codename] ?? []) {
      acc.net.add(normaliseHost(host));
    }
  }
  if (needs.sentry) acc.net.add(normaliseHost(options.sentryHost ?? DEFAULT_SENTRY_HOST));
  for (const program of needs.programs ?? []) acc.run.add(program);
  for (const host of needs.hosts ?? []) acc.net.add(normaliseHost(host));
  for (const name of needs.env ?? []) acc.env.add(name);
}

/**
 * The dashboard's needs: listen on loopback (or everywhere, with
 * `--allow-remote`), read ALFRED_HOME, start the agents' binaries (which hold
 * their own permissions) and the scheduler's programs, read the claims board
 * from GitHub, reach Redis under `coordination: redis`; and read the
 * variables a firing it starts inherits.
 */
function addServeNeeds(
  acc: { run: Set<string>; net: Set<string>; env: Set<string> },
  options: PermissionOptions & { codenames: string[] },
): void {
  for (const host of SERVE_LISTEN_HOSTS) acc.net.add(host);
  acc.net.add(normaliseHost(options.githubHost ?? DEFAULT_GITHUB_HOST));
  for (const host of options.redisHosts ?? DEFAULT_REDIS_HOSTS) acc.net.add(normaliseHost(host));
  for (const codename of options.codenames) acc.run.add(`alfred-${codename}`);
  for (const program of [...SERVE_SCHEDULER_PROGRAMS, ...BROWSER_OPENERS, "gh"]) {
    acc.run.add(program);
  }
  for (const name of [...RUNNER_ENV, ...SCHEDULER_ENV, "GH_TOKEN"]) acc.env.add(name);
  for (const engine of options.engines ?? ENGINES) {
    for (const name of ENGINE_ENV[engine]) acc.env.add(name);
  }
  for (const needs of Object.values(options.custom ?? {})) {
    for (const name of needs.env ?? []) acc.env.add(name);
  }
}

function validateFsPaths(paths: readonly string[]): string[] {
  for (const path of paths) {
    if (!path.startsWith("/") || path.includes(",") || path.includes("\n")) {
      throw new ConfigError(`file access path "${path}" must be absolute (and have no comma)`, {
        hint: "Deno resolves permission paths against the working directory and never " +
          "expands ~ or $HOME: give absolute paths, e.g. /home/me/.alfred.",
      });
    }
  }
  return [...new Set(paths)].sort();
}
