/**
 * The repo as the agents that only read it see it (Huntress, Gordon): the
 * operator's checkout (or Alfred's managed clone) with `origin/<base>`
 * fetched, and, for a command that must run on that code, a throwaway
 * worktree at `origin/<base>`. The checkout's own branch, index and files are
 * never touched.
 *
 * @module
 */
import type { FiringContext } from "../firing/agent.ts";
import type { RepoConfig } from "../config/config.ts";
import type { GitContext, Worktree } from "./worktree.ts";
import { ensureCheckout, fetchBase, identityOf, removeWorktree } from "./worktree.ts";
import { resolveToken } from "../github/client.ts";
import { ConfigError } from "../errors.ts";
import * as wt from "./worktree.ts";

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
 * The first repo this agent serves, or `undefined` when it serves none.
 *
 * @param context The firing.
 * @returns The repo's configuration.
 */
export function firstRepoOf(context: FiringContext): RepoConfig | undefined {
  return context.config.repos.find((repo) => context.agent.repos.includes(repo.name));
}

/**
 * The git context of a reading agent: `PATH` and `HOME`, its identity, and a
 * GitHub token when one is available (an HTTPS clone needs it; a local or SSH
 * remote does not).
 *
 * @param context The firing.
 * @returns The git context.
 */
export async function readerGitContext(context: FiringContext): Promise<GitContext> {
  const baseEnv: Record<string, string> = {};
  for (const name of ["PATH", "HOME"]) {
    const value = context.env(name);
    if (value !== undefined) baseEnv[name] = value;
  }
  let token: string | undefined;
  try {
    token = await resolveToken(context.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await context.log.info(`no GitHub token (${error.message}); git runs without one`);
  }
  return { baseEnv, identity: identityOf(context.codename), ...(token ? { token } : {}) };
}

/**
 * Makes sure the repo's checkout exists and fetches `origin/<base>`.
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
  const git = await readerGitContext(context);
  const checkout = await ensureCheckout(repo, {
    layout: context.layout,
    context: git,
    apiUrl: context.config.githubApiUrl,
  });
  await fetchBase(checkout, { base: repo.base, context: git });
  return { repo, checkout, git };
}

/**
 * Adds a worktree at `origin/<base>` on a throwaway branch
 * (`agent/<codename>/0-<firing>`), first removing any this agent's dead
 * firings left (a reading agent never commits, so they hold nothing).
 *
 * @param context The firing.
 * @param base The fetched base.
 * @returns The worktree; remove it with {@linkcode removeReaderWorktree}.
 * @throws {GitError} when git refuses.
 */
export async function addReaderWorktree(
  context: FiringContext,
  base: FetchedBase,
): Promise<Worktree> {
  for (const dir of await wt.listAgentWorktrees(context.layout, context.codename)) {
    const found = await wt.inspectWorktreeDir(dir, { context: base.git });
    await context.log.warn(`removing the worktree ${dir} of a dead firing`);
    if (found) await wt.removeWorktree(found, { context: base.git });
    else await Deno.remove(dir, { recursive: true });
  }
  const names = wt.worktreeNames({
    layout: context.layout,
    codename: context.codename,
    repo: base.repo.name,
    issue: 0,
    firingId: context.firingId,
    now: context.now(),
  });
  return await wt.addWorktree(base.checkout, { ...names, base: base.repo.base, context: base.git });
}

/**
 * Removes a worktree made by {@linkcode addReaderWorktree} and its branch.
 *
 * @param worktree The worktree.
 * @param base The fetched base (for the git context).
 */
export async function removeReaderWorktree(worktree: Worktree, base: FetchedBase): Promise<void> {
  await removeWorktree(worktree, { context: base.git });
}
