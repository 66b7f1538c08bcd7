/**
 * Batman, the multi-repo feature architect: plans the oldest
 * `agent:large-feature` parent issue, waits for a human's approval when
 * configured, then files scoped child issues in the right repos. This entry
 * point is what the `alfred-batman` binary runs; it stays small so that a
 * blocked or paused firing costs little, and loads the work
 * (agents/batman/work.ts) only after the guard lets the firing through.
 *
 * Run it as `alfred fire batman`, or directly: `deno run … agents/batman/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Batman agent. */
export const batmanAgent = defineAgent("batman", () => import("./work.ts"));

if (import.meta.main) await runAgent(batmanAgent);
