/**
 * One exchange with Slack: a message (a DM or a mention) or a button press,
 * checked against `slack.operators`, turned into an operator's action through
 * runner/control, and answered in the message's thread.
 *
 * Who may do what:
 * - with `slack.operators` set, only those Slack users may command; anyone
 *   else gets a short refusal, the listener logs it, and nothing changes;
 * - without operators, everyone gets `help` and `status`, and nothing else.
 *
 * Talks to Slack only through a {@linkcode SlackPort}, so it runs the same
 * against the real Web API and in tests.
 *
 * @module
 */
import { type FleetConfig, loadFleetConfig } from "../runner/config/config.ts";
import {
  clearFleetBlock,
  describeFleetTarget,
  type DetachedFiring,
  type OperatorContext,
  parseFleetTarget,
  pauseFleet,
  readFleetBlock,
  readFleetView,
  resumeFleet,
  setFleetBlock,
} from "../runner/control/mod.ts";
import { AlfredError } from "../runner/errors.ts";
import type { GitHubClient } from "../runner/github/mod.ts";
import type { Logger } from "../runner/firing/mod.ts";
import { pauseOf } from "../runner/firing/pause.ts";
import { formatReport, readReport } from "../runner/report/report.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";
import {
  APPROVE_ACTION,
  draftFiledMessage,
  draftMessage,
  draftRejectedMessage,
  firingStartedMessage,
  helpMessage,
  REJECT_ACTION,
  reportMessage,
  type SlackMessage,
  statusMessage,
  textMessage,
} from "./blocks.ts";
import { type ChatCommand, parseChatMessage } from "./commands.ts";
import { type Draft, newDraftId, readDraft, updateDraft } from "./drafts.ts";
import { fileDraft } from "./filing.ts";
import type { TrustedAuthors } from "../runner/claims/mod.ts";
import type { FiringWatch } from "./firing_watch.ts";

/** What the conversation needs from Slack's Web API. */
export interface SlackPort {
  /**
   * Posts a message, in a thread when `threadTs` is given.
   * @returns The new message's ts.
   */
  post(channel: string, threadTs: string | undefined, message: SlackMessage): Promise<string>;
  /** Replaces a message the bot posted. */
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
}

/** What the conversation acts with. */
export interface ConversationDeps {
  /** The operator's world: environment, home, clock, output. */
  context: OperatorContext;
  /** Slack's Web API. */
  port: SlackPort;
  /** The listener's log. */
  log: Logger;
  /** The GitHub client (made on first use). */
  github: () => Promise<GitHubClient>;
  /** Whose markers count on GitHub: the token's account and `github.trusted_logins`. */
  trusted: (config: FleetConfig) => Promise<TrustedAuthors>;
  /** Starts a firing in the background. */
  fire: (codename: string) => Promise<DetachedFiring>;
  /** Follows a started firing and posts its outcome in its thread. */
  follow: (watch: FiringWatch, exited: Promise<number | null>) => void;
}

/** A message addressed to the bot, after the listener's checks (not the bot's own, not an edit). */
export interface IncomingMessage {
  /** Who wrote it. */
  user: string;
  /** Its text, as Slack sends it. */
  text: string;
  /** The DM or channel id. */
  channel: string;
  /** Its ts. */
  ts: string;
  /** The thread it is in, if any. */
  threadTs?: string;
}

/** A button pressed on one of the bot's messages. */
export interface ButtonPress {
  /** Who pressed it. */
  user: string;
  /** The button's `action_id`. */
  actionId: string;
  /** The button's value (a draft id). */
  value: string;
  /** Where the message is. */
  channel: string;
  /** The ts of the message the button is on (the draft message). */
  messageTs?: string;
}

/**
 * A draft being filed by another press counts as abandoned after this long
 * (its filer died); Approve may then try again, safely (filing looks for the
 * draft's marker first).
 */
export const FILING_STALE_MS = 60_000;

/**
 * Answers one message in its thread. Never throws for an operator's mistake
 * or a failed action: the answer says what went wrong.
 *
 * @param message The message.
 * @param deps Slack, the log, GitHub, firing.
 */
