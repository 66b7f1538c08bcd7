/**
 * The listener's messages, as Block Kit (pure): help, the fleet's status,
 * answers, firing outcomes, the report, and issue drafts with their buttons.
 *
 * Every message has a plain-text fallback (`text`, shown in notifications).
 * Block Kit limits respected here: 50 blocks a message, 3000 characters a
 * text field, 150 a header, 75 a button label.
 *
 * @module
 */
import type { ActivityEvent } from "../runner/firing/mod.ts";
import type { AgentView, FleetView } from "../runner/control/mod.ts";
import { USAGE } from "./commands.ts";

/** One Block Kit block (Slack checks the shape; we build only what we need). */
export type Block = Record<string, unknown>;

/** A message: fallback text and blocks. */
export interface SlackMessage {
  /** The plain-text fallback. */
  text: string;
  /** The blocks. */
  blocks: Block[];
}

/** The `action_id` of a draft's Approve button. */
export const APPROVE_ACTION = "alfred_draft_approve";
/** The `action_id` of a draft's Reject button. */
export const REJECT_ACTION = "alfred_draft_reject";

const MAX_TEXT = 2900;
const MAX_BLOCKS = 50;

/**
 * A message of one mrkdwn section.
 *
 * @param text The text (mrkdwn).
 * @returns The message.
 */
export function textMessage(text: string): SlackMessage {
  return { text: plain(text), blocks: [section(text)] };
}

/**
 * The help message.
 *
 * @param options Whether operators are configured and whether the asker is one.
 * @returns The message.
 */
export function helpMessage(options: { operatorsConfigured: boolean }): SlackMessage {
  const lines = [
    `${USAGE.status}: agents, last outcomes, today's spend against the caps, the block`,
    `${USAGE.pause} and ${USAGE.resume}: as \`alfred pause\` does, timers included`,
    `${USAGE.block}: the fleet-wide block`,
    `${USAGE.fire}: fire now; the outcome follows in this thread`,
    `${USAGE.report}: reliability per agent and repo (default 7 days)`,
    `${USAGE.file}: a draft to approve; Approve files it labelled \`agent:implement\``,
  ];
  return {
    text: "Alfred commands",
    blocks: [
      section("*Alfred* answers in a DM or when mentioned; commands are case-insensitive:"),
      section(lines.map((line) => `• ${line}`).join("\n")),
      context([
        options.operatorsConfigured
          ? "Only the operators in `slack.operators` (fleet.yaml) may command; others are refused."
          : "No `slack.operators` in fleet.yaml: only `help` and `status` are answered.",
      ]),
    ],
  };
}

/**
 * The fleet's status: each agent's state, last outcome and today's spend
 * against its caps, then the block and pauses.
 *
 * @param view The fleet view (runner/control).
 * @returns The message.
 */
export function statusMessage(view: FleetView): SlackMessage {
  const blocks: Block[] = [
    { type: "header", text: { type: "plain_text", text: "Fleet status" } },
    context([`${view.day} (${view.timezone})`]),
  ];
  const gate: string[] = [];
  if (view.block) {
    gate.push(
      `:no_entry: *Fleet-wide block* until ${view.block.until} (${view.block.reason}), set by ${view.block.setBy}`,
    );
  } else gate.push(":white_check_mark: No fleet-wide block.");
  if (view.fleetPaused) {
    gate.push(`:double_vertical_bar: *Whole fleet paused:* ${view.fleetPaused}`);
  }
  if (!view.scheduler) gate.push("Scheduler not installed: agents fire only by hand.");
  for (const line of view.missedRunLines) gate.push(`:warning: Missed runs: ${line}`);
  const rows = view.agents.filter((agent) => agent.state !== "disabled" || agent.lastFiring);
  const shown = rows.slice(0, MAX_BLOCKS - 6);
  for (const agent of shown) blocks.push(section(agentLine(agent)));
  const hidden = view.agents.length - shown.length;
  if (hidden > 0) blocks.push(context([`${hidden} disabled agent(s) not shown.`]));
  blocks.push({ type: "divider" });
  blocks.push(section(gate.join("\n")));
  const active = view.agents.filter((agent) => agent.state === "paused").length;
  const enabled = view.agents.filter((agent) => agent.state === "enabled").length;
  return {
    text: `Fleet status: ${enabled} enabled, ${active} paused${view.block ? ", blocked" : ""}`,
    blocks,
  };
}

