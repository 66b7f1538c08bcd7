/**
 * Slack notifications: through the bot token into a channel (`chat.postMessage`,
 * so a notice can go into a thread), or through an incoming webhook.
 *
 * A failing post never fails a firing: every error is returned, with a bounded
 * number of retries, and the caller logs it. Messages are Block Kit with a
 * plain-text fallback.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Slack's Web API, unless `ALFRED_SLACK_API_URL` says otherwise. */
export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";

/**
 * Where a notice goes: an incoming webhook URL, or a channel through the bot
 * token (`chat.postMessage`), optionally as a reply in a thread.
 */
export type SlackDestination = string | {
  /** The Web API base URL, ending with `/` ({@linkcode slackApiUrlFrom}). */
  apiUrl: string;
  /** The bot token (`xoxb-…`): a secret, never logged. */
  token: string;
  /** The channel id. */
  channel: string;
  /** The ts of the thread's first message, to reply in that thread. */
  threadTs?: string;
  /** Also show the reply in the channel (a thread reply that needs attention). */
  broadcast?: boolean;
};
/** How loud a message is. */
export type NoticeSeverity = "info" | "warn" | "error";

/** A message for the fleet channel. */
export interface Notice {
  /** Severity: shipped work is info, blocked work a warning, failures and auto-pauses errors. */
  severity: NoticeSeverity;
  /** The codename that speaks. */
  agent: string;
  /** One-line headline. */
  title: string;
  /** Body in Slack mrkdwn. */
  text: string;
  /** Links shown under the body (issue, PR). */
  links?: { label: string; url: string }[];
}

/** Options of {@linkcode postToSlack}. */
export interface PostOptions {
  /** Attempts in all (default 3). */
  attempts?: number;
  /** Timeout of each attempt in ms (default 10 s). */
  timeoutMs?: number;
  /** Wait between attempts in ms (default 1 s, doubled each time). */
  backoffMs?: number;
  /** The fetch to use (tests pass their own). */
  fetch?: typeof fetch;
  /** Replaces secrets in the text before it is sent. */
  redact?: (text: string) => string;
}

/** The result of {@linkcode postToSlack}: never throws. */
export type PostResult = {
  ok: true;
  attempts: number;
  /** Through the bot token: the posted message's channel and ts (a new thread's ts). */
  message?: { channel: string; ts: string };
} | {
  ok: false;
  attempts: number;
  error: string;
};

const EMOJI: Record<NoticeSeverity, string> = {
  info: ":white_check_mark:",
  warn: ":warning:",
  error: ":x:",
};

/**
 * Builds the Block Kit payload of a notice (pure).
 *
 * @param notice The message.
 * @param options Redaction.
 * @returns The JSON body for the webhook.
 */
export function slackPayload(
  notice: Notice,
  options: { redact?: (text: string) => string } = {},
): Record<string, unknown> {
  const redact = options.redact ?? ((text: string) => text);
  const head = `${EMOJI[notice.severity]} *[${capitalise(notice.agent)}]* ${redact(notice.title)}`;
  const blocks: Record<string, unknown>[] = [
    { type: "section", text: { type: "mrkdwn", text: head } },
  ];
  if (notice.text) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: redact(notice.text).slice(0, 2900) },
    });
  }
  if (notice.links?.length) {
    blocks.push({
      type: "context",
      elements: notice.links.map((link) => ({
        type: "mrkdwn",
        text: `<${link.url}|${link.label}>`,
      })),
    });
  }
  return { text: `[${capitalise(notice.agent)}] ${redact(notice.title)}`, blocks };
}

/**
 * Posts a notice to Slack, retrying a few times: to an incoming webhook, or
 * with the bot token to a channel or thread (`chat.postMessage`, which answers
 * HTTP 200 with `ok: false` for its own errors).
 *
 * Requires network access to the webhook's or the Web API's host.
 *
 * @param destination The webhook URL (a secret: never logged), or the bot's channel.
 * @param notice The message.
 * @param options Retries, timeout, fetch and redaction.
 * @returns Whether it was delivered (with the message's ts for the bot); never throws.
 */
