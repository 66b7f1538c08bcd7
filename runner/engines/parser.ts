/**
 * The contract of an engine output parser: fed stdout line by line while the
 * engine runs, asked for the result at the end.
 *
 * @module
 */
import type { AgentResult } from "./agent_result.ts";

/** The outcome of parsing an engine's output. */
export type ParsedOutput =
  | { ok: true; result: AgentResult }
  | {
    ok: false;
    /** Why no result could be read, e.g. `no result line in 3 line(s) of output`. */
    problem: string;
    /** The session id, when the output named one before it broke off. */
    sessionId?: string;
  };

/** How far an engine run has got, as its output streams it. */
export interface EngineProgress {
  /** Turns so far. */
  turns: number;
  /** Money spent so far, in USD, when the output says (Codex: estimated from tokens). */
  costUsd?: number;
}

/** Parses one engine's output incrementally, keeping bounded state. */
export interface EngineOutputParser {
  /** Takes one stdout line (without the newline). */
  line(text: string): void;
  /** Returns the result once the output has ended. */
  finish(): ParsedOutput;
  /** How far the run has got so far (read after each line). */
  progress(): EngineProgress;
}

/**
 * Parses one line of an engine's JSON output.
 *
 * @param text The line.
 * @returns Its value, or `undefined` when it is not JSON (a parser counts it as unparsable).
 */
export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
}
