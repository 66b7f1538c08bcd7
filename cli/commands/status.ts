/**
 * `alfred status [--json]`: every agent with its state, last firing, and
 * today's spend against its caps; the fleet-wide block; pauses.
 *
 * Read-only: it never quarantines or rewrites a state file.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { readFleetView } from "../../runner/control/fleet_view.ts";
import { sandboxOffWarning } from "../../runner/sandbox/opt_out.ts";
import { describeHold, localTime } from "../../runner/control/holds.ts";
import { describeCompanion } from "../../scheduler/status.ts";
import { readServeRecord } from "../../serve/files.ts";

const HELP = `Usage: alfred status [--json]

Shows every agent: enabled, disabled, paused (by the operator), auto-paused
(by itself: a daily cap or its failure streak) or held (resumed, but a cap or
the streak stops its next firing); schedule, last firing and its outcome,
today's firings, turns and cost against the caps; then the fleet-wide block,
why each paused agent is paused, the companion services (the Slack listener,
the dashboard) when installed, and the dashboard's address when it runs.`;

/** The `status` command. */
export const statusCommand: Command = defineCommand({
  command: "status",
  help: HELP,
  options: { json: { type: "boolean" } },
}, async ({ values }, context) => {
  const report = await readFleetView(context);
  if (values.json) {
    context.stdout(JSON.stringify(report, null, 2));
    return 0;
  }
  const rows = report.agents;
  context.stdout(
    `ALFRED_HOME ${report.home} (config: ${report.config}; day ${report.day}, ${report.timezone})`,
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
      row.pausedBy === "auto"
        ? "auto-paused"
        : row.state === "enabled" && row.hold
        ? "held"
        : row.state,
      row.schedule,
      row.nextFiring?.replace("T", " ").slice(0, 16) ?? (report.scheduler ? "?" : "-"),
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
  const { block } = report;
  context.stdout(
    block
      ? `Fleet-wide block until ${block.until} (${block.reason}), set by ${block.setBy}`
      : "No fleet-wide block.",
  );
  for (const entry of report.githubBackoff) {
    context.stdout(
      `GitHub backoff until ${entry.until} (${entry.reason}), set by ${entry.setBy}: ` +
        "GitHub agents stand down until then",
    );
  }
  if (report.fleetPaused) context.stdout(`Whole fleet paused: ${report.fleetPaused}`);
  for (const row of rows) {
    if (row.pausedReason && !report.fleetPaused) {
      const until = row.pausedUntil
        ? `until ${localTime(row.pausedUntil, report.timezone)}`
        : `until \`alfred resume ${row.agent}\``;
      context.stdout(
        `${row.agent} ${
          row.pausedBy === "auto" ? "paused itself" : "paused by the operator"
        } (${until}): ${row.pausedReason}`,
      );
    }
    if (row.hold && row.pausedBy !== "auto") {
      context.stdout(describeHold({ agent: row.agent, hold: row.hold }, report));
    }
  }
  if (!report.scheduler) {
    context.stdout(
      "Scheduler not installed (`alfred scheduler install`); agents fire only by hand.",
    );
  }
  for (const companion of report.companions) {
    context.stdout(`Service ${describeCompanion(companion)}`);
  }
  const dashboard = await readServeRecord(context.layout);
  if (dashboard) {
    context.stdout(
      `Dashboard ${dashboard.url} (pid ${dashboard.pid}, since ${dashboard.started_at}); ` +
        "`alfred serve link` prints a sign-in link",
    );
  }
  for (const warning of report.scheduler?.warnings ?? []) {
    context.stdout(`warning: scheduler: ${warning}`);
  }
  for (const line of report.missedRunLines) context.stdout(`MISSED RUNS ${line}`);
  for (const row of rows) {
    if (row.lastFiring?.denials) {
      context.stdout(
        `SANDBOX ${row.agent}: ${row.lastFiring.denials} action(s) refused in its last firing ` +
          `(\`alfred logs ${row.agent}\`, events/ for details)`,
      );
    }
  }
  for (const agent of report.unconfined) {
    context.stdout(`UNCONFINED ${sandboxOffWarning(agent)}`);
  }
  for (const row of rows) {
    const shown = row.sandbox === "off" ? [sandboxOffWarning(row.agent)] : [];
    for (const warning of row.lastFiring?.warnings ?? []) {
      if (!shown.includes(warning)) {
        context.stdout(`WARNING ${row.agent} (last firing): ${warning}`);
      }
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
});
