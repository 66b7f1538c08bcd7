/**
 * Git for the runner: the canonical checkout of each repository, one worktree
 * per firing on its own branch, and the clean-up that never loses a commit.
 *
 * - The canonical checkout is the operator's `path` from `fleet.yaml`, else a
 *   managed clone under `ALFRED_HOME/repos/<owner>/<name>`.
 * - A firing's worktree is `ALFRED_HOME/worktrees/eng-<codename>-<repo>-<issue>-<ts>`
 *   on branch `agent/<codename>/<issue>-<short-firing-id>`, made from
 *   `origin/<base>` right after a fetch.
 * - Every git command of the runner runs through runner/process.ts with no
 *   terminal prompt, a fixed author and committer per codename
 *   (`Lucius (Alfred) <lucius@alfred.invalid>`), and no repository code: an
 *   empty hooks path, no fsmonitor, and no filter, ssh command or other
 *   program that the repository's own configuration names
 *   (runner/git/isolation.ts).
 * - In a firing's worktree, git is pointed at the worktree's git dirs as the
 *   runner made them (`GIT_DIR`, `GIT_COMMON_DIR`, `GIT_WORK_TREE`), never
 *   through the worktree's `.git` file or the admin dir's `commondir`, which
 *   the engine can rewrite; a `config.worktree` in the admin dir (which Alfred
 *   never writes) is removed before each command.
 * - A push gets the token from a credential helper that reads it from the
 *   child's environment (`ALFRED_GIT_TOKEN`): the token is never in a URL, an
 *   argument or a log line.
 * - A branch is deleted only when none of its commits is missing from the
 *   remote: unpushed work is pushed (salvaged) first.
 *
 * @module
 */
import { AlfredError } from "../errors.ts";
import {
  FIXED_GIT_OVERRIDES,
  gitConfigEnv,
  needsConfigScan,
  parseGitConfigList,
  repositoryConfigOverrides,
} from "./isolation.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { basenameOf, pathExists } from "../paths.ts";
import { type CaptureResult, runCapture } from "../process.ts";
import { NotAWorktreeError, readGitWorktreeParts } from "../sandbox/policy.ts";

/** The author and committer of the runner's commits. */
export interface GitIdentity {
  /** e.g. `Lucius (Alfred)`. */
  readonly name: string;
  /** e.g. `lucius@alfred.invalid`. */
  readonly email: string;
}

/**
 * The fixed git identity of a codename.
 *
 * @param codename The agent.
 * @returns `<Codename> (Alfred) <codename@alfred.invalid>`.
 */
export function identityOf(codename: string): GitIdentity {
  return {
    name: `${codename.charAt(0).toUpperCase()}${codename.slice(1)} (Alfred)`,
    email: `${codename}@alfred.invalid`,
  };
}

/**
 * How git runs for an agent: only `PATH` and `HOME` of the environment, the
 * agent's identity, and the GitHub token when there is one (pure).
 *
 * @param env Reads `PATH` and `HOME`.
 * @param options The agent and the token.
 * @returns The git context.
 */
export function agentGitContext(
  env: EnvReader,
  options: { codename: string; token?: string },
): GitContext {
  const baseEnv: Record<string, string> = {};
  for (const name of ["PATH", "HOME"]) {
    const value = env(name);
    if (value !== undefined) baseEnv[name] = value;
  }
  return {
    baseEnv,
    identity: identityOf(options.codename),
    ...(options.token ? { token: options.token } : {}),
  };
}

/** A git command failed. */
export class GitError extends AlfredError {
  /** The exit code, `null` after a signal or timeout. */
  readonly code: number | null;

  /**
   * Creates a {@linkcode GitError}.
   *
   * @param message The command and its error output.
   * @param options The exit code and a hint.
   */
  constructor(message: string, options: { code: number | null; hint?: string }) {
    super(message, {
      hint: options.hint ??
        "Run the same git command in the checkout to see what is wrong (permissions, a lock file, the network).",
    });
    this.name = "GitError";
    this.code = options.code;
  }
}

/** How the runner's git commands run. */
export interface GitContext {
  /** `PATH` and `HOME` of the git processes (nothing else is inherited). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Author and committer. */
  readonly identity: GitIdentity;
  /** A token for pushing and fetching over HTTPS; given to git through a credential helper. */
  readonly token?: string;
  /** Timeout of one command. Default 5 minutes (fetches and pushes of large repos). */
  readonly timeoutMs?: number;
}

/** The environment variable the credential helper reads the token from. */
export const GIT_TOKEN_VARIABLE = "ALFRED_GIT_TOKEN";

