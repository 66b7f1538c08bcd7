/**
 * Records a real exchange with the Slack listener and renders it as a picture
 * for docs/SLACK.md: the listener runs against the loopback fakes of Slack and
 * GitHub (tests/support/slack_world.ts), the operator's messages go in over Socket
 * Mode, and the Block Kit messages the listener posts are drawn as HTML, then
 * photographed with Debian's chromium through playwright-core.
 *
 * ```sh
 * ./scripts/deno.sh run -A scripts/slack_preview.ts            # docs/img/slack-exchange.png
 * ./scripts/deno.sh run -A scripts/slack_preview.ts --html x.html   # the HTML too
 * ```
 *
 * Needs `chromium` (apt-get install chromium fonts-noto-color-emoji).
 *
 * @module
 */
import { chromium } from "playwright-core";
import { OPERATOR, REPO, withSlackWorld } from "../tests/support/slack_world.ts";
import { runAlfred } from "../tests/support/helpers.ts";
import type { PostedMessage } from "../tests/support/fake_slack.ts";
import { recordFiring } from "../runner/firing/events.ts";
import { writeLedger } from "../runner/firing/spend.ts";
import { APPROVE_ACTION } from "../slack/blocks.ts";

/** One line of the picture: the operator's message, or the bot's (after updates). */
type Turn = { who: "operator"; text: string } | { who: "bot"; message: PostedMessage };

const FLEET = `version: 1
timezone: UTC
repos:
  - name: ${REPO}
agents:
  lucius: { schedule: every 20m }
  rasalghul: { schedule: every 30m }
  echo: { schedule: every 1d }
slack:
  channel: C0ALFRED
  operators: [${OPERATOR}]
`;

/**
 * Runs the exchange and returns its turns, in order.
 *
 * @returns The operator's messages and the bot's final messages.
 */
export async function recordExchange(): Promise<Turn[]> {
  await using world = await withSlackWorld();
  await Deno.writeTextFile(world.home.layout.fleetFile, FLEET);
  await seedHistory(world.home.layout);
  await runAlfred(["fire", "echo"], { home: world.home.home, env: world.env });
  const turns: Turn[] = [];
  const say = async (text: string) => {
    turns.push({ who: "operator", text });
    const { ts } = await world.dm(OPERATOR, text);
    return ts;
  };
  const answers = (ts: string) => world.slack.messages.filter((m) => m.thread_ts === ts);
  for (const text of ["status", "pause lucius for 2h deploy freeze"]) {
    const ts = await say(text);
    turns.push(...answers(ts).map((message) => ({ who: "bot" as const, message })));
  }
  const fileTs = await say(
    `file ${REPO}: Login button does nothing on Safari\n` +
      "Steps: open /login in Safari 17 and press Log in.\nExpected: the form submits.",
  );
  const draft = answers(fileTs)[0];
  const id = /"value":"(d[0-9a-f]{12})"/.exec(JSON.stringify(draft.blocks))![1];
  turns.push({ who: "bot", message: draft });
  await world.slack.pressButton({
    user: OPERATOR,
    actionId: APPROVE_ACTION,
    value: id,
    channel: draft.channel,
    messageTs: draft.ts,
  });
  const filed = await world.slack.waitFor(
    () => world.slack.messages.find((m) => m.method === "chat.update" && m.ts === draft.ts),
    { what: "the filed draft" },
  );
  turns.push({ who: "operator", text: "_(presses Approve: the draft message becomes)_" });
  turns.push({ who: "bot", message: filed });
  const fireTs = await say("fire echo");
  await world.slack.waitFor(() => answers(fireTs).length >= 2 ? true : undefined, {
    what: "the firing's outcome",
  });
  turns.push(...answers(fireTs).map((message) => ({ who: "bot" as const, message })));
  return turns;
}

/** A plausible morning: Lucius shipped a pull request, Ra's al Ghul reviewed it. */
async function seedHistory(layout: Parameters<typeof recordFiring>[0]): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const firing = (agent: string, minutes: number, extra: Record<string, unknown>) => ({
    version: 1,
    agent,
    firing_id: `${at(minutes).replace(/[-:.]/g, "").slice(0, 18)}Z-a1b2c3`,
    host: "studio",
    pid: 4242,
    started_at: at(minutes + 6),
    ended_at: at(minutes),
    duration_ms: 360_000,
    issue: null,
    pr: null,
    error: null,
    summary: null,
    ...extra,
  });
  await recordFiring(
    layout,
    firing("lucius", 95, {
      outcome: "success",
      turns: 31,
      cost_usd: 1.84,
      issue: `${REPO}#41`,
      pr: "https://github.com/acme/widget/pull/42",
    }) as Parameters<typeof recordFiring>[1],
  );
  await recordFiring(
    layout,
    firing("rasalghul", 60, { outcome: "success", turns: 9, cost_usd: 0.42 }) as Parameters<
      typeof recordFiring
    >[1],
  );
  for (
    const [agent, firings, turns, cost] of [["lucius", 5, 118, 6.2], ["rasalghul", 4, 35, 1.6]]
  ) {
    await writeLedger(layout, {
      version: 1,
      agent: String(agent),
      day,
      firings: Number(firings),
      turns: Number(turns),
      cost_usd: Number(cost),
      successes: Number(firings),
      failures: 0,
      consecutive_failures: 0,
      blocked_until: null,
    });
  }
}

