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
import type { AgentDefinition } from "../../runner/firing/agent.ts";

/** The Drake agent. */
export const drakeAgent: AgentDefinition = {
  codename: "drake",
  job: "Files well-scoped issues for the next gap in the roadmap.",
  paid: true,
  github: true,
  async work(context) {
    const { createDrakeAgent } = await import("./work.ts");
    return await createDrakeAgent().work(context);
  },
};

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("drake", Deno.args, {
      loadAgent: () => Promise.resolve(drakeAgent),
    }),
  );
}
