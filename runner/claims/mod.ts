/**
 * The issue-claim protocol, GitHub labels and marker comments being the whole
 * of it (docs/STATE_MACHINE.md): pick, claim, race resolution, release and the
 * stale-claim sweep (claims.ts, sweep.ts); the label set and its bootstrap
 * (labels.ts); the marker grammar (markers.ts); whose markers count and the
 * report of foreign ones (trust.ts, foreign_markers.ts); transitions written
 * down before they start, and the host's journal of them (transitions.ts,
 * journal.ts); and the claim-state snapshot of a repository's issues
 * (snapshot.ts).
 *
 * @module
 */
export * from "./claims.ts";
export * from "./foreign_markers.ts";
export * from "./journal.ts";
export * from "./labels.ts";
export * from "./markers.ts";
export * from "./snapshot.ts";
export * from "./sweep.ts";
export * from "./transitions.ts";
export * from "./trust.ts";
