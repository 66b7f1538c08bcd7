import { assertEquals, assertThrows } from "./support/assert.ts";
import { AGENT_LOADERS } from "../agents/registry.ts";
import { defineAgent } from "../agents/agent_main.ts";
import { DEFAULT_PROMPTS } from "../agents/prompts.ts";
import { BUILT_IN_AGENTS, isPaidAgent } from "../runner/config/config.ts";

Deno.test("every built-in codename loads its own definition, with its facts", async () => {
  assertEquals(Object.keys(AGENT_LOADERS).sort(), Object.keys(BUILT_IN_AGENTS).sort());
  for (const [codename, load] of Object.entries(AGENT_LOADERS)) {
    const agent = await load();
    assertEquals(agent.codename, codename, "the registry's key is the definition's codename");
    const facts = BUILT_IN_AGENTS[codename];
    assertEquals(
      { job: agent.job, paid: agent.paid, github: agent.github },
      { job: facts.job, paid: facts.paid, github: facts.github },
      codename,
    );
  }
});

Deno.test("exactly the agents that run an engine are paid: those with a seeded prompt", () => {
  const paid = Object.keys(BUILT_IN_AGENTS).filter((codename) => BUILT_IN_AGENTS[codename].paid);
  assertEquals(paid.sort(), Object.keys(DEFAULT_PROMPTS).sort());
  assertEquals(paid.sort(), [
    "bane",
    "batman",
    "drake",
    "lucius",
    "nightwing",
    "rasalghul",
    "robin",
  ]);
  for (const codename of ["echo", "huntress", "gordon"]) {
    assertEquals(isPaidAgent(codename), false, `${codename} runs no engine`);
  }
  assertEquals(isPaidAgent("a-custom-one"), true, "custom codenames run an engine");
});

Deno.test("defineAgent refuses a codename Alfred does not ship", () => {
  assertThrows(
    () => defineAgent("penguin", () => Promise.reject(new Error("never loaded"))),
    Error,
    '"penguin" is not a built-in codename',
  );
});
