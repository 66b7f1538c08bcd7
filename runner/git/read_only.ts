/**
 * A read-only look at a repository's code, for the agents that never change it
 * (Drake, Batman, Huntress, Gordon): the operator's checkout (or Alfred's
 * managed clone) with `origin/<base>` fetched, and, where the agent reads
 * files or runs a command on that code, a detached worktree of
 * `origin/<base>` at `ALFRED_HOME/worktrees/ro-<codename>-<repo>-<ts>`.
 *
 * No branch is made, so removing a read-only checkout can never lose a
 * commit, and the checkout's own branch, index and files are never touched.
 * A folder left by a dead firing is removed by the next firing of the same
 * codename (the agent's lock makes every such folder a leftover).
 *
 * ```ts ignore
 * const git = await readerGitContext(context);
 * await removeLeftoverCheckouts(context, git);
 * const result = await withReadOnlyCheckout(
 *   repo,
 *   (checkout) => readSomething(checkout.dir),
 *   readOnlyOptionsOf(context, git),
 * );
 * ```
 *
 * @module
 */
import type { FiringContext } from "../firing/agent.ts";
import type { RepoConfig } from "../config/config.ts";
import { basenameOf, type Layout } from "../paths.ts";
import { ConfigError } from "../errors.ts";
import { resolveToken } from "../github/client.ts";
import {
  agentGitContext,
  checkoutOfWorktreeDir,
  ensureCheckout,
  fetchBase,
  git,
  type GitContext,
  inspectWorktreeDir,
  listAgentWorktrees,
  removeWorktree,
} from "./worktree.ts";

/** A read-only checkout: the detached worktree and the checkout it belongs to. */
export interface ReadOnlyCheckout {
  /** The canonical checkout. */
  readonly checkout: string;
  /** The read-only checkout's folder. */
  readonly dir: string;
  /** The commit it shows. */
  readonly commit: string;
}

/** Where and for whom a read-only checkout is made. */
export interface ReadOnlyOptions {
  /** The home layout. */
  layout: Layout;
  /** The agent. */
  codename: string;
  /** How git runs for this agent. */
  context: GitContext;
  /** The GitHub API URL (for a managed clone). */
  apiUrl: string;
  /** The time, for the folder's name. */
  now: Date;
}

/** The base branch of a repo, fetched. */
export interface FetchedBase {
  /** The repo as configured. */
  repo: RepoConfig;
  /** The checkout's folder. */
  checkout: string;
  /** How git runs for this agent. */
  git: GitContext;
}

/**
 * The first repo this agent serves, or `undefined` when it serves none (pure).
 *
 * @param context The firing.
 * @returns The repo's configuration.
 */
export function firstRepoOf(context: FiringContext): RepoConfig | undefined {
  return context.config.repos.find((repo) => context.agent.repos.includes(repo.name));
}

/**
 * The git context of a reading agent with no GitHub client of its own: `PATH`
 * and `HOME`, its identity, and a GitHub token when one is available (an
 * HTTPS clone needs it; a local or SSH remote does not).
 *
 * @param context The firing.
 * @returns The git context.
 */
