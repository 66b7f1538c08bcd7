/**
 * The `claude -p` adapter: its command line and the parsing of its
 * `stream-json` output into an {@linkcode AgentResult}.
 *
 * Measured with claude-code 2.1.332 (see docs/ENGINES.md):
 * - the last stdout line is `{"type":"result", ...}` with `num_turns`,
 *   `total_cost_usd`, `session_id`, `is_error`, `subtype`, `api_error_status`,
 *   `api_error_type`, `terminal_reason`, `permission_denials`, `usage`;
 * - an API failure is `is_error: true` with `subtype: "success"`;
 * - max turns is `subtype: "error_max_turns"` with `errors` and no `result`;
 * - `--dangerously-skip-permissions` is refused as root, so Alfred uses
 *   `--permission-mode acceptEdits` with `--allowedTools`.
 *
 * @module
 */
import { z } from "zod";
import { type AgentResult, type PermissionDenial, ZERO_USAGE } from "./agent_result.ts";
import { type EngineOutputParser, type ParsedOutput, parseJsonLine } from "./parser.ts";

/** What one Claude run is asked to do. The prompt goes on standard input. */
export interface ClaudeRequest {
  /** The model alias or id (`sonnet`, `opus`, `claude-...`). */
  model?: string;
  /** Most turns before the CLI stops with `error_max_turns`. */
  maxTurns: number;
  /** Tools allowed without asking, e.g. `["Read", "Edit", "Bash(git diff:*)"]`. */
  allowedTools: readonly string[];
  /** The permission mode. Default `acceptEdits`; never `bypassPermissions`. */
  permissionMode?: "acceptEdits" | "default" | "plan" | "dontAsk";
  /** The agent persona, appended to Claude Code's system prompt. */
  appendSystemPrompt?: string;
  /** A session to resume. */
  resumeSessionId?: string;
}

/**
 * Builds the arguments of `claude` for one run.
 *
 * @example Usage
 * ```ts
 * import { claudeArgs } from "./claude.ts";
 * claudeArgs({ maxTurns: 30, allowedTools: ["Read", "Edit"], model: "sonnet" });
 * ```
 *
 * @param request The run's settings.
 * @returns The arguments, without the program name.
 */
export function claudeArgs(request: ClaudeRequest): string[] {
  const args = [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--max-turns",
    String(request.maxTurns),
    "--permission-mode",
    request.permissionMode ?? "acceptEdits",
  ];
  if (request.model) args.push("--model", request.model);
  if (request.allowedTools.length) args.push("--allowedTools", request.allowedTools.join(","));
  if (request.appendSystemPrompt) args.push("--append-system-prompt", request.appendSystemPrompt);
  if (request.resumeSessionId) args.push("--resume", request.resumeSessionId);
  return args;
}

const Denial = z.looseObject({
  tool_name: z.string(),
  tool_use_id: z.string().optional(),
  tool_input: z.unknown().optional(),
});

