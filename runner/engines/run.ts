/**
 * One firing's engine step, top to bottom: choose the engine from the tier,
 * build its scoped environment and command line, run it bounded with a
 * transcript, parse and classify the result, fall back once after a rate
 * limit, and block the fleet when no route is left.
 *
 * @module
 */
import type { AgentResult, EngineName } from "./agent_result.ts";
import { claudeArgs, type ClaudeRequest, createClaudeParser } from "./claude.ts";
import { codexArgs, type CodexProvider, type CodexRequest, createCodexParser } from "./codex.ts";
import type { EngineOutputParser, EngineProgress, ParsedOutput } from "./parser.ts";
import { buildEngineEnv } from "./env.ts";
import { chooseEngine, type EngineChoice, type TierRoute } from "./orchestrator.ts";
import type { Layout } from "../paths.ts";
import { type ProcessResult, runProcess } from "../process.ts";
import { createRedactor, secretValuesOf } from "../redact.ts";
import { applyEngineBlock, type Classification, classifyRun } from "./result.ts";
import { openTranscript } from "./transcripts.ts";
import { wrapEngineCommand, type WrapOptions } from "../sandbox/wrap.ts";
import { enginePermissionDenials, type SandboxDenial } from "../sandbox/audit.ts";

/** What the agent asks of the engine for one firing. */
export interface EngineRequest {
  /** The agent's codename. */
  agent: string;
  /** The firing id (names the transcript). */
  firingId: string;
  /** The task, sent on standard input. */
  prompt: string;
  /** The worktree the engine works in. */
  cwd: string;
  /** The agent's tier. */
  tier: TierRoute;
  /** Most turns (Claude). */
  maxTurns: number;
  /** Tools allowed without asking (Claude). */
  allowedTools: readonly string[];
  /** The agent persona. */
  systemPrompt?: string;
  /** A session to resume (used only on the engine that created it). */
  resume?: { engine: EngineName; sessionId: string };
  /** Sentinels of this codename besides the built-in ones. */
  customSentinels?: readonly string[];
  /** Extra environment names the agent declares. */
  declaredEnv?: readonly string[];
  /** The agent declares AWS access. */
  aws?: boolean;
  /**
   * Claude's permission mode. Default `acceptEdits`; read-only agents use
   * `dontAsk`, which denies every tool not in `allowedTools`.
   */
  permissionMode?: ClaudeRequest["permissionMode"];
}

/** Where and how the engine runs. */
export interface EngineRunOptions {
  /** The home layout (transcripts, block file). */
  layout: Layout;
  /** The parent environment, read once at start-up. */
  parentEnv: Readonly<Record<string, string>>;
  /** Wall-clock limit of each attempt. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  graceMs?: number;
  /** Program of each engine. Default: `claude` and `codex` from PATH. */
  programs?: Partial<Record<EngineName, string>>;
  /** A Codex provider instead of the CLI's configured one. */
  codexProvider?: CodexProvider;
  /** The Codex sandbox. Default `workspace-write`. */
  codexSandbox?: CodexRequest["sandbox"];
  /** Variables Alfred sets on every engine (e.g. test endpoints). */
  envOverrides?: Readonly<Record<string, string>>;
  /** Block length when an error carries no reset time. Default 1 h. */
  defaultBlockHours?: number;
  /** The clock. */
  now?: () => Date;
  /** Write the fleet-wide block on rate_limited/budget_exhausted with no route left. Default true. */
  applyBlock?: boolean;
  /**
   * Sees how far each attempt has got, as the engine streams it: called when
   * its turns or cost so far change.
   */
  onProgress?: (progress: EngineProgress & { engine: EngineName }) => void;
  /**
   * Run each attempt through `wrapEngineCommand` (runner/sandbox/wrap.ts): the
   * mode, home, ALFRED_HOME and declared hosts. Unset: the engine runs as before.
   * `apiUrl` defaults to `ANTHROPIC_BASE_URL` (Claude) or the Codex provider's URL.
   */
  sandbox?: EngineSandboxOptions;
}

/** The sandbox settings of a firing; the engine, worktree and environment come from the attempt. */
export type EngineSandboxOptions = Omit<WrapOptions, "engine" | "worktree" | "env">;

/** One attempt of a firing's engine step. */
export interface EngineAttempt {
  /** The engine that ran. */
  choice: EngineChoice;
  /** Its parsed result, if its output parsed. */
  result: AgentResult | undefined;
  /** The verdict. */
  classification: Classification;
  /** How the process ended. */
  process: ProcessResult;
  /** Whether the attempt ran in the sandbox. */
  sandboxed: boolean;
  /** Why it ran unconfined although it should not have (`sandbox: auto` without a sandbox). */
  warning: string | undefined;
  /** What the sandbox and the engine denied during the attempt. */
  denials: SandboxDenial[];
}

/** The outcome of a firing's engine step. */
export interface EngineRun {
  /** The last attempt's parsed result. */
  result: AgentResult | undefined;
  /** The last attempt's verdict. */
  classification: Classification;
  /** The transcript file (all attempts). */
  transcriptPath: string;
  /** The engine of the last attempt, with why it was chosen. */
  engineUsed: EngineChoice;
  /** Every attempt, in order. */
  attempts: EngineAttempt[];
  /** Whether the fleet-wide block was written. */
  blocked: boolean;
  /** The denials of every attempt (network, file, engine permission), in order. */
  denials: SandboxDenial[];
}

