/**
 * What the fleet did, as text for a person: the reliability report per agent
 * and repo and its daily Slack digest (report.ts, `alfred report`), and the
 * short fleet summary the echo agent posts (fleet_summary.ts).
 *
 * @module
 */
export * from "./fleet_summary.ts";
export * from "./report.ts";
