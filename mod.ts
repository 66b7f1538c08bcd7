/**
 * Alfred: a fleet of narrow coding agents for one operator, fired by the host
 * scheduler. This module re-exports the public API of the runner library and
 * the scheduler.
 *
 * @example Usage
 * ```ts
 * import { fire } from "./mod.ts";
 * import { echoAgent } from "./agents/echo/mod.ts";
 *
 * const code = await fire("echo", {
 *   env: (name) => Deno.env.get(name),
 *   loadAgent: () => Promise.resolve(echoAgent),
 * });
 * ```
 *
 * @module
 */
export * from "./runner/mod.ts";
export * from "./scheduler/mod.ts";
