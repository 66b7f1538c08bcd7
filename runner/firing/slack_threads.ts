/**
 * Firing threads: with a bot token (`ALFRED_SLACK_BOT_TOKEN`) and a channel
 * (`slack.channel` in `fleet.yaml`), every notice about one issue goes to one
 * Slack thread, so Lucius's claim, its pull request, Ra's al Ghul's review and
 * Nightwing's fixes read as one conversation. Without them, notices go to the
 * incoming webhook as before.
 *
 * The thread of each issue is kept in `state/slack-threads.json`, keyed by
 * `owner/name#number` (lower case). A notice names its subjects (the issue,
 * the pull request): the first subject with a thread picks it, and every
 * subject is then recorded under that thread, so a pull request joins its
 * issue's thread and a later review of the pull request lands there too.
 * Writers on one host are serialised by a lock file; entries unused for
 * {@linkcode THREAD_KEEP_DAYS} days are dropped.
 *
 * @module
 */
import { z } from "zod";
import type { FleetConfig } from "../config/config.ts";
import { ConfigError } from "../errors.ts";
import { withFileLock } from "./lock.ts";
import {
  type Notice,
  type PostOptions,
  type PostResult,
  postToSlack,
  slackApiUrlFrom,
} from "./notify.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { readStateOr, writeState } from "../state.ts";

/** How long a thread is remembered after its last notice. */
export const THREAD_KEEP_DAYS = 30;

