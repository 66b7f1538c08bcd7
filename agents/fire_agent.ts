/**
 * Fires a built-in agent by codename: the guard first, the agent's code only
 * after the guard lets the firing through.
 *
 * @module
 */
import { AGENT_LOADERS } from "./registry.ts";
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
  const loader = AGENT_LOADERS[codename];
  const loadAgent = loader ?? (async () => {
    const { AlfredError } = await import("../runner/errors.ts");
    throw new AlfredError(`agent "${codename}" is not built into this binary`, {
      hint: `Agents in this build: ${Object.keys(AGENT_LOADERS).join(", ")}.`,
      exitCode: 2,
    });
  });
  return await fire(codename, { ...options, loadAgent });
}
