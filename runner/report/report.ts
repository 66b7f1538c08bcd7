/**
 * The reliability report: per agent and repo, how firings went over the last
 * days, from the event log; and the daily digest of it for Slack.
 *
 * Definitions (docs/MEMORY_AND_HOSTS.md repeats them):
 * - A firing *worked* unless it ended `idle`, `silent`, `dry-run` or
 *   `auto-paused` (nothing to do, or stopped before doing anything).
 * - The success rate is `success` + `already-implemented` over firings that worked.
 * - The repo is taken from the event's issue (`owner/name#n` or a GitHub URL);
 *   firings without an issue are counted under `-`.
 * - A firing is *escalated to a human* when it ended `blocked` (the agent
 *   stopped and handed the issue over), or when its error or summary mentions
 *   `needs:human` or "escalat". The event schema is unchanged.
 *
 * @module
 */
import { z } from "zod";
import { type FiringEvent, Outcome, readEvents } from "../firing/events.ts";
import type { FleetConfig } from "../config/config.ts";
import { type Notice, type PostOptions, type PostResult, postToSlack } from "../firing/notify.ts";
import type { Layout } from "../paths.ts";
import { repoOfIssue } from "../memory/store.ts";

/** One line of the report: one agent on one repo. */
export const ReportRow = z.strictObject({
  agent: z.string(),
  repo: z.string(),
  firings: z.number().int().nonnegative(),
  worked: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
  /** Successes over firings that worked, 0..1; null when none worked. */
  success_rate: z.number().min(0).max(1).nullable(),
  outcomes: z.partialRecord(Outcome, z.number().int().positive()),
  turns: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  median_duration_ms: z.number().nonnegative().nullable(),
  escalated: z.number().int().nonnegative(),
  escalated_issues: z.array(z.string()),
});
/** A parsed row. */
export type ReportRow = z.infer<typeof ReportRow>;

/** The whole report, as `alfred report --json` prints it. */
export const Report = z.strictObject({
  version: z.literal(1),
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }),
  rows: z.array(ReportRow),
  totals: ReportRow.omit({ agent: true, repo: true }),
  bad_lines: z.number().int().nonnegative(),
});
/** A parsed report. */
export type Report = z.infer<typeof Report>;

const DID_NOT_WORK = new Set<string>([
  "idle",
  "silent",
  "dry-run",
  "auto-paused",
  "github-backoff",
]);
const SUCCEEDED = new Set<string>(["success", "already-implemented"]);

/**
 * Whether a firing handed its issue to a human (pure). See the module doc.
 *
 * @param event The firing.
 * @returns True when escalated.
 */
export function isEscalated(event: Pick<FiringEvent, "outcome" | "error" | "summary">): boolean {
  if (event.outcome === "blocked") return true;
  return /needs:human|escalat/i.test(`${event.error ?? ""}\n${event.summary ?? ""}`);
}

/**
 * The median of some numbers (pure).
 *
 * @param values The numbers.
 * @returns The median, or `null` for none.
 */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Builds the report from events (pure).
 *
 * @param events The firings in the window.
 * @param options The window, and how many log lines could not be read.
 * @returns The report, rows sorted by agent then repo.
 */
export function buildReport(
  events: FiringEvent[],
  options: { since: Date; until: Date; badLines?: number },
): Report {
  const groups = new Map<string, FiringEvent[]>();
  for (const event of events) {
    const id = `${event.agent}\u0000${repoOfIssue(event.issue) ?? "-"}`;
    const group = groups.get(id);
    if (group) group.push(event);
    else groups.set(id, [event]);
  }
  const rows = [...groups.entries()]
    .map(([id, group]) => {
      const [agent, repo] = id.split("\u0000");
      return { agent, repo, ...tallyFirings(group) };
    })
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.repo.localeCompare(b.repo));
  return Report.parse({
    version: 1,
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    rows,
    totals: tallyFirings(events),
    bad_lines: options.badLines ?? 0,
  });
}

/**
 * Tallies some firings as one report row (pure): the totals, and what the
 * dashboard's charts plot per agent and day.
 *
 * @param events The firings.
 * @returns Firings, worked, successes, success rate, outcomes, turns, cost, median duration, escalations.
 */
export function tallyFirings(events: FiringEvent[]): Omit<ReportRow, "agent" | "repo"> {
  const outcomes: Partial<Record<Outcome, number>> = {};
  let worked = 0;
  let successes = 0;
  let turns = 0;
  let costMicro = 0;
  const escalatedIssues = new Set<string>();
  let escalated = 0;
  for (const event of events) {
    outcomes[event.outcome] = (outcomes[event.outcome] ?? 0) + 1;
    if (!DID_NOT_WORK.has(event.outcome)) worked++;
    if (SUCCEEDED.has(event.outcome)) successes++;
    turns += event.turns;
    costMicro += Math.round(event.cost_usd * 1e6);
    if (isEscalated(event)) {
      escalated++;
      if (event.issue) escalatedIssues.add(event.issue);
    }
  }
  return {
    firings: events.length,
    worked,
    successes,
    success_rate: worked ? Math.round((successes / worked) * 1000) / 1000 : null,
    outcomes,
    turns,
    cost_usd: costMicro / 1e6,
    median_duration_ms: median(events.map((event) => event.duration_ms)),
    escalated,
    escalated_issues: [...escalatedIssues].sort(),
  };
}

