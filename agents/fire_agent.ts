/**
 * Fires an agent by codename: the guard first, the agent's code only after
 * the guard lets the firing through. Built-in agents come from
 * agents/registry.ts; any other codename is a custom agent (agents/custom.ts).
 * A compiled `alfred` hands the firing to the agent's own binary instead
 * (agents/fire_route.ts, agents/fire_sibling.ts).
 *
 * @module
 */
import { AGENT_LOADERS } from "./registry.ts";
import { currentProcessFacts, fireRouteOf } from "./fire_route.ts";
import { fire } from "../runner/fire.ts";
import type { EnvReader } from "../runner/paths.ts";

/**
 * Fires the agent `codename` once.
 *
 * @param codename The agent.
 * @param options Environment, output, dry run, debug.
 * @returns The exit code.
 */
export async function fireAgent(
  codename: string,
  options: {
    env: EnvReader;
    stdout: (line: string) => void;
    stderr: (line: string) => void;
    dryRun?: boolean;
    debug?: boolean;
  },
): Promise<number> {
  const route = fireRouteOf(currentProcessFacts(), codename);
  if (route.kind === "invalid") {
    options.stderr(`error: ${route.reason}\nhint: \`alfred status\` lists the agents.`);
    return 2;
  }
  if (route.kind === "sibling") {
    const { runSiblingFiring } = await import("./fire_sibling.ts");
    return await runSiblingFiring(route.program, {
      args: [...(options.dryRun ? ["--dry-run"] : []), ...(options.debug ? ["--debug"] : [])],
      stderr: options.stderr,
      debug: options.debug,
    });
  }
  // A codename with no built-in loader is a custom agent from fleet.yaml
  // (the lifecycle has already checked that fleet.yaml defines it).
  const loadAgent = AGENT_LOADERS[codename] ??
    (() => import("./custom.ts").then((module) => module.customAgentFor(codename)));
  return await fire(codename, { ...options, loadAgent });
}
