/**
 * Pending claim transitions: what a firing writes down before it changes an
 * issue's claim (comment and labels), so that whoever finds the change
 * half-done can finish it. A transition that ends is crossed out; one that a
 * crash, a fault or a rate-limit stop cut short stays, and the next firing on
 * the host completes it (`completeTransition` in runner/claims/claims.ts)
 * before doing anything else. See docs/STATE_MACHINE.md, "Half-done states".
 *
 * This module holds the record's schema and the journal's interface; the file
 * journal under `state/transitions/` is runner/claims/journal.ts.
 *
 * @module
 */
import { z } from "zod";
import { ReleaseOutcome } from "./markers.ts";

const Common = {
  version: z.literal(1),
  /** `owner/name`. */
  repo: z.string().min(3),
  /** The issue number. */
  issue: z.number().int().positive(),
  /** The firing that began the transition (the claimant; the sweeper for a stale release). */
  codename: z.string().min(1),
  firing: z.string().min(1),
  host: z.string().min(1),
  /** The queue label of the claim (restored when a claim is withdrawn). */
  queue: z.string().min(1),
  /** The claim's own time (ISO), for the ticket. */
  claim_ts: z.iso.datetime({ offset: true }),
  /** When the transition began. */
  started_at: z.iso.datetime({ offset: true }),
};

/** A transition that was begun and not (yet) seen to end. */
export const PendingTransition = z.discriminatedUnion("kind", [
  /** Claiming: add `agent:in-flight`, post the claim, remove the queue, read back, maybe yield. */
  z.strictObject({ kind: z.literal("claim"), ...Common }),
  /** Releasing (escalation included): post the release, move the labels. */
  z.strictObject({
    kind: z.literal("release"),
    ...Common,
    outcome: ReleaseOutcome,
    transition_to: z.string().min(1).optional(),
    pr: z.string().min(1).optional(),
    max_attempts: z.number().int().positive().optional(),
  }),
  /** A sweep releasing someone else's claim: post the stale release, move the labels. */
  z.strictObject({
    kind: z.literal("stale-release"),
    ...Common,
    /** The firing released, or `none` for an orphan label. */
    released: z.string().min(1),
    /** The whole comment, marker included, as the sweep composed it. */
    comment: z.string().min(1),
  }),
  /** Finishing the label move of a release that is already posted. */
  z.strictObject({ kind: z.literal("finish"), ...Common }),
]);
/** A parsed pending transition. */
export type PendingTransition = z.infer<typeof PendingTransition>;

/** One transition in the journal; cross it out when it ended. */
export interface JournalEntry {
  /** The transition ended: it is removed from the journal. */
  done(): Promise<void>;
}

/** Where firings write down the transitions they begin. */
export interface TransitionJournal {
  /** Writes down a transition about to begin (durably, before the first write to GitHub). */
  begin(pending: PendingTransition): Promise<JournalEntry>;
}

/**
 * A journal kept in memory, for callers that have no home (tests, one-off
 * commands): what it holds is lost with the process.
 *
 * @returns The journal and a view of the transitions not crossed out.
 */
export function memoryJournal(): TransitionJournal & { pending(): PendingTransition[] } {
  const open = new Set<PendingTransition>();
  return {
    begin(pending) {
      const checked = PendingTransition.parse(pending);
      open.add(checked);
      return Promise.resolve({
        done() {
          open.delete(checked);
          return Promise.resolve();
        },
      });
    },
    pending: () => [...open],
  };
}
