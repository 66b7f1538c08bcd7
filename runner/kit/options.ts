/**
 * What an agent's work can be given (by a test, say): where the engine's or
 * the tools' parent environment comes from, and the phase clock. No imports,
 * so an agent without a kit (Huntress) shares it cheaply.
 *
 * @module
 */

/** Where an agent's work gets the engine's parent environment and its phase clock. */
export interface AgentWorkOptions {
  /** The parent environment for the engine (allowlisted later). Default `Deno.env.toObject()`. */
  parentEnv?: () => Record<string, string>;
  /** A monotonic clock in ms for phase timings. Default `performance.now`. */
  clock?: () => number;
}

/**
 * Fills in the defaults of {@linkcode AgentWorkOptions} (pure).
 *
 * @param options The options given.
 * @returns Every option set.
 */
export function workOptionsOf(options: AgentWorkOptions): Required<AgentWorkOptions> {
  return {
    parentEnv: options.parentEnv ?? (() => Deno.env.toObject()),
    clock: options.clock ?? (() => performance.now()),
  };
}
