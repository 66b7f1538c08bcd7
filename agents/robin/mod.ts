/**
 * Robin, bug triage: labels open untriaged issues by severity, asks for
 * reproduction details where they are missing, and hands ready ones to Lucius
 * (`agent:implement`). Never edits code. This entry point is what the
 * `alfred-robin` binary runs; it stays small so that a blocked or paused
 * firing costs little, and loads the work (agents/robin/work.ts) only after
 * the guard lets the firing through.
 *
 * Run it as `alfred fire robin`, or directly: `deno run … agents/robin/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Robin agent. */
export const robinAgent = defineAgent("robin", () => import("./work.ts"));

if (import.meta.main) await runAgent(robinAgent);
