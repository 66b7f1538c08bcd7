/**
 * Lucius, the canonical agent: turns the oldest `agent:implement` issue into a
 * pull request. This entry point is what the `alfred-lucius` binary runs; it
 * stays small so that a blocked or paused firing costs little, and loads the
 * work (agents/lucius/work.ts, with octokit and the engine code) only after
 * the guard lets the firing through.
 *
 * Run it as `alfred fire lucius`, or directly: `deno run … agents/lucius/mod.ts`.
 *
 * @module
 */
import type { AgentDefinition } from "../../runner/firing/agent.ts";

/** The Lucius agent. */
export const luciusAgent: AgentDefinition = {
  codename: "lucius",
  job: "Turns the oldest agent:implement issue into a pull request.",
  paid: true,
  github: true,
  async work(context) {
    const { createLuciusAgent } = await import("./work.ts");
    return await createLuciusAgent().work(context);
  },
};

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("lucius", Deno.args, {
      loadAgent: () => Promise.resolve(luciusAgent),
    }),
  );
}