/**
 * Runs the engine for one firing.
 *
 * Requires `--allow-run` for the engine programs and write access to ALFRED_HOME.
 *
 * @param request What the agent asks.
 * @param options Where and how to run.
 * @returns The result, verdict, transcript path and the engine used.
 * @throws {ProgramNotFoundError} when the engine CLI is not installed.
 * @throws {ConfigError} when the agent's environment declaration is invalid.
 */
export async function runEngine(
  request: EngineRequest,
  options: EngineRunOptions,
): Promise<EngineRun> {
  const now = options.now ?? (() => new Date());
  const redact = createRedactor({ secrets: secretValuesOf(options.parentEnv) });
  await using transcript = await openTranscript(options.layout, request.agent, {
    firingId: request.firingId,
    redact,
    now,
  });
  const attempts: EngineAttempt[] = [];
  let choice = chooseEngine(request.tier);
  while (choice) {
    const attempt = await runAttempt(request, options, { choice, transcript });
    attempts.push(attempt);
    await transcript.note("classification", {
      attempt: choice.attempt,
      engine: choice.engine,
      reason: choice.reason,
      ...attempt.classification,
    });
    choice = chooseEngine(request.tier, {
      previous: { choice, outcome: attempt.classification.outcome },
    });
  }
  const last = attempts[attempts.length - 1];
  let blocked = false;
  if (options.applyBlock !== false && last.classification.block) {
    blocked = await applyEngineBlock(options.layout, last.classification, {
      now: now(),
      setBy: request.agent,
    });
  }
  return {
    result: last.result,
    classification: last.classification,
    transcriptPath: transcript.path,
    engineUsed: last.choice,
    attempts,
    blocked,
    denials: attempts.flatMap((a) => a.denials),
  };
}

async function runAttempt(
  request: EngineRequest,
  options: EngineRunOptions,
  context: { choice: EngineChoice; transcript: Awaited<ReturnType<typeof openTranscript>> },
): Promise<EngineAttempt> {
  const { choice, transcript } = context;
  const overrides: Record<string, string> = { ...options.envOverrides };
  if (choice.claudeConfigDir) overrides.CLAUDE_CONFIG_DIR = choice.claudeConfigDir;
  const env = buildEngineEnv(options.parentEnv, {
    codename: request.agent,
    declared: request.declaredEnv,
    aws: request.aws,
    overrides,
  });
  const resumeId = request.resume?.engine === choice.engine ? request.resume.sessionId : undefined;
  let args: string[];
  let parser: EngineOutputParser;
  if (choice.engine === "claude") {
    args = claudeArgs({
      model: choice.model,
      maxTurns: request.maxTurns,
      allowedTools: request.allowedTools,
      permissionMode: request.permissionMode,
      appendSystemPrompt: request.systemPrompt,
      resumeSessionId: resumeId,
    });
    parser = createClaudeParser();
  } else {
    args = codexArgs({
      model: choice.model,
      provider: options.codexProvider,
      sandbox: options.codexSandbox,
      developerInstructions: request.systemPrompt,
      resumeSessionId: resumeId,
    });
    parser = createCodexParser({ model: choice.model });
  }
  const program = options.programs?.[choice.engine] ?? choice.engine;
  await transcript.note("start", {
    attempt: choice.attempt,
    engine: choice.engine,
    model: choice.model,
    reason: choice.reason,
    argv: [program, ...args],
    env: Object.keys(env).sort(),
  });
  const wrapped = options.sandbox
    ? await wrapEngineCommand(program, args, {
      ...options.sandbox,
      engine: choice.engine,
      worktree: request.cwd,
      env,
      apiUrl: options.sandbox.apiUrl ??
        (choice.engine === "claude"
          ? env.ANTHROPIC_BASE_URL
          : options.codexProvider?.baseUrl ?? env.OPENAI_BASE_URL),
    })
    : undefined;
  if (wrapped) {
    await transcript.note("sandbox", {
      sandboxed: wrapped.sandboxed,
      warning: wrapped.warning,
      argv: [wrapped.command, ...wrapped.args],
    });
  }
  let process: ProcessResult;
  let seen = { turns: 0, costUsd: undefined as number | undefined };
  try {
    process = await runProcess(wrapped?.command ?? program, wrapped?.args ?? args, {
      cwd: request.cwd,
      env: wrapped?.env ?? env,
      timeoutMs: options.timeoutMs,
      graceMs: options.graceMs,
      stdin: request.prompt,
      transcript,
      onStdoutLine: (line) => {
        parser.line(line);
        wrapped?.onStdoutLine(line);
        const now = parser.progress();
        if (now.turns !== seen.turns || now.costUsd !== seen.costUsd) {
          seen = { turns: now.turns, costUsd: now.costUsd };
          options.onProgress?.({ ...now, engine: choice.engine });
        }
      },
    });
  } finally {
    await wrapped?.close();
  }
  const parsed: ParsedOutput = parser.finish();
  const result = parsed.ok ? parsed.result : undefined;
  const denials: SandboxDenial[] = wrapped
    ? wrapped.denials(result?.permissionDenials)
    : enginePermissionDenials(result?.permissionDenials ?? []);
  if (denials.length) await transcript.note("denials", { attempt: choice.attempt, denials });
  const classification = classifyRun({
    result,
    parseProblem: parsed.ok ? undefined : parsed.problem,
    exitCode: process.code,
    signal: process.signal,
    timedOut: process.timedOut,
    stderrTail: process.stderrTail,
  }, {
    customSentinels: request.customSentinels,
    defaultBlockHours: options.defaultBlockHours,
    now: (options.now ?? (() => new Date()))(),
    agent: request.agent,
  });
  return {
    choice,
    result,
    classification,
    process,
    sandboxed: wrapped?.sandboxed ?? false,
    warning: wrapped?.warning,
    denials,
  };
}
