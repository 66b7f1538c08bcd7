/**
 * Huntress, post-deploy smoke: runs the operator's end-to-end test command
 * against staging with test credentials from AWS Secrets Manager (fetched
 * with Huntress's own AWS profile), posts failures with their artefacts, and
 * stays quiet on success. No engine. The work is agents/huntress/work.ts,
 * loaded only after the guard lets the firing through.
 *
 * Run it as `alfred fire huntress`, or directly: `deno run … agents/huntress/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Huntress agent. */
export const huntressAgent = defineAgent("huntress", () => import("./work.ts"));

if (import.meta.main) await runAgent(huntressAgent);
