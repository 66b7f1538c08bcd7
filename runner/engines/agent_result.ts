/**
 * What one engine run produced, the same shape for every engine.
 *
 * @module
 */

import type { EngineName } from "../config/config.ts";

/** The engines Alfred drives (declared by runner/config/config.ts). */
export type { EngineName };

/** Token counts of one run. */
export interface TokenUsage {
  /** Uncached input tokens. */
  inputTokens: number;
  /** Output tokens (including reasoning tokens where the engine counts them apart). */
  outputTokens: number;
  /** Input tokens read from the prompt cache. */
  cacheReadInputTokens: number;
  /** Input tokens written to the prompt cache. */
  cacheCreationInputTokens: number;
}

/** A tool call the engine refused because the agent's permissions did not allow it. */
export interface PermissionDenial {
  /** The tool, e.g. `Bash`. */
  toolName: string;
  /** The engine's id of the tool call. */
  toolUseId?: string;
  /** The tool's input as the model sent it. */
  input?: unknown;
}

/** The parsed outcome of one engine run, as the engine reported it. */
export interface AgentResult {
  /** The engine that ran. */
  engine: EngineName;
  /** The model the engine reported (or was asked for). */
  model: string | undefined;
  /** Turns, as the engine counted them. */
  turns: number;
  /** Cost in US dollars. */
  costUsd: number;
  /** `true` when the cost was computed from a price table rather than reported by the engine. */
  costIsEstimate: boolean;
  /** The session (Claude) or thread (Codex) id, for resuming. */
  sessionId: string | undefined;
  /** The final text of the agent (or the engine's error message). */
  text: string;
  /** The engine marked the run as failed. */
  isError: boolean;
  /** The engine's result subtype (`success`, `error_max_turns`, ...). Never enough alone. */
  subtype: string | undefined;
  /** HTTP status of the API error that ended the run, if any. */
  apiErrorStatus: number | undefined;
  /** The API error type (`rate_limit_error`, `overloaded_error`, ...), if any. */
  apiErrorType: string | undefined;
  /** Why the engine stopped (`completed`, `max_turns`, `api_error`, ...). */
  terminalReason: string | undefined;
  /** Tool calls refused by permissions. */
  permissionDenials: PermissionDenial[];
  /** Token counts. */
  usage: TokenUsage;
}

/** Usage with every count at zero. */
export const ZERO_USAGE: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
});
