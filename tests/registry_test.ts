import { assertEquals } from "./support/assert.ts";
import { AGENT_LOADERS } from "../agents/registry.ts";
import { BUILT_IN_AGENTS, isPaidAgent } from "../runner/config/config.ts";

Deno.test("the configuration knows which built-in agents are paid, as their definitions say", async () => {
  assertEquals(Object.keys(AGENT_LOADERS).sort(), Object.keys(BUILT_IN_AGENTS).sort());
  for (const [codename, load] of Object.entries(AGENT_LOADERS)) {
    const agent = await load();
    assertEquals(BUILT_IN_AGENTS[codename].paid, agent.paid, codename);
  }
  assertEquals(isPaidAgent("a-custom-one"), true, "custom codenames run an engine");
});
