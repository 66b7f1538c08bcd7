/**
 * Lucius, the canonical agent: turns the oldest `agent:implement` issue into a
 * pull request. This entry point is what the `alfred-lucius` binary runs; it
 * stays small so that a blocked or paused firing costs little, and loads the
 * work (agents/lucius/work.ts, with octokit and the engine code) only after
 * the guard lets the firing through.
 *
 * Run it as `alfred fire lucius`, or directly: `deno run … agents/lucius/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Lucius agent. */
export const luciusAgent = defineAgent("lucius", () => import("./work.ts"));

if (import.meta.main) await runAgent(luciusAgent);
