/**
 * Which agents this build carries, each loaded only when fired.
 *
 * @module
 */
import type { AgentDefinition } from "../runner/firing/agent.ts";

/** Loaders of the agents built into this binary, by codename. */
export const AGENT_LOADERS: Readonly<Record<string, () => Promise<AgentDefinition>>> = {
  echo: () => import("./echo/mod.ts").then((module) => module.echoAgent),
  lucius: () => import("./lucius/mod.ts").then((module) => module.luciusAgent),
  drake: () => import("./drake/mod.ts").then((module) => module.drakeAgent),
  batman: () => import("./batman/mod.ts").then((module) => module.batmanAgent),
  robin: () => import("./robin/mod.ts").then((module) => module.robinAgent),
  rasalghul: () => import("./rasalghul/mod.ts").then((module) => module.rasalghulAgent),
  bane: () => import("./bane/mod.ts").then((module) => module.baneAgent),
  nightwing: () => import("./nightwing/mod.ts").then((module) => module.nightwingAgent),
  huntress: () => import("./huntress/mod.ts").then((module) => module.huntressAgent),
  gordon: () => import("./gordon/mod.ts").then((module) => module.gordonAgent),
};
