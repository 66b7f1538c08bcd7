/**
 * Ra's al Ghul, pull-request review: reviews open pull requests (agent pull
 * requests first), read-only, and posts one structured comment with findings
 * ranked P0–P3; it remembers each reviewed head commit so it never reviews
 * the same commit twice. This entry point is what the `alfred-rasalghul`
 * binary runs; it loads the work (agents/rasalghul/work.ts) only after the
 * guard lets the firing through.
 *
 * Run it as `alfred fire rasalghul`, or directly: `deno run … agents/rasalghul/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Ra's al Ghul agent. */
export const rasalghulAgent = defineAgent("rasalghul", () => import("./work.ts"));

if (import.meta.main) await runAgent(rasalghulAgent);
