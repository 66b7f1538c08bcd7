/**
 * A scripted Anthropic Messages API on 127.0.0.1, for running the real
 * `claude` CLI in tests.
 *
 * Each `POST /v1/messages` takes the next scripted reply from a queue and
 * answers the way the real API does: server-sent events (`message_start`,
 * `content_block_*`, `message_delta`, `message_stop`) for a streaming request,
 * one JSON message for a non-streaming one (the CLI's retry after a broken
 * stream), or an error body with its status and headers. `count_tokens` is
 * answered without using the queue. Anything else is answered 404, logged
 * and recorded in `unknown`.
 *
 * @module
 */

/** Token usage of one scripted reply. */
export interface FakeUsage {
  /** Input tokens reported in `message_start`. */
  input_tokens: number;
  /** Output tokens reported in `message_delta`. */
  output_tokens: number;
}

/** One scripted answer to a streaming Messages request. */
export type ScriptedReply =
  | { kind: "text"; text: string; usage?: FakeUsage }
  | {
    kind: "tool_use";
    name: string;
    input: Record<string, unknown>;
    text?: string;
    usage?: FakeUsage;
  }
  | {
    kind: "error";
    status: number;
    type: string;
    message: string;
    headers?: Record<string, string>;
  }
  /** Sends headers and `message_start`, then nothing: a stalled stream. */
  | { kind: "stall" }
  /** Never sends headers. */
  | { kind: "hang" }
  /** A 200 event-stream whose body is not SSE. */
  | { kind: "garbage"; body: string };

/** A request the fake received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  path: string;
  /** Parsed JSON body, when it was JSON. */
  body: unknown;
  /** Request headers. */
  headers: Record<string, string>;
}

/** A running fake. */
export interface FakeAnthropic extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the value for `ANTHROPIC_BASE_URL`. */
  readonly baseUrl: string;
  /** Messages requests that took a scripted reply, in order. */
  readonly requests: RecordedRequest[];
  /** Side requests (count_tokens). */
  readonly sideRequests: RecordedRequest[];
  /** Requests to paths the fake does not know. */
  readonly unknown: RecordedRequest[];
  /** Adds replies to the queue. */
  push(...replies: ScriptedReply[]): void;
  /** Stops the server, ending stalled and hanging replies. */
  close(): Promise<void>;
}

/** Options of {@linkcode startFakeAnthropic}. */
export interface FakeAnthropicOptions {
  /** The queue of replies. */
  replies?: ScriptedReply[];
  /** What to answer when the queue is empty. Default: a 500 `api_error`. */
  whenEmpty?: ScriptedReply;
  /**
   * Chooses the reply from the request itself, before the queue is looked at
   * (`undefined` falls back to the queue): a script per conversation, for
   * several engines talking to one fake at once.
   */
  reply?: (request: RecordedRequest) => ScriptedReply | undefined;
}

const DEFAULT_USAGE: FakeUsage = { input_tokens: 100, output_tokens: 20 };

