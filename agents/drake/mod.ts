/**
 * Drake, the issue filer: reads a repository's roadmap and code and files
 * well-scoped `agent:implement` issues for the next gap. This entry point is
 * what the `alfred-drake` binary runs; it stays small so that a blocked or
 * paused firing costs little, and loads the work (agents/drake/work.ts) only
 * after the guard lets the firing through.
 *
 * Run it as `alfred fire drake`, or directly: `deno run … agents/drake/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Drake agent. */
export const drakeAgent = defineAgent("drake", () => import("./work.ts"));

if (import.meta.main) await runAgent(drakeAgent);
