/**
 * The fleet at a glance, for every surface that shows it (`alfred status`,
 * the dashboard's `/api/v1/fleet`, Slack's `status`): each agent's state,
 * schedule, next and last firing, today's spend against its caps; the
 * fleet-wide block; pauses; the scheduler; missed runs; the companion services.
 *
 * Read-only: it never quarantines or rewrites a state file (a corrupt file is
 * reported and left for the next firing). With `coordination: redis` the block
 * and pauses come from Redis, the fleet's shared state.
 *
 * @module
 */
import { BlockFile } from "../firing/block.ts";
import { type FleetConfig, loadFleetConfig } from "../config/config.ts";
import { FiringEvent } from "../firing/events.ts";
import { agentStateDir } from "../paths.ts";
import { NOTHING_PAUSED, type PauseEntry, PauseFile, pauseOf } from "../firing/pause.ts";
import { peekState } from "../state.ts";
import { dayOf, peekLedger } from "../firing/spend.ts";
import { validateScheduleText } from "../config/schedule_check.ts";
import { openCoordination } from "../coordination/open.ts";
import { BackoffFile, backoffFileOf } from "../github/backoff.ts";
import { unconfinedAgents } from "../sandbox/opt_out.ts";
import { describeMissedRuns, detectMissedRuns } from "../../scheduler/missed_run_watch.ts";
import { readManifest } from "../../scheduler/manifest.ts";
import { type CompanionStatus, companionStatus, schedulerStatus } from "../../scheduler/status.ts";
import { parseSchedule } from "../../scheduler/schedule.ts";
import { processRunner } from "../../scheduler/runner.ts";
import type { OperatorContext } from "./context.ts";
import { type AgentHold, holdOf } from "./holds.ts";

/** One agent in the fleet view. */
export interface AgentView {
  /** Codename. */
  agent: string;
  /** Whether fleet.yaml enables it (a paused agent may be enabled). */
  enabled: boolean;
  /** enabled, disabled, or paused. */
  state: "enabled" | "disabled" | "paused";
  /** Why it is paused. */
  pausedReason: string | null;
  /** Who paused it: the operator, or the agent itself (a cap or a failure streak). */
  pausedBy: "operator" | "auto" | null;
  /** When its pause lifts by itself, if it does. */
  pausedUntil: string | null;
  /** What would stop its next firing once any pause is lifted (a daily cap, the failure streak). */
  hold: AgentHold | null;
  /** Its schedule. */
  schedule: string;
  /** How its engine and repository commands are confined (`off`: not at all). */
  sandbox: string;
  /** Its next firing by the installed scheduler, if known. */
  nextFiring: string | null;
  /** Its last firing, if any. */
  lastFiring: {
    firingId: string;
    startedAt: string;
    endedAt: string;
    outcome: string;
    error: string | null;
    costUsd: number;
    /** How many actions the sandbox refused in that firing. */
    denials: number;
    /** The warnings of that firing (e.g. it ran unconfined). */
    warnings: string[];
  } | null;
  /** Today's figures against the caps, or why the ledger is unreadable. */
  today: {
    firings: number;
    turns: number;
    costUsd: number;
    caps: { firings: number | null; turns: number | null; costUsd: number | null };
    consecutiveFailures: number;
  } | { unreadable: string };
}

/** One installed companion service (scheduler/companion.ts). */
export interface CompanionView {
  /** Its name, e.g. `slack`. */
  name: string;
  /** Its systemd service or launchd label. */
  unit: string;
  /** running, restarting, stopped, failed, absent (installed but not loaded), or unknown. */
  state: CompanionStatus["state"];
  /** Its process id, while it runs. */
  pid: number | null;
  /** When it entered its state, as the service manager says it. */
  since: string | null;
  /** More facts (restarts, last exit code). */
  detail: string[];
}

