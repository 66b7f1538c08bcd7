/**
 * The firing lifecycle after the guard: re-check suspect state, load the
 * config, take the agent's lock, check the spend ledger, do the work, record
 * it, notify, and release the lock. Loaded lazily by runner/firing/fire.ts.
 *
 * Every step that can stop the firing on purpose prints one sentinel line and
 * returns 0: `[AGENT-GLOBAL-BLOCKED]`, `[AGENT-PAUSED]`, `[AGENT-GITHUB-BACKOFF]`,
 * `[AGENT-LOCKED]`, `[AGENT-DISABLED]`, `[AGENT-AUTO-PAUSED]`, `[AGENT-DRY-RUN]`.
 *
 * No stack trace reaches the firing's output or its log unless `--debug` is given.
 *
 * @module
 */
import { appendActivity, type NewActivity } from "./activity.ts";
import type {
  AgentDefinition,
  DenialRecord,
  FiringContext,
  FiringStep,
  WorkResult,
} from "./agent.ts";
import { isBlockActive, readGlobalBlock } from "./block.ts";
import { type AgentConfig, type FleetConfig, loadFleetConfig } from "../config/config.ts";
import type { Coordination } from "../coordination/coordination.ts";
import { openCoordination } from "../coordination/open.ts";
import { describePermissionDenial } from "../config/permission_error.ts";
import { lessonsForPrompt, openLessonStore } from "../memory/open.ts";
import type { FiringNotes, LessonStore } from "../memory/store.ts";
import { lessonsFromFiring, repoOfIssue } from "../memory/store.ts";
import {
  AlfredError,
  ConfigError,
  exitCodeOf,
  formatError,
  githubBackoffIn,
  githubBackoffLine,
  StateCorruptError,
} from "../errors.ts";
import { isBackoffActive, tokenKey } from "../github/backoff.ts";
import { resolveToken } from "../github/token.ts";
import { type FiringEvent, newFiringId, type Outcome, recordFiring } from "./events.ts";
import { verdictLine } from "./guard.ts";
import type { LockRecord } from "./lock.ts";
import { type Logger, openAgentLog } from "./log.ts";
import type { Notice } from "./notify.ts";
import { sendNotice, slackBotOf } from "./slack_threads.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { pauseOf, readPauseState } from "./pause.ts";
import {
  addFiring,
  checkSpend,
  dayOf,
  type FiringTally,
  type Ledger,
  nextDayStart,
  spendStopReason,
} from "./spend.ts";
import { validateScheduleText } from "../config/schedule_check.ts";
import { sandboxOffWarning } from "../sandbox/opt_out.ts";
import { createRedactor, secretValuesOf } from "../redact.ts";
import { describeMissedRuns, newMissedRuns } from "../../scheduler/missed_run_watch.ts";

/** Options of {@linkcode runLifecycle}. */
export interface LifecycleOptions {
  /** Loads the agent's definition. */
  loadAgent: () => Promise<AgentDefinition>;
  /** Environment variables. */
  env: EnvReader;
  /** The clock. */
  now: () => Date;
  /** Prints a line on standard output. */
  stdout: (line: string) => void;
  /** Prints a line on standard error. */
  stderr?: (line: string) => void;
  /** The home layout. */
  layout: Layout;
  /** The guard found a state file it could not trust: re-read it with full checks. */
  suspect?: boolean;
  /** Check everything and say what would happen, without doing the work. */
  dryRun?: boolean;
  /** Print stack traces. */
  debug?: boolean;
  /** This firing's id, when whoever started it chose one (else a new one). */
  firingId?: string;
  /** Who started the firing: the scheduler (the default), or a person. */
  firedBy?: "scheduler" | "hand";
  /** Sees each step of the firing as the agent reports it (a person's progress display). */
  onStep?: (step: FiringStep) => void;
  /** Sees the firing's record once it is written (a person's summary line). */
  onEnded?: (record: FiringEvent) => void;
}

/**
 * How an outcome counts towards the spend ledger's success and failure tallies.
 *
 * @param outcome The firing's outcome.
 * @returns `success` resets the failure streak, `failure` extends it, `neutral` leaves it.
 */
export function tallyOf(outcome: Outcome): FiringTally {
  switch (outcome) {
    case "success":
    case "already-implemented":
      return "success";
    case "silent":
    case "idle":
    case "partial":
    case "dry-run":
    case "auto-paused":
    case "github-backoff":
      return "neutral";
    default:
      return "failure";
  }
}

