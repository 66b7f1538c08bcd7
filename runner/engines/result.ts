/**
 * Classification of an engine run: what happened (the outcome), what the
 * agent said (its sentinel), and whether the fleet must stand down (a block).
 *
 * Pure functions from data to data; the only I/O is {@linkcode applyEngineBlock},
 * which writes the block through runner/firing/block.ts.
 *
 * The Claude CLI reports an API failure as `is_error: true` with
 * `subtype: "success"`, so the outcome is read from the HTTP status, the error
 * type and the text, never from `subtype` alone.
 *
 * @module
 */
import type { AgentResult } from "./agent_result.ts";
import type { Layout } from "../paths.ts";
import { setGlobalBlock } from "../firing/block.ts";
import type { Outcome as FiringOutcome } from "../firing/events.ts";

/** What happened to an engine run. */
export type EngineOutcome =
  | "success"
  | "no_sentinel"
  | "max_turns"
  | "rate_limited"
  | "budget_exhausted"
  | "overloaded"
  | "auth_error"
  | "timeout"
  | "permission_denied"
  | "crashed";

/** The built-in sentinels an agent ends its final text with. */
export const BUILT_IN_SENTINELS = [
  "OK",
  "ALREADY-IMPLEMENTED",
  "PARTIAL",
  "BLOCKED",
  "SILENT",
] as const;

/** The verdict the agent wrote, e.g. `[BLOCKED] tests need a database`. */
export interface Sentinel {
  /** The name between the brackets: `OK`, `BLOCKED`, or a codename's own such as `ROBIN-TRIAGED`. */
  name: string;
  /** The text after the sentinel on its line (the reason of `[BLOCKED]`). */
  detail: string;
}

/** A request to block the whole fleet. */
export interface BlockRequest {
  /** The exact end, when the error said when the limit resets. */
  until?: Date;
  /** The length when `until` is unknown. */
  hours: number;
  /** Why, for the block file and the operator. */
  reason: string;
}

/** The verdict on one engine run. */
export interface Classification {
  /** What happened. */
  outcome: EngineOutcome;
  /** The agent's sentinel, when its final text had one. */
  sentinel: Sentinel | undefined;
  /** One line for logs and Slack. */
  detail: string;
  /** Set for `rate_limited` and `budget_exhausted`: the fleet stands down. */
  block: BlockRequest | undefined;
}

/** Everything known about how a run ended. */
export interface RunFacts {
  /** The engine's parsed result, or `undefined` when its output did not parse. */
  result: AgentResult | undefined;
  /** Why the output did not parse. */
  parseProblem?: string;
  /** Exit code of the engine, `null` when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it. */
  signal?: string | null;
  /** Our own timeout fired. */
  timedOut: boolean;
  /** The last lines of the engine's stderr. */
  stderrTail?: readonly string[];
}

/** Options of {@linkcode classifyRun}. */
export interface ClassifyOptions {
  /** Extra sentinel names a codename uses, e.g. `["ROBIN-TRIAGED"]`. */
  customSentinels?: readonly string[];
  /** Block length when the error carries no reset time. Default 1 h. */
  defaultBlockHours?: number;
  /** The clock, for reset times given relative to now. */
  now?: Date;
  /** Who ran, for the block reason, e.g. `lucius`. */
  agent?: string;
}

const RATE_LIMIT_TEXT =
  /rate.?limit|usage limit|hit your limit|too many requests|rate_limit_exceeded/i;
const BUDGET_TEXT =
  /credit balance|billing|insufficient_quota|exceeded your current quota|purchase credits|payment required|spend limit/i;
const OVERLOADED_TEXT = /overloaded|server_is_overloaded|\b529\b/i;
const AUTH_TEXT =
  /invalid api key|authentication|unauthori[sz]ed|invalid_api_key|please run \/login|not logged in|oauth token/i;
const API_TIMEOUT_TEXT = /request timed out|timed out waiting|stream idle timeout/i;