/** The whole fleet view. */
export interface FleetView {
  /** `ALFRED_HOME`. */
  home: string;
  /** Where the configuration came from. */
  config: string;
  /** Today in the operator's time zone. */
  day: string;
  /** The operator's time zone. */
  timezone: string;
  /** The fleet-wide block in force, if any. */
  block: { until: string; reason: string; setBy: string } | null;
  /** GitHub backoffs in force on this host (a rate limit: GitHub agents stand down). */
  githubBackoff: { until: string; reason: string; setBy: string }[];
  /** Why the block file could not be read. */
  blockFileProblem: string | null;
  /** Why the pause file could not be read. */
  pauseFileProblem: string | null;
  /** Why the fleet is paused, when it is. */
  fleetPaused: string | null;
  /** The pauses in force: the whole fleet's, each agent's, each repo's. */
  pauses: PauseFile;
  /** The installed scheduler, if any. */
  scheduler: { platform?: string; warnings: string[] } | null;
  /** The installed companion services (the Slack listener, the dashboard) and whether they run. */
  companions: CompanionView[];
  /** Installed agents that stopped firing. */
  missedRuns: { agent: string; lastFiring: string | null; overdueSince: string }[];
  /** The missed runs, one line each for a person. */
  missedRunLines: string[];
  /** Enabled agents that run unconfined by their setting (`sandbox: off`). */
  unconfined: string[];
  /** Every agent, in fleet.yaml order. */
  agents: AgentView[];
}

/**
 * Reads the fleet view.
 *
 * @param context The world (environment, home, clock, warnings).
 * @returns The view.
 * @throws {ConfigError} when fleet.yaml is invalid.
 */