/**
 * Runs the lifecycle of one firing after the guard passed.
 *
 * @param codename The agent.
 * @param options Loader, environment, clock, output and layout.
 * @returns The process exit code.
 */
export async function runLifecycle(codename: string, options: LifecycleOptions): Promise<number> {
  const { layout, now, stdout } = options;
  const stderr = options.stderr ?? ((line: string) => console.error(line));
  const startedAt = now();
  const firingId = options.firingId ?? newFiringId(startedAt);
  const redact = redactorFor(options.env);
  const log = openAgentLog(layout, codename, { now, firingId, echo: stderr, redact });
  // Errors before the lock is taken (bad config, unknown agent) go to the
  // operator only: such a firing writes nothing under ALFRED_HOME.
  let started = false;
  try {
    if (options.suspect) {
      const warn = (message: string) => void log.warn(message);
      const block = await readGlobalBlock(layout, { now: startedAt, warn });
      if (isBlockActive(block, startedAt)) {
        stdout(
          verdictLine(
            { kind: "global-blocked", until: block.until, reason: block.reason },
            codename,
          ),
        );
        return 0;
      }
      const paused = pauseOf(
        await readPauseState(layout, { now: startedAt, warn }),
        codename,
        startedAt,
      );
      if (paused) {
        stdout(
          verdictLine({ kind: "paused", reason: paused.reason, until: paused.until }, codename),
        );
        return 0;
      }
    }
    const config = await loadFleetConfig(layout.fleetFile, {
      env: options.env,
      validateSchedule: validateScheduleText,
      cacheFile: `${layout.stateDir}/fleet-cache.json`,
    });
    const agentConfig = config.agents[codename];
    if (!agentConfig) {
      throw new AlfredError(`unknown agent "${codename}"`, {
        hint: `Known agents: ${
          Object.keys(config.agents).join(", ")
        }. Custom ones are defined in ${config.source}.`,
        exitCode: 2,
      });
    }
    if (!agentConfig.enabled) {
      stdout(
        `[AGENT-DISABLED] ${codename} is not enabled in ${config.source} (set agents.${codename}.enabled: true)`,
      );
      return 0;
    }
    const coordination = await openCoordination(layout, {
      settings: config.coordination,
      now,
      warn: (m) => void log.warn(m),
    });
    try {
      return await fireWithCoordination(codename, {
        ...options,
        stderr,
        log,
        redact,
        config,
        agentConfig,
        coordination,
        firingId,
        startedAt,
        onStarted: () => {
          started = true;
        },
      });
    } finally {
      await coordination.close();
    }
  } catch (thrown) {
    const error = describePermissionDenial(thrown, { binary: `alfred-${codename}` }) ?? thrown;
    if (started) {
      const fileOnly = openAgentLog(layout, codename, { now, firingId, echo: null, redact });
      await fileOnly.error(formatError(error, { debug: options.debug }));
    }
    stderr(formatError(error, { debug: options.debug }));
    return exitCodeOf(error);
  }
}

/** What {@linkcode fireWithCoordination} needs beyond the lifecycle's options. */
interface CoordinatedFiring extends LifecycleOptions {
  stderr: (line: string) => void;
  log: Logger;
  redact: (text: string) => string;
  config: FleetConfig;
  agentConfig: AgentConfig;
  coordination: Coordination;
  firingId: string;
  startedAt: Date;
  onStarted: () => void;
}

/**
 * The lifecycle from the shared gate to the release of the lock, against the
 * configured coordination backend (this host's files, or Redis for a fleet
 * across hosts).
 */