export async function answerMessage(
  message: IncomingMessage,
  deps: ConversationDeps,
): Promise<void> {
  const thread = message.threadTs ?? message.ts;
  const reply = (answer: SlackMessage) => deps.port.post(message.channel, thread, answer);
  let config: FleetConfig;
  try {
    config = await fleetConfig(deps.context);
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    await deps.log.warn(`fleet.yaml: ${error.message}`);
    await reply(textMessage(`:x: I cannot read fleet.yaml: ${error.message}`));
    return;
  }
  const parsed = parseChatMessage(message.text, { codenames: Object.keys(config.agents) });
  const operators = config.slackOperators;
  const isOperator = operators.includes(message.user);
  const word = parsed.kind === "command"
    ? parsed.command.kind
    : parsed.kind === "near-miss"
    ? parsed.word
    : "prose";
  if (operators.length && !isOperator) {
    await deps.log.warn(`refused ${message.user} in ${message.channel} (not an operator): ${word}`);
    await reply(textMessage(`Sorry <@${message.user}>, only Alfred's operators may command it.`));
    return;
  }
  if (parsed.kind === "prose") {
    await reply(textMessage("I only read commands, at the start of a message: say `help`."));
    return;
  }
  if (parsed.kind === "near-miss") {
    await reply(textMessage(`That is not quite a command. Say ${parsed.usage}.`));
    return;
  }
  const { command } = parsed;
  if (!operators.length && command.kind !== "help" && command.kind !== "status") {
    await deps.log.warn(`refused ${message.user}: ${command.kind} (no slack.operators configured)`);
    await reply(textMessage(
      "No operators are configured, so I answer `help` and `status` only. Add Slack member " +
        "IDs to `slack.operators` in fleet.yaml to allow the rest.",
    ));
    return;
  }
  await deps.log.info(`${message.user} in ${message.channel}: ${describeCommand(command)}`);
  try {
    await runCommand(command, { message, thread, config, deps, reply });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    await deps.log.warn(`${command.kind} failed: ${error.message}`);
    await reply(
      textMessage(
        `:x: ${command.kind} failed: ${error.message}${error.hint ? `\n_${error.hint}_` : ""}`,
      ),
    );
  }
}

/** What running one command needs: the message, its thread, the fleet, the world, the reply. */
interface CommandScope {
  message: IncomingMessage;
  thread: string;
  config: FleetConfig;
  deps: ConversationDeps;
  reply: (answer: SlackMessage) => Promise<string>;
}

async function runCommand(
  command: ChatCommand,
  options: CommandScope,
): Promise<void> {
  const { message, config, deps, reply } = options;
  const { context } = deps;
  const by = `from Slack by ${message.user}`;
  switch (command.kind) {
    case "help":
      await reply(helpMessage({ operatorsConfigured: config.slackOperators.length > 0 }));
      return;
    case "status":
      await reply(statusMessage(await readFleetView(context)));
      return;
    case "pause": {
      const target = targetOf("pause", command.target);
      const until = command.forMs ? new Date(context.now().getTime() + command.forMs) : undefined;
      const reason = command.reason ? `${command.reason} (${by})` : `paused ${by}`;
      const outcome = await pauseFleet(target, context, { reason, until });
      await reply(textMessage(
        `:double_vertical_bar: Paused ${describeFleetTarget(target)}` +
          `${until ? ` until ${until.toISOString()}` : ""}: ${reason}.` +
          warningsOf(outcome.warnings),
      ));
      return;
    }
    case "resume": {
      const target = targetOf("resume", command.target);
      const outcome = await resumeFleet(target, context);
      const now = context.now();
      const held = Object.keys(config.agents)
        .filter((name) => target.all || target.agents.includes(name))
        .flatMap((name) => {
          const still = pauseOf(outcome.state, name, now);
          return still ? [`${name} is still paused: ${still.reason}`] : [];
        });
      await reply(textMessage(
        `:arrow_forward: Resumed ${describeFleetTarget(target)}.` +
          (held.length ? `\n${held.join("\n")}` : "") + warningsOf(outcome.warnings),
      ));
      return;
    }
    case "block-show": {
      const block = await readFleetBlock(context);
      const active = block && Date.parse(block.until) > context.now().getTime();
      await reply(textMessage(
        active
          ? `:no_entry: Fleet-wide block until ${block.until}: ${block.reason} (set by ${block.set_by}).`
          : "No fleet-wide block. Set one with `block for 2h [reason…]`.",
      ));
      return;
    }
    case "block-set": {
      const until = new Date(context.now().getTime() + command.forMs);
      const reason = command.reason ? `${command.reason} (${by})` : `set ${by}`;
      const block = await setFleetBlock(until, context, { reason });
      await reply(textMessage(
        `:no_entry: Every firing stops at the guard until ${block.until}: ${block.reason}.`,
      ));
      return;
    }
    case "block-clear": {
      const had = await clearFleetBlock(context);
      await reply(textMessage(had ? ":white_check_mark: Block cleared." : "There was no block."));
      return;
    }
    case "fire": {
      const firing = await deps.fire(command.codename);
      await reply(firingStartedMessage(command.codename, firing.firingId));
      deps.follow({
        firing_id: firing.firingId,
        codename: command.codename,
        channel: message.channel,
        thread_ts: options.thread,
        output_file: firing.outputFile,
        started_at: context.now().toISOString(),
      }, firing.exited);
      return;
    }
    case "report": {
      const report = await readReport(context.layout, { days: command.days, now: context.now() });
      await reply(reportMessage(command.days, formatReport(report)));
      return;
    }
    case "file":
      await draftIssue(command, options);
      return;
  }
}

