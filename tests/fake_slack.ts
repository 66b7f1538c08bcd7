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