export async function readFleetView(context: OperatorContext): Promise<FleetView> {
  const { layout } = context;
  const now = context.now();
  const config = await loadFleetConfig(layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  const gate = await readGateWithoutRepair(context, config);
  const day = dayOf(now, config.timezone);
  const next = await nextFireTimes(context, { config, now });
  const agents: AgentView[] = [];
  for (const agent of Object.values(config.agents)) {
    const paused = pauseOf(gate.pause, agent.codename, now);
    const last = await peekState(
      `${agentStateDir(layout, agent.codename)}/last-firing.json`,
      FiringEvent,
    );
    const peeked = await peekLedger(layout, agent.codename, { day });
    const ledger = "unreadable" in peeked
      ? { kind: "corrupt" as const, reason: peeked.unreadable }
      : { kind: "ok" as const, value: peeked.ledger };
    agents.push({
      agent: agent.codename,
      enabled: agent.enabled,
      state: paused ? "paused" : agent.enabled ? "enabled" : "disabled",
      pausedReason: paused?.reason ?? null,
      pausedBy: paused?.by ?? null,
      pausedUntil: paused?.until ?? null,
      hold: agent.enabled || paused
        ? holdOf(peeked, { agent, now, timezone: config.timezone })
        : null,
      schedule: agent.schedule,
      sandbox: agent.sandbox,
      nextFiring: next.times.get(agent.codename) ?? null,
      lastFiring: last.kind === "ok"
        ? {
          firingId: last.value.firing_id,
          startedAt: last.value.started_at,
          endedAt: last.value.ended_at,
          outcome: last.value.outcome,
          error: last.value.error,
          costUsd: last.value.cost_usd,
          denials: last.value.denials?.length ?? 0,
          warnings: last.value.warnings ?? [],
        }
        : null,
      today: ledger.kind === "corrupt" ? { unreadable: ledger.reason } : {
        firings: ledger.value.firings,
        turns: ledger.value.turns,
        costUsd: ledger.value.cost_usd,
        caps: {
          firings: agent.caps.firings_per_day ?? null,
          turns: agent.caps.turns_per_day ?? null,
          costUsd: agent.caps.cost_usd_per_day ?? null,
        },
        consecutiveFailures: ledger.value.consecutive_failures,
      },
    });
  }
  const missed = await detectMissedRuns(layout, { config, pause: gate.pause, now });
  const block = gate.block && Date.parse(gate.block.until) > now.getTime() ? gate.block : null;
  return {
    home: layout.home,
    config: config.source,
    day,
    timezone: config.timezone,
    block: block ? { until: block.until, reason: block.reason, setBy: block.set_by } : null,
    githubBackoff: await readGitHubBackoffs(layout, now),
    blockFileProblem: gate.blockProblem,
    pauseFileProblem: gate.pauseProblem,
    fleetPaused: gate.pause.all ? gate.pause.all.reason : null,
    pauses: pausesInForce(gate.pause, now),
    scheduler: next.installed ? { platform: next.platform, warnings: next.warnings } : null,
    companions: next.companions,
    missedRuns: missed.map((miss) => ({
      agent: miss.codename,
      lastFiring: miss.lastFiring?.toISOString() ?? null,
      overdueSince: miss.overdueSince.toISOString(),
    })),
    missedRunLines: describeMissedRuns(missed),
    unconfined: unconfinedAgents(Object.values(config.agents)),
    agents,
  };
}

/** The pauses that have not lifted by themselves by `now`. */
function pausesInForce(pause: PauseFile, now: Date): PauseFile {
  const inForce = (entry: PauseEntry) =>
    entry.until === null || Date.parse(entry.until) > now.getTime();
  const filter = (entries: Record<string, PauseEntry>) =>
    Object.fromEntries(Object.entries(entries).filter(([, entry]) => inForce(entry)));
  return {
    version: 1,
    all: pause.all && inForce(pause.all) ? pause.all : null,
    agents: filter(pause.agents),
    repos: filter(pause.repos),
  };
}

/** The GitHub backoffs of this host's tokens still in force, peeked. */
async function readGitHubBackoffs(
  layout: OperatorContext["layout"],
  now: Date,
): Promise<FleetView["githubBackoff"]> {
  const peek = await peekState(backoffFileOf(layout), BackoffFile);
  if (peek.kind !== "ok") return [];
  return Object.values(peek.value.tokens)
    .filter((entry) => Date.parse(entry.until) > now.getTime())
    .map((entry) => ({ until: entry.until, reason: entry.reason, setBy: entry.set_by }));
}

/**
 * The block and pause state without quarantining anything: this host's
 * files, peeked; or Redis with `coordination: redis`.
 */
async function readGateWithoutRepair(
  context: OperatorContext,
  config: FleetConfig,
): Promise<{
  block: BlockFile | undefined;
  pause: PauseFile;
  blockProblem: string | null;
  pauseProblem: string | null;
}> {
  const now = context.now();
  if (config.coordination.backend === "redis") {
    const coordination = await openCoordination(context.layout, {
      settings: config.coordination,
      now: context.now,
      warn: context.stderr,
    });
    try {
      const gate = await coordination.readGate({ now, warn: context.stderr });
      return { ...gate, blockProblem: null, pauseProblem: null };
    } finally {
      await coordination.close();
    }
  }
  const pause = await peekState(context.layout.pauseFile, PauseFile);
  const block = await peekState(context.layout.globalBlockFile, BlockFile);
  return {
    block: block.kind === "ok" ? block.value : undefined,
    pause: pause.kind === "ok" ? pause.value : NOTHING_PAUSED,
    blockProblem: block.kind === "corrupt" ? block.reason : null,
    pauseProblem: pause.kind === "corrupt" ? pause.reason : null,
  };
}

/** Next fire times from the installed scheduler; nothing when it is not installed. */
async function nextFireTimes(
  context: OperatorContext,
  options: { config: FleetConfig; now: Date },
): Promise<{
  installed: boolean;
  platform?: string;
  times: Map<string, string>;
  companions: CompanionView[];
  warnings: string[];
}> {
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  if (!manifest) return { installed: false, times: new Map(), companions: [], warnings: [] };
  const agents = manifest.agents
    .filter((agent) => options.config.agents[agent.codename])
    .map((agent) => ({
      codename: agent.codename,
      schedule: parseSchedule(options.config.agents[agent.codename].schedule),
      label: agent.unit,
    }));
  const runner = processRunner(context.env);
  const uid = manifest.platform === "launchd" ? Deno.uid() ?? undefined : undefined;
  const status = await schedulerStatus(agents, {
    platform: manifest.platform,
    runner,
    uid,
    now: options.now,
  });
  const times = new Map<string, string>();
  for (const agent of status.agents) {
    if (agent.next) times.set(agent.codename, agent.next.toISOString());
  }
  const companions = manifest.companions.length
    ? await companionStatus(manifest.companions, { platform: manifest.platform, runner, uid })
    : { companions: [], warnings: [] };
  return {
    installed: true,
    platform: manifest.platform,
    times,
    companions: companions.companions.map((companion) => ({
      name: companion.name,
      unit: companion.unit,
      state: companion.state,
      pid: companion.pid ?? null,
      since: companion.since ?? null,
      detail: companion.detail,
    })),
    warnings: [...status.warnings, ...companions.warnings],
  };
}
