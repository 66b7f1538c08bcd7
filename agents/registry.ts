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
};
