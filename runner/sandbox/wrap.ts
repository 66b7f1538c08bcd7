/**
 * Sandboxed execution: confines the engine's whole process tree, and every
 * command that runs repository code (runner/sandbox/repo_command.ts), to its worktree
 * (bubblewrap on Linux, `sandbox-exec` on macOS), sends its network through an
 * allowlisting proxy, and collects every denial of the firing. One policy
 * builder, {@linkcode wrapCommand}, serves both; {@linkcode wrapEngineCommand}
 * adds the engine's API host and config folder.
 *
 * ```ts ignore
 * const wrapped = await wrapEngineCommand(claudePath, args, {
 *   mode: agent.sandbox, engine: "claude", worktree, home, alfredHome, env, ...
 * });
 * try {
 *   await runProcess(wrapped.command, wrapped.args, { env: wrapped.env, ... });
 * } finally {
 *   await wrapped.close();
 * }
 * record.denials = wrapped.denials();
 * ```
 *
 * See docs/SANDBOX.md for the threat model and what each layer stops.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError, ConfigError } from "../errors.ts";
import { runCapture } from "../process.ts";
import {
  bwrapArgs,
  NODE_FORWARDER_SOURCE,
  probeSystemEntries,
  SYSTEM_DIRS,
  SYSTEM_SECRETS,
} from "./bwrap.ts";
import { createDenialScanner, enginePermissionDenials, type SandboxDenial } from "./audit.ts";
import {
  CREDENTIAL_PATHS,
  type DeniedPath,
  type FilePolicy,
  gitReadOnlyParts,
  gitWritableParts,
  isUnder,
  readGitWorktreeParts,
} from "./policy.ts";
import { type AllowRule, type EgressProxy, startEgressProxy } from "./proxy.ts";
import { seatbeltProfile } from "./seatbelt.ts";
import { sandboxRuntimeDir } from "./runtime_dir.ts";
import type { PermissionDenial } from "../engines/agent_result.ts";

/** The sandbox setting of an agent in fleet.yaml. */
export const SandboxMode = z.enum(["required", "auto", "off"]);
/** `required`: refuse to fire without a working sandbox; `auto`: use it when it works; `off`: never. */
export type SandboxMode = z.infer<typeof SandboxMode>;

/** The engines Alfred sandboxes. */
export type SandboxedEngine = "claude" | "codex";

/** The port the in-sandbox forwarder listens on (its own network namespace: no clash possible). */
export const INSIDE_PROXY_PORT = 3128;

/** `sandbox: required` and no working sandbox on this machine. */
export class SandboxUnavailableError extends AlfredError {
  /**
   * Creates a {@linkcode SandboxUnavailableError}.
   *
   * @param detail Why the sandbox does not work here.
   * @param options The agent and the cause.
   */
  constructor(detail: string, options: { agent?: string; cause?: unknown } = {}) {
    const who = options.agent ? `agent ${options.agent}` : "this agent";
    super(`${who} requires a sandbox, but none works here: ${detail}`, {
      hint: Deno.build.os === "darwin"
        ? "sandbox-exec should be at /usr/bin/sandbox-exec; run `alfred doctor`. To run without " +
          "confinement (not recommended), set `sandbox: off` for the agent in fleet.yaml."
        : "Install bubblewrap (`apt install bubblewrap`) and allow unprivileged user namespaces " +
          "(kernel.unprivileged_userns_clone=1, or the AppArmor bwrap profile on Ubuntu 24.04+); " +
          "run `alfred doctor`. To run without confinement (not recommended), set `sandbox: off`.",
      cause: options.cause,
    });
    this.name = "SandboxUnavailableError";
  }
}

/** Whether a sandbox works on this machine. */
export interface SandboxCheck {
  /** A sandbox can be used. */
  ok: boolean;
  /** Which one. */
  kind: "bwrap" | "seatbelt" | "none";
  /** The program, when found. */
  program: string | undefined;
  /** What was found or what failed, for `alfred doctor`. */
  detail: string;
}

/** Options of {@linkcode checkSandbox}. */
export interface CheckSandboxOptions {
  /** The `PATH` to look for `bwrap` in. */
  path: string;
  /** The platform. Default `Deno.build.os`. */
  os?: string;
}

