/**
 * Bane, the test-coverage agent: adds tests for the recently changed file with
 * the lowest coverage and opens a pull request once the repo's pre-push check
 * passes. This entry point is what the `alfred-bane` binary runs; it stays
 * small so that a blocked or paused firing costs little, and loads the work
 * (agents/bane/work.ts) only after the guard lets the firing through.
 *
 * Run it as `alfred fire bane`, or directly: `deno run … agents/bane/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Bane agent. */
export const baneAgent = defineAgent("bane", () => import("./work.ts"));

if (import.meta.main) await runAgent(baneAgent);