function agentLine(agent: AgentView): string {
  const mark = agent.state === "enabled"
    ? ":large_green_circle:"
    : agent.state === "paused"
    ? ":double_vertical_bar:"
    : ":white_circle:";
  const head = `${mark} *${capitalise(agent.agent)}* · ${agent.state} · ${agent.schedule}` +
    (agent.nextFiring ? ` · next ${agent.nextFiring.slice(11, 16)} UTC` : "");
  const last = agent.lastFiring
    ? `last ${agent.lastFiring.outcome} at ${
      agent.lastFiring.endedAt.slice(0, 16).replace("T", " ")
    }` +
      (agent.lastFiring.error ? ` (${agent.lastFiring.error.slice(0, 120)})` : "")
    : "never fired";
  const today = "unreadable" in agent.today
    ? `today: ledger unreadable (${agent.today.unreadable})`
    : `today ${cap(String(agent.today.firings), agent.today.caps.firings)} firings · ` +
      `${cap(String(agent.today.turns), agent.today.caps.turns)} turns · ` +
      `$${cap(agent.today.costUsd.toFixed(2), agent.today.caps.costUsd?.toFixed(2) ?? null)}`;
  const paused = agent.pausedReason ? `\n_paused: ${agent.pausedReason}_` : "";
  return `${head}\n${last} · ${today}${paused}`;
}

function cap(used: string, limit: number | string | null): string {
  return limit === null ? used : `${used}/${limit}`;
}

/**
 * A firing started from Slack: its id, and where the outcome will come.
 *
 * @param codename The agent.
 * @param firingId The firing's id.
 * @returns The message.
 */
export function firingStartedMessage(codename: string, firingId: string): SlackMessage {
  return {
    text: `Firing ${codename}: ${firingId}`,
    blocks: [
      section(`:rocket: Firing *${capitalise(codename)}*: \`${firingId}\``),
      context(["The outcome follows in this thread."]),
    ],
  };
}

/** How a firing started from Slack ended, as {@linkcode firingEndedMessage} shows it. */
export type FiringEnd =
  | { kind: "ended"; event: Extract<ActivityEvent, { type: "firing-ended" }> }
  | { kind: "stopped"; sentinel: string }
  | { kind: "vanished"; detail: string };

/**
 * The outcome of a firing started from Slack.
 *
 * @param codename The agent.
 * @param firingId The firing's id.
 * @param end How it ended.
 * @returns The message.
 */
export function firingEndedMessage(
  codename: string,
  firingId: string,
  end: FiringEnd,
): SlackMessage {
  const who = `*${capitalise(codename)}* \`${firingId}\``;
  if (end.kind === "stopped") {
    return {
      text: `${codename} ${firingId}: ${end.sentinel}`,
      blocks: [section(`:pause_button: ${who} stopped before any work:\n\`${end.sentinel}\``)],
    };
  }
  if (end.kind === "vanished") {
    return {
      text: `${codename} ${firingId} ended without a record`,
      blocks: [
        section(
          `:x: ${who} ended without recording an outcome. Last output:\n${codeBlock(end.detail)}`,
        ),
      ],
    };
  }
  const { event } = end;
  const good = event.outcome === "success" || event.outcome === "already-implemented";
  const mark = good ? ":white_check_mark:" : event.outcome === "idle" ? ":zzz:" : ":warning:";
  const facts = [
    `${event.turns} turns`,
    `$${event.cost_usd.toFixed(2)}`,
    ...(event.issue ? [`issue ${linkOf(event.issue)}`] : []),
    ...(event.pr ? [`<${event.pr}|pull request>`] : []),
  ];
  return {
    text: `${codename} ${firingId}: ${event.outcome}`,
    blocks: [
      section(`${mark} ${who} ended: *${event.outcome}*`),
      context([facts.join(" · ")]),
      ...(event.error ? [section(`Error: ${event.error.slice(0, 1000)}`)] : []),
    ],
  };
}