async function fireWithCoordination(codename: string, options: CoordinatedFiring): Promise<number> {
  const {
    layout,
    now,
    stdout,
    log,
    redact,
    config,
    agentConfig,
    coordination,
    firingId,
    startedAt,
  } = options;
  if (coordination.backend === "redis") {
    // The hot path checked this host's files; the fleet's shared gate is in Redis.
    const gate = await coordination.readGate({ now: startedAt, warn: (m) => void log.warn(m) });
    if (isBlockActive(gate.block, startedAt)) {
      stdout(
        verdictLine({
          kind: "global-blocked",
          until: gate.block.until,
          reason: gate.block.reason,
        }, codename),
      );
      return 0;
    }
    const paused = pauseOf(gate.pause, codename, startedAt);
    if (paused) {
      stdout(
        verdictLine({ kind: "paused", reason: paused.reason, until: paused.until }, codename),
      );
      return 0;
    }
  }
  const agent = await options.loadAgent();
  const host = hostNameOf(options.env);
  const githubToken = once(() => resolveToken(options.env));
  if (agent.github) {
    const backoff = await githubBackoffOf(coordination, { githubToken, now: startedAt, log });
    if (backoff) {
      stdout(githubBackoffLine(backoff.until, backoff.reason));
      return 0;
    }
  }
  const attempt = await coordination.acquireLock(codename, {
    pid: Deno.pid,
    host,
    firing_id: firingId,
    started_at: startedAt.toISOString(),
  });
  if (attempt.kind === "busy") {
    const holder = attempt.holder;
    stdout(
      `[AGENT-LOCKED] ${codename} is already firing` +
        (holder
          ? ` (pid ${holder.pid} on ${holder.host}, firing ${holder.firing_id}, since ${holder.started_at})`
          : ""),
    );
    return 0;
  }
  options.onStarted();
  try {
    const day = dayOf(startedAt, config.timezone);
    let ledger: Ledger;
    try {
      ledger = await coordination.readLedger(codename, { day, warn: (m) => void log.warn(m) });
    } catch (error) {
      if (!(error instanceof StateCorruptError)) throw error;
      const reason = `today's spend ledger was corrupt (moved to ${error.quarantinedTo}); ` +
        `check it, then \`alfred resume ${codename}\``;
      return await autoPause(codename, { ...options, host, reason, until: undefined });
    }
    if (attempt.tookOverFrom) {
      ledger = await recordDeadFiring(codename, attempt.tookOverFrom, {
        layout,
        log,
        host,
        now,
        ledger,
        coordination,
        day,
      });
    }
    if (agent.paid) {
      const spend = checkSpend(ledger, agentConfig);
      if (spend.kind !== "ok") {
        const reason = spendStopReason(spend, codename);
        if (options.dryRun) {
          // A dry run says what a firing would do, and pauses nothing.
          stdout(`[AGENT-AUTO-PAUSED] ${codename}: ${reason} (dry run: nothing was paused)`);
          return 0;
        }
        const until = spend.kind === "over-cap"
          ? nextDayStart(startedAt, config.timezone)
          : undefined;
        if (until) await coordination.setBlockedUntil(codename, { day, until });
        return await autoPause(codename, { ...options, host, reason, until });
      }
      if (ledger.override) {
        await log.info(
          `today's caps count from the operator's override at ${ledger.override.at} ` +
            `(${ledger.override.firings} firings, ${ledger.override.turns} turns, ` +
            `$${ledger.override.cost_usd.toFixed(4)} before it)`,
        );
      }
    }
    if (options.dryRun) {
      stdout(
        `[AGENT-DRY-RUN] ${codename} would fire now: engine ${agentConfig.engine}` +
          `${
            agentConfig.model ? ` (${agentConfig.model})` : ""
          }, max ${agentConfig.maxTurns} turns, ` +
          `today ${ledger.firings} firings, ${ledger.turns} turns, $${
            ledger.cost_usd.toFixed(2)
          } spent`,
      );
      return 0;
    }
    const activity = (event: NewActivity) => recordActivity(event, { layout, log });
    await activity({
      type: "firing-started",
      at: startedAt.toISOString(),
      agent: codename,
      firing_id: firingId,
      host,
      pid: Deno.pid,
      by: options.firedBy ?? "scheduler",
    });
    const tell = (notice: Notice, about: { subjects: (string | undefined)[]; quick?: boolean }) =>
      notify(notice, { config, log, redact, layout, env: options.env, now, ...about });
    const denials: DenialRecord[] = [];
    const warnings = new Set<string>();
    if (agentConfig.sandbox === "off") warnings.add(sandboxOffWarning(codename));
    await using memory = firingMemory({ layout, config, log, now });
    const engineNotes: string[] = [];
    const extraNotices: Notice[] = [];
    const context: FiringContext = {
      codename,
      firingId,
      host,
      layout,
      config,
      agent: agentConfig,
      env: options.env,
      now,
      log,
      ledger,
      stdout,
      recordDenials: (found) => denials.push(...found),
      recordWarning: (warning) => void warnings.add(warning),
      recallLessons: (query) => memory.recall({ ...query, codename }),
      recordNotes: (notes) => engineNotes.push(notes),
      githubToken,
      githubBackoff: coordination.githubBackoff,
      recordNotice: (notice) => extraNotices.push(notice),
      async progress(step) {
        const text = redact(step.text);
        options.onStep?.({ ...step, text });
        await activity({
          type: "step",
          at: now().toISOString(),
          agent: codename,
          firing_id: firingId,
          step: step.step,
          text,
          ...(step.issue ? { issue: step.issue } : {}),
          ...(step.pr ? { pr: step.pr } : {}),
          ...(step.turns === undefined ? {} : { turns: step.turns }),
          ...(step.costUsd === undefined ? {} : { cost_usd: step.costUsd }),
        });
        // With firing threads, a claim opens (or joins) its issue's thread; the webhook stays quiet.
        if (step.step === "claimed" && step.issue && firingThreadsOn(config, options.env)) {
          const notice: Notice = { severity: "info", agent: codename, title: text, text: "" };
          await tell(notice, { subjects: [step.issue], quick: true });
        }
      },
    };
    await log.info(`firing ${codename} started (pid ${Deno.pid})`);
    for (const warning of warnings) await log.warn(warning);
    let result: WorkResult;
    try {
      result = await agent.work(context);
    } catch (thrown) {
      const error = describePermissionDenial(thrown, { binary: `alfred-${codename}` }) ?? thrown;
      const stop = githubBackoffIn(error);
      if (stop) {
        stdout(stop.sentinel);
        await log.warn(`stopped: ${formatError(stop, { debug: options.debug })}`);
        result = { outcome: "github-backoff", turns: 0, costUsd: 0, error: stop.message };
      } else {
        result = failedWork(codename, error);
        await log.error(`work failed: ${formatError(error, { debug: options.debug })}`);
      }
    }
    if (result.outcome === "github-backoff" && result.notice) {
      // A backoff is not actionable: no Slack message.
      result = { ...result, notice: undefined };
    }
    result = {
      ...result,
      error: result.error === undefined ? undefined : redact(result.error),
      summary: result.summary === undefined ? undefined : redact(result.summary),
    };
    const endedAt = now();
    await coordination.addSpend(codename, {
      day,
      entry: {
        firingId,
        turns: result.turns,
        costUsd: result.costUsd,
        tally: tallyOf(result.outcome),
      },
      warn: (m) => void log.warn(m),
    });
    await shareEngineBlock(coordination, { layout, since: startedAt, now: endedAt, log });
    const event = eventOf(codename, { firingId, host, startedAt, endedAt, result });
    const record: FiringEvent = {
      ...event,
      ...(denials.length
        ? { denials: denials.map((d) => ({ kind: d.kind, detail: redact(d.detail) })) }
        : {}),
      ...(warnings.size ? { warnings: [...warnings].map(redact) } : {}),
    };
    await recordFiring(layout, record);
    options.onEnded?.(record);
    await activity({
      type: "firing-ended",
      at: event.ended_at,
      agent: codename,
      firing_id: firingId,
      outcome: event.outcome,
      turns: event.turns,
      cost_usd: event.cost_usd,
      issue: event.issue,
      pr: event.pr,
      error: event.error,
    });
    await memory.remember({
      codename,
      firingId,
      repo: result.repo ?? repoOfIssue(result.issue),
      outcome: result.outcome,
      error: result.error,
      notes: redact(result.notes ?? engineNotes.join("\n\n")),
      at: endedAt,
    });
    if (denials.length) {
      await log.warn(
        `the sandbox refused ${denials.length} action(s): ` +
          denials.map((d) => `${d.kind} ${redact(d.detail)}`).join("; "),
      );
    }
    await log.info(
      `firing ${codename} ended: ${result.outcome}, ${result.turns} turns, $${
        result.costUsd.toFixed(4)
      }` +
        (result.error ? `, error: ${result.error}` : ""),
    );
    for (const notice of [result.notice, ...extraNotices]) {
      if (notice) await tell(notice, { subjects: [result.issue, result.pr] });
    }
    await warnMissedRuns({ layout, config, log, redact, now, env: options.env });
    return result.outcome === "failure" || result.outcome === "crashed" ? 1 : 0;
  } finally {
    await attempt.lock.release();
  }
}