export async function readerGitContext(context: FiringContext): Promise<GitContext> {
  let token: string | undefined;
  try {
    token = await resolveToken(context.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await context.log.info(`no GitHub token (${error.message}); git runs without one`);
  }
  return agentGitContext(context.env, { codename: context.codename, token });
}

/**
 * The options of a read-only checkout for this firing (pure).
 *
 * @param context The firing.
 * @param gitContext How git runs for this agent.
 * @returns Layout, codename, git context, API URL and the firing's clock now.
 */
export function readOnlyOptionsOf(context: FiringContext, gitContext: GitContext): ReadOnlyOptions {
  return {
    layout: context.layout,
    codename: context.codename,
    context: gitContext,
    apiUrl: context.config.githubApiUrl,
    now: context.now(),
  };
}

/**
 * Makes sure the repo's checkout exists and fetches `origin/<base>`.
 *
 * Requires `--allow-run=git`.
 *
 * @param repo The repository as configured (`name`, `path`, `base`).
 * @param options Layout, git context and API URL.
 * @returns The checkout's folder.
 * @throws {GitError} when the checkout cannot be used or the fetch fails.
 */
export async function fetchCheckout(
  repo: { name: string; path?: string; base: string },
  options: Pick<ReadOnlyOptions, "layout" | "context" | "apiUrl">,
): Promise<string> {
  const checkout = await ensureCheckout(repo, options);
  await fetchBase(checkout, { base: repo.base, context: options.context });
  return checkout;
}

/**
 * Fetches `origin/<base>` of a repo for a reading agent that needs no
 * worktree (Gordon reads the base's newest commit).
 *
 * @param context The firing.
 * @param repo The repo.
 * @returns The checkout and git context.
 * @throws {GitError} when the checkout cannot be used or the fetch fails.
 */
export async function fetchRepoBase(
  context: FiringContext,
  repo: RepoConfig,
): Promise<FetchedBase> {
  const gitContext = await readerGitContext(context);
  const checkout = await fetchCheckout(repo, {
    layout: context.layout,
    context: gitContext,
    apiUrl: context.config.githubApiUrl,
  });
  return { repo, checkout, git: gitContext };
}

/**
 * The folder of a read-only checkout (pure).
 *
 * @param layout The home layout.
 * @param options Codename, `owner/name` and the clock.
 * @returns `<worktreesDir>/ro-<codename>-<name>-<ts>`.
 */
export function readOnlyDir(
  layout: Layout,
  options: { codename: string; repo: string; now: Date },
): string {
  const ts = options.now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = options.repo.split("/").at(-1)!.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${layout.worktreesDir}/ro-${options.codename}-${name}-${ts}`;
}

/**
 * Fetches `origin/<base>` of a repository and makes a read-only checkout of it.
 *
 * Requires `--allow-run=git`.
 *
 * @param repo The repository as configured (`name`, `path`, `base`).
 * @param options Layout, codename, git context, API URL and clock.
 * @returns The read-only checkout; remove it with {@linkcode closeReadOnlyCheckout}.
 * @throws {GitError} when the checkout, fetch or worktree fails.
 */
export async function openReadOnlyCheckout(
  repo: { name: string; path?: string; base: string },
  options: ReadOnlyOptions,
): Promise<ReadOnlyCheckout> {
  const { context } = options;
  const checkout = await fetchCheckout(repo, options);
  const dir = readOnlyDir(options.layout, {
    codename: options.codename,
    repo: repo.name,
    now: options.now,
  });
  await Deno.mkdir(options.layout.worktreesDir, { recursive: true });
  await git(["worktree", "add", "--quiet", "--detach", dir, `origin/${repo.base}`], {
    cwd: checkout,
    context,
  });
  const commit = (await git(["rev-parse", "HEAD"], { cwd: dir, context })).stdout.trim();
  return { checkout, dir, commit };
}

/**
 * Removes a read-only checkout (its files and its worktree registration).
 *
 * @param checkout The read-only checkout.
 * @param options The git context.
 * @throws {GitError} when git fails in a way other than "already gone".
 */
export async function closeReadOnlyCheckout(
  checkout: { checkout: string; dir: string },
  options: { context: GitContext },
): Promise<void> {
  const removed = await git(["worktree", "remove", "--force", "--force", checkout.dir], {
    cwd: checkout.checkout,
    context: options.context,
    allowFailure: true,
  });
  if (removed.code === 0) return;
  await Deno.remove(checkout.dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await git(["worktree", "prune"], { cwd: checkout.checkout, context: options.context });
}

/**
 * Makes a read-only checkout, runs `use` on it, and removes it whatever happens.
 *
 * @param repo The repository as configured.
 * @param use What to do with it.
 * @param options Layout, codename, git context, API URL and clock.
 * @returns What `use` returns.
 * @throws {GitError} when the checkout, fetch or worktree fails; what `use` throws.
 */
export async function withReadOnlyCheckout<T>(
  repo: { name: string; path?: string; base: string },
  use: (checkout: ReadOnlyCheckout) => Promise<T>,
  options: ReadOnlyOptions,
): Promise<T> {
  const checkout = await openReadOnlyCheckout(repo, options);
  try {
    return await use(checkout);
  } finally {
    await closeReadOnlyCheckout(checkout, { context: options.context });
  }
}

/**
 * Removes the read-only checkouts a dead firing of this codename left behind,
 * and the `eng-<codename>-…` worktrees of older releases (a branch with
 * commits on no remote is kept). {@linkcode removeLeftoverCheckouts} is the
 * same for a firing, with a warning per folder.
 *
 * Requires `--allow-run=git`.
 *
 * @param layout The home layout.
 * @param options The codename and git context.
 * @returns The folders removed (their names).
 */
export async function removeLeftoverReadOnly(
  layout: Layout,
  options: { codename: string; context: GitContext },
): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(layout.worktreesDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(`ro-${options.codename}-`)) continue;
    const dir = `${layout.worktreesDir}/${entry.name}`;
    const checkout = await checkoutOfWorktreeDir(dir);
    if (checkout) await closeReadOnlyCheckout({ checkout, dir }, { context: options.context });
    else await Deno.remove(dir, { recursive: true });
    removed.push(basenameOf(dir));
  }
  for (const dir of await listAgentWorktrees(layout, options.codename)) {
    const found = await inspectWorktreeDir(dir, { context: options.context });
    if (found) await removeWorktree(found, { context: options.context });
    else await Deno.remove(dir, { recursive: true });
    removed.push(basenameOf(dir));
  }
  return removed;
}

/**
 * Removes the read-only checkouts a dead firing of this codename left behind,
 * and the worktrees of its older releases (Huntress made a throwaway branch
 * per firing, `eng-huntress-…`, which a reading agent never commits to; a
 * branch with commits on no remote is kept all the same), logging a warning
 * per folder. Call it while holding the agent's lock.
 *
 * @param context The firing.
 * @param gitContext How git runs for this agent.
 * @returns The folders removed.
 */
export async function removeLeftoverCheckouts(
  context: FiringContext,
  gitContext: GitContext,
): Promise<string[]> {
  const removed = await removeLeftoverReadOnly(context.layout, {
    codename: context.codename,
    context: gitContext,
  });
  for (const dir of removed) {
    await context.log.warn(`removed the read-only checkout ${dir} left by a dead firing`);
  }
  return removed;
}
