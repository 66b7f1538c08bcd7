/**
 * The Slack listener: a Socket Mode connection made with Slack's own SDKs
 * (`@slack/socket-mode` for the connection, `@slack/web-api` for answers),
 * dispatching DMs, mentions and button presses to slack/conversation.ts.
 *
 * Robustness:
 * - every envelope is acknowledged first, before any slow work (Slack wants
 *   the ack within 3 s and retries otherwise; a retried event already seen is
 *   dropped);
 * - when Slack drops the connection or asks for a refresh, the SDK opens a new
 *   one after {@linkcode ListenerOptions.reconnectMs}, longer after each
 *   failure in a row;
 * - on abort (SIGTERM) it stops taking events, closes the connection and
 *   waits for answers under way, within {@linkcode ListenerOptions.shutdownMs};
 * - tokens are never logged, stored or echoed: every log line goes through a
 *   redactor that knows them.
 *
 * @module
 */
import { type Logger as SdkLogger, LogLevel, SocketModeClient } from "@slack/socket-mode";
import { WebClient } from "@slack/web-api";
import { z } from "zod";
import { fireDetached, type OperatorContext, type Runtime } from "../runner/control/mod.ts";
import { AlfredError, ConfigError } from "../runner/errors.ts";
import {
  createGitHubClient,
  etagFileOf,
  type GitHubClient,
  resolveToken,
} from "../runner/github/client.ts";
import { loginCacheFile, resolveTrustedAuthors } from "../runner/claims/trust.ts";
import { type Logger, openAgentLog } from "../runner/firing/log.ts";
import { createRedactor, type Redactor } from "../runner/redact.ts";
import { firingEndedMessage, type SlackMessage } from "./blocks.ts";
import {
  answerButton,
  answerMessage,
  type ConversationDeps,
  type SlackPort,
} from "./conversation.ts";
import { awaitFiringEnd, changeWatches, type FiringWatch, listWatches } from "./firing_watch.ts";
import type { SlackSettings } from "./settings.ts";

/** The listener's log folder under `logs/`. */
export const LISTENER_LOG = "slack";

/** The first wait before reconnecting; Slack asks for a refresh every few hours. */
export const RECONNECT_MS = 5_000;

/** How long a stop may take in all; the service manager kills it at 10 s. */
export const SHUTDOWN_MS = 3_000;

/** Web API calls: a timeout each, and a few retries (Slack's 429 waits included). */
const API_TIMEOUT_MS = 10_000;
const API_RETRIES = 2;

/** The longest wait between two attempts to open a connection. */
const MAX_RECONNECT_WAIT_MS = 5 * 60_000;

/**
 * Web API errors that mean a token is wrong or lacks a scope: a restart cannot
 * fix them, so the listener exits with the configuration exit code (3).
 */
const AUTH_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "not_allowed_token_type",
  "team_disabled",
  "user_removed_from_team",
]);

/** Event ids remembered to drop Slack's retries of an event already answered. */
const SEEN_EVENTS = 1_000;

/** Options of {@linkcode runSlackListener}. */
export interface ListenerOptions {
  /** The operator's world. */
  context: OperatorContext;
  /** Tokens and API URL. */
  settings: SlackSettings;
  /** Aborting stops the listener. */
  signal: AbortSignal;
  /** The first reconnect wait (the SDK multiplies it by the failures in a row). Default {@linkcode RECONNECT_MS}. */
  reconnectMs?: number;
  /** How long a stop may take. Default {@linkcode SHUTDOWN_MS}. */
  shutdownMs?: number;
  /** How often a started firing's end is looked for. Default: slack/firing_watch.ts. */
  watchPollMs?: number;
  /** How firings are started (tests: the runtime). */
  runtime?: Runtime;
  /** Called once connected (tests). */
  onConnected?: () => void;
}

/** The fields of a message event the listener reads. */
const MessageEvent = z.looseObject({
  type: z.string(),
  user: z.string().optional(),
  text: z.string().optional(),
  channel: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  channel_type: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
});