/**
 * The environment of one git command (pure): identity, no prompts, the given
 * configuration settings, and the credential helper when a token is given
 * (all through `GIT_CONFIG_*`, so no argument carries the token).
 *
 * @param context Base environment, identity and token.
 * @param settings Configuration `[key, value]` pairs applied first (later wins).
 * @returns The complete environment.
 */
export function gitEnvOf(
  context: GitContext,
  settings: readonly (readonly [string, string])[] = [],
): Record<string, string> {
  const env: Record<string, string> = {
    ...context.baseEnv,
    LANG: "C",
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: context.identity.name,
    GIT_AUTHOR_EMAIL: context.identity.email,
    GIT_COMMITTER_NAME: context.identity.name,
    GIT_COMMITTER_EMAIL: context.identity.email,
  };
  const all = [...settings];
  if (context.token) {
    env[GIT_TOKEN_VARIABLE] = context.token;
    all.push(
      ["credential.helper", ""],
      [
        "credential.helper",
        `!f() { test "$1" = get || exit 0; echo username=x-access-token; echo "password=$${GIT_TOKEN_VARIABLE}"; }; f`,
      ],
    );
  }
  return { ...env, ...gitConfigEnv(all) };
}

/** Where a worktree's git data lives, as the runner made it (never re-read from the worktree). */
export interface GitDirs {
  /** The worktree's admin dir, `<common>/worktrees/<name>` (`GIT_DIR`). */
  readonly gitDir: string;
  /** The repository's common dir, the main `.git` (`GIT_COMMON_DIR`). */
  readonly commonDir: string;
  /** The worktree folder (`GIT_WORK_TREE`). */
  readonly workTree: string;
}

/**
 * The variables that point git at a worktree's own git dirs (pure).
 *
 * @param dirs The worktree's git dirs.
 * @returns `GIT_DIR`, `GIT_COMMON_DIR` and `GIT_WORK_TREE`.
 */
export function pinnedGitEnv(dirs: GitDirs): Record<string, string> {
  return { GIT_DIR: dirs.gitDir, GIT_COMMON_DIR: dirs.commonDir, GIT_WORK_TREE: dirs.workTree };
}

/**
 * Runs one git command without repository code (no hooks, no fsmonitor, no
 * program the repository's configuration names: runner/git/isolation.ts);
 * fails on a non-zero exit.
 *
 * Requires `--allow-run=git`.
 *
 * @param args The git arguments (after `git`).
 * @param options The working directory, the git context, `allowFailure`, and
 *   `dirs` to point git at a worktree's own git dirs.
 * @returns The captured output.
 * @throws {GitError} when git exits non-zero (unless `allowFailure`), or when
 *   the configuration cannot be read.
 */
export async function git(
  args: string[],
  options: {
    cwd: string;
    context: GitContext;
    allowFailure?: boolean;
    stdin?: string;
    dirs?: GitDirs;
  },
): Promise<CaptureResult> {
  const timeoutMs = options.context.timeoutMs ?? 5 * 60_000;
  const pinned = options.dirs ? pinnedGitEnv(options.dirs) : {};
  if (options.dirs) await removePlantedWorktreeConfig(options.dirs.gitDir);
  const settings: (readonly [string, string])[] = [...FIXED_GIT_OVERRIDES];
  if (needsConfigScan(args)) {
    settings.push(...await repositoryOverrides({ ...options, timeoutMs, pinned }));
  }
  const result = await runCapture("git", args, {
    cwd: options.cwd,
    env: { ...gitEnvOf(options.context, settings), ...pinned },
    timeoutMs,
    stdin: options.stdin,
  });
  if (result.code !== 0 && !options.allowFailure) {
    const why = result.timedOut ? "timed out" : `exit ${result.code ?? result.signal}`;
    throw new GitError(
      `git ${args.join(" ")} failed in ${options.cwd} (${why}): ${
        (result.stderr || result.stdout).trim().slice(-600)
      }`,
      { code: result.code },
    );
  }
  return result;
}

/** The last scan of a repository's configuration, by working folder and git dir. */
const configScans = new Map<string, { stamp: string; overrides: [string, string][] }>();

/**
 * The overrides of the repository's command-running settings
 * (runner/git/isolation.ts), from `git config --list --show-scope`. A scan is
 * reused while the repository's config file is unchanged (same modification
 * time, size and inode), so a firing's many git commands cost one scan per
 * repository; without a config file to watch, every command scans.
 */
