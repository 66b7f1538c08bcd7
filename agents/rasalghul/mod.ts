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
import type { AgentDefinition } from "../../runner/firing/agent.ts";

/** The Ra's al Ghul agent. */
export const rasalghulAgent: AgentDefinition = {
  codename: "rasalghul",
  job: "Reviews open pull requests and posts ranked findings.",
  paid: true,
  github: true,
  async work(context) {
    const { reviewPulls } = await import("./work.ts");
    return await reviewPulls(context);
  },
};

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("rasalghul", Deno.args, {
      loadAgent: () => Promise.resolve(rasalghulAgent),
    }),
  );
}
