/**
 * The runner library: one module per responsibility. This file only
 * re-exports; see docs/ARCHITECTURE.md for the module map and the lifecycle.
 *
 * @module
 */
export * from "./agent.ts";
export * from "./build_info.ts";
export * from "./block.ts";
export * from "./config.ts";
export * from "./engine_env.ts";
export * from "./engine_run.ts";
export * from "./engines/mod.ts";
export * from "./errors.ts";
export * from "./events.ts";
export * from "./fire.ts";
export * from "./fleet_summary.ts";
export * from "./fleet_template.ts";
export * from "./fleet_yaml.ts";
export * from "./github/mod.ts";
export * from "./guard.ts";
export * from "./lifecycle.ts";
export * from "./lock.ts";
export * from "./log.ts";
export * from "./notify.ts";
export * from "./orchestrator.ts";
export * from "./paths.ts";
export * from "./pause.ts";
export * from "./permission_error.ts";
export * from "./permissions.ts";
export * from "./process.ts";
export * from "./redact.ts";
export * from "./result.ts";
export * from "./spend.ts";
export * from "./state.ts";
export * from "./transcripts.ts";