const EMOJI: Record<string, string> = {
  white_check_mark: "✅",
  large_green_circle: "🟢",
  double_vertical_bar: "⏸️",
  white_circle: "⚪",
  no_entry: "⛔",
  rocket: "🚀",
  memo: "📝",
  warning: "⚠️",
  zzz: "💤",
  x: "❌",
  arrow_forward: "▶️",
  pause_button: "⏸️",
  no_entry_sign: "🚫",
};

/** Slack's mrkdwn, as HTML (enough of it for the listener's messages). */
function mrkdwn(text: string): string {
  const escaped = text.replaceAll("&", "&amp;").replaceAll("&amp;lt;", "&lt;").replaceAll(
    "&amp;gt;",
    "&gt;",
  ).replaceAll("&amp;amp;", "&amp;");
  const blocks = escaped.split("```");
  return blocks.map((part, i) => {
    if (i % 2) return `<pre>${part.replaceAll("<", "&lt;")}</pre>`;
    return part
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '<a href="$1">$2</a>')
      .replace(
        /<@(U[A-Z0-9]+)>/g,
        (_, id) => `<span class="mention">@${id === OPERATOR ? "you" : id}</span>`,
      )
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<b>$2</b>")
      .replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>")
      .replace(/:([a-z_]+):/g, (whole, name) => EMOJI[name] ?? whole)
      .split("\n").map((line) => line.startsWith("> ") ? `<q>${line.slice(2)}</q>` : line)
      .join("<br>").replaceAll("</q><br>", "</q>");
  }).join("");
}

function renderBlock(block: Record<string, unknown>): string {
  const text = (block.text as { text?: string } | undefined)?.text ?? "";
  switch (block.type) {
    case "header":
      return `<h3>${mrkdwn(text)}</h3>`;
    case "section":
      return `<div class="section">${mrkdwn(text)}</div>`;
    case "context":
      return `<div class="context">${
        (block.elements as { text: string }[]).map((e) => mrkdwn(e.text)).join(" ")
      }</div>`;
    case "divider":
      return "<hr>";
    case "actions":
      return `<div class="actions">${
        (block.elements as { text: { text: string }; style?: string }[])
          .map((e) => `<button class="${e.style ?? ""}">${e.text.text}</button>`).join("")
      }</div>`;
    default:
      return "";
  }
}

/**
 * The exchange as an HTML page drawn like a Slack DM.
 *
 * @param turns The exchange.
 * @returns The page.
 */
export function renderExchange(turns: readonly Turn[]): string {
  const rows = turns.map((turn) =>
    turn.who === "operator"
      ? `<div class="msg"><div class="avatar you">Y</div><div><div class="name">you</div><div class="text">${
        mrkdwn(turn.text)
      }</div></div></div>`
      : `<div class="msg"><div class="avatar bot">A</div><div class="body"><div class="name">Alfred <span class="app">APP</span></div>${
        turn.message.blocks.map(renderBlock).join("")
      }</div></div>`
  ).join("\n");
  return `<!doctype html><meta charset="utf-8"><style>
body { font: 15px/1.46 "DejaVu Sans", sans-serif; color: #1d1c1d; margin: 0; background: #fff; width: 860px; }
.title { font-weight: bold; padding: 12px 20px; border-bottom: 1px solid #ddd; }
.msg { display: flex; gap: 10px; padding: 8px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; color: #fff; font-weight: bold;
  display: flex; align-items: center; justify-content: center; flex: none; }
.avatar.you { background: #4a8c61; } .avatar.bot { background: #1d1c1d; }
.name { font-weight: bold; } .app { font-size: 10px; background: #eee; color: #555; padding: 1px 3px; border-radius: 2px; }
.body { flex: 1; } .section { margin: 4px 0; } .context { color: #616061; font-size: 13px; margin: 4px 0; }
h3 { margin: 2px 0 4px; font-size: 17px; } hr { border: 0; border-top: 1px solid #ddd; margin: 8px 0; }
code { background: #f6f6f6; border: 1px solid #e2e2e2; color: #c01343; border-radius: 3px; padding: 0 3px; font-size: 13px; }
pre { background: #f8f8f8; border: 1px solid #e2e2e2; border-radius: 4px; padding: 8px; font-size: 12px; white-space: pre-wrap; }
q { display: block; border-left: 4px solid #ddd; padding-left: 10px; quotes: none; }
a { color: #1264a3; text-decoration: none; } .mention { background: #e8f5fa; color: #1264a3; padding: 0 2px; }
button { font: bold 14px "DejaVu Sans"; border: 1px solid #bbb; border-radius: 4px; padding: 5px 14px; margin-right: 8px; background: #fff; }
button.primary { background: #007a5a; color: #fff; border-color: #007a5a; } button.danger { color: #e01e5a; }
</style><div class="title">Direct message with Alfred</div>${rows}`;
}

if (import.meta.main) {
  const html = Deno.args.includes("--html")
    ? Deno.args[Deno.args.indexOf("--html") + 1]
    : undefined;
  const turns = await recordExchange();
  const page = renderExchange(turns);
  if (html) await Deno.writeTextFile(html, page);
  const out = new URL("../docs/img/slack-exchange.png", import.meta.url).pathname;
  await Deno.mkdir(new URL("../docs/img/", import.meta.url).pathname, { recursive: true });
  const browser = await chromium.launch({
    executablePath: Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const tab = await browser.newPage({
      viewport: { width: 860, height: 600 },
      deviceScaleFactor: 1,
    });
    await tab.setContent(page);
    await tab.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  for (const turn of turns) {
    console.log(turn.who === "operator" ? `> ${turn.text}` : `  ${turn.message.text}`);
  }
  console.log(`wrote ${out}`);
}
