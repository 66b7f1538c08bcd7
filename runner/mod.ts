/**
 * The runner library, one folder per concern, each with a `mod.ts` face:
 *
 * - `firing/`: one firing, from the guard to the end (guard, lifecycle, lock,
 *   spend, block, pause, events, activity, log, notify);
 * - `config/`: `fleet.yaml`, schedules, the binaries' permissions and build facts;
 * - `claims/`: the issue-claim protocol over GitHub labels and markers;
 * - `github/`: the GitHub client, REST calls, tokens, rate limits and backoff;
 * - `git/`: worktrees, read-only checkouts, delivery, diff scope, coverage, the disk guardian;
 * - `engines/`: the engine adapters and a firing's engine step;
 * - `sandbox/`: confinement of the engine and of repository commands;
 * - `coordination/`: locks, spend, pause and block across processes and hosts;
 * - `memory/`: lessons remembered between firings;
 * - `reviews/`, `issues/`: what the reviewing, filing and triaging agents decide;
 * - `report/`: the reliability report and the fleet summary;
 * - `control/`: the operator's actions shared by the CLI, dashboard and Slack;
 * - `kit/`: the kit an agent's work function is written with.
 *
 * Directly here: errors, paths (the home layout), process, redact, state.
 * This file only re-exports; see docs/ARCHITECTURE.md for the module map.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./paths.ts";
export * from "./process.ts";
export * from "./redact.ts";
export * from "./state.ts";
export * from "./claims/mod.ts";
export * from "./config/mod.ts";
export * from "./config/fleet_yaml.ts";
export * from "./control/mod.ts";
export * from "./coordination/mod.ts";
export * from "./engines/mod.ts";
export * from "./firing/mod.ts";
export * from "./git/mod.ts";
export * from "./github/mod.ts";
export * from "./issues/mod.ts";
export * from "./memory/mod.ts";
export * from "./report/mod.ts";
export * from "./reviews/mod.ts";
export * from "./sandbox/mod.ts";
export * from "./kit/mod.ts";
// Names two folders both export; the root keeps the one it always gave.
export { isAllowed } from "./engines/env.ts";
export type { DescribeOptions } from "./config/permission_error.ts";
export type { JournalEntry } from "./claims/transitions.ts";