async function repositoryOverrides(
  options: {
    cwd: string;
    context: GitContext;
    dirs?: GitDirs;
    pinned: Record<string, string>;
    timeoutMs: number;
  },
): Promise<[string, string][]> {
  const key = `${options.cwd}\0${options.dirs?.gitDir ?? ""}`;
  const configFile = options.dirs
    ? `${options.dirs.commonDir}/config`
    : `${options.cwd}/.git/config`;
  const stamp = await fileStamp(configFile);
  const cached = configScans.get(key);
  if (stamp && cached?.stamp === stamp) return cached.overrides;
  const listed = await runCapture("git", ["config", "--list", "--show-scope", "-z"], {
    cwd: options.cwd,
    env: { ...gitEnvOf(options.context, FIXED_GIT_OVERRIDES), ...options.pinned },
    timeoutMs: options.timeoutMs,
  });
  if (listed.code !== 0) {
    throw new GitError(
      `git cannot read the configuration in ${options.cwd}: ${listed.stderr.trim().slice(-600)}`,
      { code: listed.code },
    );
  }
  const overrides = repositoryConfigOverrides(parseGitConfigList(listed.stdout));
  if (stamp) configScans.set(key, { stamp, overrides });
  return overrides;
}

/** A file's modification time, size and inode, or `undefined` when it cannot be read. */
async function fileStamp(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.stat(path);
    return `${info.mtime?.getTime()}:${info.size}:${info.ino}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The HTTPS clone URL of a repository, from the API base URL (pure):
 * `https://api.github.com` → `https://github.com/<owner>/<name>.git`;
 * `https://<host>/api/v3` (Enterprise) → `https://<host>/<owner>/<name>.git`.
 *
 * @param apiUrl The REST API base URL.
 * @param repo `owner/name`.
 * @returns The clone URL (never with credentials in it).
 */
export function cloneUrlOf(apiUrl: string, repo: string): string {
  const url = new URL(apiUrl);
  const host = url.hostname === "api.github.com" ? "github.com" : url.host;
  return `${url.protocol}//${host}/${repo}.git`;
}

/**
 * Expands a leading `~/` with the home folder (pure).
 *
 * @param path A path from `fleet.yaml`.
 * @param home The home folder.
 * @returns The expanded path.
 */
export function expandHome(path: string, home: string | undefined): string {
  if (home && (path === "~" || path.startsWith("~/"))) return `${home}${path.slice(1)}`;
  return path;
}

/**
 * Finds or makes the canonical checkout of a repository: the operator's
 * `path` when given (it must be a git repository), else a managed clone under
 * `reposDir/<owner>/<name>` made on first use (no working files checked out).
 *
 * @param repo The repository as configured.
 * @param options Layout, git context, API URL (for the clone URL).
 * @returns The checkout's folder.
 * @throws {GitError} when the path is not a repository or the clone fails.
 */
export async function ensureCheckout(
  repo: { name: string; path?: string },
  options: { layout: Layout; context: GitContext; apiUrl: string },
): Promise<string> {
  const { context } = options;
  if (repo.path) {
    const path = expandHome(repo.path, context.baseEnv.HOME);
    const inside = await git(["rev-parse", "--git-dir"], { cwd: path, context, allowFailure: true })
      .catch((error) => {
        throw new GitError(`repos: ${repo.name}: path ${path} cannot be used: ${error.message}`, {
          code: null,
          hint: `Fix repos[].path of ${repo.name} in fleet.yaml, or remove it to let Alfred clone.`,
        });
      });
    if (inside.code !== 0) {
      throw new GitError(`repos: ${repo.name}: ${path} is not a git repository`, {
        code: inside.code,
        hint: `Fix repos[].path of ${repo.name} in fleet.yaml, or remove it to let Alfred clone.`,
      });
    }
    return path;
  }
  const dir = `${options.layout.reposDir}/${repo.name}`;
  if (await pathExists(`${dir}/.git`)) return dir;
  await Deno.mkdir(dir, { recursive: true });
  await git(
    ["clone", "--quiet", "--no-checkout", cloneUrlOf(options.apiUrl, repo.name), dir],
    { cwd: options.layout.reposDir, context },
  );
  return dir;
}

/**
 * Fetches the base branch into `origin/<base>`.
 *
 * @param checkout The canonical checkout.
 * @param options The base branch and git context.
 * @throws {GitError} when the fetch fails.
 */
export async function fetchBase(
  checkout: string,
  options: { base: string; context: GitContext },
): Promise<void> {
  await git(
    [
      "fetch",
      "--quiet",
      "--no-tags",
      "origin",
      `+refs/heads/${options.base}:refs/remotes/origin/${options.base}`,
    ],
    { cwd: checkout, context: options.context },
  );
}

/** A firing's worktree. */
export interface Worktree {
  /** The canonical checkout it belongs to. */
  readonly checkout: string;
  /** Its folder. */
  readonly dir: string;
  /** Its branch. */
  readonly branch: string;
  /** The base branch it starts from. */
  readonly base: string;
  /**
   * Its git dirs as the runner made them (before any engine ran in it); when
   * absent (a worktree found again after a crash) {@linkcode gitDirsOf}
   * derives them from the checkout and checks them.
   */
  readonly dirs?: GitDirs;
}

/**
 * The git dirs the runner uses for a worktree: those recorded when it was
 * made, else its `.git` file's admin dir, accepted only when it is one of the
 * checkout's own `worktrees/` (the engine can rewrite that file).
 *
 * Requires read access to the checkout and the worktree.
 *
 * @param worktree The worktree.
 * @returns Its admin dir, the checkout's common dir, and the folder.
 * @throws {GitError} when the worktree's `.git` does not point into its checkout's git dir.
 */
export async function gitDirsOf(worktree: Worktree): Promise<GitDirs> {
  if (worktree.dirs) return worktree.dirs;
  const common = await Deno.realPath((await readGitWorktreeParts(worktree.checkout)).commonDir);
  let admin: string | undefined;
  try {
    const parts = await readGitWorktreeParts(worktree.dir);
    if (!parts.isMainCheckout) admin = parts.adminDir;
  } catch (error) {
    // No `.git`, an admin dir that is gone, or a pointer that is not one: not a usable worktree.
    if (
      !(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
        error instanceof NotAWorktreeError)
    ) throw error;
  }
  if (!admin || admin.slice(0, admin.lastIndexOf("/")) !== `${common}/worktrees`) {
    throw new GitError(
      `${worktree.dir}/.git does not point into ${common}/worktrees: the runner will not run git there`,
      {
        code: null,
        hint: `Look at ${worktree.dir} by hand; its branch ${worktree.branch} is kept in ` +
          `${worktree.checkout}.`,
      },
    );
  }
  return { gitDir: admin, commonDir: common, workTree: worktree.dir };
}

/** Removes a `config.worktree` from a worktree's admin dir: Alfred never writes one. */
async function removePlantedWorktreeConfig(gitDir: string): Promise<void> {
  try {
    await Deno.remove(`${gitDir}/config.worktree`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The branch and folder of a firing's worktree (pure).
 *
 * @param options Codename, repository, issue (or a target slug such as Bane's
 *   `src-math-ts`, or Nightwing's `pr12`), firing id and start time.
 * @returns `agent/<codename>/<issue>-<short-firing-id>` and
 *   `<worktreesDir>/eng-<codename>-<repo>-<issue>-<ts>`.
 */
export function worktreeNames(
  options: {
    layout: Layout;
    codename: string;
    repo: string;
    issue: number | string;
    firingId: string;
    now: Date;
  },
): { branch: string; dir: string } {
  const short = options.firingId.split("-").at(-1) ?? options.firingId.slice(-6);
  const ts = options.now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const repoName = options.repo.split("/").at(-1)!.replace(/[^A-Za-z0-9._-]/g, "_");
  return {
    branch: `agent/${options.codename}/${options.issue}-${short}`,
    dir:
      `${options.layout.worktreesDir}/eng-${options.codename}-${repoName}-${options.issue}-${ts}`,
  };
}

/**
 * The issue number in a branch made by {@linkcode worktreeNames} (pure).
 *
 * @param branch A branch name.
 * @param codename The agent.
 * @returns The issue number, or `undefined` when the branch is not an agent branch.
 */
export function issueOfBranch(branch: string, codename: string): number | undefined {
  const match = new RegExp(`^agent/${codename}/(\\d+)-[A-Za-z0-9]+$`).exec(branch);
  return match ? Number(match[1]) : undefined;
}

/**
 * Adds a worktree on a new branch from `origin/<base>`.
 *
 * @param checkout The canonical checkout (already fetched).
 * @param options Folder, branch, base and git context.
 * @returns The worktree.
 * @throws {GitError} when git refuses.
 */
export async function addWorktree(
  checkout: string,
  options: { dir: string; branch: string; base: string; context: GitContext },
): Promise<Worktree> {
  await Deno.mkdir(options.dir.slice(0, options.dir.lastIndexOf("/")), { recursive: true });
  await git(
    ["worktree", "add", "--quiet", "-b", options.branch, options.dir, `origin/${options.base}`],
    { cwd: checkout, context: options.context },
  );
  const made = { checkout, dir: options.dir, branch: options.branch, base: options.base };
  return { ...made, dirs: await gitDirsOf(made) };
}

/**
 * Counts the commits of a ref that no remote-tracking branch of `origin` has.
 *
 * @param cwd A checkout or worktree.
 * @param options The ref and git context.
 * @returns How many commits would be lost if the ref were deleted; 0 when it does not exist.
 */
export async function unpushedCommits(
  cwd: string,
  options: { ref: string; context: GitContext },
): Promise<number> {
  const result = await git(["rev-list", "--count", options.ref, "--not", "--remotes=origin"], {
    cwd,
    context: options.context,
    allowFailure: true,
  });
  return result.code === 0 ? Number(result.stdout.trim()) : 0;
}

/**
 * Removes a worktree (forced: its files go) and deletes its branch, unless the
 * branch holds commits that are on no remote branch: those are kept and
 * reported, never deleted.
 *
 * @param worktree The worktree.
 * @param options The git context.
 * @returns Whether the branch was deleted (`false` when it was kept for its commits).
 * @throws {GitError} when git fails in a way other than "already gone".
 */
export async function removeWorktree(
  worktree: Worktree,
  options: { context: GitContext },
): Promise<{ branchDeleted: boolean; keptCommits: number }> {
  const { context } = options;
  const removed = await git(["worktree", "remove", "--force", "--force", worktree.dir], {
    cwd: worktree.checkout,
    context,
    allowFailure: true,
  });
  if (removed.code !== 0) {
    // Not a registered worktree any more (its admin files are gone): remove the folder itself.
    await Deno.remove(worktree.dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await git(["worktree", "prune"], { cwd: worktree.checkout, context });
  }
  const keptCommits = await unpushedCommits(worktree.checkout, {
    ref: `refs/heads/${worktree.branch}`,
    context,
  });
  if (keptCommits > 0) return { branchDeleted: false, keptCommits };
  const deleted = await git(["branch", "-D", "--quiet", worktree.branch], {
    cwd: worktree.checkout,
    context,
    allowFailure: true,
  });
  return { branchDeleted: deleted.code === 0, keptCommits: 0 };
}

/**
 * Lists this codename's worktree folders under `worktreesDir` (`eng-<codename>-*`).
 * One firing per agent per host runs at a time, so while the agent's lock is
 * held every one of them belongs to a dead firing.
 *
 * @param layout The home layout.
 * @param codename The agent.
 * @returns Absolute folders, oldest name first.
 */
export async function listAgentWorktrees(layout: Layout, codename: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(layout.worktreesDir)) {
      if (entry.isDirectory && entry.name.startsWith(`eng-${codename}-`)) {
        out.push(`${layout.worktreesDir}/${entry.name}`);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return out.sort((a, b) => basenameOf(a).localeCompare(basenameOf(b)));
}

/**
 * The checkout a linked worktree folder belongs to, from its `.git` file.
 *
 * @param dir The worktree folder.
 * @returns The checkout's folder, or `undefined` when `dir` is not a linked worktree.
 * @throws {Error} when the `.git` file cannot be read for another reason than its absence.
 */
export async function checkoutOfWorktreeDir(dir: string): Promise<string | undefined> {
  let gitFile: string;
  try {
    gitFile = await Deno.readTextFile(`${dir}/.git`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw error;
  }
  const admin = /^gitdir:\s*(.+)$/m.exec(gitFile)?.[1]?.trim();
  const marker = "/.git/worktrees/";
  return admin?.includes(marker) ? admin.slice(0, admin.indexOf(marker)) : undefined;
}

/**
 * Reads what a worktree folder left by a dead firing holds: its checkout
 * (from its `.git` file) and its branch.
 *
 * @param dir The worktree folder.
 * @param options The git context.
 * @returns The worktree, or `undefined` when the folder is not a usable worktree.
 */
export async function inspectWorktreeDir(
  dir: string,
  options: { context: GitContext },
): Promise<Worktree | undefined> {
  const checkout = await checkoutOfWorktreeDir(dir);
  if (checkout === undefined) return undefined;
  let dirs: GitDirs;
  try {
    dirs = await gitDirsOf({ checkout, dir, branch: "", base: "" });
  } catch (error) {
    if (error instanceof GitError || error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const head = await git(["symbolic-ref", "--quiet", "--short", "HEAD"], {
    cwd: dir,
    context: options.context,
    allowFailure: true,
    dirs,
  });
  if (head.code !== 0) return undefined;
  return { checkout, dir, branch: head.stdout.trim(), base: "", dirs };
}