/**
 * The reliability report (`alfred report`'s lines) as a code block.
 *
 * @param days The window.
 * @param lines `formatReport`'s lines.
 * @returns The message.
 */
export function reportMessage(days: number, lines: readonly string[]): SlackMessage {
  return {
    text: `Report for the last ${days} days`,
    blocks: [
      section(`*Report, last ${days} day${days === 1 ? "" : "s"}*`),
      section(codeBlock(lines.join("\n"))),
    ],
  };
}

/** What a draft message shows. */
export interface DraftView {
  /** The draft's id. */
  id: string;
  /** `owner/name`. */
  repo: string;
  /** The issue title. */
  title: string;
  /** The issue body. */
  body: string;
  /** Who asked for it (Slack user id). */
  author: string;
}

/**
 * A draft issue with Approve and Reject buttons.
 *
 * @param draft The draft.
 * @returns The message.
 */
export function draftMessage(draft: DraftView): SlackMessage {
  return {
    text: `Draft issue for ${draft.repo}: ${draft.title}`,
    blocks: [
      ...draftBody(draft),
      {
        type: "actions",
        block_id: `draft-${draft.id}`,
        elements: [
          button("Approve", APPROVE_ACTION, draft.id, "primary"),
          button("Reject", REJECT_ACTION, draft.id, "danger"),
        ],
      },
    ],
  };
}

/**
 * A draft after Approve: the issue's link instead of the buttons.
 *
 * @param draft The draft.
 * @param options The issue filed and who approved.
 * @returns The message.
 */
export function draftFiledMessage(
  draft: DraftView,
  options: { url: string; number: number; by: string },
): SlackMessage {
  return {
    text: `Filed ${draft.repo}#${options.number}: ${draft.title}`,
    blocks: [
      ...draftBody(draft),
      section(
        `:white_check_mark: Filed as <${options.url}|${draft.repo}#${options.number}>, ` +
          `labelled \`agent:implement\`, approved by <@${options.by}>.`,
      ),
    ],
  };
}

/**
 * A draft after Reject: dropped.
 *
 * @param draft The draft.
 * @param options Who rejected it.
 * @returns The message.
 */
export function draftRejectedMessage(draft: DraftView, options: { by: string }): SlackMessage {
  return {
    text: `Draft for ${draft.repo} rejected`,
    blocks: [
      ...draftBody(draft),
      section(`:no_entry_sign: Rejected by <@${options.by}>; nothing was filed.`),
    ],
  };
}

function draftBody(draft: DraftView): Block[] {
  return [
    section(`:memo: *Draft issue for ${draft.repo}*\n*${escapeText(draft.title)}*`),
    ...(draft.body ? [section(quote(draft.body))] : []),
    context([`Asked by <@${draft.author}> · draft \`${draft.id}\` · label \`agent:implement\``]),
  ];
}

function button(text: string, actionId: string, value: string, style: "primary" | "danger"): Block {
  return {
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value,
    style,
  };
}

function section(text: string): Block {
  return { type: "section", text: { type: "mrkdwn", text: clip(text) } };
}

function context(texts: string[]): Block {
  return { type: "context", elements: texts.map((text) => ({ type: "mrkdwn", text: clip(text) })) };
}

function codeBlock(text: string): string {
  const body = text.replaceAll("```", "'''");
  return "```" + (body.length > MAX_TEXT - 10 ? `${body.slice(0, MAX_TEXT - 12)}…` : body) + "```";
}

function quote(text: string): string {
  return escapeText(text).split("\n").map((line) => `> ${line}`).join("\n");
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** Slack needs `&`, `<` and `>` escaped in text it should not read as markup. */
function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** mrkdwn without its marks, for the notification fallback: no emoji names, bold, code. */
function plain(text: string): string {
  return text
    .replace(/:[a-z][a-z0-9_+-]*:\s*/g, "")
    .replace(/[*`]/g, "")
    .replace(/(^|\s)_([^_\n]+)_(?=$|[\s.,;:])/g, "$1$2")
    .slice(0, 300);
}

function linkOf(ref: string): string {
  return /^https?:\/\//.test(ref) ? `<${ref}|${ref.replace(/^https?:\/\/[^/]+\//, "")}>` : ref;
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
