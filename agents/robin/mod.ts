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
import type { AgentDefinition } from "../../runner/firing/agent.ts";

/** The Robin agent. */
export const robinAgent: AgentDefinition = {
  codename: "robin",
  job: "Triages new bug reports and hands ready ones to Lucius.",
  paid: true,
  github: true,
  async work(context) {
    const { triageIssues } = await import("./work.ts");
    return await triageIssues(context);
  },
};

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("robin", Deno.args, {
      loadAgent: () => Promise.resolve(robinAgent),
    }),
  );
}
