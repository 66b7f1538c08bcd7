/**
 * The persisted "GitHub backoff until", per token: when GitHub answers with a
 * rate limit, no firing that uses the same token sends a request until the
 * wait is over. With the file backend it is host-wide
 * (`state/github-backoff.json`); with `coordination: redis` it is fleet-wide
 * (runner/coordination/redis_coordination.ts keeps it in Redis).
 *
 * Tokens are never written: an entry is keyed by {@linkcode tokenKey}, the
 * first 16 hex digits of the token's SHA-256.
 *
 * A corrupt file is moved aside and read as a backoff of
 * {@linkcode CORRUPT_BACKOFF_S} from its modification time, for every token:
 * a file being written most likely held a fresh backoff, and waiting a minute
 * too long costs less than firing into a rate limit again.
 *
 * @module
 */
import { z } from "zod";
import { StateCorruptError } from "../errors.ts";
import { withFileLock } from "../firing/lock.ts";
import type { Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";

/** How long a corrupt backoff file keeps GitHub requests off, from its modification time. */
export const CORRUPT_BACKOFF_S = 60;

/** One token's backoff. */
export const BackoffEntry = z.strictObject({
  /** No request before this time. */
  until: z.iso.datetime({ offset: true }),
  /** The limit that was met. */
  limit: z.enum(["primary", "secondary"]),
  /** What was refused, e.g. `POST /repos/acme/web/issues/7/labels`. */
  reason: z.string().min(1),
  /** When it was set. */
  set_at: z.iso.datetime({ offset: true }),
  /** The agent whose request met the limit. */
  set_by: z.string().min(1),
});
/** A parsed backoff entry. */
export type BackoffEntry = z.infer<typeof BackoffEntry>;

/** Schema of `state/github-backoff.json`. */
export const BackoffFile = z.strictObject({
  version: z.literal(1),
  tokens: z.record(z.string().regex(/^[0-9a-f]{16}$/), BackoffEntry),
});
/** The parsed backoff file. */
export type BackoffFile = z.infer<typeof BackoffFile>;

/** Where the backoff of each token is kept: this host's file, or Redis for the fleet. */
export interface BackoffStore {
  /** The backoff of the token `key`, in force or not; `undefined` when there is none. */
  read(key: string): Promise<BackoffEntry | undefined>;
  /** Sets the backoff of `key`, keeping one that ends later; returns the one in force. */
  extend(key: string, entry: BackoffEntry): Promise<BackoffEntry>;
}

/**
 * The key a token's backoff is kept under: the first 16 hex digits of its
 * SHA-256 (the token itself is never written).
 *
 * @param token The GitHub token.
 * @returns 16 lowercase hex digits.
 */
export async function tokenKey(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * The file of the host-wide backoff.
 *
 * @param layout The home layout.
 * @returns `state/github-backoff.json`.
 */
export function backoffFileOf(layout: Layout): string {
  return `${layout.stateDir}/github-backoff.json`;
}

/**
 * Whether a backoff is in force at `now` (pure).
 *
 * @param entry The entry, if any.
 * @param now The clock.
 * @returns True while `now` is before its end.
 */
export function isBackoffActive(
  entry: BackoffEntry | undefined,
  now: Date,
): entry is BackoffEntry {
  return entry !== undefined && Date.parse(entry.until) > now.getTime();
}

/**
 * The later of two backoffs (pure): a shorter wait never cuts a longer one.
 *
 * @param current The entry in force, if any.
 * @param next The new entry.
 * @returns The one that ends later (`next` on a tie).
 */
export function laterBackoff(current: BackoffEntry | undefined, next: BackoffEntry): BackoffEntry {
  return current && Date.parse(current.until) > Date.parse(next.until) ? current : next;
}

/**
 * Reads this host's backoff of one token.
 *
 * @param layout The home layout.
 * @param key The token's key ({@linkcode tokenKey}).
 * @param options The clock and a warning sink (a corrupt file is quarantined).
 * @returns The entry, in force or not, or `undefined`.
 */
export async function readHostBackoff(
  layout: Layout,
  key: string,
  options: { now: Date; warn?: (message: string) => void },
): Promise<BackoffEntry | undefined> {
  const found = await readBackoffFile(layout, options);
  // A corrupt file was moved aside: keep its stand-in for this token in a new file.
  if (found.corrupt) return await extendHostBackoff(layout, key, found.corrupt);
  return found.file.tokens[key];
}

/**
 * Sets this host's backoff of one token, keeping a later one, under the
 * file's lock; expired entries of other tokens are dropped.
 *
 * @param layout The home layout.
 * @param key The token's key.
 * @param entry The backoff.
 * @returns The entry in force for the token afterwards.
 */
export function extendHostBackoff(
  layout: Layout,
  key: string,
  entry: BackoffEntry,
): Promise<BackoffEntry> {
  const file = backoffFileOf(layout);
  return withFileLock(`${file}.lock`, async () => {
    const now = new Date(entry.set_at);
    const current = await readBackoffFile(layout, { now });
    const kept = laterBackoff(current.file.tokens[key] ?? current.corrupt, entry);
    const tokens = Object.fromEntries(
      Object.entries(current.file.tokens).filter(([, other]) => isBackoffActive(other, now)),
    );
    await writeState(file, BackoffFile, { version: 1, tokens: { ...tokens, [key]: kept } });
    return kept;
  });
}

/**
 * A {@linkcode BackoffStore} on this host's file.
 *
 * @param layout The home layout.
 * @param options The clock and a warning sink.
 * @returns The store.
 */
export function hostBackoffStore(
  layout: Layout,
  options: { now: () => Date; warn?: (message: string) => void },
): BackoffStore {
  return {
    read: (key) => readHostBackoff(layout, key, { now: options.now(), warn: options.warn }),
    extend: (key, entry) => extendHostBackoff(layout, key, entry),
  };
}

/** The file's entries, and the backoff that stands for every token when the file was corrupt. */
interface BackoffRead {
  file: BackoffFile;
  corrupt?: BackoffEntry;
}

async function readBackoffFile(
  layout: Layout,
  options: { now: Date; warn?: (message: string) => void },
): Promise<BackoffRead> {
  const file = backoffFileOf(layout);
  const empty: BackoffFile = { version: 1, tokens: {} };
  let mtime: Date | null = null;
  try {
    mtime = (await Deno.stat(file)).mtime;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { file: empty };
    throw error;
  }
  try {
    const read = await readState(file, BackoffFile, {
      warn: options.warn,
      now: () => options.now,
      hint: `GitHub requests stay off for ${CORRUPT_BACKOFF_S} s from when the file was written; ` +
        "nothing else was lost.",
    });
    return { file: read ?? empty };
  } catch (error) {
    if (!(error instanceof StateCorruptError)) throw error;
    const written = mtime ?? options.now;
    const entry: BackoffEntry = {
      until: new Date(written.getTime() + CORRUPT_BACKOFF_S * 1000).toISOString(),
      limit: "secondary",
      reason: `the backoff file was corrupt (kept at ${error.quarantinedTo ?? "its place"})`,
      set_at: options.now.toISOString(),
      set_by: "alfred",
    };
    return { file: empty, corrupt: entry };
  }
}
