/**
 * The fleet-wide provider block: when one agent hits a rate limit or an
 * exhausted budget, every agent stands down until the block expires.
 *
 * The file is `state/global-blocked-until.json`. Firings read it on the hot path
 * through runner/firing/guard.ts (without zod); this module owns the schema, setting,
 * clearing, and the safe handling of a corrupt file.
 *
 * @module
 */
import { z } from "zod";
import type { Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";
import { StateCorruptError } from "../errors.ts";

/** Default length of a block when the error carries no reset time. */
export const DEFAULT_BLOCK_HOURS = 1;

/** Schema of `state/global-blocked-until.json`. */
export const BlockFile = z.strictObject({
  version: z.literal(1),
  until: z.iso.datetime({ offset: true }),
  reason: z.string().min(1),
  set_at: z.iso.datetime({ offset: true }),
  set_by: z.string().min(1),
});
/** The parsed block file. */
export type BlockFile = z.infer<typeof BlockFile>;

/** Options of {@linkcode setGlobalBlock}. */
export interface SetBlockOptions {
  /** Why the fleet is blocked, e.g. `claude rate limit (429) hit by lucius`. */
  reason: string;
  /** How long, when `until` is not given. Defaults to {@linkcode DEFAULT_BLOCK_HOURS}. */
  hours?: number;
  /** The exact end, e.g. from a `retry-after` header or a reset time. */
  until?: Date;
  /** The clock. */
  now?: Date;
  /** Who set it: an agent codename, or `operator`. */
  setBy?: string;
  /** Replace a block that ends later (the operator's `block set`). Default: keep the later one. */
  shorten?: boolean;
}

/**
 * Builds the record of a new block (pure): its end from `until`, else from
 * `hours` (default {@linkcode DEFAULT_BLOCK_HOURS}) after `now`.
 *
 * @param options Reason, length and who sets it.
 * @param now The clock.
 * @returns The block record.
 * @throws {RangeError} when the block would not end after `now`.
 */
export function newBlock(options: SetBlockOptions, now: Date): BlockFile {
  const until = options.until ??
    new Date(now.getTime() + (options.hours ?? DEFAULT_BLOCK_HOURS) * 3_600_000);
  if (!(until.getTime() > now.getTime())) {
    throw new RangeError(`a block must end in the future (got ${until.toISOString()})`);
  }
  return {
    version: 1,
    until: until.toISOString(),
    reason: options.reason,
    set_at: now.toISOString(),
    set_by: options.setBy ?? "operator",
  };
}

/**
 * Sets the fleet-wide block. A block that already ends later is kept unless
 * `shorten` is set, so two agents hitting the wall never cut each other's block.
 *
 * @param layout The home layout.
 * @param options Reason and length.
 * @returns The block now in force.
 */
export async function setGlobalBlock(layout: Layout, options: SetBlockOptions): Promise<BlockFile> {
  const now = options.now ?? new Date();
  const block = newBlock(options, now);
  const current = await readGlobalBlock(layout, { now });
  if (current && !options.shorten && Date.parse(current.until) >= Date.parse(block.until)) {
    return current;
  }
  await writeState(layout.globalBlockFile, BlockFile, block);
  return block;
}

/**
 * Removes the fleet-wide block.
 *
 * @param layout The home layout.
 * @returns Whether a block file was there.
 */
export async function clearGlobalBlock(layout: Layout): Promise<boolean> {
  try {
    await Deno.remove(layout.globalBlockFile);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Reads the block file, whether or not it is still in force.
 *
 * A corrupt file is quarantined and replaced by a block of the default length
 * counted from the corrupt file's modification time: a file that was being
 * written most likely held a fresh block, and stopping an hour too long is
 * cheaper than firing into a rate-limit wall.
 *
 * @param layout The home layout.
 * @param options The clock and a warning sink.
 * @returns The block, or `undefined` when there is none.
 */
export async function readGlobalBlock(
  layout: Layout,
  options: { now?: Date; warn?: (message: string) => void } = {},
): Promise<BlockFile | undefined> {
  let mtime: Date | null = null;
  try {
    mtime = (await Deno.stat(layout.globalBlockFile)).mtime;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    return await readState(layout.globalBlockFile, BlockFile, {
      warn: options.warn,
      now: () => options.now ?? new Date(),
      hint:
        "Alfred kept the fleet blocked for the default hour from when the file was written; `alfred block clear` lifts it.",
    });
  } catch (error) {
    if (!(error instanceof StateCorruptError)) throw error;
    const written = mtime ?? options.now ?? new Date();
    const until = new Date(written.getTime() + DEFAULT_BLOCK_HOURS * 3_600_000);
    const block: BlockFile = {
      version: 1,
      until: until.toISOString(),
      reason: `block file was corrupt (kept at ${error.quarantinedTo ?? "its place"})`,
      set_at: (options.now ?? new Date()).toISOString(),
      set_by: "alfred",
    };
    if (until.getTime() > (options.now ?? new Date()).getTime()) {
      await writeState(layout.globalBlockFile, BlockFile, block);
    }
    return block;
  }
}

/**
 * Whether a block is in force at `now`.
 *
 * @param block The block file, if any.
 * @param now The clock.
 * @returns True while `now` is before the block's end.
 */
export function isBlockActive(block: BlockFile | undefined, now: Date): block is BlockFile {
  return block !== undefined && Date.parse(block.until) > now.getTime();
}
