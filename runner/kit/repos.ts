/**
 * The repositories one firing of an agent serves: those listed for the agent
 * in `fleet.yaml` that no operator pause covers right now.
 *
 * @module
 */
import type { FiringContext } from "../firing/agent.ts";
import type { RepoConfig } from "../config/config.ts";
import { type PauseFile, readPauseState } from "../firing/pause.ts";

/**
 * The repos an agent serves that are not paused (pure).
 *
 * @param context The firing's configuration (`config.repos`, `agent.repos`).
 * @param options The pause state and the time.
 * @returns The repos, in `fleet.yaml` order.
 */
export function activeReposOf(
  context: Pick<FiringContext, "config" | "agent">,
  options: { pauses: PauseFile; now: Date },
): RepoConfig[] {
  const paused = new Set(
    Object.entries(options.pauses.repos)
      .filter(([, entry]) =>
        entry.until === null || Date.parse(entry.until) > options.now.getTime()
      )
      .map(([name]) => name),
  );
  return context.config.repos.filter((repo) =>
    context.agent.repos.includes(repo.name) && !paused.has(repo.name)
  );
}

/**
 * Reads the pause state and lists the repos this firing serves.
 *
 * Requires read access to ALFRED_HOME/state.
 *
 * @param context The firing.
 * @returns The repos, in `fleet.yaml` order.
 */
export async function activeRepos(context: FiringContext): Promise<RepoConfig[]> {
  const now = context.now();
  const pauses = await readPauseState(context.layout, {
    now,
    warn: (message) => void context.log.warn(message),
  });
  return activeReposOf(context, { pauses, now });
}