export async function postToSlack(
  destination: SlackDestination,
  notice: Notice,
  options: PostOptions = {},
): Promise<PostResult> {
  const { attempts = 3, timeoutMs = 10_000, backoffMs = 1_000 } = options;
  const doFetch = options.fetch ?? fetch;
  const payload = slackPayload(notice, options);
  const bot = typeof destination === "string" ? undefined : destination;
  const url = bot ? `${bot.apiUrl}chat.postMessage` : destination as string;
  const body = JSON.stringify(
    bot
      ? {
        ...payload,
        channel: bot.channel,
        unfurl_links: false,
        ...(bot.threadTs ? { thread_ts: bot.threadTs } : {}),
        ...(bot.threadTs && bot.broadcast ? { reply_broadcast: true } : {}),
      }
      : payload,
  );
  const secret = bot ? bot.token : url;
  const hide = (text: string) => text.replaceAll(secret, bot ? "<token>" : "<webhook>");
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let waitMs = backoffMs * 2 ** (attempt - 1);
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          ...(bot ? { authorization: `Bearer ${bot.token}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const reply = await response.text();
      const retryAfter = Number(response.headers.get("retry-after"));
      if (response.status === 429 && retryAfter > 0) waitMs = Math.max(waitMs, retryAfter * 1000);
      if (response.ok && !bot) return { ok: true, attempts: attempt };
      if (response.ok && bot) {
        const answer = parseWebApiReply(reply);
        if (answer.ok) {
          return {
            ok: true,
            attempts: attempt,
            message: { channel: answer.channel, ts: answer.ts },
          };
        }
        lastError = `chat.postMessage: ${answer.error}`;
        if (!RETRYABLE_API_ERRORS.has(answer.error)) {
          return { ok: false, attempts: attempt, error: hide(lastError) };
        }
      } else {
        lastError = `HTTP ${response.status}: ${reply.slice(0, 200)}`;
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          return { ok: false, attempts: attempt, error: hide(lastError) };
        }
      }
    } catch (error) {
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return { ok: false, attempts, error: hide(lastError) };
}

/**
 * The Web API base URL from `ALFRED_SLACK_API_URL` (as `ALFRED_GITHUB_API_URL` for GitHub).
 *
 * @param env Reads `ALFRED_SLACK_API_URL`.
 * @returns The URL ending with `/`; {@linkcode DEFAULT_SLACK_API_URL} when unset.
 * @throws {ConfigError} when it is not an http(s) URL.
 */
export function slackApiUrlFrom(env: (name: string) => string | undefined): string {
  const raw = env("ALFRED_SLACK_API_URL")?.trim();
  if (!raw) return DEFAULT_SLACK_API_URL;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConfigError(`ALFRED_SLACK_API_URL is not an http(s) URL (got "${raw}")`, {
      hint: `Unset it to use ${DEFAULT_SLACK_API_URL}, or give the base URL of the Web API.`,
    });
  }
  return raw.endsWith("/") ? raw : `${raw}/`;
}

/** Web API errors worth another attempt (docs.slack.dev: rate limits and Slack's own faults). */
const RETRYABLE_API_ERRORS = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

function parseWebApiReply(
  text: string,
): { ok: true; channel: string; ts: string } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, error: `not JSON: ${text.slice(0, 100)}` };
  }
  const reply = value as { ok?: unknown; ts?: unknown; channel?: unknown; error?: unknown };
  if (reply?.ok === true && typeof reply.ts === "string" && typeof reply.channel === "string") {
    return { ok: true, channel: reply.channel, ts: reply.ts };
  }
  return { ok: false, error: typeof reply?.error === "string" ? reply.error : "no ts in reply" };
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
