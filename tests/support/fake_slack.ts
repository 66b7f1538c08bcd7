/**
 * A loopback Slack incoming webhook: records every JSON message posted to it.
 *
 * @module
 */

/** One message received. */
export interface SlackMessage {
  /** The fallback text. */
  text: string;
  /** The Block Kit blocks. */
  blocks: unknown[];
}

/** The running fake. */
export interface FakeSlack extends AsyncDisposable {
  /** The webhook URL, `http://127.0.0.1:<port>/services/T000/B000/XXXX`. */
  readonly url: string;
  /** Messages received, in order. */
  readonly messages: SlackMessage[];
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the fake webhook on 127.0.0.1, port 0. It answers `ok` like Slack.
 *
 * @returns The running fake.
 */
export function startFakeSlack(): FakeSlack {
  const messages: SlackMessage[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.method !== "POST") return new Response("invalid_method", { status: 405 });
    const body = JSON.parse(await req.text()) as { text?: string; blocks?: unknown[] };
    if (typeof body.text !== "string") return new Response("no_text", { status: 400 });
    messages.push({ text: body.text, blocks: body.blocks ?? [] });
    return new Response("ok");
  });
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}/services/T000/B000/XXXX`,
    messages,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** One Web API call the bot made that posts or changes a message. */
export interface PostedMessage {
  /** `chat.postMessage` or `chat.update`. */
  method: "chat.postMessage" | "chat.update";
  /** The channel. */
  channel: string;
  /** The message's ts (new for a post, the updated one for an update). */
  ts: string;
  /** The thread it was posted in, if any. */
  thread_ts?: string;
  /** The fallback text. */
  text: string;
  /** The Block Kit blocks. */
  blocks: Record<string, unknown>[];
  /** Whether a thread reply was also shown in the channel. */
  reply_broadcast?: boolean;
}

/** What the fake received back for an envelope it sent. */
export interface Ack {
  /** The envelope's id. */
  envelope_id: string;
  /** Milliseconds from sending the envelope to its ack. */
  ms: number;
  /** How many messages the bot had posted when the ack arrived. */
  postedBefore: number;
}

/** Options of {@linkcode startFakeSlackApi}. */
export interface FakeSlackApiOptions {
  /** The app-level token `apps.connections.open` accepts. */
  appToken: string;
  /** The bot token the other methods accept. */
  botToken: string;
  /** The bot's user id (`auth.test`). Default `U0ALFRED`. */
  botUserId?: string;
}

/** The running fake of Slack's Web API and Socket Mode. */
export interface FakeSlackApi extends AsyncDisposable {
  /** The Web API base URL, `http://127.0.0.1:<port>/api/` (ALFRED_SLACK_API_URL). */
  readonly apiUrl: string;
  /** `127.0.0.1:<port>`: the Web API and Socket Mode host. */
  readonly host: string;
  /** Messages posted and updated, in order. */
  readonly messages: PostedMessage[];
  /** Web API methods called, in order, with whether the right token came. */
  readonly calls: { method: string; authorized: boolean }[];
  /** Socket Mode connections opened so far (each got a `hello`). */
  connections(): number;
  /** Waits until `pick` returns something (checked on every change), or fails after `timeoutMs`. */
  waitFor<T>(
    pick: () => T | undefined,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  /** Sends an `events_api` envelope with this event; resolves with its ack. */
  sendEvent(event: Record<string, unknown>): Promise<Ack>;
  /** Sends an `interactive` `block_actions` envelope: a button press; resolves with its ack. */
  pressButton(
    press: { user: string; actionId: string; value: string; channel: string; messageTs: string },
  ): Promise<Ack>;
  /** Sends a `disconnect` envelope (Slack asks the client to reconnect). */
  askToReconnect(reason?: "refresh_requested" | "warning" | "link_disabled"): void;
  /** Closes the connection abruptly, as a dropped network would. */
  dropConnection(): void;
  /** Stops the server and closes the connection. */
  close(): Promise<void>;
}

/**
 * Starts a loopback fake of Slack's Web API (`apps.connections.open`,
 * `auth.test`, `chat.postMessage`, `chat.update`) and of Socket Mode: the
 * WebSocket URL it hands out says `hello`, sends the envelopes a test asks
 * for, records their acks, and sends `disconnect` or drops on demand.
 * Envelopes follow docs.slack.dev ("Using Socket Mode").
 *
 * @param options The tokens it accepts and the bot's user id.
 * @returns The running fake.
 */
