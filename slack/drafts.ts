/**
 * Issue drafts asked for from Slack (`file owner/repo: title`), kept in
 * `state/slack-drafts.json` so a restarted listener still honours the buttons
 * of a draft posted before. A draft moves `pending` → `filing` → `filed`, or
 * `pending` → `rejected`; filing is idempotent by the draft's id (slack/filing.ts).
 *
 * Writers are serialised by a lock file (two listeners on one home are
 * possible: a service and one started by hand). A corrupt file is quarantined
 * and the drafts in it are lost: their buttons then answer that the draft is
 * unknown, and nothing is filed twice, because filing looks for the draft's
 * marker on GitHub first. Decided drafts are dropped after
 * {@linkcode DRAFT_KEEP_DAYS} days, pending ones too.
 *
 * @module
 */
import { z } from "zod";
import { withFileLock } from "../runner/firing/lock.ts";
import type { Layout } from "../runner/paths.ts";
import { readStateOr, writeState } from "../runner/state.ts";

/** How long a draft is kept after it was made or decided. */
export const DRAFT_KEEP_DAYS = 30;

/** One draft. */
export const Draft = z.strictObject({
  /** `d` then 12 hex digits. */
  id: z.string().regex(/^d[0-9a-f]{12}$/),
  /** `owner/name`, one of the fleet's repos when it was made. */
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
  title: z.string().min(1).max(256),
  body: z.string(),
  /** The Slack user who asked. */
  author: z.string(),
  /** Where the `file` message was (a DM or channel id) and its ts. */
  channel: z.string(),
  message_ts: z.string(),
  /** The thread the draft was posted in, and the draft message's own ts. */
  thread_ts: z.string(),
  draft_ts: z.string().nullable(),
  created_at: z.iso.datetime({ offset: true }),
  state: z.enum(["pending", "filing", "filed", "rejected"]),
  /** The issue filed. */
  issue: z.strictObject({ number: z.number().int().positive(), url: z.string() }).nullable(),
  /** Who approved or rejected it, and when. */
  decided_by: z.string().nullable(),
  decided_at: z.iso.datetime({ offset: true }).nullable(),
});
/** One draft. */
export type Draft = z.infer<typeof Draft>;

/** Schema of `state/slack-drafts.json`. */
export const DraftsFile = z.strictObject({
  version: z.literal(1),
  drafts: z.record(z.string(), Draft),
});
/** The parsed drafts file. */
export type DraftsFile = z.infer<typeof DraftsFile>;

/**
 * Where drafts live.
 *
 * @param layout The home layout.
 * @returns `<stateDir>/slack-drafts.json`.
 */
export function draftsFile(layout: Layout): string {
  return `${layout.stateDir}/slack-drafts.json`;
}

/**
 * A new draft id: `d` and 12 random hex digits.
 *
 * @returns The id.
 */
export function newDraftId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `d${[...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Reads one draft.
 *
 * @param layout The home layout.
 * @param id The draft's id.
 * @param options Warnings (a quarantined file) and the clock.
 * @returns The draft, or `undefined` when unknown.
 */
export async function readDraft(
  layout: Layout,
  id: string,
  options: { warn: (line: string) => void; now: () => Date },
): Promise<Draft | undefined> {
  return (await readDrafts(layout, options)).drafts[id];
}

/**
 * Changes one draft (or adds it) under the lock, then writes the file
 * atomically and drops drafts older than {@linkcode DRAFT_KEEP_DAYS}.
 *
 * @param layout The home layout.
 * @param id The draft's id.
 * @param options `change` gets the current draft (or `undefined`) and returns
 *   the new one, or `undefined` to leave the file as it is; warnings; clock.
 * @returns What `change` returned.
 */
export async function updateDraft(
  layout: Layout,
  id: string,
  options: {
    change: (draft: Draft | undefined) => Draft | undefined;
    warn: (line: string) => void;
    now: () => Date;
  },
): Promise<Draft | undefined> {
  const file = draftsFile(layout);
  return await withFileLock(`${file}.lock`, async () => {
    const store = await readDrafts(layout, options);
    const next = options.change(store.drafts[id]);
    if (!next) return undefined;
    store.drafts[id] = next;
    const oldest = options.now().getTime() - DRAFT_KEEP_DAYS * 86_400_000;
    for (const [key, draft] of Object.entries(store.drafts)) {
      if (Date.parse(draft.decided_at ?? draft.created_at) < oldest) delete store.drafts[key];
    }
    await writeState(file, DraftsFile, store);
    return next;
  });
}

function readDrafts(
  layout: Layout,
  options: { warn: (line: string) => void; now: () => Date },
): Promise<DraftsFile> {
  return readStateOr(draftsFile(layout), DraftsFile, {
    ...options,
    empty: { version: 1, drafts: {} },
    hint: "Drafts posted before are forgotten; ask again with `file owner/repo: title`.",
  });
}
