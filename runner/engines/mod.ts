/**
 * The engines (`claude -p`, `codex exec`) and one firing's engine step: the
 * adapters that build each command line and parse its output into an
 * {@linkcode AgentResult} (claude.ts, codex.ts, parser.ts, agent_result.ts);
 * tier routing and fallback (orchestrator.ts); the scoped environment of an
 * engine and of a tool an agent runs (env.ts, tool_env.ts); running it,
 * bounded and transcribed, and classifying the result (run.ts, result.ts,
 * transcripts.ts); an implementing firing's prompt (prompt.ts); and the
 * session ids an agent resumes (sessions.ts).
 *
 * @module
 */
export * from "./agent_result.ts";
export * from "./claude.ts";
export * from "./codex.ts";
export * from "./env.ts";
export * from "./orchestrator.ts";
export * from "./parser.ts";
export * from "./prompt.ts";
export * from "./result.ts";
export * from "./run.ts";
export * from "./sessions.ts";
export * from "./tool_env.ts";
export * from "./transcripts.ts";