/** The fields of a `block_actions` payload the listener reads. */
const BlockActions = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({ id: z.string() }),
  channel: z.looseObject({ id: z.string() }).optional(),
  container: z.looseObject({
    channel_id: z.string().optional(),
    message_ts: z.string().optional(),
  }).optional(),
  actions: z.array(z.looseObject({
    action_id: z.string(),
    value: z.string().optional(),
    action_ts: z.string().optional(),
  })),
});

/**
 * Runs the listener until `signal` aborts.
 *
 * Requires network access to Slack's Web API and Socket Mode hosts and to
 * GitHub, read and write access to `ALFRED_HOME`, and `--allow-run` for the
 * agents' binaries (`fire`) and the scheduler's programs (`pause`).
 *
 * @param options The world, tokens, stop signal and timings.
 * @returns 0 once stopped.
 * @throws {ConfigError} when Slack refuses a token or the app is not set up for Socket Mode.
 */
export async function runSlackListener(options: ListenerOptions): Promise<number> {
  const { context, settings } = options;
  const redact = createRedactor({ secrets: [settings.appToken, settings.botToken] });
  const log = openAgentLog(context.layout, LISTENER_LOG, {
    now: context.now,
    redact,
    echo: (line) => context.stderr(line),
  });
  const sdkLogger = sdkLoggerOf(log, redact);
  const web = new WebClient(settings.botToken, {
    slackApiUrl: settings.apiUrl,
    logger: sdkLogger,
    timeout: API_TIMEOUT_MS,
    retryConfig: { retries: API_RETRIES, factor: 2, minTimeout: 1_000 },
  });
  const botUser = await whoAmI(web);
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const done = work.catch((error) => void log.error(`unexpected: ${describe(error)}`))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const port = webPort(web);
  const io = { warn: (line: string) => void log.warn(line), now: context.now };
  const follow = (watch: FiringWatch, exited?: Promise<number | null>) =>
    followFiring(watch, { ...options, log, port, exited, stop: stopping.signal });
  let token: Promise<string> | undefined;
  const tokenOf = () => token ??= resolveToken(context.env);
  let github: Promise<GitHubClient> | undefined;
  const githubOf = () =>
    github ??= tokenOf().then((resolved) =>
      createGitHubClient({
        env: context.env,
        token: resolved,
        etagFile: etagFileOf(context.layout, LISTENER_LOG),
        log: (line) => void log.warn(redact(line)),
      })
    );
  const deps: ConversationDeps = {
    context,
    port,
    log,
    github: githubOf,
    trusted: async (config) =>
      resolveTrustedAuthors(await githubOf(), {
        token: await tokenOf(),
        configured: config.githubTrustedLogins,
        cacheFile: loginCacheFile(context.layout),
        now: context.now,
        warn: (line) => void log.warn(redact(line)),
      }),
    fire: (codename) => fireDetached(codename, context, { runtime: options.runtime }),
    // Recorded before it is followed: a quick end removes it only once it is there.
    follow: (watch, exited) =>
      track(changeWatches(context.layout, { add: watch }, io).then(() => follow(watch, exited))),
  };
  for (const watch of await listWatches(context.layout, io)) track(follow(watch));

  const socket = new SocketModeClient({
    appToken: settings.appToken,
    logger: sdkLogger,
    clientPingTimeout: options.reconnectMs ?? RECONNECT_MS,
    clientOptions: {
      slackApiUrl: settings.apiUrl,
      timeout: API_TIMEOUT_MS,
      // Opening a connection is retried for about 25 minutes (5 s, 10 s, … up to 5 min apart)
      // before the listener gives up and exits 1 (a service is then restarted).
      retryConfig: {
        retries: 10,
        factor: 2,
        minTimeout: options.reconnectMs ?? RECONNECT_MS,
        maxTimeout: MAX_RECONNECT_WAIT_MS,
      },
    },
  });
  const seen = new Set<string>();
  const firstTime = (id: string | undefined) => {
    if (!id) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > SEEN_EVENTS) seen.delete(seen.values().next().value!);
    return true;
  };
  const onMessage = async (
    args: { ack: () => Promise<void>; body?: { event_id?: string }; event: unknown },
  ) => {
    await acknowledge(args.ack, log);
    if (stopping.signal.aborted || !firstTime(args.body?.event_id)) return;
    const event = MessageEvent.safeParse(args.event);
    if (!event.success) return void log.warn(`ignored a malformed ${describeEvent(args.event)}`);
    const message = event.data;
    const direct = message.type === "app_mention" || message.channel_type === "im";
    if (!direct || message.bot_id || message.subtype || !message.user) return;
    if (message.user === botUser) return;
    track(answerMessage({
      user: message.user,
      text: message.text ?? "",
      channel: message.channel,
      ts: message.ts,
      threadTs: message.thread_ts,
    }, deps));
  };
  socket.on("message", onMessage);
  socket.on("app_mention", onMessage);
  socket.on("interactive", async (args: { ack: () => Promise<void>; body: unknown }) => {
    await acknowledge(args.ack, log);
    if (stopping.signal.aborted) return;
    const payload = BlockActions.safeParse(args.body);
    if (!payload.success) return;
    const { user, actions } = payload.data;
    const channel = payload.data.channel?.id ?? payload.data.container?.channel_id;
    for (const action of actions) {
      if (!channel || !action.value || !action.action_id.startsWith("alfred_")) continue;
      if (!firstTime(`${action.action_id}:${action.value}:${user.id}:${action.action_ts ?? ""}`)) {
        continue;
      }
      track(answerButton({
        user: user.id,
        actionId: action.action_id,
        value: action.value,
        channel,
        messageTs: payload.data.container?.message_ts,
      }, deps));
    }
  });
  socket.on("connected", () => {
    void log.info("connected to Slack (Socket Mode)");
    options.onConnected?.();
  });
  socket.on("reconnecting", () => void log.info("reconnecting to Slack"));
  socket.on("disconnected", () => void log.info("disconnected from Slack"));

  const fatal = new Promise<never>((_, reject) => {
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      globalThis.removeEventListener("unhandledrejection", onRejection);
      reject(startError(event.reason));
    };
    globalThis.addEventListener("unhandledrejection", onRejection);
    options.signal.addEventListener("abort", () => {
      globalThis.removeEventListener("unhandledrejection", onRejection);
    }, { once: true });
  });
  fatal.catch(() => {});
  try {
    await Promise.race([socket.start().catch((error) => Promise.reject(startError(error))), fatal]);
  } catch (error) {
    await stop({ socket, stopping, inFlight, ms: options.shutdownMs ?? SHUTDOWN_MS });
    throw error;
  }
  context.stdout(`Listening to Slack as <@${botUser}>; SIGTERM or Ctrl-C stops.`);
  await log.info(`listening as ${botUser}`);
  const stopped = new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([stopped, fatal]);
  } finally {
    await log.info("stopping");
    await stop({ socket, stopping, inFlight, ms: options.shutdownMs ?? SHUTDOWN_MS });
    await log.info("stopped");
  }
  return 0;
}

