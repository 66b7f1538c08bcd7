/**
 * Slack notifications through an incoming webhook.
 *
 * A failing webhook never fails a firing: every error is returned, with a
 * bounded number of retries, and the caller logs it. Messages are Block Kit
 * with a plain-text fallback.
 *
 * @module
 */

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
export type PostResult = { ok: true; attempts: number } | {
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
 * Posts a notice to a Slack incoming webhook, retrying a few times.
 *
 * Requires network access to the webhook's host.
 *
 * @param webhookUrl The webhook URL (a secret: never logged).
 * @param notice The message.
 * @param options Retries, timeout, fetch and redaction.
 * @returns Whether it was delivered; never throws.
 */
export async function postToSlack(
  webhookUrl: string,
  notice: Notice,
  options: PostOptions = {},
): Promise<PostResult> {
  const { attempts = 3, timeoutMs = 10_000, backoffMs = 1_000 } = options;
  const doFetch = options.fetch ?? fetch;
  const body = JSON.stringify(slackPayload(notice, options));
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await doFetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const reply = await response.text();
      if (response.ok) return { ok: true, attempts: attempt };
      lastError = `HTTP ${response.status}: ${reply.slice(0, 200)}`;
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        return {
          ok: false,
          attempts: attempt,
          error: lastError.replaceAll(webhookUrl, "<webhook>"),
        };
      }
    } catch (error) {
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
    }
  }
  return { ok: false, attempts, error: lastError.replaceAll(webhookUrl, "<webhook>") };
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