/**
 * Reads the event log of the last `days` days and builds the report.
 *
 * Requires read access to `ALFRED_HOME/events`.
 *
 * @param layout The home layout.
 * @param options How many days back from `now`.
 * @returns The report.
 */
export async function readReport(
  layout: Layout,
  options: { days: number; now: Date },
): Promise<Report> {
  const since = new Date(options.now.getTime() - options.days * 86_400_000);
  const { events, badLines } = await readEvents(layout, { since, until: options.now });
  return buildReport(events, { since, until: options.now, badLines });
}

/**
 * Formats the report as a table for the terminal (pure).
 *
 * @param report The report.
 * @returns Lines to print.
 */
export function formatReport(report: Report): string[] {
  const header = ["AGENT", "REPO", "FIRINGS", "SUCCESS", "TURNS", "COST", "MEDIAN", "ESCALATED"];
  const cells = (row: Omit<ReportRow, "agent" | "repo">, agent: string, repo: string) => [
    agent,
    repo,
    String(row.firings),
    row.success_rate === null ? "-" : `${Math.round(row.success_rate * 100)}%`,
    String(row.turns),
    `$${row.cost_usd.toFixed(2)}`,
    row.median_duration_ms === null ? "-" : formatDuration(row.median_duration_ms),
    String(row.escalated),
  ];
  const table = [
    header,
    ...report.rows.map((row) => cells(row, row.agent, row.repo)),
    cells(report.totals, "total", ""),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  const lines = [
    `Reliability from ${report.since.slice(0, 16)}Z to ${report.until.slice(0, 16)}Z`,
    ...table.map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()),
  ];
  if (!report.rows.length) lines.push("No firings in this window.");
  for (const row of report.rows) {
    const outcomes = Object.entries(row.outcomes).map(([name, n]) => `${name} ${n}`).join(", ");
    lines.push(`${row.agent} on ${row.repo}: ${outcomes}`);
    if (row.escalated_issues.length) {
      lines.push(`  escalated to a human: ${row.escalated_issues.join(", ")}`);
    }
  }
  if (report.bad_lines) {
    lines.push(`(${report.bad_lines} unreadable line(s) in the event log were skipped)`);
  }
  return lines;
}

/**
 * A duration for people (pure).
 *
 * @param ms Milliseconds.
 * @returns e.g. `45s`, `12m30s`, `1h05m`.
 */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/**
 * The daily digest of the last 24 hours, as a Slack notice; quiet (undefined)
 * when nothing fired.
 *
 * @param layout The home layout.
 * @param options The clock and the fleet config (its time zone names the day).
 * @returns The notice, or `undefined` when there is nothing to say.
 */
export async function dailyDigest(
  layout: Layout,
  options: { now: Date; config: Pick<FleetConfig, "timezone"> },
): Promise<Notice | undefined> {
  const report = await readReport(layout, { days: 1, now: options.now });
  return digestOf(report, { timezone: options.config.timezone });
}

/**
 * The digest notice of a report (pure).
 *
 * @param report A report (normally of one day).
 * @param options The operator's time zone.
 * @returns The notice, or `undefined` when the report has no firings.
 */
export function digestOf(report: Report, options: { timezone: string }): Notice | undefined {
  if (!report.rows.length) return undefined;
  const t = report.totals;
  const day = new Intl.DateTimeFormat("en-CA", {
    timeZone: options.timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(report.until));
  const rate = t.success_rate === null
    ? "no work done"
    : `${Math.round(t.success_rate * 100)}% success`;
  const lines = report.rows.map((row) =>
    `• *${row.agent}* on ${row.repo}: ${row.firings} firing${row.firings === 1 ? "" : "s"}, ` +
    `${
      row.success_rate === null ? "no work" : `${Math.round(row.success_rate * 100)}% success`
    }, ` +
    `$${row.cost_usd.toFixed(2)}` +
    (row.escalated ? `, ${row.escalated} escalated` : "")
  );
  if (t.escalated_issues.length) {
    lines.push(`Needs a human: ${t.escalated_issues.join(", ")}`);
  }
  return {
    severity: t.escalated ? "warn" : "info",
    agent: "alfred",
    title: `Daily digest ${day}: ${t.firings} firings, ${rate}, $${t.cost_usd.toFixed(2)}`,
    text: lines.join("\n"),
  };
}

/**
 * Builds the daily digest and posts it to Slack when a webhook is configured.
 *
 * Requires network access to the webhook's host.
 *
 * @param layout The home layout.
 * @param options The clock, the config, and post options (tests pass their fetch).
 * @returns The notice (if any) and the post result (if posted).
 */
export async function sendDailyDigest(
  layout: Layout,
  options: {
    now: Date;
    config: Pick<FleetConfig, "timezone" | "slackWebhookUrl">;
    post?: PostOptions;
  },
): Promise<{ notice: Notice | undefined; posted: PostResult | undefined }> {
  const notice = await dailyDigest(layout, options);
  if (!notice || !options.config.slackWebhookUrl) return { notice, posted: undefined };
  const posted = await postToSlack(options.config.slackWebhookUrl, notice, options.post);
  return { notice, posted };
}
