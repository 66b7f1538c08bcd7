/**
 * One firing of an agent, from the guard to the end: the guard (block and
 * pause, before anything heavy loads), the lifecycle after it (config, lock,
 * spend caps, work, record, notify), and the state each step keeps under
 * `ALFRED_HOME`: the fleet-wide block, pauses, the per-agent lock, the spend
 * ledger, the firing events and the activity log, the agent's log, and the
 * Slack notices and threads. {@linkcode AgentDefinition} and
 * {@linkcode FiringContext} are what an agent implements and receives.
 *
 * Exports: {@linkcode fire} (fire.ts), `guard*` and `verdictLine` (guard.ts),
 * {@linkcode runLifecycle} (lifecycle.ts), and the modules agent.ts, steps.ts,
 * block.ts, pause.ts, lock.ts, spend.ts, events.ts, activity.ts, log.ts,
 * notify.ts, slack_threads.ts.
 *
 * This face loads the whole lifecycle. The guard path (an agent's entry,
 * agents/agent_main.ts) imports fire.ts and guard.ts by name instead, so a
 * blocked or paused firing loads only those and runner/paths.ts.
 *
 * @module
 */
export * from "./activity.ts";
export * from "./agent.ts";
export * from "./block.ts";
export * from "./events.ts";
export * from "./fire.ts";
export * from "./guard.ts";
export * from "./lifecycle.ts";
export * from "./lock.ts";
export * from "./log.ts";
export * from "./notify.ts";
export * from "./pause.ts";
export * from "./slack_threads.ts";
export * from "./spend.ts";
export * from "./steps.ts";
