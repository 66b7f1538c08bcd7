/**
 * The `codex exec --json` adapter: its command line, the parsing of its JSONL
 * events into an {@linkcode AgentResult}, and the price table its cost is
 * estimated from (the CLI reports tokens, not dollars).
 *
 * Measured with codex-cli 0.171.0 (see docs/ENGINES.md): events are
 * `thread.started {thread_id}`, `turn.started`, `item.started|updated|completed
 * {item}` (items `agent_message`, `command_execution`, `file_change`,
 * `reasoning`, `error` (a warning), ...), `turn.completed {usage}`,
 * `turn.failed {error.message}` and `error {message}`. HTTP failures only
 * appear as text, e.g. `exceeded retry limit, last status: 429 Too Many
 * Requests` or `unexpected status 401 Unauthorized: ...`.
 *
 * @module
 */
import { z } from "zod";
import type { AgentResult, TokenUsage } from "./agent_result.ts";
import { type EngineOutputParser, type ParsedOutput, parseJsonLine } from "./parser.ts";

/** A model provider for `codex` (`model_providers.<id>` in its config). */
export interface CodexProvider {
  /** The provider id, e.g. `alfred`. */
  id: string;
  /** The API base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** The variable holding the API key. Default `OPENAI_API_KEY`. */
  envKey?: string;
  /** Retries of a failed request (the CLI's default is 4). */
  requestMaxRetries?: number;
  /** Retries of a dropped stream (the CLI's default is 5). */
  streamMaxRetries?: number;
  /** Milliseconds without stream activity before the CLI gives up. */
  streamIdleTimeoutMs?: number;
}

/** What one Codex run is asked to do. The prompt goes on standard input. */
export interface CodexRequest {
  /** The model, e.g. `gpt-5-codex`. */
  model?: string;
  /** The sandbox of shell commands. Default `workspace-write`. */
  sandbox?: "read-only" | "workspace-write" | "danger-full-access";
  /** A provider to use instead of the CLI's configured one. */
  provider?: CodexProvider;
  /** A thread to resume. */
  resumeSessionId?: string;
  /** The agent persona, passed as `developer_instructions`. */
  developerInstructions?: string;
}

/**
 * Builds the arguments of `codex` for one run; the prompt is read from stdin (`-`).
 *
 * @example Usage
 * ```ts
 * import { codexArgs } from "./codex.ts";
 * codexArgs({ model: "gpt-5-codex" });
 * ```
 *
 * @param request The run's settings.
 * @returns The arguments, without the program name.
 */
export function codexArgs(request: CodexRequest): string[] {
  const args = ["exec", "--json", "--skip-git-repo-check"];
  args.push("--sandbox", request.sandbox ?? "workspace-write");
  if (request.model) args.push("-m", request.model);
  const provider = request.provider;
  if (provider) {
    const key = `model_providers.${provider.id}`;
    args.push(
      "-c",
      `model_provider=${toml(provider.id)}`,
      "-c",
      `${key}.name=${toml(provider.id)}`,
      "-c",
      `${key}.base_url=${toml(provider.baseUrl)}`,
      "-c",
      `${key}.wire_api="responses"`,
      "-c",
      `${key}.env_key=${toml(provider.envKey ?? "OPENAI_API_KEY")}`,
    );
    if (provider.requestMaxRetries !== undefined) {
      args.push("-c", `${key}.request_max_retries=${provider.requestMaxRetries}`);
    }
    if (provider.streamMaxRetries !== undefined) {
      args.push("-c", `${key}.stream_max_retries=${provider.streamMaxRetries}`);
    }
    if (provider.streamIdleTimeoutMs !== undefined) {
      args.push("-c", `${key}.stream_idle_timeout_ms=${provider.streamIdleTimeoutMs}`);
    }
  }
  if (request.developerInstructions) {
    args.push("-c", `developer_instructions=${toml(request.developerInstructions)}`);
  }
  if (request.resumeSessionId) args.push("resume", request.resumeSessionId);
  args.push("-");
  return args;
}

/** Prices in US dollars per million tokens. */
export interface ModelPrice {
  /** Uncached input. */
  input: number;
  /** Cached input. */
  cachedInput: number;
  /** Output, including reasoning. */
  output: number;
}

/**
 * OpenAI list prices (USD per 1M tokens) used to estimate Codex runs, from
 * https://openai.com/api/pricing as published for these models. Unknown
 * models are priced at {@linkcode UNKNOWN_MODEL_PRICE}, the dearest row, so
 * the spend cap errs on the safe side. Update this table when prices change.
 */
export const CODEX_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex-max": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5.1-codex-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  "o3": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
};