/** The result of a firing whose work threw (other than a GitHub backoff). */
function failedWork(codename: string, error: unknown): WorkResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    outcome: "failure",
    turns: 0,
    costUsd: 0,
    error: message,
    notice: { severity: "error", agent: codename, title: "firing failed", text: message },
  };
}

/**
 * The name of this host in markers and lock records: `ALFRED_HOST`, else the
 * system's host name. Set `ALFRED_HOST` when several ALFRED_HOMEs share a
 * machine and must look like separate hosts (a claim of a dead firing "on this
 * host" is released at once).
 *
 * @param env Reads `ALFRED_HOST`.
 * @returns The host name.
 * @throws {ConfigError} when `ALFRED_HOST` holds whitespace or `--` (markers could not carry it).
 */
export function hostNameOf(env: EnvReader): string {
  const explicit = env("ALFRED_HOST");
  if (explicit === undefined || explicit === "") return Deno.hostname();
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(explicit) || explicit.includes("--")) {
    throw new ConfigError(`ALFRED_HOST must be a host name (got "${explicit}")`, {
      hint: "Use letters, digits, dots, dashes and underscores (no `--`), or unset it.",
    });
  }
  return explicit;
}

/** Calls `fn` once and keeps its promise. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => result ??= fn();
}

/**
 * The GitHub backoff of this firing's token, when one holds at `now`. A
 * missing token is not a backoff (the work reports it).
 */