/**
 * Classifies a finished engine run.
 *
 * @example Usage
 * ```ts ignore
 * const verdict = classifyRun({ result, exitCode: 1, timedOut: false }, { agent: "lucius" });
 * if (verdict.block) await applyEngineBlock(layout, verdict);
 * ```
 *
 * @param facts The parsed result and the process's exit.
 * @param options Custom sentinels, block defaults, clock.
 * @returns The outcome, sentinel, detail and block request.
 */
export function classifyRun(facts: RunFacts, options: ClassifyOptions = {}): Classification {
  const now = options.now ?? new Date();
  const hours = options.defaultBlockHours ?? 1;
  const who = options.agent ? ` hit by ${options.agent}` : "";
  const result = facts.result;
  const sentinel = result && !result.isError
    ? findSentinel(result.text, { custom: options.customSentinels })
    : undefined;
  const verdict = (
    outcome: EngineOutcome,
    detail: string,
    block?: BlockRequest,
  ): Classification => ({
    outcome,
    sentinel,
    detail,
    block,
  });

  if (facts.timedOut) return verdict("timeout", "the engine ran past its timeout and was ended");
  if (!result) {
    const how = facts.signal ? `signal ${facts.signal}` : `exit code ${facts.exitCode}`;
    const stderr = facts.stderrTail?.filter((l) => l.trim()).at(-1);
    return verdict(
      "crashed",
      `engine output did not parse (${facts.parseProblem ?? "no result"}; ${how})` +
        (stderr ? `: ${stderr.slice(0, 300)}` : ""),
    );
  }

  const status = result.apiErrorStatus;
  const type = result.apiErrorType ?? "";
  const text = result.text;
  const engine = result.engine;
  if (
    result.isError && (status !== undefined || result.terminalReason === "api_error" ||
      result.engine === "codex" || (result.subtype ?? "").startsWith("error_during"))
  ) {
    const label = `${engine} ${status ?? "API error"}`;
    if (status === 402 || BUDGET_TEXT.test(text) || /billing|insufficient_quota/.test(type)) {
      return verdict("budget_exhausted", `${label}: ${oneLine(text)}`, {
        ...resetOf(text, { now, hours }),
        reason: `${engine} credit or billing limit${who}: ${oneLine(text, 160)}`,
      });
    }
    if (
      status === 429 || type === "rate_limit_error" || RATE_LIMIT_TEXT.test(text) ||
      RATE_LIMIT_TEXT.test(type)
    ) {
      return verdict("rate_limited", `${label}: ${oneLine(text)}`, {
        ...resetOf(text, { now, hours }),
        reason: `${engine} rate limit (${status ?? type ?? "usage limit"})${who}: ${
          oneLine(text, 160)
        }`,
      });
    }
    if (status === 529 || type === "overloaded_error" || OVERLOADED_TEXT.test(text)) {
      return verdict("overloaded", `${label}: ${oneLine(text)}`);
    }
    if (
      status === 401 || status === 403 || /authentication_error|permission_error/.test(type) ||
      AUTH_TEXT.test(text)
    ) {
      return verdict("auth_error", `${label}: ${oneLine(text)}`);
    }
    if (API_TIMEOUT_TEXT.test(text)) return verdict("timeout", `${label}: ${oneLine(text)}`);
    return verdict("crashed", `${label}: ${oneLine(text)}`);
  }
  if (result.subtype === "error_max_turns" || result.terminalReason === "max_turns") {
    return verdict("max_turns", `stopped after ${result.turns} turns: ${oneLine(text)}`);
  }
  if (result.isError) {
    return verdict("crashed", `${engine} reported an error (${result.subtype}): ${oneLine(text)}`);
  }
  if (facts.exitCode !== 0) {
    return verdict("crashed", `${engine} exited with ${facts.exitCode} after a successful result`);
  }
  const denied = result.permissionDenials.map((d) => d.toolName);
  if (denied.length && (!sentinel || sentinel.name === "BLOCKED")) {
    return verdict("permission_denied", `denied: ${[...new Set(denied)].join(", ")}`);
  }
  if (!sentinel) return verdict("no_sentinel", `no sentinel in the final text: ${oneLine(text)}`);
  return verdict("success", `[${sentinel.name}]${sentinel.detail ? ` ${sentinel.detail}` : ""}`);
}

