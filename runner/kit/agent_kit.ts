/**
 * What every GitHub-and-git agent's work starts with, shared by Lucius and the
 * roster: the GitHub client (with the token's persisted backoff, and the
 * tuning variables of {@linkcode githubTuningOf}), the journal of claim
 * transitions (the ones dead firings left are completed first), the accounts
 * whose markers count (resolved on first use), the git context (the
 * codename's identity and the token), phase timings logged as
 * `phase <name> <ms>`, and one engine run in a worktree with the agent's tier,
 * turns, timeout, sentinels and the git identity in the engine's environment.
 * Closing the kit reports the foreign markers the firing turned away.
 *
 * @module
 */
import type { FiringContext, FiringStep } from "../firing/agent.ts";
import { engineDoneStep, engineStep } from "../firing/steps.ts";
import { denialRecordOf } from "../sandbox/audit.ts";
import { closingNotesOf } from "../engines/prompt.ts";
import { createGitHubClient, etagFileOf, type GitHubClient } from "../github/client.ts";
import {
  loginCacheFile,
  resolveTrustedAuthors,
  type TrustSource,
  trustSource,
} from "../claims/trust.ts";
import { reportForeignMarkers } from "../claims/foreign_markers.ts";
import type { TransitionJournal } from "../claims/transitions.ts";
import { completePendingTransitions, fileJournal } from "../claims/journal.ts";
import type { EnvReader } from "../paths.ts";
import {
  agentGitContext,
  type GitContext,
  inspectWorktreeDir,
  listAgentWorktrees,
  removeWorktree,
} from "../git/worktree.ts";
import { type EngineRun, type EngineSandboxOptions, runEngine } from "../engines/run.ts";
import { parseDeclaredHosts } from "../sandbox/mod.ts";

import { type AgentWorkOptions, workOptionsOf } from "./options.ts";

export { type AgentWorkOptions, workOptionsOf };

/** The shared parts of one firing's work. */
export interface AgentKit {
  /** The firing. */
  readonly context: FiringContext;
  /** The GitHub client (flush it at the end: {@linkcode closeAgentKit}). */
  readonly client: GitHubClient;
  /**
   * The accounts whose markers count: the token's login (looked up on first
   * use, cached in state) and `github.trusted_logins`.
   */
  readonly trust: TrustSource;
  /** Where this firing writes down the claim transitions it begins. */
  readonly journal: TransitionJournal;
  /** How git runs: the codename's identity and the token. */
  readonly git: GitContext;
  /** Milliseconds per phase, summed. */
  readonly phases: Record<string, number>;
  /** The monotonic clock of the phase timings. */
  readonly clock: () => number;
}

/** The GitHub tuning an operator (or a test) can set in the environment. */
export interface GitHubTuning {
  /** `ALFRED_GITHUB_WRITE_SPACING_MS`: spacing of writes (and of notifying writes). */
  writeSpacingMs?: number;
  /** `ALFRED_GITHUB_RETRY_UNIT_MS`: the length of one "second" of retry and rate-limit waits. */
  retryUnitMs?: number;
  /** `ALFRED_GITHUB_TIMEOUT_MS`: how long one request may take. */
  timeoutMs?: number;
}

/**
 * Reads the GitHub tuning variables (pure). Each is a whole number of ms;
 * anything else is ignored. They exist for tests and the soak
 * (`deno task soak`), which shrink GitHub's waits; operators leave them unset.
 *
 * @param env Reads the variables.
 * @returns The values set.
 */