/** Closes the connection and waits for work under way, all within `ms`. */
async function stop(
  options: {
    socket: SocketModeClient;
    stopping: AbortController;
    inFlight: Set<Promise<void>>;
    ms: number;
  },
): Promise<void> {
  options.stopping.abort();
  const deadline = Date.now() + options.ms;
  const within = <T>(work: Promise<T>) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    return Promise.race([work.then(() => {}, () => {}), timeout]).finally(() =>
      clearTimeout(timer)
    );
  };
  await within(Promise.allSettled([...options.inFlight]));
  // The SDK waits up to 30 s for Slack to finish the close handshake: do not.
  await within(options.socket.disconnect());
}

/** Follows a started firing and posts its outcome in its thread, then forgets it. */
async function followFiring(
  watch: FiringWatch,
  options: ListenerOptions & {
    log: Logger;
    port: SlackPort;
    exited?: Promise<number | null>;
    stop: AbortSignal;
  },
): Promise<void> {
  const { context } = options;
  const end = await awaitFiringEnd(watch, {
    layout: context.layout,
    now: context.now,
    pollMs: options.watchPollMs,
    exited: options.exited,
    signal: options.stop,
  });
  if (!end) return; // stopping: the watch stays in state for the next run
  const message = firingEndedMessage(watch.codename, watch.firing_id, end);
  await options.port.post(watch.channel, watch.thread_ts, message);
  await options.log.info(`firing ${watch.firing_id} of ${watch.codename}: ${message.text}`);
  await changeWatches(context.layout, { remove: watch.firing_id }, {
    warn: (line) => void options.log.warn(line),
    now: context.now,
  });
}

