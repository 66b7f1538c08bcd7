/**
 * The one way the runner runs repository code: Bane's pre-push check,
 * Huntress's smoke setup and smoke command, and any later check of a
 * worktree. Each command runs in the engine's sandbox (runner/sandbox/wrap.ts,
 * `wrapCommand`: bubblewrap on Linux, `sandbox-exec` on macOS), with:
 *
 * - the worktree as the only writable place besides the firing's private
 *   cache (below); the repository's git data read-only, other worktrees,
 *   the operator's home, `ALFRED_HOME` and credentials hidden;
 * - the network only through the egress proxy, to the hosts the agent
 *   declares (`network:` in fleet.yaml), every refusal recorded;
 * - a **private, writable package cache per firing**
 *   (`ALFRED_HOME/sandbox-cache/<codename>/<firing>`), which is also the
 *   command's `HOME`: npm, yarn, pnpm, Deno, pip and anything following XDG
 *   write there, and it is removed when the firing ends. Not a read-only
 *   bind of the operator's cache: npm and Deno write to their cache on every
 *   install (a read-only one fails them), the operator's cache may hold
 *   private packages, and a shared writable one would let a hostile test
 *   plant a package the operator later runs unconfined.
 *
 * Every denial and the `auto` fallback warning land in the firing record,
 * the same way the engine's do.
 *
 * `sandbox: off` runs the command unconfined, as before; a compiled binary
 * cannot (its `--allow-run` lists no code runner), which gives a
 * {@linkcode UnconfinedCommandError} saying so.
 *
 * @module
 */
import type { FiringContext } from "../firing/agent.ts";
import { AlfredError } from "../errors.ts";
import { readDirIfExists } from "../state.ts";
import { type OutputSink, type ProcessResult, runProcess } from "../process.ts";
import { denialRecordOf, type SandboxDenial } from "./audit.ts";
import { parseDeclaredHosts, wrapCommand } from "./wrap.ts";
import type { AllowRule } from "./proxy.ts";

/** A repository command could not start outside the sandbox (`sandbox: off` in a compiled binary). */
export class UnconfinedCommandError extends AlfredError {
  /**
   * Creates a {@linkcode UnconfinedCommandError}.
   *
   * @param program The command's program.
   * @param options The agent and the cause.
   */
  constructor(program: string, options: { agent: string; cause?: unknown }) {
    super(
      `agent ${options.agent} has sandbox: off, and alfred-${options.agent} may not start ` +
        `"${program}" outside the sandbox`,
      {
        hint: "Alfred's binaries run repository code (tests, smoke tests) only inside the " +
          "sandbox: set sandbox: required (or auto) for the agent in fleet.yaml and install " +
          "bubblewrap; `alfred doctor` checks it.",
        cause: options.cause,
      },
    );
    this.name = "UnconfinedCommandError";
  }
}

/** Options of {@linkcode openRepoSandbox}. */
export interface RepoSandboxOptions {
  /** The worktree the commands run in (writable). */
  worktree: string;
  /** Hosts allowed besides the agent's `network:` (e.g. Huntress's staging URL). */
  extraHosts?: readonly AllowRule[];
}

/** One command to run. */
export interface RepoCommandRequest {
  /** What it is, for the log and denial records (`pre-push`, `setup`, `smoke`). */
  step: string;
  /** Program first. */
  argv: readonly string[];
  /** Its environment, already allowlisted by the caller. */
  env: Readonly<Record<string, string>>;
  /** Wall-clock limit. */
  timeoutMs: number;
  /** Receives every output line. */
  transcript?: OutputSink;
  /** Called with each stdout line. */
  onStdoutLine?: (line: string) => void | Promise<void>;
  /** Called with each stderr line. */
  onStderrLine?: (line: string) => void | Promise<void>;
  /** Lines kept per stream in the result. */
  tailLines?: number;
}

/** How a repository command ended. */
export interface RepoCommandResult extends ProcessResult {
  /** Whether it ran in the sandbox. */
  sandboxed: boolean;
  /** What the sandbox refused while it ran (also recorded in the firing). */
  denials: SandboxDenial[];
}

/** The repository commands of one firing, sharing one private cache. */
export interface RepoSandbox extends AsyncDisposable {
  /** The private cache and home, or `undefined` with `sandbox: off`. */
  readonly cacheDir: string | undefined;
  /**
   * Runs one command in the sandbox and records its denials in the firing.
   *
   * @throws {SandboxUnavailableError} for `sandbox: required` without a working sandbox.
   * @throws {UnconfinedCommandError} for `sandbox: off` in a compiled binary.
   */
  run(request: RepoCommandRequest): Promise<RepoCommandResult>;
  /** Removes the private cache. */
  close(): Promise<void>;
}

/**
 * The variables that send package caches and the home of a command to the
 * private cache folder (pure).
 *
 * @param cacheDir The firing's private cache.
 * @returns `HOME`, the XDG folders, and the caches of npm, yarn, pnpm, Deno and pip.
 */
