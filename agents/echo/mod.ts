/**
 * Echo, the smallest real agent: it runs the whole firing lifecycle and its
 * work is to summarise the fleet's last 24 hours from the event log and state,
 * with no LLM and no network (except Slack, when configured).
 *
 * Run it as `alfred fire echo`, or directly: `deno run … agents/echo/mod.ts`.
 *
 * @module
 */
import type { AgentDefinition, FiringContext, WorkResult } from "../../runner/firing/agent.ts";

/** How far back the summary looks. */
export const ECHO_WINDOW_HOURS = 24;

/** The echo agent. */
export const echoAgent: AgentDefinition = {
  codename: "echo",
  job: "Summarises the fleet's last 24 hours; no LLM, no network.",
  paid: false,
  work: summariseFleet,
};

async function summariseFleet(context: FiringContext): Promise<WorkResult> {
  const { readEvents } = await import("../../runner/firing/events.ts");
  const { readGlobalBlock } = await import("../../runner/firing/block.ts");
  const { readPauseState } = await import("../../runner/firing/pause.ts");
  const { renderActivity, summariseActivity } = await import(
    "../../runner/report/fleet_summary.ts"
  );
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
  const { slackConfigured } = await import("../../runner/firing/slack_threads.ts");
  const slack = slackConfigured(context.config, context.env);
  if (!slack) context.stdout(text);
  // On Slack: the daily digest with per-agent reliability, and nothing at all
  // when nothing happened (quiet unless there is something to read).
  const { dailyDigest } = await import("../../runner/report/report.ts");
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

if (import.meta.main) {
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain("echo", Deno.args, {
      loadAgent: () => Promise.resolve(echoAgent),
    }),
  );
}
