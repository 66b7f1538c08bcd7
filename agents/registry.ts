/**
 * Which agents this build carries, each loaded only when fired.
 *
 * @module
 */
import type { AgentDefinition } from "../runner/agent.ts";

/** Loaders of the agents built into this binary, by codename. */
export const AGENT_LOADERS: Readonly<Record<string, () => Promise<AgentDefinition>>> = {
  echo: () => import("./echo.ts").then((module) => module.echoAgent),
  lucius: () => import("./lucius.ts").then((module) => module.luciusAgent),
  drake: () => import("./drake.ts").then((module) => module.drakeAgent),
  batman: () => import("./batman.ts").then((module) => module.batmanAgent),
  robin: () => import("./robin.ts").then((module) => module.robinAgent),
  rasalghul: () => import("./rasalghul.ts").then((module) => module.rasalghulAgent),
  bane: () => import("./bane.ts").then((module) => module.baneAgent),
  nightwing: () => import("./nightwing.ts").then((module) => module.nightwingAgent),
  huntress: () => import("./huntress.ts").then((module) => module.huntressAgent),
  gordon: () => import("./gordon.ts").then((module) => module.gordonAgent),
};