export function startFakeSlackApi(options: FakeSlackApiOptions): FakeSlackApi {
  const botUserId = options.botUserId ?? "U0ALFRED";
  const messages: PostedMessage[] = [];
  const calls: { method: string; authorized: boolean }[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const wake of [...waiters]) wake();
  };
  const pendingAcks = new Map<string, (ack: Ack) => void>();
  let socket: WebSocket | undefined;
  let opened = 0;
  let tickets = 0;
  let seq = 0;
  const nextTs = () => `1764240000.${String(++seq).padStart(6, "0")}`;
  let envelopes = 0;

  let port = 0;
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/link/") {
      if (req.headers.get("upgrade") !== "websocket") return new Response("no", { status: 400 });
      const { socket: ws, response } = Deno.upgradeWebSocket(req);
      ws.onopen = () => {
        socket = ws;
        opened++;
        ws.send(JSON.stringify({
          type: "hello",
          num_connections: 1,
          debug_info: {
            host: "applink-fake",
            build_number: 1,
            approximate_connection_time: 18060,
          },
          connection_info: { app_id: "A0ALFRED" },
        }));
        resendUnacked(ws);
        changed();
      };
      ws.onmessage = (event) => {
        const data = JSON.parse(String(event.data)) as { envelope_id?: string };
        if (data.envelope_id) {
          pendingAcks.get(data.envelope_id)?.({
            envelope_id: data.envelope_id,
            ms: 0,
            postedBefore: messages.length,
          });
        }
      };
      ws.onclose = () => {
        if (socket === ws) socket = undefined;
        changed();
      };
      return response;
    }
    const method = url.pathname.replace(/^\/api\//, "");
    const auth = req.headers.get("authorization") ?? "";
    const body = await readBody(req);
    const wanted = method === "apps.connections.open" ? options.appToken : options.botToken;
    const authorized = auth === `Bearer ${wanted}` || body.token === wanted;
    calls.push({ method, authorized });
    const answer = (value: Record<string, unknown>) => Response.json(value);
    if (!authorized) {
      return answer({ ok: false, error: auth || body.token ? "invalid_auth" : "not_authed" });
    }
    switch (method) {
      case "apps.connections.open":
        return answer({
          ok: true,
          url: `ws://127.0.0.1:${port}/link/?ticket=${++tickets}&app_id=A0ALFRED`,
        });
      case "auth.test":
        return answer({
          ok: true,
          url: "https://fake.slack.com/",
          team: "Fake",
          user: "alfred",
          team_id: "T0FAKE",
          user_id: botUserId,
          bot_id: "B0ALFRED",
        });
      case "chat.postMessage":
      case "chat.update": {
        const channel = String(body.channel ?? "");
        if (!channel) return answer({ ok: false, error: "channel_not_found" });
        const ts = method === "chat.update" ? String(body.ts) : nextTs();
        messages.push({
          method,
          channel,
          ts,
          ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}),
          text: String(body.text ?? ""),
          blocks: (body.blocks ?? []) as Record<string, unknown>[],
          ...(body.reply_broadcast ? { reply_broadcast: true } : {}),
        });
        changed();
        return answer({ ok: true, channel, ts, message: { text: body.text, ts } });
      }
      default:
        return answer({ ok: false, error: "unknown_method" });
    }
  });

  port = server.addr.port;
  /** Events not acknowledged yet: Slack sends them again on the next connection. */
  const unacked = new Map<string, Record<string, unknown>>();
  const send = async (envelope: Record<string, unknown>): Promise<Ack> => {
    const id = `env-${++envelopes}`;
    // A test may send while the client is between connections: wait for the next one.
    const ws = socket ?? await waitForSocket();
    const started = performance.now();
    const acked = new Promise<Ack>((resolve) => {
      pendingAcks.set(id, (ack) => {
        pendingAcks.delete(id);
        unacked.delete(id);
        resolve({ ...ack, ms: performance.now() - started });
      });
    });
    const message = { envelope_id: id, ...envelope };
    if (envelope.type === "events_api") unacked.set(id, message);
    ws.send(JSON.stringify(message));
    return await acked;
  };
  const waitForSocket = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error("fake slack: no Socket Mode connection within 10 s"));
      }, 10_000);
      const check = () => {
        if (!socket || socket.readyState !== WebSocket.OPEN) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(socket);
      };
      waiters.add(check);
    });
  const resendUnacked = (ws: WebSocket) => {
    for (const message of unacked.values()) {
      const attempt = Number(message.retry_attempt ?? 0) + 1;
      Object.assign(message, { retry_attempt: attempt, retry_reason: "timeout" });
      ws.send(JSON.stringify(message));
    }
  };

  const close = async () => {
    try {
      socket?.close();
    } catch (error) {
      if (!(error instanceof DOMException)) throw error;
    }
    await server.shutdown();
  };
  return {
    apiUrl: `http://127.0.0.1:${server.addr.port}/api/`,
    host: `127.0.0.1:${server.addr.port}`,
    messages,
    calls,
    connections: () => opened,
    waitFor<T>(pick: () => T | undefined, waitOptions: { timeoutMs?: number; what?: string } = {}) {
      const timeoutMs = waitOptions.timeoutMs ?? 30_000;
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = pick();
          if (found === undefined || found === false) return false;
          waiters.delete(check);
          clearTimeout(timer);
          clearInterval(poll);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          clearInterval(poll);
          const recent = messages.slice(-5).map((m) =>
            `${m.method} ${m.channel} ts=${m.ts} thread=${m.thread_ts ?? "-"}: ${m.text}`
          );
          reject(
            new Error(
              `fake slack: timed out waiting for ${waitOptions.what ?? "a change"}; ` +
                `last messages:\n${recent.join("\n")}`,
            ),
          );
        }, timeoutMs);
        // Some conditions change outside the fake (files, processes): look again now and then.
        const poll = setInterval(check, 100);
        waiters.add(check);
        check();
      });
    },
    sendEvent(event) {
      return send({
        type: "events_api",
        accepts_response_payload: false,
        retry_attempt: 0,
        retry_reason: "",
        payload: {
          token: "verification-token-not-used",
          team_id: "T0FAKE",
          api_app_id: "A0ALFRED",
          event: { event_ts: event.ts, ...event },
          type: "event_callback",
          event_id: `Ev${String(++envelopes).padStart(8, "0")}`,
          event_time: 1764240000,
          authorizations: [{ team_id: "T0FAKE", user_id: botUserId, is_bot: true }],
          is_ext_shared_channel: false,
        },
      });
    },
    pressButton(press) {
      return send({
        type: "interactive",
        accepts_response_payload: false,
        payload: {
          type: "block_actions",
          team: { id: "T0FAKE", domain: "fake" },
          user: { id: press.user, username: press.user.toLowerCase(), team_id: "T0FAKE" },
          api_app_id: "A0ALFRED",
          token: "verification-token-not-used",
          container: {
            type: "message",
            message_ts: press.messageTs,
            channel_id: press.channel,
            is_ephemeral: false,
          },
          trigger_id: `trigger-${envelopes}`,
          channel: { id: press.channel, name: "directmessage" },
          message: { type: "message", ts: press.messageTs, bot_id: "B0ALFRED" },
          response_url: "https://hooks.slack.com/actions/T0FAKE/1/fake",
          actions: [{
            action_id: press.actionId,
            block_id: `draft-${press.value}`,
            text: { type: "plain_text", text: press.actionId, emoji: true },
            value: press.value,
            type: "button",
            action_ts: `1764240000.${String(envelopes).padStart(6, "0")}`,
          }],
        },
      });
    },
    askToReconnect(reason = "refresh_requested") {
      socket?.send(JSON.stringify({
        type: "disconnect",
        reason,
        debug_info: { host: "applink-fake" },
      }));
    },
    dropConnection() {
      // A close without a close frame from our side: end the TCP stream.
      const ws = socket;
      socket = undefined;
      ws?.close(1006 as number);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text) return {};
  if ((req.headers.get("content-type") ?? "").includes("json")) return JSON.parse(text);
  const form = Object.fromEntries(new URLSearchParams(text));
  const parsed: Record<string, unknown> = { ...form };
  for (const key of ["blocks", "attachments"]) {
    if (typeof form[key] === "string") parsed[key] = JSON.parse(form[key]);
  }
  return parsed;
}