async function acknowledge(ack: () => Promise<void>, log: Logger): Promise<void> {
  try {
    await ack();
  } catch (error) {
    // The connection went away before the ack: Slack will send the event again.
    await log.warn(`could not acknowledge an envelope: ${describe(error)}`);
  }
}

/** The bot's own user id (`auth.test`), to tell its messages and mentions apart. */
async function whoAmI(web: WebClient): Promise<string> {
  let reply;
  try {
    reply = await web.auth.test();
  } catch (error) {
    throw slackError(error, {
      what: "ALFRED_SLACK_BOT_TOKEN",
      hint: "Check the bot token (OAuth & Permissions → Bot User OAuth Token) and that the " +
        "app is installed in the workspace; docs/SLACK.md.",
    });
  }
  if (typeof reply.user_id !== "string") {
    throw new AlfredError("Slack's auth.test returned no user_id", {
      hint: "Check ALFRED_SLACK_API_URL: it must be Slack's Web API (https://slack.com/api/).",
    });
  }
  return reply.user_id;
}

function startError(error: unknown): AlfredError {
  if (error instanceof AlfredError) return error;
  return slackError(error, {
    what: "ALFRED_SLACK_APP_TOKEN",
    hint: "Check the app-level token (connections:write) and that Socket Mode is on in the " +
      "app's settings; docs/SLACK.md.",
  });
}

/**
 * A Slack failure for the operator: a refused token is a configuration error
 * (exit 3: a service is not restarted in a loop); anything else (Slack or the
 * network down, for longer than the retries) exits 1, and a service is restarted.
 */
function slackError(error: unknown, options: { what: string; hint: string }): AlfredError {
  const code = (error as { data?: { error?: unknown } })?.data?.error;
  if (typeof code === "string" && AUTH_ERRORS.has(code)) {
    return new ConfigError(`Slack refused ${options.what} (${code})`, {
      hint: options.hint,
      cause: error,
    });
  }
  return new AlfredError(`Slack could not be reached: ${describe(error)}`, {
    hint: "Check the network and ALFRED_SLACK_API_URL; as a service, the listener is started " +
      "again in a few seconds.",
    cause: error,
  });
}

function webPort(web: WebClient): SlackPort {
  return {
    async post(channel: string, threadTs: string | undefined, message: SlackMessage) {
      const reply = await web.chat.postMessage(
        {
          channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        } as Parameters<WebClient["chat"]["postMessage"]>[0],
      );
      return String(reply.ts ?? "");
    },
    async update(channel: string, ts: string, message: SlackMessage) {
      await web.chat.update(
        { channel, ts, text: message.text, blocks: message.blocks } as Parameters<
          WebClient["chat"]["update"]
        >[0],
      );
    },
  };
}

/** The SDKs' logger: warnings and errors to the listener's log (redacted), the rest dropped. */
function sdkLoggerOf(log: Logger, redact: Redactor): SdkLogger {
  const line = (parts: unknown[]) => redact(parts.map((part) => describe(part)).join(" "));
  return {
    debug: () => {},
    info: (...parts: unknown[]) => void log.info(line(parts)),
    warn: (...parts: unknown[]) => void log.warn(line(parts)),
    error: (...parts: unknown[]) => void log.warn(line(parts)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
}

function describeEvent(event: unknown): string {
  const type = (event as { type?: unknown })?.type;
  return typeof type === "string" ? `${type} event` : "event";
}