/**
 * Checks that the platform's sandbox works: finds `bwrap` and runs `true` in a
 * sandbox with new PID and network namespaces (which needs user namespaces
 * unless bwrap is setuid), or runs `sandbox-exec` with a trivial profile.
 *
 * Requires `--allow-run` for `bwrap`/`sandbox-exec` and read access to `PATH`.
 *
 * @param options The `PATH` and the platform.
 * @returns The verdict with a detail line for `alfred doctor`.
 */
export async function checkSandbox(options: CheckSandboxOptions): Promise<SandboxCheck> {
  const os = options.os ?? Deno.build.os;
  if (os === "darwin") {
    const program = "/usr/bin/sandbox-exec";
    if (!exists(program)) {
      return { ok: false, kind: "none", program: undefined, detail: `${program} not found` };
    }
    const run = await runCapture(program, ["-p", "(version 1)(allow default)", "/usr/bin/true"], {
      cwd: "/",
      env: { PATH: options.path },
      timeoutMs: 10_000,
    });
    return run.code === 0
      ? { ok: true, kind: "seatbelt", program, detail: "sandbox-exec works" }
      : { ok: false, kind: "none", program, detail: `sandbox-exec failed: ${run.stderr.trim()}` };
  }
  if (os !== "linux") {
    return { ok: false, kind: "none", program: undefined, detail: `no sandbox for ${os}` };
  }
  const program = findOnPath("bwrap", options.path);
  if (!program) {
    return {
      ok: false,
      kind: "none",
      program: undefined,
      detail: `bwrap (bubblewrap) is not on PATH (${options.path || "empty"})`,
    };
  }
  const probe = [
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-net",
    ...probeSystemEntries().flatMap((e) =>
      e.kind === "dir" ? ["--ro-bind", e.path, e.path] : ["--symlink", e.target, e.path]
    ),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--",
    "true",
  ];
  const run = await runCapture(program, probe, {
    cwd: "/",
    env: { PATH: options.path },
    timeoutMs: 10_000,
  });
  if (run.code !== 0) {
    return {
      ok: false,
      kind: "none",
      program,
      detail: `${program} cannot create namespaces: ${run.stderr.trim() || `exit ${run.code}`}`,
    };
  }
  return {
    ok: true,
    kind: "bwrap",
    program,
    detail: `${program} works (PID and network namespaces)`,
  };
}

/**
 * Decides whether a firing runs sandboxed.
 *
 * | mode       | sandbox works | result                          |
 * | ---------- | ------------- | ------------------------------- |
 * | `off`      | any           | unsandboxed                     |
 * | `auto`     | yes           | sandboxed                       |
 * | `auto`     | no            | unsandboxed, with a warning     |
 * | `required` | yes           | sandboxed                       |
 * | `required` | no            | {@linkcode SandboxUnavailableError} |
 *
 * @param mode The agent's setting.
 * @param check The result of {@linkcode checkSandbox}.
 * @param options The agent, for the error message; what runs (default `the engine`), for the warning.
 * @returns Whether to sandbox, and a warning for the log when `auto` falls back.
 * @throws {SandboxUnavailableError} for `required` without a working sandbox.
 */
export function decideSandbox(
  mode: SandboxMode,
  check: SandboxCheck,
  options: { agent?: string; subject?: string } = {},
): { sandboxed: boolean; warning: string | undefined } {
  if (mode === "off") return { sandboxed: false, warning: undefined };
  if (check.ok) return { sandboxed: true, warning: undefined };
  if (mode === "auto") {
    return {
      sandboxed: false,
      warning: `sandbox: auto and no working sandbox (${check.detail}); ${
        options.subject ?? "the engine"
      } runs unconfined`,
    };
  }
  throw new SandboxUnavailableError(check.detail, { agent: options.agent });
}

/**
 * The default mode of an agent that does not set `sandbox`.
 *
 * @param os The platform.
 * @returns `required` on Linux and macOS, `off` elsewhere.
 */
export function defaultSandboxMode(os: string): SandboxMode {
  return os === "linux" || os === "darwin" ? "required" : "off";
}

/**
 * The API hosts an engine needs.
 *
 * @param engine The engine.
 * @param options The API base URL when it is not the vendor's default
 *   (`ANTHROPIC_BASE_URL`, a Codex provider's `base_url`).
 * @returns The allow rules.
 */
export function engineApiRules(
  engine: SandboxedEngine,
  options: { apiUrl?: string } = {},
): AllowRule[] {
  if (options.apiUrl) return [urlRule(options.apiUrl)];
  return engine === "claude"
    ? [{ host: "api.anthropic.com" }]
    : [{ host: "api.openai.com" }, { host: "chatgpt.com" }, { host: "auth.openai.com" }];
}

