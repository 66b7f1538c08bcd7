/**
 * Gordon, deployment health: compares what runs on staging (ECS task images,
 * through the AWS CLI with Gordon's own profile) with the newest commit on the
 * base branch, optionally lists Sentry's top error groups, and posts one
 * summary only when something is off. No engine. The work is
 * agents/gordon/work.ts, loaded only after the guard lets the firing through.
 *
 * Run it as `alfred fire gordon`, or directly: `deno run … agents/gordon/mod.ts`.
 *
 * @module
 */
import { defineAgent, runAgent } from "../agent_main.ts";

/** The Gordon agent. */
export const gordonAgent = defineAgent("gordon", () => import("./work.ts"));

if (import.meta.main) await runAgent(gordonAgent);
