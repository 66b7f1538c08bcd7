/**
 * A scripted OpenAI Responses API on 127.0.0.1, for running the real `codex`
 * CLI in tests through a `model_providers.<id>` entry with
 * `wire_api = "responses"`.
 *
 * Each `POST /v1/responses` takes the next scripted reply and answers with
 * server-sent events (`response.created`, `response.output_item.added|done`,
 * `response.completed` with usage), or an error body with its status.
 *
 * @module
 */

/** One scripted answer. */
export type ScriptedResponse =
  | { kind: "message"; text: string; usage?: ResponseUsage }
  | { kind: "command"; cmd: string; usage?: ResponseUsage }
  | {
    kind: "error";
    status: number;
    code: string;
    message: string;
    headers?: Record<string, string>;
  };

/** Token usage of one reply. */
export interface ResponseUsage {
  /** Input tokens, cached ones included. */
  input_tokens: number;
  /** Cached input tokens. */
  cached_tokens: number;
  /** Output tokens, reasoning included. */
  output_tokens: number;
}

/** A running fake. */
export interface FakeOpenAI extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/v1`: the provider's `base_url`. */
  readonly baseUrl: string;
  /** Bodies of the Responses requests received. */
  readonly requests: unknown[];
  /** Paths of requests the fake does not know. */
  readonly unknown: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

const DEFAULT_USAGE: ResponseUsage = { input_tokens: 1000, cached_tokens: 200, output_tokens: 50 };

/**
 * Starts the fake on a random loopback port.
 *
 * @param replies The scripted replies, in order.
 * @returns The running fake.
 */
export function startFakeOpenAI(replies: ScriptedResponse[]): FakeOpenAI {
  const queue = [...replies];
  const requests: unknown[] = [];
  const unknown: string[] = [];
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    if (req.method !== "POST" || url.pathname !== "/v1/responses") {
      unknown.push(`${req.method} ${url.pathname}`);
      console.error(`fake_openai: unknown request ${req.method} ${url.pathname}`);
      return new Response("not found", { status: 404 });
    }
    requests.push(JSON.parse(body));
    count++;
    const reply = queue.shift() ??
      { kind: "error", status: 500, code: "server_error", message: "fake: no scripted reply left" };
    if (reply.kind === "error") {
      return Response.json(
        { error: { message: reply.message, type: reply.code, code: reply.code } },
        { status: reply.status, headers: reply.headers },
      );
    }
    const item = reply.kind === "message"
      ? {
        type: "message",
        id: `msg_${count}`,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: reply.text, annotations: [] }],
      }
      : {
        type: "function_call",
        id: `fc_${count}`,
        call_id: `call_${count}`,
        name: "exec_command",
        arguments: JSON.stringify({ cmd: reply.cmd }),
      };
    const usage = reply.usage ?? DEFAULT_USAGE;
    const response = {
      id: `resp_${count}`,
      object: "response",
      created_at: 1,
      model: "fake",
      output: [],
    };
    const events = [
      { type: "response.created", response: { ...response, status: "in_progress" } },
      { type: "response.output_item.added", output_index: 0, item },
      { type: "response.output_item.done", output_index: 0, item },
      {
        type: "response.completed",
        response: {
          ...response,
          status: "completed",
          output: [item],
          usage: {
            input_tokens: usage.input_tokens,
            input_tokens_details: { cached_tokens: usage.cached_tokens },
            output_tokens: usage.output_tokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
        },
      },
    ];
    const sse = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
    return new Response(sse, { headers: { "content-type": "text/event-stream" } });
  });
  const close = () => server.shutdown();
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    unknown,
    close,
    [Symbol.asyncDispose]: close,
  };
}
