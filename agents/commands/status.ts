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
import { readFleetView } from "../../runner/control/fleet_view.ts";
import { describeCompanion } from "./scheduler.ts";

const HELP = `Usage: alfred status [--json]

Shows every agent: enabled or paused, schedule, last firing and its outcome,
today's firings, turns and cost against the caps; then the fleet-wide block,
and the companion services (the Slack listener) when installed.`;

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
      row.state,
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
  if (report.fleetPaused) context.stdout(`Whole fleet paused: ${report.fleetPaused}`);
  for (const row of rows) {
    if (row.pausedReason && !report.fleetPaused) {
      context.stdout(`${row.agent} paused: ${row.pausedReason}`);
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