/**
 * Finds the agent's sentinel in its final text: the last `[NAME]` among the
 * built-in and custom names, with the rest of its line as detail.
 *
 * @param text The agent's final text.
 * @param options `custom`: extra sentinel names (upper case, digits and `-`).
 * @returns The sentinel, or `undefined` when there is none.
 * @throws {RangeError} when a custom name is malformed.
 */
export function findSentinel(
  text: string,
  options: { custom?: readonly string[] } = {},
): Sentinel | undefined {
  const custom = options.custom ?? [];
  for (const name of custom) {
    if (!/^[A-Z][A-Z0-9-]*$/.test(name)) {
      throw new RangeError(`sentinel names are upper case, digits and "-" (got "${name}")`);
    }
  }
  const names = [...BUILT_IN_SENTINELS, ...custom].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`\\[(${names.join("|")})\\]([^\\n]*)`, "g");
  let last: Sentinel | undefined;
  for (const match of text.matchAll(pattern)) {
    last = { name: match[1], detail: match[2].trim() };
  }
  return last;
}

/**
 * Reads when a limit resets from an error text: a Unix time after `|`
 * (`Claude AI usage limit reached|1767225600`), an ISO date-time, or
 * `retry after N seconds` / `try again in N minutes|hours|days`.
 *
 * @param text The error text.
 * @param options The clock and the default length.
 * @returns `until` when found, and `hours` either way.
 */
export function resetOf(
  text: string,
  options: { now: Date; hours: number },
): { until?: Date; hours: number } {
  const { now, hours } = options;
  const future = (date: Date) =>
    date.getTime() > now.getTime() ? { until: date, hours } : { hours };
  const epoch = text.match(/\|(\d{10})\b/);
  if (epoch) return future(new Date(Number(epoch[1]) * 1000));
  const iso = text.match(
    /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/,
  );
  if (iso && !Number.isNaN(Date.parse(iso[1]))) return future(new Date(iso[1]));
  const relative = text.match(
    /(?:retry[- ]after|try again in)[:\s]+(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)?\b/i,
  );
  if (relative) {
    const unit = (relative[2] ?? "s").toLowerCase();
    const factor = unit.startsWith("d")
      ? 86_400_000
      : unit.startsWith("h")
      ? 3_600_000
      : unit.startsWith("m")
      ? 60_000
      : 1_000;
    return future(new Date(now.getTime() + Number(relative[1]) * factor));
  }
  return { hours };
}

/**
 * Writes the fleet-wide block a classification asks for.
 *
 * Requires write access to ALFRED_HOME/state.
 *
 * @param layout The home layout.
 * @param classification The verdict of {@linkcode classifyRun}.
 * @param options The clock and who set the block.
 * @returns Whether a block was written (or an existing later one kept).
 */
export async function applyEngineBlock(
  layout: Layout,
  classification: Classification,
  options: { now?: Date; setBy?: string } = {},
): Promise<boolean> {
  const block = classification.block;
  if (!block) return false;
  await setGlobalBlock(layout, {
    reason: block.reason,
    hours: block.hours,
    until: block.until,
    now: options.now,
    setBy: options.setBy,
  });
  return true;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The firing outcome (the event log's vocabulary, runner/firing/events.ts) of a
 * classified engine run: a successful run's outcome is its sentinel's.
 *
 * @param classification The classified run.
 * @returns The outcome to record.
 */
export function firingOutcomeOf(classification: Classification): FiringOutcome {
  if (classification.outcome === "success") {
    switch (classification.sentinel?.name) {
      case "ALREADY-IMPLEMENTED":
        return "already-implemented";
      case "PARTIAL":
        return "partial";
      case "BLOCKED":
        return "blocked";
      case "SILENT":
        return "silent";
      default:
        return "success";
    }
  }
  return classification.outcome.replaceAll("_", "-") as FiringOutcome;
}
