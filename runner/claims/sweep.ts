/**
 * The stale-claim sweep as a firing runs it: at most every
 * {@linkcode SWEEP_EVERY_MS} (remembered in `state/<codename>/sweep.json`), or
 * at once when the firing found a dead predecessor. A claim of this host is
 * alive while its codename's lock is held by the claim's firing.
 *
 * @module
 */
import { z } from "zod";
import type { FiringContext } from "../firing/agent.ts";
import { StateCorruptError } from "../errors.ts";
import type { GitHubClient } from "../github/client.ts";
import { sweepStaleClaims } from "./claims.ts";
import type { TransitionJournal } from "./transitions.ts";
import { parseRepo } from "../github/rest.ts";
import type { TrustSource } from "./trust.ts";
import { readLockHolder } from "../firing/lock.ts";
import { agentStateDir, lockFile } from "../paths.ts";
import { readState, writeState } from "../state.ts";

/** The sweep runs at most this often unless a dead firing was found. */
export const SWEEP_EVERY_MS = 30 * 60_000;

const SweepRecord = z.strictObject({ version: z.literal(1), swept_at: z.iso.datetime() });

/**
 * Sweeps the stale claims of the agent's repos when due.
 *
 * @param client The GitHub client.
 * @param context The firing (its codename signs the stale-release markers).
 * @param options `force`: sweep now (a dead firing was found); `trust`: the
 *   accounts whose markers count, resolved only when an issue is in flight;
 *   the journal its releases are written down in.
 * @returns Whether a sweep ran.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function sweepIfDue(
  client: GitHubClient,
  context: FiringContext,
  options: { force: boolean; trust: TrustSource; journal?: TransitionJournal },
): Promise<boolean> {
  const file = `${agentStateDir(context.layout, context.codename)}/sweep.json`;
  const last = await readState(file, SweepRecord, { warn: () => {} }).catch((error) => {
    if (error instanceof StateCorruptError) return undefined;
    throw error;
  });
  const now = context.now();
  if (!options.force && !last) {
    // A home's first firing: no firing of this agent died here, and a stale
    // claim of another host is hours old anyway; start the clock instead, so
    // an idle firing stays one request.
    await writeState(file, SweepRecord, { version: 1, swept_at: now.toISOString() });
    return false;
  }
  if (!options.force && last && now.getTime() - Date.parse(last.swept_at) < SWEEP_EVERY_MS) {
    return false;
  }
  for (const name of context.agent.repos) {
    const swept = await sweepStaleClaims(client, parseRepo(name), {
      codename: context.codename,
      firing: context.firingId,
      host: context.host,
      now: context.now,
      trusted: () => options.trust.get(),
      journal: options.journal,
      isFiringAlive: async (claim) => {
        if (claim.host !== context.host) return false;
        if (claim.firing === context.firingId) return true;
        const holder = await readLockHolder(lockFile(context.layout, claim.codename));
        return holder?.firing_id === claim.firing;
      },
    });
    for (const issue of swept) {
      await context.log.warn(
        `sweep: released ${name}#${issue.number} (${issue.reason}, firing ${issue.released}) → ${issue.label}`,
      );
    }
  }
  await writeState(file, SweepRecord, { version: 1, swept_at: now.toISOString() });
  return true;
}