/** The price of a model missing from {@linkcode CODEX_PRICES}: the dearest of each column. */
export const UNKNOWN_MODEL_PRICE: ModelPrice = {
  input: Math.max(...Object.values(CODEX_PRICES).map((p) => p.input)),
  cachedInput: Math.max(...Object.values(CODEX_PRICES).map((p) => p.cachedInput)),
  output: Math.max(...Object.values(CODEX_PRICES).map((p) => p.output)),
};

/**
 * Estimates the cost of a run from its tokens.
 *
 * @param model The model id (`undefined` when unknown).
 * @param usage The token counts (uncached input, cached input, output).
 * @returns US dollars.
 */
export function estimateCodexCost(model: string | undefined, usage: TokenUsage): number {
  const price = (model && CODEX_PRICES[model]) || UNKNOWN_MODEL_PRICE;
  return (usage.inputTokens * price.input + usage.cacheReadInputTokens * price.cachedInput +
    usage.outputTokens * price.output) / 1_000_000;
}

const CodexUsage = z.looseObject({
  input_tokens: z.number().default(0),
  cached_input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  reasoning_output_tokens: z.number().default(0),
});

/** One event line of `codex exec --json`. */
export const CodexEvent = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("thread.started"), thread_id: z.string() }),
  z.looseObject({ type: z.literal("turn.started") }),
  z.looseObject({ type: z.literal("turn.completed"), usage: CodexUsage }),
  z.looseObject({
    type: z.literal("turn.failed"),
    error: z.looseObject({ message: z.string() }),
  }),
  z.looseObject({ type: z.literal("error"), message: z.string() }),
  z.looseObject({
    type: z.enum(["item.started", "item.updated", "item.completed"]),
    item: z.looseObject({ type: z.string(), text: z.string().optional() }),
  }),
]);
/** A parsed Codex event. */
export type CodexEvent = z.infer<typeof CodexEvent>;

/** HTTP status in Codex error texts: `last status: 429`, `unexpected status 401`. */
const STATUS_IN_TEXT = /\bstatus:? (\d{3})\b/;
/** OpenAI error codes that classification cares about. */
const ERROR_CODE_IN_TEXT =
  /\b(rate_limit_exceeded|insufficient_quota|usage_limit_reached|invalid_api_key|server_is_overloaded|slow_down)\b/;

/**
 * Creates a line-by-line parser of `codex exec --json` events.
 *
 * @param options The model asked for (Codex does not echo it).
 * @returns The parser.
 */
export function createCodexParser(options: { model?: string } = {}): EngineOutputParser {
  let threadId: string | undefined;
  let lastMessage: string | undefined;
  let errorMessage: string | undefined;
  let turns = 0;
  let failed = false;
  let sawEvent = false;
  let unparsable = 0;
  const usage: TokenUsage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
  };
  return {
    line(text: string): void {
      if (!text.trim()) return;
      const json = parseJsonLine(text);
      if (json === undefined) {
        unparsable++;
        return;
      }
      const parsed = CodexEvent.safeParse(json);
      // Event types this adapter does not know are skipped (the CLI adds new ones).
      if (!parsed.success) return;
      sawEvent = true;
      const event = parsed.data;
      switch (event.type) {
        case "thread.started":
          threadId = event.thread_id;
          break;
        case "turn.completed":
          turns++;
          usage.inputTokens += event.usage.input_tokens - event.usage.cached_input_tokens;
          usage.cacheReadInputTokens += event.usage.cached_input_tokens;
          usage.outputTokens += event.usage.output_tokens;
          break;
        case "turn.failed":
          turns++;
          failed = true;
          errorMessage = event.error.message;
          break;
        case "error":
          failed = true;
          errorMessage ??= event.message;
          break;
        case "item.completed":
          if (event.item.type === "agent_message" && event.item.text !== undefined) {
            lastMessage = event.item.text;
          }
          break;
      }
    },
    progress() {
      return { turns, costUsd: estimateCodexCost(options.model, usage) };
    },
    finish(): ParsedOutput {
      if (!sawEvent || (turns === 0 && !failed)) {
        return {
          ok: false,
          problem: `no completed turn in the output (${unparsable} line(s) not JSON)`,
          sessionId: threadId,
        };
      }
      const status = errorMessage?.match(STATUS_IN_TEXT)?.[1];
      const result: AgentResult = {
        engine: "codex",
        model: options.model,
        turns,
        costUsd: estimateCodexCost(options.model, usage),
        costIsEstimate: true,
        sessionId: threadId,
        text: failed ? errorMessage ?? "" : lastMessage ?? "",
        isError: failed,
        subtype: failed ? "error" : "success",
        apiErrorStatus: status ? Number(status) : undefined,
        apiErrorType: errorMessage?.match(ERROR_CODE_IN_TEXT)?.[1],
        terminalReason: failed ? "turn_failed" : "completed",
        permissionDenials: [],
        usage,
      };
      return { ok: true, result };
    },
  };
}

function toml(value: string): string {
  return JSON.stringify(value);
}