async function githubBackoffOf(
  coordination: Coordination,
  options: { githubToken: () => Promise<string>; now: Date; log: Logger },
): Promise<{ until: string; reason: string } | undefined> {
  let token: string;
  try {
    token = await options.githubToken();
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
  const entry = await coordination.githubBackoff.read(await tokenKey(token));
  return isBackoffActive(entry, options.now) ? entry : undefined;
}

/**
 * A block that this firing's engine wrote to this host's file
 * (runner/engines/result.ts) is shared with the fleet: with Redis coordination it is
 * copied there (which records it in the activity log); with the file backend
 * the file is the shared block already, and only the activity log is told.
 */
async function shareEngineBlock(
  coordination: Coordination,
  options: { layout: Layout; since: Date; now: Date; log: Logger },
): Promise<void> {
  const local = await readGlobalBlock(options.layout, {
    now: options.now,
    warn: (m) => void options.log.warn(m),
  });
  if (!isBlockActive(local, options.now) || Date.parse(local.set_at) < options.since.getTime()) {
    return;
  }
  if (coordination.backend !== "redis") {
    await recordActivity({
      type: "block-set",
      at: local.set_at,
      until: local.until,
      reason: local.reason,
      set_by: local.set_by,
    }, options);
    return;
  }
  await coordination.setBlock({
    reason: local.reason,
    until: new Date(local.until),
    now: options.now,
    setBy: local.set_by,
  });
}

/**
 * Appends to the activity log; a failure is logged, never fatal (the log is a
 * view for the dashboard and Slack, not a source of truth).
 */
async function recordActivity(
  event: NewActivity,
  options: { layout: Layout; log: Logger },
): Promise<void> {
  try {
    await appendActivity(options.layout, event);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    await options.log.warn(`activity log not written: ${error.message}`);
  }
}

/**
 * Builds the event-log record of a firing (pure).
 *
 * @param codename The agent.
 * @param firing Ids, times and result.
 * @returns The record.
 */
export function eventOf(
  codename: string,
  firing: { firingId: string; host: string; startedAt: Date; endedAt: Date; result: WorkResult },
): FiringEvent {
  const { result } = firing;
  return {
    version: 1,
    agent: codename,
    firing_id: firing.firingId,
    host: firing.host,
    pid: Deno.pid,
    started_at: firing.startedAt.toISOString(),
    ended_at: firing.endedAt.toISOString(),
    duration_ms: Math.max(0, firing.endedAt.getTime() - firing.startedAt.getTime()),
    outcome: result.outcome,
    turns: result.turns,
    cost_usd: result.costUsd,
    issue: result.issue ?? null,
    pr: result.pr ?? null,
    error: result.error ?? null,
    summary: result.summary ?? null,
  };
}

async function autoPause(
  codename: string,
  options: LifecycleOptions & {
    log: Logger;
    redact: (text: string) => string;
    config: Awaited<ReturnType<typeof loadFleetConfig>>;
    coordination: Coordination;
    firingId: string;
    startedAt: Date;
    host: string;
    reason: string;
    until: Date | undefined;
  },
): Promise<number> {
  const { reason } = options;
  // A person firing by hand reads the sentinel below; the error line is for the log.
  const log = options.firedBy === "hand"
    ? openAgentLog(options.layout, codename, {
      now: options.now,
      firingId: options.firingId,
      echo: null,
      redact: options.redact,
    })
    : options.log;
  await options.coordination.pause({
    agents: [codename],
    reason,
    by: "auto",
    until: options.until,
    now: options.startedAt,
  });
  await log.error(`auto-paused: ${reason}`);
  options.stdout(`[AGENT-AUTO-PAUSED] ${codename}: ${reason}`);
  if (!options.until) await stopTimer(codename, options);
  const result: WorkResult = {
    outcome: "auto-paused",
    turns: 0,
    costUsd: 0,
    error: reason,
    notice: { severity: "error", agent: codename, title: "paused itself", text: reason },
  };
  const unconfined = options.config.agents[codename]?.sandbox === "off";
  const record = {
    ...eventOf(codename, { ...options, endedAt: options.now(), result }),
    ...(unconfined ? { warnings: [sandboxOffWarning(codename)] } : {}),
  };
  await recordFiring(options.layout, record);
  options.onEnded?.(record);
  await notify(result.notice!, options);
  return 0;
}

/**
 * Stops the agent's timer after an open-ended auto-pause, through the same
 * path as `alfred pause`. A timed pause (a daily cap) leaves the timer running
 * so the agent resumes by itself; its firings stop at the guard meanwhile.
 */
async function stopTimer(
  codename: string,
  options: LifecycleOptions & { log: Logger },
): Promise<void> {
  try {
    const { applySchedulerPause } = await import("../../scheduler/pause_hook.ts");
    const warnings = await applySchedulerPause("pause", { all: false, agents: [codename] }, {
      env: options.env,
      layout: options.layout,
      stdout: () => {},
      stderr: (line) => void options.log.warn(line),
      now: options.now,
      debug: false,
    });
    for (const warning of warnings) await options.log.warn(`scheduler: ${warning}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    await options.log.warn(`scheduler not touched (this binary may not run it): ${error.message}`);
  }
}

async function recordDeadFiring(
  codename: string,
  dead: LockRecord | { unreadable: string },
  options: {
    layout: Layout;
    log: Logger;
    host: string;
    now: () => Date;
    ledger: Ledger;
    coordination: Coordination;
    day: string;
  },
): Promise<Ledger> {
  if (!("pid" in dead)) {
    await options.log.warn(
      `took over a lock whose record was unreadable (${JSON.stringify(dead.unreadable)})`,
    );
    return options.ledger;
  }
  await options.log.warn(
    `took over the lock of firing ${dead.firing_id} (pid ${dead.pid} on ${dead.host}, started ${dead.started_at}): ` +
      "that process is gone without releasing it; recorded it as crashed",
  );
  const endedAt = options.now();
  await recordFiring(options.layout, {
    ...eventOf(codename, {
      firingId: dead.firing_id,
      host: dead.host,
      startedAt: new Date(dead.started_at),
      endedAt,
      result: {
        outcome: "crashed",
        turns: 0,
        costUsd: 0,
        error: `process ${dead.pid} died without releasing its lock (found by a later firing)`,
      },
    }),
    pid: dead.pid,
  });
  const spent = await options.coordination.addSpend(codename, {
    day: options.day,
    entry: { firingId: dead.firing_id, turns: 0, costUsd: 0, tally: "failure" },
    warn: (m) => void options.log.warn(m),
  });
  return spent.ledger ?? addFiring(options.ledger, { turns: 0, costUsd: 0, tally: "failure" });
}

/**
 * Tells Slack (once per miss) about installed agents that stopped firing.
 * Runs after the firing's own work; a problem here is logged, never fatal.
 */
async function warnMissedRuns(
  options: {
    layout: Layout;
    config: Awaited<ReturnType<typeof loadFleetConfig>>;
    log: Logger;
    redact: (text: string) => string;
    now: () => Date;
    env: EnvReader;
  },
): Promise<void> {
  const { layout, config, log } = options;
  try {
    const now = options.now();
    const pause = await readPauseState(layout, { now, warn: (m) => void log.warn(m) });
    const missed = await newMissedRuns(layout, {
      config,
      pause,
      now,
      warn: (m) => void log.warn(m),
    });
    if (!missed.length) return;
    const lines = describeMissedRuns(missed);
    await log.warn(`missed runs: ${lines.join("; ")}`);
    await notify({
      severity: "warn",
      agent: "alfred",
      title: `${missed.length} agent${missed.length === 1 ? "" : "s"} missed scheduled runs`,
      text: lines.map((line) => `• ${line}`).join("\n") +
        "\nCheck `alfred status` and `alfred scheduler status`.",
    }, options);
  } catch (error) {
    if (error instanceof AlfredError || error instanceof Deno.errors.NotCapable) {
      await log.warn(`missed-run check skipped: ${error.message}`);
      return;
    }
    throw error;
  }
}

/** A firing's view of the lessons memory: opened on first use, closed with the firing. */
interface FiringMemory extends AsyncDisposable {
  /** The rendered lessons for a prompt; "" when none or when memory is unavailable. */
  recall(query: { repo: string; codename: string; title?: string; body?: string }): Promise<string>;
  /** Stores what the firing taught; a problem is logged, never fatal. */
  remember(notes: FiringNotes): Promise<void>;
}

function firingMemory(
  options: { layout: Layout; config: FleetConfig; log: Logger; now: () => Date },
): FiringMemory {
  const { layout, config, log } = options;
  let store: Promise<LessonStore> | undefined;
  const open = () =>
    store ??= openLessonStore(layout, { settings: config.memory, warn: (m) => void log.warn(m) });
  const failed = async (what: string, error: unknown) => {
    if (!(error instanceof Error)) throw error;
    await log.warn(`memory: ${what} skipped: ${error.message}`);
  };
  return {
    async recall(query) {
      try {
        return await lessonsForPrompt(await open(), query, {
          limit: config.memory.recall,
          maxChars: config.memory.maxChars,
          now: options.now(),
        });
      } catch (error) {
        await failed("recall", error);
        return "";
      }
    },
    async remember(notes) {
      try {
        const lessons = lessonsFromFiring(notes);
        if (lessons.length) await (await open()).add(lessons);
      } catch (error) {
        await failed("storing lessons", error);
      }
    },
    async [Symbol.asyncDispose]() {
      if (store) await (await store).close();
    },
  };
}

/** The secret-bearing variables whose values never reach a log or Slack. */
const SECRET_VARIABLES = [
  "ALFRED_GITHUB_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "ALFRED_SLACK_WEBHOOK_URL",
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "ALFRED_REDIS_URL",
  "ALFRED_SENTRY_TOKEN",
];

function redactorFor(env: EnvReader): (text: string) => string {
  const values: Record<string, string> = {};
  for (const name of SECRET_VARIABLES) {
    const value = env(name);
    if (value) values[name] = value;
  }
  return createRedactor({ secrets: secretValuesOf(values) });
}

/** Whether notices go to per-issue threads (a bot token and a channel are set). */
function firingThreadsOn(config: FleetConfig, env: EnvReader): boolean {
  try {
    return slackBotOf(config, env) !== undefined;
  } catch (error) {
    if (error instanceof AlfredError) return false; // a bad ALFRED_SLACK_API_URL: notify says so
    throw error;
  }
}

/**
 * Sends a notice to Slack: into its issue's thread with the bot token, else
 * to the webhook (runner/firing/slack_threads.ts). A failure is logged, never fatal.
 */
async function notify(
  notice: Notice,
  options: {
    config: Awaited<ReturnType<typeof loadFleetConfig>>;
    log: Logger;
    redact: (text: string) => string;
    layout: Layout;
    env: EnvReader;
    now: () => Date;
    /** The issue and pull request the notice is about. */
    subjects?: readonly (string | undefined)[];
    /** Fewer, shorter attempts (a notice in the middle of a firing). */
    quick?: boolean;
  },
): Promise<void> {
  let sent;
  try {
    sent = await sendNotice(notice, {
      ...options,
      warn: (line) => void options.log.warn(line),
      post: { redact: options.redact, ...(options.quick ? { attempts: 2, timeoutMs: 5_000 } : {}) },
    });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    await options.log.warn(`slack notice not sent: ${error.message}`);
    return;
  }
  if (sent.via === "none") {
    await options.log.info(`slack not configured; notice: ${notice.title}: ${notice.text}`);
  } else if (!sent.result.ok) {
    await options.log.warn(
      `slack post (${sent.via}) failed after ${sent.result.attempts} attempts: ${sent.result.error}`,
    );
  }
}