export function githubTuningOf(env: EnvReader): GitHubTuning {
  const ms = (name: string) => {
    const value = env(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const tuning: GitHubTuning = {};
  const spacing = ms("ALFRED_GITHUB_WRITE_SPACING_MS");
  const unit = ms("ALFRED_GITHUB_RETRY_UNIT_MS");
  const timeout = ms("ALFRED_GITHUB_TIMEOUT_MS");
  if (spacing !== undefined) tuning.writeSpacingMs = spacing;
  if (unit !== undefined && unit > 0) tuning.retryUnitMs = unit;
  if (timeout !== undefined && timeout > 0) tuning.timeoutMs = timeout;
  return tuning;
}

/**
 * Opens the kit of a firing: resolves the token, makes the client and the git
 * context, then completes the claim transitions dead firings on this host
 * left half-done, before anything else touches GitHub.
 *
 * @param context The firing.
 * @param options The codename (etag cache, git identity) and the phase clock.
 * @returns The kit.
 * @throws {ConfigError} when no GitHub token can be found.
 * @throws {GitHubBackoffError} when the token's GitHub backoff holds.
 */
export async function openAgentKit(
  context: FiringContext,
  options: { codename: string; clock?: () => number },
): Promise<AgentKit> {
  const tuning = githubTuningOf(context.env);
  const token = await context.githubToken();
  const client = await createGitHubClient({
    env: context.env,
    token,
    etagFile: etagFileOf(context.layout, options.codename),
    log: (line) => void context.log.warn(line),
    backoff: context.githubBackoff,
    who: options.codename,
    now: () => context.now().getTime(),
    ...(tuning.writeSpacingMs !== undefined
      ? { writeSpacingMs: tuning.writeSpacingMs, notificationSpacingMs: tuning.writeSpacingMs }
      : {}),
    ...(tuning.retryUnitMs !== undefined ? { retryUnitMs: tuning.retryUnitMs } : {}),
    ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
  });
  const trust = trustSource(() =>
    resolveTrustedAuthors(client, {
      token,
      configured: context.config.githubTrustedLogins,
      cacheFile: loginCacheFile(context.layout),
      now: context.now,
      warn: (line) => void context.log.warn(line),
    })
  );
  const owner = { codename: context.codename, firing: context.firingId };
  await completePendingTransitions(client, {
    layout: context.layout,
    owner,
    now: context.now,
    log: (line) => void context.log.warn(line),
    trusted: () => trust.get(),
  });
  return {
    context,
    client,
    trust,
    journal: fileJournal(context.layout, owner),
    git: agentGitContext(context.env, { codename: options.codename, token }),
    phases: {},
    clock: options.clock ?? (() => performance.now()),
  };
}

/**
 * Runs one firing's work with its kit: opens it ({@linkcode openAgentKit},
 * for the firing's codename), runs `use` with the work's options filled in
 * ({@linkcode workOptionsOf}), and closes it ({@linkcode closeAgentKit})
 * whatever happens.
 *
 * @param context The firing.
 * @param use The work, given the kit and the options.
 * @param options The engine's parent environment and the phase clock, as given.
 * @returns What `use` returns.
 * @throws {ConfigError} when no GitHub token can be found.
 * @throws {GitHubBackoffError} when the token's GitHub backoff holds.
 */
export async function withAgentKit<T>(
  context: FiringContext,
  use: (kit: AgentKit, options: Required<AgentWorkOptions>) => Promise<T>,
  options: AgentWorkOptions = {},
): Promise<T> {
  const filled = workOptionsOf(options);
  const kit = await openAgentKit(context, { codename: context.codename, clock: filled.clock });
  try {
    return await use(kit, filled);
  } finally {
    await closeAgentKit(kit);
  }
}

/**
 * Ends a kit: reports the foreign markers noticed (once per issue and author,
 * runner/claims/foreign_markers.ts), flushes the client's pending writes and logs the
 * phase timings.
 *
 * @param kit The kit.
 */
export async function closeAgentKit(kit: AgentKit): Promise<void> {
  const { context } = kit;
  try {
    await reportForeignMarkers(kit.trust.peek()?.foreign ?? [], {
      layout: context.layout,
      log: context.log,
      notify: context.recordNotice,
      agent: context.codename,
      now: context.now,
    });
  } finally {
    await kit.client.flush();
    await context.log.info(`phases ${JSON.stringify(kit.phases)}`);
  }
}

/**
 * Runs one step as a named phase: its duration is added to `phases` and logged.
 *
 * @param kit The kit.
 * @param name The phase.
 * @param step The step.
 * @returns What the step returns.
 */
export async function timed<T>(kit: AgentKit, name: string, step: () => Promise<T>): Promise<T> {
  const started = kit.clock();
  try {
    return await step();
  } finally {
    const ms = Math.round(kit.clock() - started);
    kit.phases[name] = (kit.phases[name] ?? 0) + ms;
    await kit.context.log.info(`phase ${name} ${ms}`);
  }
}

/** What {@linkcode runAgentEngine} runs. */
export interface AgentEngineRequest {
  /** The prompt. */
  prompt: string;
  /** The worktree. */
  cwd: string;
  /** Tools the engine may use without asking. */
  allowedTools: readonly string[];
  /** The parent environment (allowlisted by the engine step). */
  parentEnv: Record<string, string>;
  /** The codename's own sentinels (added to those in the agent's config). */
  sentinels?: readonly string[];
  /**
   * A read-only agent (Drake, Batman): Claude's `dontAsk` permission mode
   * denies every tool not in `allowedTools`; Codex runs in its `read-only` sandbox.
   */
  readOnly?: boolean;
}

/** The tools of an agent that reads code and never changes it. */
export const READ_ONLY_TOOLS: readonly string[] = ["Read", "Glob", "Grep", "LS"];

/**
 * Runs the engine of an agent that reads code and never changes it (Drake,
 * Batman, Ra's al Ghul, Robin): {@linkcode runAgentEngine} with
 * {@linkcode READ_ONLY_TOOLS} only, read-only.
 *
 * @param kit The kit.
 * @param request Prompt, folder, parent environment and sentinels.
 * @returns The engine run.
 */
export async function runReadOnlyEngine(
  kit: AgentKit,
  request: Omit<AgentEngineRequest, "allowedTools" | "readOnly">,
): Promise<EngineRun> {
  return await runAgentEngine(kit, { ...request, allowedTools: READ_ONLY_TOOLS, readOnly: true });
}

/**
 * Runs the agent's engine once in a worktree: tier and model, turns, timeout,
 * custom sentinels, declared environment and AWS from the agent's config; the
 * codename's git identity and no terminal prompt in the engine's environment.
 *
 * @param kit The kit.
 * @param request Prompt, worktree, tools and parent environment.
 * @returns The engine run.
 */
export async function runAgentEngine(
  kit: AgentKit,
  request: AgentEngineRequest,
): Promise<EngineRun> {
  const { context } = kit;
  const agent = context.agent;
  const tier = context.config.tiers[agent.tier];
  const identity = kit.git.identity;
  const progress = engineProgress(context);
  await progress.started();
  const run = await runEngine({
    agent: context.codename,
    firingId: context.firingId,
    prompt: request.prompt,
    cwd: request.cwd,
    tier: { engine: agent.engine, model: agent.model, fallback: tier?.fallback },
    maxTurns: agent.maxTurns,
    allowedTools: request.allowedTools,
    customSentinels: [...new Set([...(request.sentinels ?? []), ...agent.sentinels])],
    declaredEnv: agent.env,
    aws: agent.aws,
    ...(request.readOnly ? { permissionMode: "dontAsk" as const } : {}),
  }, {
    layout: context.layout,
    parentEnv: request.parentEnv,
    timeoutMs: agent.timeoutMinutes * 60_000,
    ...(request.readOnly ? { codexSandbox: "read-only" as const } : {}),
    sandbox: sandboxOf(kit, request.parentEnv),
    envOverrides: {
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
      GIT_TERMINAL_PROMPT: "0",
    },
    now: context.now,
    onProgress: progress.update,
  });
  await progress.finished(run);
  context.recordDenials(run.denials.map(denialRecordOf));
  for (const attempt of run.attempts) if (attempt.warning) context.recordWarning(attempt.warning);
  const notes = closingNotesOf(run.result?.text ?? "");
  if (notes) context.recordNotes(notes);
  return run;
}

/** The engine's reports to the firing's steps: started, turns and cost so far, finished. */
interface EngineProgressReporter {
  started(): Promise<void>;
  update(progress: { engine: string; turns: number; costUsd?: number }): void;
  finished(run: EngineRun): Promise<void>;
}

/**
 * Engine updates are reported at most this often: each is an activity-log
 * line, and the person's live line redraws its elapsed time by itself.
 */
export const ENGINE_STEP_SPACING_MS = 10_000;

function engineProgress(context: FiringContext): EngineProgressReporter {
  const agent = context.agent;
  let reported = Number.NEGATIVE_INFINITY;
  // Reports are chained so they reach the activity log in order.
  let pending = Promise.resolve();
  const report = (step: FiringStep) => {
    pending = pending.then(() => context.progress(step));
    return pending;
  };
  return {
    started: () => report(engineStep({ engine: agent.engine, model: agent.model })),
    update(progress) {
      const at = context.now().getTime();
      if (at - reported < ENGINE_STEP_SPACING_MS) return;
      reported = at;
      const model = progress.engine === agent.engine ? agent.model : undefined;
      void report(engineStep({ engine: progress.engine, model }, progress));
    },
    async finished(run) {
      await report(engineDoneStep(run.classification.outcome, {
        turns: run.result?.turns ?? 0,
        costUsd: run.result?.costUsd ?? 0,
      }));
    },
  };
}

/**
 * The sandbox settings of this firing's engine runs (docs/SANDBOX.md): the
 * agent's mode, the hosts it declares, and what stays hidden (the operator's
 * home, ALFRED_HOME). `off` runs the engine unconfined.
 */
function sandboxOf(
  kit: AgentKit,
  parentEnv: Readonly<Record<string, string>>,
): EngineSandboxOptions | undefined {
  const agent = kit.context.agent;
  if (agent.sandbox === "off") return undefined;
  return {
    mode: agent.sandbox,
    agent: kit.context.codename,
    home: parentEnv.HOME ?? kit.context.env("HOME") ?? "/nonexistent",
    alfredHome: kit.context.layout.home,
    allowHosts: parseDeclaredHosts(agent.network, { agent: kit.context.codename }),
    extraReadOnly: agent.sandboxReadOnly,
    now: kit.context.now,
  };
}

/** The tools of an agent that edits files in its worktree (no shell). */
export const EDITING_TOOLS: readonly string[] = [
  "Read",
  "Write",
  "Edit",
  "MultiEdit",
  "Glob",
  "Grep",
  "LS",
];

/**
 * Removes the worktrees this codename's dead firings left under `worktreesDir`
 * (one firing per agent per host holds the lock, so every one found is dead).
 * Uncommitted edits go; a branch with commits on no remote is kept, never deleted.
 *
 * @param kit The kit.
 * @returns The folders removed.
 */
export async function removeDeadWorktrees(kit: AgentKit): Promise<string[]> {
  const { context } = kit;
  const removed: string[] = [];
  for (const dir of await listAgentWorktrees(context.layout, context.codename)) {
    const found = await inspectWorktreeDir(dir, { context: kit.git });
    if (!found) {
      await context.log.warn(`removing ${dir}: not a usable worktree any more`);
      await Deno.remove(dir, { recursive: true });
    } else {
      const result = await removeWorktree(found, { context: kit.git });
      await context.log.warn(
        `removed the worktree of a dead firing: ${dir}${
          result.branchDeleted ? "" : ` (kept branch ${found.branch}: unpushed commits)`
        }`,
      );
    }
    removed.push(dir);
  }
  return removed;
}