const Usage = z.looseObject({
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

/** The final `result` line of `claude -p --output-format stream-json` (or `json`). */
export const ClaudeResultLine = z.looseObject({
  type: z.literal("result"),
  subtype: z.string(),
  is_error: z.boolean(),
  num_turns: z.number().int().nonnegative(),
  total_cost_usd: z.number().nonnegative(),
  session_id: z.string(),
  result: z.string().optional(),
  errors: z.array(z.string()).optional(),
  api_error_status: z.number().int().nullish(),
  api_error_type: z.string().nullish(),
  terminal_reason: z.string().nullish(),
  permission_denials: z.array(Denial).default([]),
  usage: Usage.optional(),
  modelUsage: z.record(z.string(), z.unknown()).optional(),
});
/** The parsed result line. */
export type ClaudeResultLine = z.infer<typeof ClaudeResultLine>;

const InitLine = z.looseObject({
  type: z.literal("system"),
  subtype: z.literal("init"),
  session_id: z.string(),
  model: z.string().optional(),
});

const AssistantLine = z.looseObject({
  type: z.literal("assistant"),
  message: z.looseObject({
    id: z.string().optional(),
    content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  }),
});

/**
 * Converts a Claude result line to an {@linkcode AgentResult}.
 *
 * @param line The validated result line.
 * @param options The init line's model and the last assistant text, used when the line lacks them.
 * @returns The engine-neutral result.
 */
export function claudeResultOf(
  line: ClaudeResultLine,
  options: { model?: string; lastText?: string } = {},
): AgentResult {
  const denials: PermissionDenial[] = line.permission_denials.map((denial) => ({
    toolName: denial.tool_name,
    toolUseId: denial.tool_use_id,
    input: denial.tool_input,
  }));
  const text = line.result ?? line.errors?.join("\n") ?? options.lastText ?? "";
  const models = Object.keys(line.modelUsage ?? {});
  return {
    engine: "claude",
    model: models[0] ?? options.model,
    turns: line.num_turns,
    costUsd: line.total_cost_usd,
    costIsEstimate: false,
    sessionId: line.session_id,
    text,
    isError: line.is_error,
    subtype: line.subtype,
    apiErrorStatus: line.api_error_status ?? undefined,
    apiErrorType: line.api_error_type ?? undefined,
    terminalReason: line.terminal_reason ?? undefined,
    permissionDenials: denials,
    usage: line.usage
      ? {
        inputTokens: line.usage.input_tokens,
        outputTokens: line.usage.output_tokens,
        cacheReadInputTokens: line.usage.cache_read_input_tokens ?? 0,
        cacheCreationInputTokens: line.usage.cache_creation_input_tokens ?? 0,
      }
      : { ...ZERO_USAGE },
  };
}

/**
 * Creates a line-by-line parser of `claude -p --output-format stream-json`.
 * It keeps only the session id, the model, the last assistant text and the
 * result line, so memory stays bounded however long the run.
 *
 * @returns The parser; feed it every stdout line, then call `finish`.
 */
export function createClaudeParser(): EngineOutputParser {
  let sessionId: string | undefined;
  let model: string | undefined;
  let lastText: string | undefined;
  let result: ClaudeResultLine | undefined;
  let badResult: string | undefined;
  let lines = 0;
  let unparsable = 0;
  // One assistant message is one turn; the CLI may stream a message as several lines.
  let turns = 0;
  let lastMessageId: string | undefined;
  return {
    line(text: string): void {
      if (!text.trim()) return;
      lines++;
      const json = parseJsonLine(text);
      if (json === undefined) {
        unparsable++;
        return;
      }
      const type = (json as { type?: unknown } | null)?.type;
      if (type === "result") {
        const parsed = ClaudeResultLine.safeParse(json);
        if (parsed.success) result = parsed.data;
        else {badResult = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join(
            "; ",
          );}
      } else if (type === "system") {
        const init = InitLine.safeParse(json);
        if (init.success) {
          sessionId = init.data.session_id;
          model = init.data.model;
        }
      } else if (type === "assistant") {
        const message = AssistantLine.safeParse(json);
        if (message.success) {
          const id = message.data.message.id;
          if (id === undefined || id !== lastMessageId) turns++;
          lastMessageId = id;
          const texts = message.data.message.content.flatMap((c) =>
            c.type === "text" && c.text ? [c.text] : []
          );
          if (texts.length) lastText = texts.join("\n");
        }
      }
    },
    progress() {
      // Claude's stream carries the cost only in its final result line.
      return result ? { turns: result.num_turns, costUsd: result.total_cost_usd } : { turns };
    },
    finish(): ParsedOutput {
      if (result) return { ok: true, result: claudeResultOf(result, { model, lastText }) };
      const problem = badResult
        ? `the result line did not match the expected shape (${badResult})`
        : `no result line in ${lines} line(s) of output (${unparsable} not JSON)`;
      return { ok: false, problem, sessionId };
    },
  };
}
