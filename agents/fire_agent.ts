/**
 * Fires an agent by codename: the guard first, the agent's code only after
 * the guard lets the firing through. Built-in agents come from
 * agents/registry.ts; any other codename is a custom agent (agents/custom.ts).
 *
 * A firing started here is a firing by hand (unless `ALFRED_FIRED_BY` says
 * otherwise): the person sees its steps and a summary line
 * (agents/commands/fire_progress.ts, loaded after the guard).
 *
 * @module
 */
import { AGENT_LOADERS } from "./registry.ts";
import { fire } from "../runner/fire.ts";
import type { EnvReader } from "../runner/paths.ts";
import type { FiringDisplay, ProgressMode, Terminal } from "./commands/fire_progress.ts";

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
  options: {
    env: EnvReader;
    stdout: (line: string) => void;
    stderr: (line: string) => void;
    dryRun?: boolean;
    debug?: boolean;
    progress?: ProgressMode;
    terminal?: Terminal;
  },
): Promise<number> {
  // A codename with no built-in loader is a custom agent from fleet.yaml
  // (the lifecycle has already checked that fleet.yaml defines it).
  const loadAgent = AGENT_LOADERS[codename] ??
    (() => import("./custom.ts").then((module) => module.customAgentFor(codename)));
  const firedBy = options.env("ALFRED_FIRED_BY") ?? "hand";
  const mode = options.progress ?? "auto";
  // A firing a scheduler starts through `alfred fire` prints what scheduled firings print,
  // unless --quiet or --json asks otherwise.
  if (firedBy !== "hand" && mode === "auto") return await fire(codename, { ...options, loadAgent });
  let display: FiringDisplay | undefined;
  const load = async () => {
    const { createFiringDisplay } = await import("./commands/fire_progress.ts");
    return display ??= createFiringDisplay(codename, { ...options, mode });
  };
  // --quiet and --json hold even the guard's line; the default loads its display after the guard.
  if (mode !== "auto") await load();
  const code = await fire(codename, {
    ...options,
    stdout: display?.stdout ?? options.stdout,
    // Otherwise fire() reads ALFRED_FIRED_BY itself, and refuses a bad value.
    firedBy: firedBy === "hand" ? "hand" : undefined,
    loadAgent,
    presenter: load,
  });
  display?.finish(code);
  return code;
}
