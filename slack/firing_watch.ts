/**
 * Follows a firing started from Slack (`fire <codename>`) to its end, so the
 * outcome can be posted in the command's thread.
 *
 * A firing has ended when the activity log has its `firing-ended` line, or
 * when its process is gone: then its output file says why (a sentinel such as
 * `[AGENT-PAUSED] …` from a firing that stopped before any work), or nothing
 * does and it ended without a record. The watches are kept in
 * `state/slack-firings.json`, so a restarted listener still posts the
 * outcomes of firings started before; without the process at hand, "gone"
 * means the agent's lock is not held by that firing.
 *
 * @module
 */
import { z } from "zod";
import { readActivity } from "../runner/firing/activity.ts";
import { readLockHolder, withFileLock } from "../runner/firing/lock.ts";
import { type Layout, lockFile } from "../runner/paths.ts";
import { readStateOr, readTextIfExists, writeState } from "../runner/state.ts";
import type { FiringEnd } from "./blocks.ts";

/** How often the activity log is read for a watched firing's end. */
export const WATCH_POLL_MS = 2_000;

/**
 * A firing whose process is not known to this listener (started before a
 * restart) and whose lock is not held counts as gone only after this long:
 * a firing takes its lock a moment after it starts.
 */
export const START_GRACE_MS = 60_000;

/** One watched firing. */
export const FiringWatch = z.strictObject({
  firing_id: z.string(),
  codename: z.string(),
  /** Where the outcome goes. */
  channel: z.string(),
  thread_ts: z.string(),
  /** The firing's output file (`logs/<agent>/fire-<id>.out`). */
  output_file: z.string(),
  started_at: z.iso.datetime({ offset: true }),
});
/** One watched firing. */
export type FiringWatch = z.infer<typeof FiringWatch>;

/** Schema of `state/slack-firings.json`. */
export const FiringWatchesFile = z.strictObject({
  version: z.literal(1),
  firings: z.record(z.string(), FiringWatch),
});

/**
 * Where the watches live.
 *
 * @param layout The home layout.
 * @returns `<stateDir>/slack-firings.json`.
 */
export function firingWatchesFile(layout: Layout): string {
  return `${layout.stateDir}/slack-firings.json`;
}

/**
 * Adds or removes a watch.
 *
 * @param layout The home layout.
 * @param change `add` a watch, or `remove` one by firing id.
 * @param options Warnings and the clock.
 */
export async function changeWatches(
  layout: Layout,
  change: { add: FiringWatch } | { remove: string },
  options: { warn: (line: string) => void; now: () => Date },
): Promise<void> {
  const file = firingWatchesFile(layout);
  await withFileLock(`${file}.lock`, async () => {
    const store = await readWatches(layout, options);
    if ("add" in change) store.firings[change.add.firing_id] = change.add;
    else delete store.firings[change.remove];
    await writeState(file, FiringWatchesFile, store);
  });
}

/**
 * The watches left by an earlier run of the listener.
 *
 * @param layout The home layout.
 * @param options Warnings and the clock.
 * @returns The watches.
 */
export async function listWatches(
  layout: Layout,
  options: { warn: (line: string) => void; now: () => Date },
): Promise<FiringWatch[]> {
  return Object.values((await readWatches(layout, options)).firings);
}

/**
 * Waits until a firing has ended.
 *
 * @param watch The firing.
 * @param options The home, clock, poll interval, the firing's exit (when this
 *   process started it), and a signal that stops waiting.
 * @returns How it ended, or `undefined` when `signal` stopped the wait.
 */
export async function awaitFiringEnd(
  watch: FiringWatch,
  options: {
    layout: Layout;
    now: () => Date;
    pollMs?: number;
    exited?: Promise<number | null>;
    signal: AbortSignal;
  },
): Promise<FiringEnd | undefined> {
  const pollMs = options.pollMs ?? WATCH_POLL_MS;
  let exitCode: number | null | undefined;
  let exited = false;
  options.exited?.then((code) => {
    exited = true;
    exitCode = code;
  });
  while (!options.signal.aborted) {
    const ended = await endedEvent(watch, options);
    if (ended) return { kind: "ended", event: ended };
    const gone = options.exited ? exited : await lockReleased(watch, options);
    if (gone) {
      // The end line may have landed between the two reads.
      const late = await endedEvent(watch, options);
      if (late) return { kind: "ended", event: late };
      const output = await readTextIfExists(watch.output_file) ?? "";
      const sentinel = /^\[AGENT-[A-Z-]+\].*$/m.exec(output)?.[0];
      if (sentinel) return { kind: "stopped", sentinel };
      const tail = output.trim().split("\n").slice(-8).join("\n");
      const code = exitCode === undefined ? "" : ` (exit ${exitCode ?? "by signal"})`;
      return { kind: "vanished", detail: `${tail || "(no output)"}${code}` };
    }
    await sleep(pollMs, options.signal);
  }
  return undefined;
}

async function endedEvent(
  watch: FiringWatch,
  options: { layout: Layout; now: () => Date },
) {
  const events = await readActivity(options.layout, {
    since: new Date(Date.parse(watch.started_at) - 60_000),
    until: new Date(options.now().getTime() + 60_000),
    firingId: watch.firing_id,
  });
  return events.find((event) => event.type === "firing-ended") as
    | Extract<(typeof events)[number], { type: "firing-ended" }>
    | undefined;
}

async function lockReleased(
  watch: FiringWatch,
  options: { layout: Layout; now: () => Date },
): Promise<boolean> {
  const holder = await readLockHolder(lockFile(options.layout, watch.codename));
  if (holder?.firing_id === watch.firing_id) return false;
  return options.now().getTime() - Date.parse(watch.started_at) > START_GRACE_MS;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function readWatches(
  layout: Layout,
  options: { warn: (line: string) => void; now: () => Date },
): Promise<z.infer<typeof FiringWatchesFile>> {
  return readStateOr(firingWatchesFile(layout), FiringWatchesFile, {
    ...options,
    empty: { version: 1, firings: {} },
    hint: "Outcomes of firings started from Slack before this are not posted; see `alfred status`.",
  });
}