async function draftIssue(
  command: Extract<ChatCommand, { kind: "file" }>,
  options: CommandScope,
): Promise<void> {
  const { message, config, deps, reply } = options;
  const repo = config.repos.find((entry) =>
    entry.name.toLowerCase() === command.repo.toLowerCase()
  );
  if (!repo) {
    const names = config.repos.map((entry) => `\`${entry.name}\``).join(", ") || "none";
    await reply(textMessage(`\`${command.repo}\` is not one of the fleet's repos (${names}).`));
    return;
  }
  const io = { warn: (line: string) => void deps.log.warn(line), now: deps.context.now };
  const draft: Draft = {
    id: newDraftId(),
    repo: repo.name,
    title: command.title,
    body: command.body,
    author: message.user,
    channel: message.channel,
    message_ts: message.ts,
    thread_ts: options.thread,
    draft_ts: null,
    created_at: deps.context.now().toISOString(),
    state: "pending",
    issue: null,
    decided_by: null,
    decided_at: null,
  };
  await updateDraft(deps.context.layout, draft.id, { ...io, change: () => draft });
  const ts = await reply(draftMessage(draft));
  await updateDraft(deps.context.layout, draft.id, {
    ...io,
    change: (current) => current && { ...current, draft_ts: ts },
  });
  await deps.log.info(`draft ${draft.id} for ${draft.repo}: ${draft.title}`);
}

/** Serialises presses on one draft within this process. */
const pressing = new Map<string, Promise<void>>();

/**
 * Answers a button press on a draft: Approve files it (once), Reject drops it.
 *
 * @param press The press.
 * @param deps Slack, the log, GitHub.
 */
export async function answerButton(press: ButtonPress, deps: ConversationDeps): Promise<void> {
  const before = pressing.get(press.value) ?? Promise.resolve();
  const turn = before.then(() => decideDraft(press, deps));
  const settled = turn.catch(() => {});
  pressing.set(press.value, settled);
  try {
    await turn;
  } finally {
    if (pressing.get(press.value) === settled) pressing.delete(press.value);
  }
}