/**
 * The allow rule of a URL's host and port (pure).
 *
 * @example Usage
 * ```ts
 * import { urlRule } from "./mod.ts";
 * urlRule("https://staging.example.com/app"); // { host: "staging.example.com", port: 443 }
 * urlRule("http://127.0.0.1:8080"); // { host: "127.0.0.1", port: 8080 }
 * ```
 *
 * @param url An `http:` or `https:` URL.
 * @returns Its host (without IPv6 brackets) and port (80 or 443 unless given).
 */
export function urlRule(url: string): AllowRule {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ""), port };
}

/**
 * Parses the hosts an agent declares (`network: ["github.com", "registry.npmjs.org:443",
 * "*.pythonhosted.org"]`).
 *
 * @param declared The declared entries.
 * @param options The agent, for the error message.
 * @returns The allow rules.
 * @throws {ConfigError} when an entry is not `host` or `host:port`.
 */
export function parseDeclaredHosts(
  declared: readonly string[],
  options: { agent: string },
): AllowRule[] {
  return declared.map((entry) => {
    const match = /^(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*)(:(\d{1,5}))?$/i.exec(entry.trim());
    const port = match?.[5] ? Number(match[5]) : 443;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(
        `agents.${options.agent}.network: "${entry}" is not a host or host:port`,
        {
          hint: 'Write a host name with an optional port, e.g. "github.com" or "*.npmjs.org:443".',
        },
      );
    }
    return { host: `${match[1] ?? ""}${match[2]}`.toLowerCase(), port };
  });
}

/**
 * The engine's own config and cache folders, writable in the sandbox.
 *
 * @param engine The engine.
 * @param options The home folder and the engine environment.
 * @returns Folders to bind writable, and files in them to keep read-only
 *   (settings that would run commands in the operator's interactive sessions).
 */
export function engineConfigPaths(
  engine: SandboxedEngine,
  options: { home: string; env: Readonly<Record<string, string>> },
): { dirs: string[]; protect: string[] } {
  if (engine === "claude") {
    const dir = options.env.CLAUDE_CONFIG_DIR ?? `${options.home}/.claude`;
    return {
      dirs: [dir],
      protect: ["settings.json", "settings.local.json", "CLAUDE.md", "commands", "agents", "hooks"]
        .map((name) => `${dir}/${name}`),
    };
  }
  const dir = options.env.CODEX_HOME ?? `${options.home}/.codex`;
  return { dirs: [dir], protect: [`${dir}/config.toml`, `${dir}/AGENTS.md`] };
}

/** What every sandboxed command shares: the agent, its mode, and what stays hidden. */
export interface SandboxBaseOptions {
  /** The agent's setting. */
  mode: SandboxMode;
  /** The agent (error messages, its fixed socket folder in a compiled binary). */
  agent?: string;
  /** The worktree: writable and the working directory. */
  worktree: string;
  /** The operator's home folder (replaced by an empty one). */
  home: string;
  /** ALFRED_HOME: never visible. */
  alfredHome: string;
  /** The command's environment (after its allowlist); `PATH` locates programs. */
  env: Readonly<Record<string, string>>;
  /** Hosts the agent declares, already parsed. */
  allowHosts?: readonly AllowRule[];
  /** Extra folders the command may read (e.g. a toolchain under the home folder). */
  extraReadOnly?: readonly string[];
  /** A folder for the proxy socket (private to the runner). Default: a new temp dir. */
  runtimeDir?: string;
  /** The forwarder command inside the sandbox. Default: {@linkcode defaultForwarder}. */
  forwarder?: readonly string[];
  /** The platform. Default `Deno.build.os`. */
  os?: string;
  /** A check already made (doctor, or an earlier attempt); else one is made. */
  check?: SandboxCheck;
  /** The clock (denial times). */
  now?: () => Date;
}

/** Options of {@linkcode wrapEngineCommand}. */
export interface WrapOptions extends SandboxBaseOptions {
  /** Which engine runs (its API host and config folders). */
  engine: SandboxedEngine;
  /** The API base URL when not the vendor's (tests: the loopback fake). */
  apiUrl?: string;
}

