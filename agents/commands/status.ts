/**
 * `alfred status [--json]`: every agent with its state, last firing, and
 * today's spend against its caps; the fleet-wide block; pauses.
 *
 * Read-only: it never quarantines or rewrites a state file.
 *
 * @module
 */
import type { CommandContext } from "./context.ts";
import { parseCommandArgs } from "./args.ts";
import { BlockFile } from "../../runner/block.ts";
import { BackoffFile, backoffFileOf } from "../../runner/github/backoff.ts";
import { loadFleetConfig } from "../../runner/config.ts";
import { FiringEvent } from "../../runner/events.ts";
import { agentStateDir, spendFile } from "../../runner/paths.ts";
import { NOTHING_PAUSED, PauseFile, pauseOf } from "../../runner/pause.ts";
import { peekState } from "../../runner/state.ts";
import { dayOf, Ledger } from "../../runner/spend.ts";
import { validateScheduleText } from "../../runner/schedule_check.ts";

const HELP = `Usage: alfred status [--json]

Shows every agent: enabled or paused, schedule, last firing and its outcome,
today's firings, turns and cost against the caps; then the fleet-wide block.`;

/** One row of the status table. */
export interface AgentStatus {
  /** Codename. */
  agent: string;
  /** enabled, disabled, or paused. */
  state: "enabled" | "disabled" | "paused";
  /** Why it is paused. */
  pausedReason: string | null;
  /** Its schedule. */
  schedule: string;
  /** Its last firing, if any. */
  lastFiring: {
    firingId: string;
    endedAt: string;
    outcome: string;
    error: string | null;
    /** How many actions the engine's sandbox refused in that firing. */
    denials: number;
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

/** The `status` command. */
export async function statusCommand(args: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(args, {
    command: "status",
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    context.stdout(HELP);
    return 0;
  }
  const { layout } = context;
  const now = context.now();
  const config = await loadFleetConfig(layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  const pausePeek = await peekState(layout.pauseFile, PauseFile);
  const pauseState = pausePeek.kind === "ok" ? pausePeek.value : NOTHING_PAUSED;
  const blockPeek = await peekState(layout.globalBlockFile, BlockFile);
  const block = blockPeek.kind === "ok" && Date.parse(blockPeek.value.until) > now.getTime()
    ? blockPeek.value
    : null;
  const backoffPeek = await peekState(backoffFileOf(layout), BackoffFile);
  const githubBackoffs = backoffPeek.kind === "ok"
    ? Object.values(backoffPeek.value.tokens).filter((entry) =>
      Date.parse(entry.until) > now.getTime()
    )
    : [];
  const day = dayOf(now, config.timezone);
  const rows: AgentStatus[] = [];
  for (const agent of Object.values(config.agents)) {
    const paused = pauseOf(pauseState, agent.codename, now);
    const last = await peekState(
      `${agentStateDir(layout, agent.codename)}/last-firing.json`,
      FiringEvent,
    );
    const ledger = await peekState(spendFile(layout, agent.codename, { day }), Ledger);
    rows.push({
      agent: agent.codename,
      state: paused ? "paused" : agent.enabled ? "enabled" : "disabled",
      pausedReason: paused?.reason ?? null,
      schedule: agent.schedule,
      lastFiring: last.kind === "ok"
        ? {
          firingId: last.value.firing_id,
          endedAt: last.value.ended_at,
          outcome: last.value.outcome,
          error: last.value.error,
          denials: last.value.denials?.length ?? 0,
        }
        : null,
      today: ledger.kind === "corrupt" ? { unreadable: ledger.reason } : {
        firings: ledger.kind === "ok" ? ledger.value.firings : 0,
        turns: ledger.kind === "ok" ? ledger.value.turns : 0,
        costUsd: ledger.kind === "ok" ? ledger.value.cost_usd : 0,
        caps: {
          firings: agent.caps.firings_per_day ?? null,
          turns: agent.caps.turns_per_day ?? null,
          costUsd: agent.caps.cost_usd_per_day ?? null,
        },
        consecutiveFailures: ledger.kind === "ok" ? ledger.value.consecutive_failures : 0,
      },
    });
  }
  const { detectMissedRuns, describeMissedRuns } = await import(
    "../../scheduler/missed_run_watch.ts"
  );
  const missed = await detectMissedRuns(layout, { config, pause: pauseState, now });
  const next = await nextFireTimes(context, { config, now });
  const report = {
    home: layout.home,
    config: config.source,
    day,
    timezone: config.timezone,
    block: block ? { until: block.until, reason: block.reason, setBy: block.set_by } : null,
    blockFileProblem: blockPeek.kind === "corrupt" ? blockPeek.reason : null,
    githubBackoff: githubBackoffs.map((entry) => ({
      until: entry.until,
      reason: entry.reason,
      setBy: entry.set_by,
    })),
    pauseFileProblem: pausePeek.kind === "corrupt" ? pausePeek.reason : null,
    fleetPaused: pauseState.all ? pauseState.all.reason : null,
    scheduler: next.installed ? { platform: next.platform, warnings: next.warnings } : null,
    missedRuns: missed.map((miss) => ({
      agent: miss.codename,
      lastFiring: miss.lastFiring?.toISOString() ?? null,
      overdueSince: miss.overdueSince.toISOString(),
    })),
    agents: rows.map((row) => ({ ...row, nextFiring: next.times.get(row.agent) ?? null })),
  };
  if (values.json) {
    context.stdout(JSON.stringify(report, null, 2));
    return 0;
  }
  context.stdout(
    `ALFRED_HOME ${layout.home} (config: ${config.source}; day ${day}, ${config.timezone})`,
  );
  const table = [[
    "AGENT",
    "STATE",
    "SCHEDULE",
    "NEXT",
    "LAST FIRING",
    "OUTCOME",
    "FIRINGS",
    "TURNS",
    "COST USD",
  ]];
  for (const row of rows) {
    const t = row.today;
    const cap = (used: string, limit: number | null) => limit === null ? used : `${used}/${limit}`;
    table.push([
      row.agent,
      row.state,
      row.schedule,
      next.times.get(row.agent)?.replace("T", " ").slice(0, 16) ?? (next.installed ? "?" : "-"),
      row.lastFiring ? row.lastFiring.endedAt.replace("T", " ").slice(0, 19) : "never",
      row.lastFiring?.outcome ?? "-",
      "unreadable" in t ? "ledger unreadable" : cap(String(t.firings), t.caps.firings),
      "unreadable" in t ? "-" : cap(String(t.turns), t.caps.turns),
      "unreadable" in t ? "-" : cap(t.costUsd.toFixed(2), t.caps.costUsd),
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) {
    context.stdout(r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  }
  context.stdout(
    block
      ? `Fleet-wide block until ${block.until} (${block.reason}), set by ${block.set_by}`
      : "No fleet-wide block.",
  );
  for (const entry of githubBackoffs) {
    context.stdout(
      `GitHub backoff until ${entry.until} (${entry.reason}), set by ${entry.set_by}: ` +
        "GitHub agents stand down until then",
    );
  }
  if (report.fleetPaused) context.stdout(`Whole fleet paused: ${report.fleetPaused}`);
  for (const row of rows) {
    if (row.pausedReason && !report.fleetPaused) {
      context.stdout(`${row.agent} paused: ${row.pausedReason}`);
    }
  }
  if (!next.installed) {
    context.stdout(
      "Scheduler not installed (`alfred scheduler install`); agents fire only by hand.",
    );
  }
  for (const warning of next.warnings) context.stdout(`warning: scheduler: ${warning}`);
  for (const line of describeMissedRuns(missed)) context.stdout(`MISSED RUNS ${line}`);
  for (const row of rows) {
    if (row.lastFiring?.denials) {
      context.stdout(
        `SANDBOX ${row.agent}: ${row.lastFiring.denials} action(s) refused in its last firing ` +
          `(\`alfred logs ${row.agent}\`, events/ for details)`,
      );
    }
  }
  for (
    const [what, problem] of [["block file", report.blockFileProblem], [
      "pause file",
      report.pauseFileProblem,
    ]]
  ) {
    if (problem) {
      context.stdout(
        `warning: the ${what} is corrupt (${problem}); the next firing will quarantine it`,
      );
    }
  }
  return 0;
}

/** Next fire times from the installed scheduler; nothing when it is not installed. */
async function nextFireTimes(
  context: CommandContext,
  options: { config: Awaited<ReturnType<typeof loadFleetConfig>>; now: Date },
): Promise<
  { installed: boolean; platform?: string; times: Map<string, string>; warnings: string[] }
> {
  const { readManifest } = await import("../../scheduler/manifest.ts");
  const manifest = await readManifest(context.layout, { warn: context.stderr });
  if (!manifest) return { installed: false, times: new Map(), warnings: [] };
  const { schedulerStatus } = await import("../../scheduler/status.ts");
  const { parseSchedule } = await import("../../scheduler/schedule.ts");
  const { processRunner } = await import("./scheduler.ts");
  const agents = manifest.agents
    .filter((agent) => options.config.agents[agent.codename])
    .map((agent) => ({
      codename: agent.codename,
      schedule: parseSchedule(options.config.agents[agent.codename].schedule),
      label: agent.unit,
    }));
  const status = await schedulerStatus(agents, {
    platform: manifest.platform,
    runner: processRunner(context.env),
    uid: manifest.platform === "launchd" ? Deno.uid() ?? undefined : undefined,
    now: options.now,
  });
  const times = new Map<string, string>();
  for (const agent of status.agents) {
    if (agent.next) times.set(agent.codename, agent.next.toISOString());
  }
  return { installed: true, platform: manifest.platform, times, warnings: status.warnings };
}
