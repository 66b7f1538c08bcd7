/**
 * A read-only look at a repository's code for agents that never change it
 * (Drake, Batman): a detached worktree of `origin/<base>`, fetched just
 * before, at `ALFRED_HOME/worktrees/ro-<codename>-<repo>-<ts>`. No branch is
 * made, so removing it can never lose a commit; a folder left by a dead
 * firing is removed by the next firing of the same codename (the agent's lock
 * makes every such folder a leftover).
 *
 * @module
 */
import type { Layout } from "../paths.ts";
import { basenameOf } from "../paths.ts";
import { ensureCheckout, fetchBase, git, type GitContext } from "./worktree.ts";

/** A snapshot: the detached worktree and the checkout it belongs to. */
export interface Snapshot {
  /** The canonical checkout. */
  readonly checkout: string;
  /** The snapshot's folder. */
  readonly dir: string;
  /** The commit it shows. */
  readonly commit: string;
}

/**
 * The folder of a snapshot (pure).
 *
 * @param layout The home layout.
 * @param options Codename, `owner/name` and the clock.
 * @returns `<worktreesDir>/ro-<codename>-<name>-<ts>`.
 */
export function snapshotDir(
  layout: Layout,
  options: { codename: string; repo: string; now: Date },
): string {
  const ts = options.now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const name = options.repo.split("/").at(-1)!.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${layout.worktreesDir}/ro-${options.codename}-${name}-${ts}`;
}

/**
 * Makes a snapshot of `origin/<base>` of a repository.
 *
 * Requires `--allow-run=git`.
 *
 * @param repo The repository as configured (`name`, `path`, `base`).
 * @param options Layout, codename, git context, API URL (for a managed clone) and clock.
 * @returns The snapshot.
 * @throws {GitError} when the checkout, fetch or worktree fails.
 */
export async function openSnapshot(
  repo: { name: string; path?: string; base: string },
  options: { layout: Layout; codename: string; context: GitContext; apiUrl: string; now: Date },
): Promise<Snapshot> {
  const { context } = options;
  const checkout = await ensureCheckout(repo, {
    layout: options.layout,
    context,
    apiUrl: options.apiUrl,
  });
  await fetchBase(checkout, { base: repo.base, context });
  const dir = snapshotDir(options.layout, {
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
 * Removes a snapshot (its files and its worktree registration).
 *
 * @param snapshot The snapshot.
 * @param options The git context.
 * @throws {GitError} when git fails in a way other than "already gone".
 */
export async function closeSnapshot(
  snapshot: { checkout: string; dir: string },
  options: { context: GitContext },
): Promise<void> {
  const removed = await git(["worktree", "remove", "--force", "--force", snapshot.dir], {
    cwd: snapshot.checkout,
    context: options.context,
    allowFailure: true,
  });
  if (removed.code === 0) return;
  await Deno.remove(snapshot.dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await git(["worktree", "prune"], { cwd: snapshot.checkout, context: options.context });
}

/**
 * Removes the snapshots a dead firing of this codename left behind. Call it
 * while holding the agent's lock.
 *
 * @param layout The home layout.
 * @param options The codename and git context.
 * @returns The folders removed.
 */
export async function removeLeftoverSnapshots(
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
    const checkout = await checkoutOf(dir);
    if (checkout) await closeSnapshot({ checkout, dir }, { context: options.context });
    else await Deno.remove(dir, { recursive: true });
    removed.push(basenameOf(dir));
  }
  return removed;
}

/** The checkout a worktree folder belongs to, from its `.git` file. */
async function checkoutOf(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/.git`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw error;
  }
  const admin = /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim();
  const marker = "/.git/worktrees/";
  return admin?.includes(marker) ? admin.slice(0, admin.indexOf(marker)) : undefined;
}
