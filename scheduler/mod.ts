/**
 * The OS scheduler: systemd --user timers and launchd agents for every agent,
 * pause and resume at the scheduler, status, missed-run detection and the
 * linger check. See docs/SCHEDULER.md.
 *
 * @module
 */
export * from "./schedule.ts";
export * from "./systemd.ts";
export * from "./launchd.ts";
export * from "./companion.ts";
export * from "./manifest.ts";
export * from "./runner.ts";
export * from "./control.ts";
export * from "./pause_hook.ts";
export * from "./status.ts";
export * from "./missed_runs.ts";
export * from "./linger.ts";
