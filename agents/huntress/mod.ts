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
import type { AgentDefinition } from "../../runner/firing/agent.ts";

/** The Huntress agent. */
export const huntressAgent: AgentDefinition = {
  codename: "huntress",
  job: "Runs post-deploy smoke tests against staging.",
  paid: false,
  async work(context) {
    const { createHuntressAgent } = await import("./work.ts");
    return await createHuntressAgent().work(context);
  },
};

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("huntress", Deno.args, {
      loadAgent: () => Promise.resolve(huntressAgent),
    }),
  );
}
