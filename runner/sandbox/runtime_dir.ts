/**
 * Where a firing's egress proxy socket lives: one fixed folder per agent, so
 * that a compiled agent binary can be given exactly that socket in its
 * `--allow-net` list at build time (Deno permits a Unix socket only by its
 * exact path). Only one firing per agent runs at a time on a host (the
 * agent's lock), so a fixed path per agent never clashes.
 *
 * The folder is in `/tmp` regardless of `TMPDIR`, since the path is fixed
 * when the binary is built. It must be a real folder owned by the runner's
 * user with no access for others; anything else (another user planting it,
 * a symlink) makes the sandbox unavailable rather than unsafe.
 *
 * This module imports nothing: runner/config/permissions.ts uses it.
 *
 * @module
 */

/** The parent of every agent's sandbox runtime folder. */
export const SANDBOX_RUNTIME_PARENT = "/tmp";

/**
 * The runtime folder of an agent's sandbox.
 *
 * @param codename The agent.
 * @returns `/tmp/alfred-sandbox-<codename>`.
 */
export function sandboxRuntimeDir(codename: string): string {
  return `${SANDBOX_RUNTIME_PARENT}/alfred-sandbox-${codename}`;
}

/**
 * The egress proxy's socket of an agent's sandbox.
 *
 * @param codename The agent.
 * @returns `<runtime folder>/proxy.sock`.
 */
export function sandboxSocketPath(codename: string): string {
  return `${sandboxRuntimeDir(codename)}/proxy.sock`;
}
