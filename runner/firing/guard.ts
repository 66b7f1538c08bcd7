/**
 * The first thing every firing does: is the fleet blocked, or this agent paused?
 *
 * This module is the hot path of a blocked or paused firing, which must cost
 * little more than starting the runtime. It therefore imports nothing: it reads
 * the two small files synchronously and checks their shape by hand. The
 * schemas in runner/firing/block.ts and runner/firing/pause.ts are the reference;
 * tests/guard_test.ts checks that both agree on a table of files. Anything
 * that does not look exactly right is reported as `suspect`, and the caller
 * hands it to those modules, which quarantine it and apply the safe default.
 *
 * @module
 */
import type { Layout } from "../paths.ts";

/** A pause as the guard needs it (the shape of runner/firing/pause.ts's `PauseEntry`). */
export interface PauseLike {
  /** Why. */
  reason: string;
  /** ISO time the pause ends, or null for "until resumed". */
  until: string | null;
}

/** The pause file as the guard needs it. */
export interface PauseStateLike {
  /** The fleet-wide pause. */
  all: PauseLike | null;
  /** Pauses by agent codename. */
  agents: Record<string, PauseLike>;
}

/** What the guard read from disk. */
export interface GuardInput {
  /** The block's end and reason, `null` when there is no block file. */
  block: { until: string; reason: string } | null;
  /** The pause state, `null` when there is no pause file. */
  pause: PauseStateLike | null;
  /** Files that exist but do not look right: the cold path must handle them. */
  suspect: string[];
}

/** What the firing must do. */
export type GuardVerdict =
  | { kind: "go" }
  | { kind: "global-blocked"; until: string; reason: string }
  | { kind: "paused"; reason: string; until: string | null }
  | { kind: "suspect"; files: string[] };

/**
 * Reads the block and pause files without validation libraries.
 *
 * Requires read access to `ALFRED_HOME/state`.
 *
 * @param layout The home layout.
 * @returns What was found; unreadable or odd-looking files are listed as suspect.
 */
export function readGuardInput(layout: Layout): GuardInput {
  const suspect: string[] = [];
  const blockJson = readJson(layout.globalBlockFile, suspect);
  const pauseJson = readJson(layout.pauseFile, suspect);
  let block: GuardInput["block"] = null;
  if (blockJson !== undefined) {
    if (looksLikeBlock(blockJson)) block = blockJson;
    else suspect.push(layout.globalBlockFile);
  }
  let pause: PauseStateLike | null = null;
  if (pauseJson !== undefined) {
    if (looksLikePauseState(pauseJson)) pause = pauseJson;
    else suspect.push(layout.pauseFile);
  }
  return { block, pause, suspect: [...new Set(suspect)] };
}

/**
 * Decides whether a firing of `agent` may go on. The block comes first, then
 * pauses; a suspect file stops the decision so the cold path can handle it.
 *
 * @param input What {@linkcode readGuardInput} found.
 * @param options The agent and the clock.
 * @returns The verdict.
 */
export function guard(input: GuardInput, options: { agent: string; now: Date }): GuardVerdict {
  if (input.suspect.length) return { kind: "suspect", files: input.suspect };
  if (input.block && Date.parse(input.block.until) > options.now.getTime()) {
    return { kind: "global-blocked", until: input.block.until, reason: input.block.reason };
  }
  const paused = input.pause && pauseOf(input.pause, options.agent, options.now);
  if (paused) return { kind: "paused", reason: paused.reason, until: paused.until };
  return { kind: "go" };
}

/**
 * The pause that applies to an agent at `now`, if any: the fleet-wide one first.
 *
 * @param state The pause state.
 * @param agent The agent's codename.
 * @param now The clock.
 * @returns The entry in force, or `undefined`.
 */
export function pauseOf<T extends PauseLike>(
  state: { all: T | null; agents: Record<string, T> },
  agent: string,
  now: Date,
): T | undefined {
  const own = Object.hasOwn(state.agents, agent) ? state.agents[agent] : undefined;
  for (const entry of [state.all, own]) {
    if (entry && (entry.until === null || Date.parse(entry.until) > now.getTime())) return entry;
  }
  return undefined;
}

/**
 * The line a stopped firing prints, e.g. `[AGENT-GLOBAL-BLOCKED] until … (…)`.
 *
 * @param verdict A verdict other than `go`.
 * @param agent The agent's codename.
 * @returns One line for standard output.
 */
export function verdictLine(verdict: Exclude<GuardVerdict, { kind: "go" }>, agent: string): string {
  switch (verdict.kind) {
    case "global-blocked":
      return `[AGENT-GLOBAL-BLOCKED] until ${verdict.until} (${verdict.reason})`;
    case "paused":
      return `[AGENT-PAUSED] ${agent}: ${verdict.reason}` +
        (verdict.until ? ` (until ${verdict.until})` : " (until `alfred resume`)");
    case "suspect":
      return `[AGENT-STATE-CHECK] ${verdict.files.join(", ")}`;
  }
}

function readJson(file: string, suspect: string[]): unknown {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    suspect.push(file);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    suspect.push(file);
    return undefined;
  }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function isIsoTime(value: unknown): value is string {
  return typeof value === "string" && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasExactKeys(value: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}

function looksLikeBlock(value: unknown): value is { until: string; reason: string } {
  return isRecord(value) &&
    hasExactKeys(value, ["version", "until", "reason", "set_at", "set_by"]) &&
    value.version === 1 && isIsoTime(value.until) && typeof value.reason === "string" &&
    value.reason.length > 0 && isIsoTime(value.set_at) && typeof value.set_by === "string" &&
    value.set_by.length > 0;
}

function looksLikePauseEntry(value: unknown): value is PauseLike {
  return isRecord(value) && hasExactKeys(value, ["reason", "since", "until", "by"]) &&
    typeof value.reason === "string" && isIsoTime(value.since) &&
    (value.until === null || isIsoTime(value.until)) &&
    (value.by === "operator" || value.by === "auto");
}

function looksLikePauseState(value: unknown): value is PauseStateLike {
  return isRecord(value) && hasExactKeys(value, ["version", "all", "agents", "repos"]) &&
    value.version === 1 && (value.all === null || looksLikePauseEntry(value.all)) &&
    isRecord(value.agents) && Object.values(value.agents).every(looksLikePauseEntry) &&
    isRecord(value.repos) && Object.values(value.repos).every(looksLikePauseEntry);
}
