/**
 * GitHub coordination: the client, the label set, the marker grammar and the
 * issue-claim protocol. See docs/STATE_MACHINE.md.
 *
 * @module
 */
export * from "./client.ts";
export * from "../claims/labels.ts";
export * from "../claims/markers.ts";
export * from "./rest.ts";
export * from "../claims/claims.ts";