/**
 * Starts the fake on 127.0.0.1 with a random port.
 *
 * @param options The scripted replies.
 * @returns The running fake; dispose it (or call `close`) at the end.
 */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): FakeAnthropic {
  const queue = [...(options.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const sideRequests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const closing = new AbortController();
  let messageCount = 0;

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    const recorded: RecordedRequest = {
      method: req.method,
      path: url.pathname + url.search,
      body: parseJson(text),
      headers: Object.fromEntries(req.headers),
    };
    if (req.method === "POST" && url.pathname === "/v1/messages/count_tokens") {
      sideRequests.push(recorded);
      return Response.json({ input_tokens: 100 });
    }
    if (req.method === "POST" && url.pathname === "/v1/messages") {
      const body = recorded.body as { stream?: boolean; model?: string } | undefined;
      // A non-streaming request is the CLI's retry of a failed stream: it takes
      // the next reply too, answered as one JSON message.
      requests.push(recorded);
      messageCount++;
      const reply = options.reply?.(recorded) ?? queue.shift() ?? options.whenEmpty ??
        { kind: "error", status: 500, type: "api_error", message: "fake: no scripted reply left" };
      const model = body?.model ?? "claude-fake";
      if (!body?.stream && (reply.kind === "text" || reply.kind === "tool_use")) {
        return Response.json(messageJson(model, reply, `msg_fake_${messageCount}`));
      }
      const streamed = !body?.stream && reply.kind === "stall" ? { kind: "hang" as const } : reply;
      return await answer(streamed, model, `msg_fake_${messageCount}`, closing.signal);
    }
    unknown.push(recorded);
    console.error(`fake_anthropic: unknown request ${req.method} ${recorded.path}`);
    return Response.json({ type: "error", error: { type: "not_found_error", message: "fake" } }, {
      status: 404,
    });
  });

  const close = async () => {
    closing.abort();
    await server.shutdown();
  };
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    requests,
    sideRequests,
    unknown,
    push: (...replies) => void queue.push(...replies),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function answer(
  reply: ScriptedReply,
  model: string,
  id: string,
  closing: AbortSignal,
): Promise<Response> {
  switch (reply.kind) {
    case "error":
      return new Response(
        JSON.stringify({
          type: "error",
          error: { type: reply.type, message: reply.message },
          request_id: "req_fake",
        }),
        {
          status: reply.status,
          headers: {
            "content-type": "application/json",
            "request-id": "req_fake",
            ...reply.headers,
          },
        },
      );
    case "garbage":
      return new Response(reply.body, { headers: { "content-type": "text/event-stream" } });
    case "hang":
      await new Promise<void>((resolve) => closing.addEventListener("abort", () => resolve()));
      return new Response("closing", { status: 503 });
    case "stall": {
      const first = sse("message_start", messageStart(id, model, DEFAULT_USAGE));
      let cancelled = false;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(first));
          closing.addEventListener("abort", () => {
            if (!cancelled) controller.close();
          });
        },
        cancel() {
          // The client went away (e.g. the engine was killed).
          cancelled = true;
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    }
    case "text":
    case "tool_use":
      return new Response(streamBody(reply, model, id), {
        headers: { "content-type": "text/event-stream", "request-id": "req_fake" },
      });
  }
}

function streamBody(
  reply: Extract<ScriptedReply, { kind: "text" | "tool_use" }>,
  model: string,
  id: string,
): string {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const parts = [sse("message_start", messageStart(id, model, usage))];
  let index = 0;
  const text = reply.kind === "text" ? reply.text : reply.text;
  if (text) {
    parts.push(
      sse("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      }),
      sse("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text },
      }),
      sse("content_block_stop", { type: "content_block_stop", index }),
    );
    index++;
  }
  if (reply.kind === "tool_use") {
    parts.push(
      sse("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: `toolu_${id}`, name: reply.name, input: {} },
      }),
      sse("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(reply.input) },
      }),
      sse("content_block_stop", { type: "content_block_stop", index }),
    );
  }
  parts.push(
    sse("message_delta", {
      type: "message_delta",
      delta: {
        stop_reason: reply.kind === "tool_use" ? "tool_use" : "end_turn",
        stop_sequence: null,
      },
      usage: { output_tokens: usage.output_tokens },
    }),
    sse("message_stop", { type: "message_stop" }),
  );
  return parts.join("");
}

function messageStart(id: string, model: string, usage: FakeUsage) {
  return {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  };
}

function messageJson(
  model: string,
  reply: Extract<ScriptedReply, { kind: "text" | "tool_use" }>,
  id: string,
) {
  const content: unknown[] = reply.text ? [{ type: "text", text: reply.text }] : [];
  if (reply.kind === "tool_use") {
    content.push({ type: "tool_use", id: `toolu_${id}`, name: reply.name, input: reply.input });
  }
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: reply.kind === "tool_use" ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: reply.usage ?? DEFAULT_USAGE,
  };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}