export function privateCacheEnv(cacheDir: string): Record<string, string> {
  return {
    HOME: `${cacheDir}/home`,
    XDG_CACHE_HOME: `${cacheDir}/xdg/cache`,
    XDG_CONFIG_HOME: `${cacheDir}/xdg/config`,
    XDG_DATA_HOME: `${cacheDir}/xdg/data`,
    XDG_STATE_HOME: `${cacheDir}/xdg/state`,
    npm_config_cache: `${cacheDir}/npm`,
    npm_config_store_dir: `${cacheDir}/pnpm-store`,
    YARN_CACHE_FOLDER: `${cacheDir}/yarn`,
    DENO_DIR: `${cacheDir}/deno`,
    PIP_CACHE_DIR: `${cacheDir}/pip`,
    TMPDIR: "/tmp",
    // Node 24+ sends fetch() through HTTP(S)_PROXY only when asked to.
    NODE_USE_ENV_PROXY: "1",
  };
}

/**
 * Opens the sandbox for a firing's repository commands: removes the private
 * caches dead firings of this agent left (the agent's lock is held, so every
 * one found is dead) and makes this firing's.
 *
 * Requires write access to ALFRED_HOME; running a command needs what
 * `wrapCommand` needs (bwrap or sandbox-exec, the proxy's socket).
 *
 * @param context The firing.
 * @param options The worktree, and hosts allowed besides the agent's own.
 * @returns The sandbox; close it (or `await using`) at the end of the firing.
 * @throws {ConfigError} when a declared host is malformed.
 */
export async function openRepoSandbox(
  context: FiringContext,
  options: RepoSandboxOptions,
): Promise<RepoSandbox> {
  const agent = context.agent;
  const allowHosts = [
    ...parseDeclaredHosts(agent.network, { agent: context.codename }),
    ...(options.extraHosts ?? []),
  ];
  const confined = agent.sandbox !== "off";
  const parent = `${context.layout.sandboxCacheDir}/${context.codename}`;
  if (confined) await removeChildren(parent);
  const cacheDir = confined ? `${parent}/${context.firingId}` : undefined;
  if (cacheDir) await Deno.mkdir(`${cacheDir}/home`, { recursive: true, mode: 0o700 });
  const home = context.env("HOME") ?? "/nonexistent";

  const run = async (request: RepoCommandRequest): Promise<RepoCommandResult> => {
    const [program, ...args] = request.argv;
    const env = cacheDir ? { ...request.env, ...privateCacheEnv(cacheDir) } : { ...request.env };
    const wrapped = await wrapCommand(program, args, {
      mode: agent.sandbox,
      agent: context.codename,
      worktree: options.worktree,
      home,
      alfredHome: context.layout.home,
      env,
      allow: [],
      allowHosts,
      extraReadOnly: agent.sandboxReadOnly,
      writable: cacheDir ? [cacheDir] : [],
      git: "read-only",
      output: "plain",
      subject: `${request.step} ${program}`,
      now: context.now,
    });
    if (wrapped.warning) {
      context.recordWarning(wrapped.warning);
      await context.log.warn(wrapped.warning);
    }
    let result: ProcessResult;
    try {
      result = await runProcess(wrapped.command, wrapped.args, {
        cwd: options.worktree,
        env: wrapped.env,
        timeoutMs: request.timeoutMs,
        transcript: request.transcript,
        tailLines: request.tailLines,
        onStdoutLine: async (line) => {
          wrapped.onStdoutLine(line);
          await request.onStdoutLine?.(line);
        },
        onStderrLine: async (line) => {
          wrapped.onStderrLine(line);
          await request.onStderrLine?.(line);
        },
      });
    } catch (error) {
      if (!wrapped.sandboxed && error instanceof Deno.errors.NotCapable) {
        throw new UnconfinedCommandError(program, { agent: context.codename, cause: error });
      }
      throw error;
    } finally {
      await wrapped.close();
    }
    const denials = wrapped.denials();
    if (denials.length) context.recordDenials(denials.map(denialRecordOf));
    return { ...result, sandboxed: wrapped.sandboxed, denials };
  };

  const close = async () => {
    if (cacheDir) await removeChildren(parent);
  };
  return { cacheDir, run, close, [Symbol.asyncDispose]: close };
}

/** Removes every entry of a folder (a missing folder is fine). */
async function removeChildren(dir: string): Promise<void> {
  for (const entry of await readDirIfExists(dir)) {
    const path = `${dir}/${entry.name}`;
    try {
      await Deno.remove(path, { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
      await makeWritable(path);
      await Deno.remove(path, { recursive: true });
    }
  }
}

/**
 * Gives the owner write access to every folder below `path`: package managers
 * (Go's module cache, some npm tarballs) leave read-only folders, which a
 * recursive remove cannot empty.
 */
async function makeWritable(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (!info.isDirectory) return;
  if (((info.mode ?? 0o700) & 0o700) !== 0o700) await Deno.chmod(path, 0o700);
  for await (const entry of Deno.readDir(path)) {
    if (entry.isDirectory) await makeWritable(`${path}/${entry.name}`);
  }
}
