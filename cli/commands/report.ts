/**
 * `alfred report`: the fleet's reliability over the last days, and the daily digest.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { loadFleetConfig } from "../../runner/config/config.ts";
import { formatReport, readReport, sendDailyDigest } from "../../runner/report/report.ts";

const HELP = `Usage: alfred report [--days N] [--json]
       alfred report --digest

Per agent and repo over the last N days (default 7): firings, success rate
(successes over firings that did work), outcomes, turns and cost, median
duration, and issues escalated to a human (outcome blocked, or an error or
summary that says needs:human / escalated). Read from the event log.

--json     print the report as JSON (schema: Report in runner/report/report.ts)
--digest   print the last 24 hours' digest and post it to Slack when a webhook
           is configured; says so and posts nothing when nothing fired`;

/** The `report` command. */
export const reportCommand: Command = defineCommand({
  command: "report",
  help: HELP,
  options: {
    days: { type: "string" },
    json: { type: "boolean" },
    digest: { type: "boolean" },
  },
}, async ({ values }, context) => {
  const now = context.now();
  if (values.digest) {
    if (values.days || values.json) {
      throw new UsageError("alfred report --digest takes no other flag (it covers 24 hours)");
    }
    const config = await loadFleetConfig(context.layout.fleetFile, { env: context.env });
    const { notice, posted } = await sendDailyDigest(context.layout, { now, config });
    if (!notice) {
      context.stdout("Nothing fired in the last 24 hours; no digest.");
      return 0;
    }
    context.stdout(`${notice.title}\n${notice.text}`);
    if (!posted) context.stdout("(Slack is not configured; the digest was not posted.)");
    else if (!posted.ok) {
      context.stderr(`warning: posting the digest to Slack failed: ${posted.error}`);
      return 1;
    } else context.stdout("Posted to Slack.");
    return 0;
  }
  const days = values.days === undefined ? 7 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new UsageError(`--days must be a whole number from 1 to 366 (got "${values.days}")`);
  }
  const report = await readReport(context.layout, { days, now });
  if (values.json) context.stdout(JSON.stringify(report, null, 2));
  else for (const line of formatReport(report)) context.stdout(line);
  return 0;
});
