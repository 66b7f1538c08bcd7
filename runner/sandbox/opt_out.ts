/**
 * `sandbox: off`: the explicit opt-out of confinement, and the one warning
 * that every firing record of such an agent carries, that `alfred status`
 * shows and that `alfred doctor` flags (docs/SANDBOX.md).
 *
 * This module imports nothing, so the lifecycle, `status` and `doctor` share
 * it without loading the sandbox.
 *
 * @module
 */

/**
 * The warning of an agent that runs unconfined by its own setting (pure).
 *
 * @param codename The agent.
 * @returns One sentence saying what runs unconfined and how to fix it.
 */
export function sandboxOffWarning(codename: string): string {
  return `sandbox: off for ${codename}: its engine and the repository code it runs (tests, ` +
    `smoke tests) are not confined and can read the home folder, credentials and ALFRED_HOME; ` +
    `set sandbox: required for ${codename} in fleet.yaml`;
}

/**
 * The agents of a fleet that run unconfined by their setting (pure).
 *
 * @param agents The resolved agents (codename, enabled, sandbox mode).
 * @returns The codenames of enabled agents with `sandbox: off`, in order.
 */
export function unconfinedAgents(
  agents: readonly { codename: string; enabled: boolean; sandbox: string }[],
): string[] {
  return agents.filter((agent) => agent.enabled && agent.sandbox === "off").map((agent) =>
    agent.codename
  );
}
