/**
 * The runner library: one module per responsibility. This file only
 * re-exports; see docs/ARCHITECTURE.md for the module map and the lifecycle.
 *
 * @module
 */
export * from "./firing/agent.ts";
export * from "./config/build_info.ts";
export * from "./firing/block.ts";
export * from "./config/config.ts";
export * from "./engines/env.ts";
export * from "./engines/run.ts";
export * from "./engines/mod.ts";
export * from "./errors.ts";
export * from "./firing/events.ts";
export * from "./firing/fire.ts";
export * from "./report/fleet_summary.ts";
export * from "./config/fleet_template.ts";
export * from "./config/fleet_yaml.ts";
export * from "./github/mod.ts";
export * from "./firing/guard.ts";
export * from "./firing/lifecycle.ts";
export * from "./firing/lock.ts";
export * from "./firing/log.ts";
export * from "./firing/notify.ts";
export * from "./engines/orchestrator.ts";
export * from "./paths.ts";
export * from "./firing/pause.ts";
export * from "./config/permission_error.ts";
export * from "./config/permissions.ts";
export * from "./process.ts";
export * from "./redact.ts";
export * from "./engines/result.ts";
export * from "./firing/spend.ts";
export * from "./state.ts";
export * from "./engines/transcripts.ts";
