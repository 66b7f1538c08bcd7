/**
 * Issues the agents write or sort: the issues an engine proposes and the
 * runner files, Drake's gaps and Batman's child issues (proposals.ts), and
 * Robin's triage decisions (triage.ts).
 *
 * @module
 */
export * from "./proposals.ts";
export * from "./triage.ts";
