/**
 * The file backend of {@linkcode Coordination}: one host, state under
 * `ALFRED_HOME/state`. Every call delegates to the existing modules
 * (runner/firing/lock.ts, runner/firing/spend.ts, runner/firing/block.ts, runner/firing/pause.ts) without
 * changing what they do.
 *
 * @module
 */
import {
  clearGlobalBlock,
  readGlobalBlock,
  type SetBlockOptions,
  setGlobalBlock,
} from "../firing/block.ts";
import { hostBackoffStore } from "../github/backoff.ts";
import { acquireAgentLock } from "../firing/lock.ts";
import { type Layout, lockFile } from "../paths.ts";
import { pause, readPauseState, resume } from "../firing/pause.ts";
import { addFiring, overrideLedger, readLedger, writeLedger } from "../firing/spend.ts";
import type { Coordination } from "./coordination.ts";

/**
 * Opens the file backend.
 *
 * @param layout The home layout.
 * @param options The clock and a warning sink (for the GitHub backoff file).
 * @returns The coordination; `close` does nothing.
 */
export function fileCoordination(
  layout: Layout,
  options: { now?: () => Date; warn?: (message: string) => void } = {},
): Coordination {
  return {
    backend: "file",
    githubBackoff: hostBackoffStore(layout, {
      now: options.now ?? (() => new Date()),
      warn: options.warn,
    }),
    async readGate(options) {
      const block = await readGlobalBlock(layout, options);
      return { block, pause: await readPauseState(layout, options) };
    },
    async acquireLock(agent, holder) {
      const attempt = await acquireAgentLock(lockFile(layout, agent), holder);
      if (attempt.kind === "busy") return attempt;
      const controller = new AbortController();
      return {
        kind: "acquired",
        tookOverFrom: attempt.tookOverFrom,
        lock: {
          record: attempt.lock.record,
          fencingToken: null,
          signal: controller.signal,
          release: () => attempt.lock.release(),
        },
      };
    },
    readLedger(agent, options) {
      return readLedger(layout, agent, options);
    },
    async addSpend(agent, options) {
      const before = await readLedger(layout, agent, options);
      const after = addFiring(before, options.entry);
      await writeLedger(layout, after);
      return { ledger: after, synced: true };
    },
    async overrideToday(agent, options) {
      const ledger = overrideLedger(await readLedger(layout, agent, options), options);
      await writeLedger(layout, ledger);
      return ledger;
    },
    async setBlockedUntil(agent, options) {
      const ledger = await readLedger(layout, agent, { day: options.day });
      await writeLedger(layout, { ...ledger, blocked_until: options.until.toISOString() });
    },
    readBlock(options) {
      return readGlobalBlock(layout, options);
    },
    setBlock(options: SetBlockOptions) {
      return setGlobalBlock(layout, options);
    },
    clearBlock() {
      return clearGlobalBlock(layout);
    },
    readPause(options) {
      return readPauseState(layout, options);
    },
    pause(options) {
      return pause(layout, options);
    },
    resume(options) {
      return resume(layout, options);
    },
    close() {
      return Promise.resolve();
    },
  };
}
