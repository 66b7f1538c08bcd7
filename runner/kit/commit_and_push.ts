/**
 * How an editing agent (Lucius, Bane, Nightwing) hands its work over: commit
 * what the engine left uncommitted, make sure every commit carries the
 * `Alfred-Agent` / `Alfred-Firing` trailers, then push the branch, timed as
 * the firing's `commit` and `push` phases.
 *
 * @module
 */
import type { Worktree } from "../git/worktree.ts";
import { commitLeftovers, ensureTrailers, pushWork } from "../git/delivery.ts";
import { type AgentKit, timed } from "./agent_kit.ts";

/** Options of {@linkcode commitAndPush}. */
export interface CommitAndPushOptions {
  /** The trailers every commit carries (runner/git/delivery.ts `trailersOf`). */
  trailers: readonly string[];
  /** The message of a commit of what the engine left uncommitted; none is made without it. */
  leftovers?: string;
  /** Add the trailers to commits without them (default true; not again after a push). */
  ensureTrailers?: boolean;
}

/**
 * Commits the engine's leftovers, adds the trailers, and pushes the branch.
 *
 * Requires `--allow-run=git` and the remote's network access.
 *
 * @param kit The firing's kit (git context, phase clock, progress).
 * @param worktree The worktree.
 * @param options The trailers, and the leftovers' commit message.
 * @throws {GitError} when a commit or the push fails.
 */
export async function commitAndPush(
  kit: AgentKit,
  worktree: Worktree,
  options: CommitAndPushOptions,
): Promise<void> {
  const { trailers } = options;
  await timed(kit, "commit", async () => {
    if (options.leftovers !== undefined) {
      await commitLeftovers(worktree, { message: options.leftovers, trailers, context: kit.git });
    }
    if (options.ensureTrailers ?? true) {
      await ensureTrailers(worktree, { trailers, context: kit.git });
    }
  });
  await timed(
    kit,
    "push",
    () => pushWork(worktree, { context: kit.git, progress: kit.context.progress }),
  );
}
