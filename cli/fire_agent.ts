/**
 * Fires an agent by codename: the guard first, the agent's code only after
 * the guard lets the firing through. Built-in agents come from
 * agents/registry.ts; any other codename is a custom agent (agents/custom/mod.ts).
 * A compiled `alfred` hands the firing to the agent's own binary instead
 * (runner/control/fire_route.ts, cli/fire_sibling.ts).
 *
 * A firing started here is a firing by hand (unless `ALFRED_FIRED_BY` says
 * otherwise): the person sees its steps and a summary line
 * (cli/commands/fire_progress.ts, loaded after the guard).
 *
 * @module
 */
import { AGENT_LOADERS } from "../agents/registry.ts";
import { currentProcessFacts, fireRouteOf } from "../runner/control/fire_route.ts";
import { fireWatched, type FireWatchedOptions } from "../agents/agent_main.ts";

/**
 * Fires the agent `codename` once.
 *
 * @param codename The agent.
 * @param options Environment, output, dry run, debug; how the person watches
 *   it (`auto`: live on a terminal, else plain lines; `quiet`; `json`), and the
 *   terminal standard output is, if it is one.
 * @returns The exit code.
 */
export async function fireAgent(
  codename: string,
  options: Omit<FireWatchedOptions, "loadAgent" | "firedBy">,
): Promise<number> {
  const route = fireRouteOf(currentProcessFacts(), codename);
  if (route.kind === "invalid") {
    options.stderr(`error: ${route.reason}\nhint: \`alfred status\` lists the agents.`);
    return 2;
  }
  if (route.kind === "sibling") {
    const { runSiblingFiring } = await import("./fire_sibling.ts");
    const progress = options.progress ?? "auto";
    return await runSiblingFiring(route.program, {
      args: [
        ...(options.dryRun ? ["--dry-run"] : []),
        ...(options.debug ? ["--debug"] : []),
        ...(progress === "auto" ? [] : [`--${progress}`]),
      ],
      // A firing through `alfred fire` is a firing by hand, unless the caller says otherwise.
      env: { ALFRED_FIRED_BY: options.env("ALFRED_FIRED_BY") ?? "hand" },
      stderr: options.stderr,
      debug: options.debug,
    });
  }
  // A codename with no built-in loader is a custom agent from fleet.yaml
  // (the lifecycle has already checked that fleet.yaml defines it).
  const loadAgent = AGENT_LOADERS[codename] ??
    (() => import("../agents/custom/mod.ts").then((module) => module.customAgentFor(codename)));
  return await fireWatched(codename, {
    ...options,
    loadAgent,
    firedBy: options.env("ALFRED_FIRED_BY") === undefined ? "hand" : undefined,
  });
}
