/**
 * Nightwing, the review-to-fix agent: on an agent pull request with unresolved
 * P0/P1 review findings (from Ra's al Ghul), it lands fixes on the pull
 * request's own branch and replies with the findings it fixed. This entry
 * point is what the `alfred-nightwing` binary runs; it stays small so that a
 * blocked or paused firing costs little, and loads the work
 * (agents/nightwing/work.ts) only after the guard lets the firing through.
 *
 * Run it as `alfred fire nightwing`, or directly: `deno run … agents/nightwing/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Nightwing agent. */
export const nightwingAgent = defineAgent("nightwing", () => import("./work.ts"));

if (import.meta.main) await runAgent(nightwingAgent);
