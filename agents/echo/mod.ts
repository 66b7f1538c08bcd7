/**
 * Echo, the smallest real agent: it runs the whole firing lifecycle and its
 * work is to summarise the fleet's last 24 hours from the event log and state,
 * with no LLM and no network (except Slack, when configured).
 *
 * Run it as `alfred fire echo`, or directly: `deno run … agents/echo/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The echo agent. */
export const echoAgent = defineAgent("echo", () => import("./work.ts"));

if (import.meta.main) await runAgent(echoAgent);
