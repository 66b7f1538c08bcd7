/**
 * Tier routing: which engine, model and Claude account an attempt uses, and
 * the fallback after the primary is rate-limited.
 *
 * Each agent names a tier; `fleet.yaml` maps tiers to an engine and model,
 * with an optional fallback: another engine, another model, or a second
 * Claude account (`CLAUDE_CONFIG_DIR`). Pure functions; the choice is recorded
 * in the firing's result.
 *
 * @module
 */
import type { EngineName } from "./agent_result.ts";
import type { EngineOutcome } from "./result.ts";

/** Where a tier's runs go when the primary is rate-limited. */
export interface TierFallback {
  /** Another engine. Default: the primary's. */
  engine?: EngineName;
  /** Another model. Default: the primary's when the engine is the same, else the engine's default. */
  model?: string;
  /** A second Claude account's config folder. */
  claudeConfigDir?: string;
}

/** A tier as routing sees it. */
export interface TierRoute {
  /** The engine. */
  engine: EngineName;
  /** The model, or the engine's default. */
  model?: string;
  /** The Claude account's config folder, or the default one. */
  claudeConfigDir?: string;
  /** Used once after the primary is rate-limited or out of budget. */
  fallback?: TierFallback;
}

/** The engine chosen for one attempt. */
export interface EngineChoice {
  /** The engine. */
  engine: EngineName;
  /** The model, if named. */
  model: string | undefined;
  /** The Claude account's config folder, if not the default. */
  claudeConfigDir: string | undefined;
  /** 1 for the primary, 2 for the fallback. */
  attempt: number;
  /** Why this engine: `primary`, or `fallback after rate_limited`. */
  reason: string;
}

/** Outcomes after which the fallback is tried. */
const FALLBACK_OUTCOMES: readonly EngineOutcome[] = ["rate_limited", "budget_exhausted"];

/**
 * Chooses the engine for the next attempt of a firing.
 *
 * @example Usage
 * ```ts
 * import { chooseEngine } from "./orchestrator.ts";
 * const tier = { engine: "claude" as const, model: "opus", fallback: { engine: "codex" as const } };
 * const first = chooseEngine(tier);
 * const second = first && chooseEngine(tier, { previous: { choice: first, outcome: "rate_limited" } });
 * ```
 *
 * @param tier The agent's tier.
 * @param options The previous attempt and its outcome, if any.
 * @returns The next choice, or `undefined` when no attempt is left.
 */
export function chooseEngine(
  tier: TierRoute,
  options: { previous?: { choice: EngineChoice; outcome: EngineOutcome } } = {},
): EngineChoice | undefined {
  const previous = options.previous;
  if (!previous) {
    return {
      engine: tier.engine,
      model: tier.model,
      claudeConfigDir: tier.claudeConfigDir,
      attempt: 1,
      reason: "primary",
    };
  }
  if (previous.choice.attempt !== 1 || !tier.fallback) return undefined;
  if (!FALLBACK_OUTCOMES.includes(previous.outcome)) return undefined;
  const fallback = tier.fallback;
  const engine = fallback.engine ?? tier.engine;
  return {
    engine,
    model: fallback.model ?? (engine === tier.engine ? tier.model : undefined),
    claudeConfigDir: engine === "claude"
      ? fallback.claudeConfigDir ?? (engine === tier.engine ? tier.claudeConfigDir : undefined)
      : undefined,
    attempt: 2,
    reason: `fallback after ${previous.outcome}`,
  };
}

/**
 * Tells whether another attempt would follow an outcome, so the fleet-wide
 * block can wait until no route is left.
 *
 * @param tier The agent's tier.
 * @param choice The attempt that just ended.
 * @param outcome Its outcome.
 * @returns `true` when {@linkcode chooseEngine} would return a next attempt.
 */
export function hasNextAttempt(
  tier: TierRoute,
  choice: EngineChoice,
  outcome: EngineOutcome,
): boolean {
  return chooseEngine(tier, { previous: { choice, outcome } }) !== undefined;
}
