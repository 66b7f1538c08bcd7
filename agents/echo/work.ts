/**
 * Echo's work: summarises the fleet's last 24 hours from the event log, the
 * fleet-wide block and the pause state; prints it, or posts the daily digest
 * to Slack when Slack is configured. Loaded by agents/echo/mod.ts once the
 * guard lets the firing through.
 *
 * @module
 */
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import { readEvents } from "../../runner/firing/events.ts";
import { readGlobalBlock } from "../../runner/firing/block.ts";
import { readPauseState } from "../../runner/firing/pause.ts";
import { slackConfigured } from "../../runner/firing/slack_threads.ts";
import { renderActivity, summariseActivity } from "../../runner/report/fleet_summary.ts";
import { dailyDigest } from "../../runner/report/report.ts";

/** How far back the summary looks. */
export const ECHO_WINDOW_HOURS = 24;

/**
 * One Echo firing's work.
 *
 * @param context The firing.
 * @returns The work's result: the summary, and the digest to post when Slack is configured.
 */
export async function work(context: FiringContext): Promise<WorkResult> {
  const until = context.now();
  const since = new Date(until.getTime() - ECHO_WINDOW_HOURS * 3_600_000);
  const warn = (message: string) => void context.log.warn(message);
  const { events, badLines } = await readEvents(context.layout, { since, until });
  const activity = summariseActivity(events, {
    since,
    until,
    block: await readGlobalBlock(context.layout, { now: until, warn }),
    pause: await readPauseState(context.layout, { now: until, warn }),
    badLines,
  });
  const text = renderActivity(activity);
  const slack = slackConfigured(context.config, context.env);
  if (!slack) context.stdout(text);
  // On Slack: the daily digest with per-agent reliability, and nothing at all
  // when nothing happened (quiet unless there is something to read).
  const digest = slack
    ? await dailyDigest(context.layout, { now: until, config: context.config })
    : undefined;
  const summary = `${activity.totals.firings} firings, $${
    activity.totals.costUsd.toFixed(2)
  } in the last ${ECHO_WINDOW_HOURS} h`;
  await context.progress({ step: "summarised", text: `summarised ${summary}` });
  return {
    outcome: "success",
    turns: 0,
    costUsd: 0,
    summary,
    notice: digest && {
      ...digest,
      text: `${digest.text}\n\n${text}`,
    },
  };
}
