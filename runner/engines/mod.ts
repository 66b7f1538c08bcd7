/**
 * Engine adapters: one per engine CLI, each turning its output into an
 * {@linkcode AgentResult}.
 *
 * @module
 */
export * from "./agent_result.ts";
export * from "./parser.ts";
export * from "./claude.ts";
export * from "./codex.ts";
export * from "./sessions.ts";
