/**
 * What a Slack message asks for: one of the listener's commands, or prose.
 *
 * How a command is told from prose that merely contains a command word
 * ("could you pause for a sec"):
 *
 * 1. Only the message's own start counts: after the bot's mention, the first
 *    word must be a command word. "could you pause …" starts with "could".
 * 2. The whole first line must then fit that command's grammar, with real
 *    names: `pause` takes a codename of the fleet or `all`, then optionally
 *    `for <duration>` (a duration such as `90m` or `2h`), then a reason.
 *    "pause for a sec" names no agent, so it is prose.
 * 3. Only `file` may have more lines (the body); any other command
 *    with a second line is prose.
 *
 * Prose changes nothing. A message that starts with a command word but does
 * not fit (a near miss) is answered with that command's usage.
 *
 * Pure: no I/O.
 *
 * @module
 */
import { parseDuration } from "../cli/commands/args.ts";
import { UsageError } from "../runner/errors.ts";

/** One command from chat. */
export type ChatCommand =
  | { kind: "help" }
  | { kind: "status" }
  | { kind: "pause"; target: "all" | string; forMs?: number; reason?: string }
  | { kind: "resume"; target: "all" | string }
  | { kind: "block-show" }
  | { kind: "block-set"; forMs: number; reason?: string }
  | { kind: "block-clear" }
  | { kind: "fire"; codename: string }
  | { kind: "report"; days: number }
  | { kind: "file"; repo: string; title: string; body: string };

/** What a message is: a command, a near miss (a command word, then no fit), or prose. */
export type ParsedMessage =
  | { kind: "command"; command: ChatCommand }
  | { kind: "near-miss"; word: CommandWord; usage: string }
  | { kind: "prose" };

/** The words that start a command. */
export const COMMAND_WORDS = [
  "help",
  "status",
  "pause",
  "resume",
  "block",
  "fire",
  "report",
  "file",
] as const;
/** One of {@linkcode COMMAND_WORDS}. */
export type CommandWord = typeof COMMAND_WORDS[number];

/** Each command's grammar, as `help` shows it. */
export const USAGE: Readonly<Record<CommandWord, string>> = {
  help: "`help`",
  status: "`status`",
  pause: "`pause <codename|all> [for 2h] [reason…]`",
  resume: "`resume <codename|all>`",
  block: "`block`, `block for 2h [reason…]` or `block clear`",
  fire: "`fire <codename>`",
  report: "`report [days]`",
  file: "`file <owner/repo>: <title>`, with the body on the following lines",
};

/** The longest issue title `file` takes (GitHub allows 256 characters). */
export const MAX_TITLE_LENGTH = 256;

/**
 * Reads a message (pure).
 *
 * @example Usage
 * ```ts
 * import { parseChatMessage } from "./commands.ts";
 * const codenames = ["lucius", "echo"];
 * parseChatMessage("<@U0BOT> PAUSE lucius for 2h deploy", { codenames });
 * // { kind: "command", command: { kind: "pause", target: "lucius", forMs: 7200000, reason: "deploy" } }
 * parseChatMessage("could you pause for a sec", { codenames }); // { kind: "prose" }
 * ```
 *
 * @param text The message as Slack sends it (mentions as `<@U…>`, `&amp;` escaped).
 * @param options The fleet's codenames.
 * @returns The command, a near miss, or prose.
 */
export function parseChatMessage(
  text: string,
  options: { codenames: readonly string[] },
): ParsedMessage {
  const [first = "", ...rest] = unescapeSlack(stripMention(text)).split("\n");
  const line = first.trim();
  const words = line.split(/\s+/).filter(Boolean);
  const word = words[0]?.toLowerCase() as CommandWord | undefined;
  if (!word || !COMMAND_WORDS.includes(word)) return { kind: "prose" };
  const more = rest.join("\n").trim();
  const command = word === "file"
    ? fileCommand(line, rest.join("\n"))
    : more
    ? undefined
    : lineCommand(word, words.slice(1), options.codenames);
  return command ? { kind: "command", command } : { kind: "near-miss", word, usage: USAGE[word] };
}

function lineCommand(
  word: CommandWord,
  args: string[],
  codenames: readonly string[],
): ChatCommand | undefined {
  const lower = args.map((arg) => arg.toLowerCase());
  const target = (name: string | undefined) =>
    name === "all" || (name !== undefined && codenames.includes(name)) ? name : undefined;
  switch (word) {
    case "help":
      return args.length ? undefined : { kind: "help" };
    case "status":
      return args.length ? undefined : { kind: "status" };
    case "resume": {
      const who = target(lower[0]);
      return who && args.length === 1 ? { kind: "resume", target: who } : undefined;
    }
    case "pause": {
      const who = target(lower[0]);
      if (!who) return undefined;
      const timed = forDuration(lower, args, 1);
      if (!timed) return undefined;
      return { kind: "pause", target: who, ...timed };
    }
    case "block": {
      if (!args.length) return { kind: "block-show" };
      if (lower[0] === "clear") return args.length === 1 ? { kind: "block-clear" } : undefined;
      const timed = forDuration(lower, args, 0);
      return timed?.forMs ? { ...timed, kind: "block-set", forMs: timed.forMs } : undefined;
    }
    case "fire": {
      const who = lower[0];
      return args.length === 1 && codenames.includes(who)
        ? { kind: "fire", codename: who }
        : undefined;
    }
    case "report": {
      if (!args.length) return { kind: "report", days: 7 };
      const days = /^\d{1,3}$/.test(lower[0]) ? Number(lower[0]) : NaN;
      return args.length === 1 && days >= 1 && days <= 366 ? { kind: "report", days } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * `[for <duration>] [reason…]` from `at` on: a duration after `for` must be one,
 * or the whole message is not a command.
 */
function forDuration(
  lower: string[],
  args: string[],
  at: number,
): { forMs?: number; reason?: string } | undefined {
  let from = at;
  let forMs: number | undefined;
  if (lower[at] === "for") {
    const text = lower[at + 1];
    if (!text) return undefined;
    try {
      forMs = parseDuration(text, "for");
    } catch (error) {
      if (error instanceof UsageError) return undefined;
      throw error;
    }
    from = at + 2;
  }
  const reason = args.slice(from).join(" ").trim();
  return { ...(forMs ? { forMs } : {}), ...(reason ? { reason } : {}) };
}

function fileCommand(line: string, rest: string): ChatCommand | undefined {
  const match = /^file\s+([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\s*:\s*(.+)$/i.exec(line);
  if (!match) return undefined;
  const title = match[2].trim();
  if (!title || title.length > MAX_TITLE_LENGTH) return undefined;
  return { kind: "file", repo: match[1], title, body: rest.replace(/^\s*\n/, "").trimEnd() };
}

/** Drops a leading mention of the bot (`<@U0BOT>`, `<@U0BOT|alfred>`). */
function stripMention(text: string): string {
  return text.replace(/^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*/, "");
}

/** Slack escapes `&`, `<` and `>` in message text. */
function unescapeSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}
