/**
 * Where everything lives under `ALFRED_HOME`.
 *
 * This module is on the hot path of every firing, so it imports nothing: paths
 * are joined with `/` (Alfred runs on Linux and macOS only).
 *
 * @module
 */

/** Reads one environment variable; `Deno.env.get` in production, a map in tests. */
export type EnvReader = (name: string) => string | undefined;

/** The whole layout of an Alfred home. See docs/ARCHITECTURE.md. */
export interface Layout {
  /** The root: `ALFRED_HOME`, else `~/.alfred`. */
  readonly home: string;
  /** The operator's fleet configuration. */
  readonly fleetFile: string;
  /** All state files. */
  readonly stateDir: string;
  /** The fleet-wide provider block. */
  readonly globalBlockFile: string;
  /** Which agents and repos are paused. */
  readonly pauseFile: string;
  /** Per-agent log folders. */
  readonly logsDir: string;
  /** Per-firing git worktrees. */
  readonly worktreesDir: string;
  /** Per-firing engine transcripts. */
  readonly transcriptsDir: string;
  /** The firing event log (one JSON line per firing). */
  readonly eventsDir: string;
  /** The activity log: firings' steps, pauses and blocks, as they happen. */
  readonly activityDir: string;
  /** Managed clones of repos that have no local checkout. */
  readonly reposDir: string;
  /** The operator's editable agent prompts. */
  readonly promptsDir: string;
  /** Private per-firing caches and homes of sandboxed repository commands (tests, smoke tests). */
  readonly sandboxCacheDir: string;
}

/**
 * Resolves the Alfred home from the environment.
 *
 * @param env Reads `ALFRED_HOME` and `HOME`.
 * @returns `ALFRED_HOME` when set, else `$HOME/.alfred`.
 * @throws {Error} when neither `ALFRED_HOME` nor `HOME` is set.
 */
export function alfredHome(env: EnvReader): string {
  const explicit = env("ALFRED_HOME");
  if (explicit) return trimSlash(explicit);
  const home = env("HOME");
  if (!home) throw new Error("neither ALFRED_HOME nor HOME is set; set ALFRED_HOME to a folder");
  return `${trimSlash(home)}/.alfred`;
}

/**
 * Builds the layout of an Alfred home.
 *
 * @param home The Alfred home folder.
 * @returns Every fixed path under it.
 */
export function layoutOf(home: string): Layout {
  const stateDir = `${home}/state`;
  return {
    home,
    fleetFile: `${home}/fleet.yaml`,
    stateDir,
    globalBlockFile: `${stateDir}/global-blocked-until.json`,
    pauseFile: `${stateDir}/paused.json`,
    logsDir: `${home}/logs`,
    worktreesDir: `${home}/worktrees`,
    transcriptsDir: `${home}/transcripts`,
    eventsDir: `${home}/events`,
    activityDir: `${home}/activity`,
    reposDir: `${home}/repos`,
    promptsDir: `${home}/prompts`,
    sandboxCacheDir: `${home}/sandbox-cache`,
  };
}

/**
 * The state folder of one agent: its lock, spend ledgers and other state.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @returns `state/<agent>`.
 */
export function agentStateDir(layout: Layout, agent: string): string {
  return `${layout.stateDir}/${agent}`;
}

/**
 * The lock file of one agent.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @returns `state/<agent>/lock`.
 */
export function lockFile(layout: Layout, agent: string): string {
  return `${agentStateDir(layout, agent)}/lock`;
}

/**
 * The spend ledger of one agent for one day.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options `day` as `YYYY-MM-DD` in the operator's time zone.
 * @returns `state/<agent>/spend-<day>.json`.
 */
export function spendFile(layout: Layout, agent: string, options: { day: string }): string {
  return `${agentStateDir(layout, agent)}/spend-${options.day}.json`;
}

/**
 * The log folder of one agent (files rotate by day inside it).
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @returns `logs/<agent>`.
 */
export function agentLogDir(layout: Layout, agent: string): string {
  return `${layout.logsDir}/${agent}`;
}

/**
 * The folder of a file path (the part before the last `/`).
 *
 * @param path A file path.
 * @returns Its folder, or `.` for a bare name.
 */
export function dirnameOf(path: string): string {
  const cut = path.lastIndexOf("/");
  if (cut < 0) return ".";
  return cut === 0 ? "/" : path.slice(0, cut);
}

/**
 * The last part of a path.
 *
 * @param path A file path.
 * @returns The part after the last `/`.
 */
export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Whether something exists at `path` (following symlinks, unless told not to:
 * then a dangling symlink exists too).
 *
 * @param path A file or folder.
 * @param options `followSymlinks: false` looks at a symlink itself.
 * @returns False only when it does not exist; other errors are thrown.
 */
export async function pathExists(
  path: string,
  options: { followSymlinks?: boolean } = {},
): Promise<boolean> {
  try {
    await (options.followSymlinks === false ? Deno.lstat(path) : Deno.stat(path));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