/** Options of {@linkcode wrapCommand}: the one policy builder behind every sandboxed run. */
export interface CommandSandboxOptions extends SandboxBaseOptions {
  /** Every destination the proxy lets through (declared hosts are added). */
  allow: readonly AllowRule[];
  /** Folders writable besides the worktree (an engine's config folder, a private cache). */
  writable?: readonly string[];
  /** Files or folders inside `writable` kept read-only (engine settings). */
  protect?: readonly string[];
  /**
   * `commit`: the git parts a commit from the worktree needs are writable (the
   * engine). `read-only`: the repository's git data is only read (repository
   * commands: tests, smoke tests), so the worktree is the one writable place.
   */
  git: "commit" | "read-only";
  /**
   * How file denials are read from the output: `engine-stream` (tool results in
   * the engine's JSON stream) or `plain` (every output line of a command).
   */
  output: "engine-stream" | "plain";
  /** What runs, for warnings and denial records, e.g. `the engine`, `pre-push npm`. */
  subject: string;
}

/** A command ready for `runProcess`, with the sandbox's bookkeeping. */
export interface WrappedCommand extends AsyncDisposable {
  /** Whether it runs sandboxed. */
  readonly sandboxed: boolean;
  /** The program to start (`bwrap`, `sandbox-exec`, or the command itself). */
  readonly command: string;
  /** Its arguments. */
  readonly args: string[];
  /** The environment to start it with (the command's env plus the proxy variables). */
  readonly env: Record<string, string>;
  /** A warning for the firing log (`auto` without a sandbox). */
  readonly warning: string | undefined;
  /** Feed every stdout line: file denials are read from it. */
  onStdoutLine(line: string): void;
  /** Feed every stderr line (read for denials for plain commands only). */
  onStderrLine(line: string): void;
  /**
   * Every denial so far: network (proxy), file (output), and the engine's own
   * permission denials when given.
   */
  denials(permissionDenials?: readonly PermissionDenial[]): SandboxDenial[];
  /** Stops the proxy and removes the socket folder. */
  close(): Promise<void>;
}

/**
 * Wraps an engine command in the platform's sandbox, starting the firing's
 * egress proxy: {@linkcode wrapCommand} with the engine's API host, its
 * config folder writable (settings read-only) and the git parts a commit needs.
 *
 * Requires `--allow-run` (bwrap), `--allow-net` (the proxy, on 127.0.0.1 or a
 * Unix socket), read access to the worktree's git dirs and write access to the
 * runtime folder.
 *
 * @param command The engine program (a name on `env.PATH` or a path).
 * @param args Its arguments.
 * @param options Mode, engine, paths, hosts.
 * @returns The command to run, its environment, the denials accessor and a cleanup.
 * @throws {SandboxUnavailableError} for `required` without a working sandbox.
 */
export function wrapEngineCommand(
  command: string,
  args: readonly string[],
  options: WrapOptions,
): Promise<WrappedCommand> {
  const config = engineConfigPaths(options.engine, { home: options.home, env: options.env });
  return wrapCommand(command, args, {
    ...options,
    allow: engineApiRules(options.engine, { apiUrl: options.apiUrl }),
    writable: config.dirs,
    protect: config.protect,
    git: "commit",
    output: "engine-stream",
    subject: "the engine",
  });
}

/**
 * Wraps any command in the platform's sandbox (bubblewrap on Linux,
 * `sandbox-exec` on macOS) and starts its egress proxy. Engines and every
 * command that runs repository code (tests, smoke tests) go through here:
 * one policy for all of them.
 *
 * Requires `--allow-run` (bwrap), `--allow-net` (the proxy, on 127.0.0.1 or a
 * Unix socket), read access to the worktree's git dirs and write access to the
 * runtime folder.
 *
 * @param command The program (a name on `env.PATH` or a path).
 * @param args Its arguments.
 * @param options Mode, paths, destinations, what is writable, how output is read.
 * @returns The command to run, its environment, the denials accessor and a cleanup.
 * @throws {SandboxUnavailableError} for `required` without a working sandbox.
 */