/** Schema of `state/slack-threads.json`. */
export const SlackThreadsFile = z.strictObject({
  version: z.literal(1),
  threads: z.record(
    z.string().regex(/^[a-z0-9_.-]+\/[a-z0-9_.-]+#\d+$/),
    z.strictObject({
      channel: z.string().min(1),
      /** The ts of the thread's first message. */
      ts: z.string().regex(/^\d+\.\d+$/),
      /** The last notice in it. */
      at: z.iso.datetime({ offset: true }),
    }),
  ),
});
/** The parsed thread store. */
export type SlackThreadsFile = z.infer<typeof SlackThreadsFile>;

/**
 * Where the thread store lives.
 *
 * @param layout The home layout.
 * @returns `<stateDir>/slack-threads.json`.
 */
export function slackThreadsFile(layout: Layout): string {
  return `${layout.stateDir}/slack-threads.json`;
}

/**
 * The thread key of an issue or pull request (pure).
 *
 * @param ref `owner/name#12`, or a GitHub issue or pull request URL.
 * @returns `owner/name#12` in lower case, or `undefined` when it is neither.
 */
export function threadKeyOf(ref: string): string | undefined {
  const short = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#(\d+)$/.exec(ref.trim());
  if (short) return `${short[1].toLowerCase()}#${Number(short[2])}`;
  const url =
    /^https?:\/\/[^/]+\/(?:.*\/)?([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/(?:issues|pull|pulls)\/(\d+)(?:[/?#].*)?$/
      .exec(ref.trim());
  return url ? `${url[1].toLowerCase()}#${Number(url[2])}` : undefined;
}

/** The bot's side of Slack: token, channel and Web API. */
export interface SlackBot {
  /** The Web API base URL. */
  apiUrl: string;
  /** The bot token (a secret). */
  token: string;
  /** The channel notices go to. */
  channel: string;
}

/**
 * The bot, when firing threads are set up: `ALFRED_SLACK_BOT_TOKEN` and `slack.channel`.
 *
 * @param config The fleet configuration (its `slack.channel`).
 * @param env Reads `ALFRED_SLACK_BOT_TOKEN` and `ALFRED_SLACK_API_URL`.
 * @returns The bot, or `undefined` when either is missing.
 * @throws {ConfigError} when `ALFRED_SLACK_API_URL` is not a URL.
 */
export function slackBotOf(
  config: Pick<FleetConfig, "slackChannel">,
  env: EnvReader,
): SlackBot | undefined {
  const token = env("ALFRED_SLACK_BOT_TOKEN")?.trim();
  if (!token || !config.slackChannel) return undefined;
  return { apiUrl: slackApiUrlFrom(env), token, channel: config.slackChannel };
}

/**
 * Whether notices reach Slack at all: a webhook, or the bot and a channel.
 *
 * @param config The fleet configuration.
 * @param env Reads the bot token and the Web API URL.
 * @returns True when {@linkcode sendNotice} would post.
 */
export function slackConfigured(
  config: Pick<FleetConfig, "slackChannel" | "slackWebhookUrl">,
  env: EnvReader,
): boolean {
  if (config.slackWebhookUrl) return true;
  try {
    return slackBotOf(config, env) !== undefined;
  } catch (error) {
    if (error instanceof ConfigError) return false; // sendNotice reports it
    throw error;
  }
}

/** Options of {@linkcode sendNotice}. */
export interface SendNoticeOptions {
  /** The fleet configuration: the webhook, the channel. */
  config: Pick<FleetConfig, "slackChannel" | "slackWebhookUrl">;
  /** Reads the bot token and the Web API URL. */
  env: EnvReader;
  /** The home layout (the thread store). */
  layout: Layout;
  /** The issues and pull requests the notice is about (URLs or `owner/name#n`). */
  subjects?: readonly (string | undefined | null)[];
  /** The clock. */
  now: () => Date;
  /** A warning sink (a quarantined store). */
  warn: (line: string) => void;
  /** Retries, timeout, fetch and redaction of the post. */
  post?: PostOptions;
}

/** Where {@linkcode sendNotice} sent a notice, and how it went. */
export type SentNotice =
  | { via: "none" }
  | { via: "webhook" | "thread" | "channel"; result: PostResult };

/**
 * Sends a notice: into its issue's thread through the bot when the bot is set
 * up (a new thread for an issue not seen yet; the channel itself for a notice
 * about no issue), else to the webhook. Never throws for Slack's failures.
 *
 * @param notice The message.
 * @param options Config, environment, home, subjects, clock, warnings, post options.
 * @returns How it went out; `via: "none"` when Slack is not configured.
 */
export async function sendNotice(notice: Notice, options: SendNoticeOptions): Promise<SentNotice> {
  const bot = slackBotOf(options.config, options.env);
  if (!bot) {
    const url = options.config.slackWebhookUrl;
    if (!url) return { via: "none" };
    return { via: "webhook", result: await postToSlack(url, notice, options.post) };
  }
  const keys = [
    ...new Set(
      (options.subjects ?? []).flatMap((ref) => ref ? [threadKeyOf(ref)].filter(isKey) : []),
    ),
  ];
  if (!keys.length) return { via: "channel", result: await postToSlack(bot, notice, options.post) };
  const file = slackThreadsFile(options.layout);
  return await withFileLock(`${file}.lock`, async () => {
    const store = await readThreads(file, options);
    const known = keys.map((key) => store.threads[key]).find((thread) =>
      thread?.channel === bot.channel
    );
    const broadcast = notice.severity === "error";
    let result = await postToSlack(
      { ...bot, threadTs: known?.ts, broadcast },
      notice,
      options.post,
    );
    let threadTs = known?.ts;
    if (!result.ok && known && /thread/.test(result.error)) {
      // The thread's first message was deleted: start a new thread.
      result = await postToSlack(bot, notice, options.post);
      threadTs = undefined;
    }
    if (!result.ok) return { via: "thread", result };
    const ts = threadTs ?? result.message?.ts;
    if (ts) {
      const now = options.now();
      for (const key of keys) {
        store.threads[key] = { channel: bot.channel, ts, at: now.toISOString() };
      }
      const oldest = now.getTime() - THREAD_KEEP_DAYS * 86_400_000;
      for (const [key, thread] of Object.entries(store.threads)) {
        if (Date.parse(thread.at) < oldest) delete store.threads[key];
      }
      await writeState(file, SlackThreadsFile, store);
    }
    return { via: "thread", result };
  });
}

function isKey(key: string | undefined): key is string {
  return key !== undefined;
}

function readThreads(
  file: string,
  options: { warn: (line: string) => void; now: () => Date },
): Promise<SlackThreadsFile> {
  // Quarantined and reported: the safe choice is new threads, never a lost notice.
  return readStateOr(file, SlackThreadsFile, {
    ...options,
    empty: { version: 1, threads: {} },
    hint: "Notices about issues already under way start new threads.",
  });
}