async function decideDraft(press: ButtonPress, deps: ConversationDeps): Promise<void> {
  const { context, log, port } = deps;
  const io = { warn: (line: string) => void log.warn(line), now: context.now };
  const draft = await readDraft(context.layout, press.value, io);
  const thread = draft?.thread_ts;
  const say = (text: string) =>
    port.post(draft?.channel ?? press.channel, thread, textMessage(text));
  let config: FleetConfig;
  try {
    config = await fleetConfig(context);
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    await say(`:x: I cannot read fleet.yaml: ${error.message}`);
    return;
  }
  if (!config.slackOperators.includes(press.user)) {
    await log.warn(`refused ${press.user}: ${press.actionId} ${press.value} (not an operator)`);
    await say(`Sorry <@${press.user}>, only Alfred's operators may approve or reject drafts.`);
    return;
  }
  if (!draft) {
    await say(
      `Draft \`${press.value}\` is unknown (expired, or its record was lost); nothing was filed.`,
    );
    return;
  }
  if (press.actionId === REJECT_ACTION) {
    const rejected = await updateDraft(context.layout, draft.id, {
      ...io,
      change: (current) =>
        current?.state === "pending"
          ? {
            ...current,
            state: "rejected",
            decided_by: press.user,
            decided_at: context.now().toISOString(),
          }
          : undefined,
    });
    if (!rejected) {
      await say(`Draft \`${draft.id}\` is ${draft.state}; it cannot be rejected now.`);
      return;
    }
    await log.info(`draft ${draft.id} rejected by ${press.user}`);
    // The press may come before the draft message's ts was recorded: the press carries it too.
    const ts = rejected.draft_ts ?? press.messageTs;
    if (ts) {
      await port.update(rejected.channel, ts, draftRejectedMessage(rejected, { by: press.user }));
    }
    return;
  }
  if (press.actionId !== APPROVE_ACTION) return;
  if (draft.state === "filed" && draft.issue) {
    await say(`Already filed as <${draft.issue.url}|${draft.repo}#${draft.issue.number}>.`);
    return;
  }
  const now = context.now();
  const claimed = await updateDraft(context.layout, draft.id, {
    ...io,
    change: (current) => {
      if (!current) return undefined;
      const stale = current.state === "filing" &&
        now.getTime() - Date.parse(current.decided_at ?? current.created_at) > FILING_STALE_MS;
      if (current.state !== "pending" && !stale) return undefined;
      return { ...current, state: "filing", decided_by: press.user, decided_at: now.toISOString() };
    },
  });
  if (!claimed) {
    const latest = await readDraft(context.layout, draft.id, io);
    await say(
      latest?.state === "filed" && latest.issue
        ? `Already filed as <${latest.issue.url}|${latest.repo}#${latest.issue.number}>.`
        : `Draft \`${draft.id}\` is ${latest?.state ?? "gone"}; nothing more was done.`,
    );
    return;
  }
  let filed;
  try {
    filed = await fileDraft(await deps.github(), claimed, {
      approvedBy: press.user,
      trusted: await deps.trusted(config),
    });
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    await log.warn(`filing draft ${draft.id} failed: ${error.message}`);
    await say(`:x: Filing failed: ${error.message}. Press Approve again to retry.`);
    return;
  }
  const issue = { number: filed.number, url: filed.url };
  const done = await updateDraft(context.layout, draft.id, {
    ...io,
    change: (current) => current && { ...current, state: "filed", issue },
  });
  await log.info(
    `draft ${draft.id} ${
      filed.created ? "filed as" : "was already"
    } ${draft.repo}#${filed.number}` +
      `, approved by ${press.user}`,
  );
  const shown = done ?? claimed;
  const ts = shown.draft_ts ?? press.messageTs;
  if (ts) {
    await port.update(shown.channel, ts, draftFiledMessage(shown, { ...issue, by: press.user }));
  }
}

function targetOf(action: "pause" | "resume", name: string) {
  return parseFleetTarget(action, name === "all" ? { all: true } : { agents: [name] });
}

function warningsOf(warnings: readonly string[]): string {
  return warnings.length ? `\n_${warnings.map((w) => `warning: ${w}`).join("\n")}_` : "";
}

function describeCommand(command: ChatCommand): string {
  switch (command.kind) {
    case "file":
      return `file ${command.repo}: ${command.title}`;
    case "pause":
    case "resume":
      return `${command.kind} ${command.target}`;
    case "fire":
      return `fire ${command.codename}`;
    case "report":
      return `report ${command.days}`;
    default:
      return command.kind;
  }
}

function fleetConfig(context: OperatorContext): Promise<FleetConfig> {
  return loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
}