export async function wrapCommand(
  command: string,
  args: readonly string[],
  options: CommandSandboxOptions,
): Promise<WrappedCommand> {
  const os = options.os ?? Deno.build.os;
  const path = options.env.PATH ?? "";
  const check = options.mode === "off"
    ? { ok: false, kind: "none" as const, program: undefined, detail: "off" }
    : options.check ?? await checkSandbox({ path, os });
  const decision = decideSandbox(options.mode, check, {
    agent: options.agent,
    subject: options.subject,
  });
  if (!decision.sandboxed) return unwrapped(command, args, options.env, decision.warning);

  const program = await resolveProgram(command, path);
  const extraWritable = options.writable ?? [];
  for (const dir of extraWritable) await Deno.mkdir(dir, { recursive: true });
  const gitParts = await readGitWorktreeParts(options.worktree);
  const git = options.git === "commit" ? gitWritableParts(gitParts) : gitReadOnlyParts(gitParts);
  for (const dir of git.mustExist) await Deno.mkdir(dir, { recursive: true });

  const rules = [...options.allow, ...(options.allowHosts ?? [])];
  // A binary with a network allowlist may open only the socket it was built
  // for: the agent's fixed folder (runner/sandbox/runtime_dir.ts). With
  // unrestricted network access (`deno run -A`, tests) each run gets a
  // fresh private folder, so several homes on one host never share a socket.
  const fixed = options.runtimeDir === undefined && options.agent !== undefined &&
    Deno.permissions.querySync({ name: "net" }).state !== "granted";
  const ownsRuntime = options.runtimeDir === undefined && !fixed;
  const runtimeDir = options.runtimeDir ??
    (fixed
      ? await prepareRuntimeDir(sandboxRuntimeDir(options.agent!))
      : await Deno.makeTempDir({ prefix: "alfred-sandbox-" }));
  const forwarder = options.forwarder ?? defaultForwarder();
  const readOnly = uniqueOutsideSystem([
    ...git.readOnly,
    programRoot(program),
    ...forwarder.filter((word) => word.startsWith("/") && exists(word)).map(programRoot),
    ...gitConfigFiles(options.home),
    ...pathDirs(path, options),
    ...(options.extraReadOnly ?? []),
  ]);
  const writable = [options.worktree, ...git.writable, ...extraWritable];
  const bound = [...readOnly, ...writable];
  const policy: FilePolicy = {
    worktree: options.worktree,
    readOnly,
    emptied: git.otherWorktrees ? [git.otherWorktrees] : [],
    writable,
    protect: [...git.protect, ...(options.protect ?? [])].filter(exists),
    home: options.home,
    denied: deniedInside(options, bound),
  };
  const hiddenPaths = [
    options.alfredHome,
    ...CREDENTIAL_PATHS.map((p) => `${options.home}/${p.path}`),
    options.home,
  ];
  const scanner = createDenialScanner({ hiddenPaths, now: options.now });

  let proxy: EgressProxy;
  let wrapped: { command: string; args: string[] };
  const env: Record<string, string> = { ...options.env, ...gitSafetyEnv() };
  if (os === "darwin") {
    proxy = startEgressProxy({ allow: rules, now: options.now });
    const profile = seatbeltProfile({ policy, proxyPort: proxy.port!, hidden: hiddenPaths });
    wrapped = { command: "/usr/bin/sandbox-exec", args: ["-p", profile, program, ...args] };
    Object.assign(env, proxyEnv(`http://127.0.0.1:${proxy.port}`));
  } else {
    const socketPath = `${runtimeDir}/proxy.sock`;
    proxy = startEgressProxy({
      allow: rules,
      listen: { transport: "unix", path: socketPath },
      now: options.now,
    });
    wrapped = {
      command: check.program ?? "bwrap",
      args: bwrapArgs([program, ...args], {
        policy,
        system: probeSystemEntries(),
        systemSecrets: SYSTEM_SECRETS.filter(exists),
        network: { socketPath, insidePort: INSIDE_PROXY_PORT, forwarder },
      }),
    };
    Object.assign(env, proxyEnv(`http://127.0.0.1:${INSIDE_PROXY_PORT}`));
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await proxy.close();
    if (ownsRuntime) await Deno.remove(runtimeDir, { recursive: true });
    else await removeIfPresent(`${runtimeDir}/proxy.sock`);
  };
  const plain = options.output === "plain";
  return {
    sandboxed: true,
    command: wrapped.command,
    args: wrapped.args,
    env,
    warning: undefined,
    onStdoutLine: (line) => plain ? scanner.plain(options.subject, line) : scanner.line(line),
    onStderrLine: (line) => {
      if (plain) scanner.plain(options.subject, line);
    },
    denials: (permissionDenials = []) => [
      ...proxy.denials(),
      ...scanner.denials(),
      ...enginePermissionDenials(permissionDenials),
    ],
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Makes (or checks) an agent's fixed sandbox runtime folder: a real folder,
 * owned by this user, closed to others, with no stale socket left in it.
 *
 * @throws {SandboxUnavailableError} when the path is a symlink, not a folder,
 *   owned by someone else, or open to others (someone may be intercepting).
 */
async function prepareRuntimeDir(dir: string): Promise<string> {
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const info = await Deno.lstat(dir);
  const probe = `${dir}/.owner-${Deno.pid}`;
  let mine = false;
  if (info.isDirectory && !info.isSymlink) {
    await Deno.writeTextFile(probe, "");
    mine = (await Deno.lstat(probe)).uid === info.uid;
    await Deno.remove(probe);
  }
  if (!info.isDirectory || info.isSymlink || !mine || ((info.mode ?? 0) & 0o077) !== 0) {
    throw new SandboxUnavailableError(
      `the sandbox folder ${dir} is not a private folder of this user (remove it: it must be ` +
        `a folder with mode 700 owned by the user Alfred runs as)`,
    );
  }
  await removeIfPresent(`${dir}/proxy.sock`);
  return dir;
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The forwarder run inside the sandbox: `node` evaluating
 * {@linkcode NODE_FORWARDER_SOURCE}. Node runs the engines' CLIs, so it is on
 * the sandbox's PATH wherever an engine can run, and this works the same when
 * Alfred is a compiled binary (which cannot evaluate code) as under `deno run`.
 *
 * @returns The command.
 */
export function defaultForwarder(): string[] {
  return ["/usr/bin/env", "node", "-e", NODE_FORWARDER_SOURCE];
}

function unwrapped(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  warning: string | undefined,
): WrappedCommand {
  const close = () => Promise.resolve();
  return {
    sandboxed: false,
    command,
    args: [...args],
    env: { ...env },
    warning,
    onStdoutLine: () => {},
    onStderrLine: () => {},
    denials: (permissionDenials = []) => enginePermissionDenials(permissionDenials),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The proxy variables, in both cases: curl reads only lower-case `http_proxy`.
 *
 * @param url The proxy URL.
 * @returns The variables.
 */
export function proxyEnv(url: string): Record<string, string> {
  return {
    HTTPS_PROXY: url,
    HTTP_PROXY: url,
    https_proxy: url,
    http_proxy: url,
    ALL_PROXY: url,
    all_proxy: url,
    NO_PROXY: "",
    no_proxy: "",
  };
}

/** Git settings for the engine: no automatic gc (it would rewrite packs it may not touch). */
function gitSafetyEnv(): Record<string, string> {
  return { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "gc.auto", GIT_CONFIG_VALUE_0: "0" };
}

function deniedInside(options: SandboxBaseOptions, bound: readonly string[]): DeniedPath[] {
  const candidates: DeniedPath[] = [
    { path: options.alfredHome, kind: "dir" },
    ...CREDENTIAL_PATHS.map((p) => ({ path: `${options.home}/${p.path}`, kind: p.kind })),
  ];
  return candidates.filter((c) =>
    exists(c.path) && bound.some((b) => isUnder(c.path, b)) &&
    !isUnder(options.worktree, c.path)
  );
}

function uniqueOutsideSystem(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (SYSTEM_DIRS.some((dir) => isUnder(path, dir))) continue;
    if (!out.includes(path)) out.push(path);
  }
  return out;
}

function gitConfigFiles(home: string): string[] {
  return [`${home}/.gitconfig`, `${home}/.config/git/config`].filter(exists);
}

function pathDirs(path: string, options: SandboxBaseOptions): string[] {
  return path.split(":").filter((dir) =>
    dir.startsWith("/") && exists(dir) && !isUnder(dir, options.alfredHome) &&
    !CREDENTIAL_PATHS.some((c) => isUnder(dir, `${options.home}/${c.path}`)) &&
    dir !== options.home
  );
}

/** The folder to bind for a program: its npm install root, else its own folder. */
function programRoot(realPath: string): string {
  const cut = realPath.indexOf("/node_modules/");
  if (cut >= 0) return realPath.slice(0, cut + "/node_modules".length);
  return realPath.slice(0, realPath.lastIndexOf("/")) || "/";
}

async function resolveProgram(command: string, path: string): Promise<string> {
  const found = command.includes("/") ? command : findOnPath(command, path);
  if (!found) {
    throw new AlfredError(`program "${command}" was not found on PATH (${path})`, {
      hint: `Install ${command} or add its folder to PATH in the environment Alfred runs with.`,
    });
  }
  return await Deno.realPath(found);
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111)) return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory)) {
        throw error;
      }
    }
  }
  return undefined;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw error;
  }
}
