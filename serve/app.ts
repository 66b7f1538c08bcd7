/**
 * The dashboard's HTTP application (Hono): the page and its embedded assets,
 * the JSON API under `/api/v1/` (docs/API.md, serve/openapi.json), the live
 * event stream, and the guards of docs/SECURITY.md in front of all of it.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { fireDetached, OperatorContext } from "../runner/control/mod.ts";
import { loadFleetConfig } from "../runner/config/config.ts";
import { AlfredError, ConfigError, UsageError } from "../runner/errors.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";
import type { Redactor } from "../runner/redact.ts";
import {
  checkAgent,
  clearBlockAction,
  fireAction,
  parsePauseBody,
  pauseAction,
  resumeAction,
  UnknownAgentError,
} from "./actions_api.ts";
import type { ActivityTail, TailedEvent } from "./activity_tail.ts";
import { ASSETS, PAGE } from "./assets.ts";
import type { ClaimsBoard } from "./claims_board.ts";
import { readFiringDetail } from "./firing_detail.ts";
import { DEFAULT_FIRINGS_LIMIT, FIRING_ID, listFirings, MAX_FIRINGS_LIMIT } from "./firing_list.ts";
import { readApiFleet } from "./fleet_api.ts";
import { apiError, hostGuard, originGuard, tokenGuard } from "./guards.ts";
import openapi from "./openapi.json" with { type: "json" };
import { readApiReport } from "./report_api.ts";
import type { LoginCodes } from "./token.ts";

/** The largest request body accepted (the API's bodies are a few fields). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The interval of the stream's keep-alive `ping` events by default. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** What the application needs from the server around it. */
export interface AppDeps {
  /** The operator's world: environment, home, clock, warnings. */
  context: OperatorContext;
  /** The dashboard token. */
  token: string;
  /** The one-time login codes. */
  loginCodes: LoginCodes;
  /** Whether the server listens beyond loopback (every API request then needs the token). */
  remote: boolean;
  /** The `Host` values accepted (loopback); `undefined` accepts any (remote). */
  allowedHosts: () => Set<string> | undefined;
  /** The activity log, followed. */
  tail: ActivityTail;
  /** The claims board. */
  claims: ClaimsBoard;
  /** Removes secrets from transcripts. */
  redact: Redactor;
  /** The GitHub web address, for links. */
  webUrl: string;
  /** Aborted when the server stops: open event streams end. */
  stopping: AbortSignal;
  /** The interval of keep-alive pings. Default {@linkcode DEFAULT_HEARTBEAT_MS}. */
  heartbeatMs?: number;
  /** Starts a detached firing (default runner/control's `fireDetached`). */
  fire?: typeof fireDetached;
  /** Extra environment for fired agents (tests). */
  fireEnv?: Record<string, string>;
}

/**
 * Builds the application.
 *
 * @param deps The server's parts.
 * @returns The Hono app; serve it with `Deno.serve(app.fetch)`.
 */
export function createApp(deps: AppDeps): Hono {
  const { context } = deps;
  const app = new Hono();
  app.use(hostGuard(deps.allowedHosts));
  app.use(originGuard());
  app.use(secureHeaders({
    strictTransportSecurity: false,
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'none'"],
      baseUri: ["'none'"],
    },
  }));
  // Bodies are small JSON objects; a large one is refused before anything reads it.
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          apiError("too-large", `a request body may hold at most ${MAX_BODY_BYTES} bytes`),
          413,
        ),
    }),
  );
  app.use("/api/*", tokenGuard(deps.token, { everything: deps.remote }));

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof UnknownAgentError) {
      return c.json(apiError("unknown-agent", error.message, error.hint), 404);
    }
    if (error instanceof UsageError) {
      return c.json(apiError("bad-request", error.message, error.hint), 400);
    }
    if (error instanceof ConfigError) {
      return c.json(apiError("config", error.message, error.hint), 503);
    }
    if (error instanceof AlfredError) {
      return c.json(apiError("failed", error.message, error.hint), 500);
    }
    context.stderr(`error: ${context.debug ? (error as Error).stack : String(error)}`);
    return c.json(apiError("internal", "the dashboard failed to answer; see its log"), 500);
  });
  app.notFound((c) => c.json(apiError("not-found", `no ${c.req.method} ${c.req.path}`), 404));

  // The page and its assets (embedded in the executable: no CDN).
  for (const path of ["/", "/login"]) {
    app.get(path, (c) => {
      c.header("Cache-Control", "no-store");
      return c.html(PAGE);
    });
  }
  app.get("/assets/:name", (c) => {
    const asset = ASSETS.get(c.req.param("name"));
    if (!asset) return c.json(apiError("not-found", `no asset ${c.req.param("name")}`), 404);
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    c.header("Content-Type", asset.type);
    c.header("ETag", asset.etag);
    c.header("Cache-Control", "no-cache");
    return c.body(asset.body);
  });

  const api = new Hono();
  api.get("/openapi.json", (c) => c.json(openapi));
  api.get("/fleet", async (c) => c.json(await readApiFleet(context)));
  api.get("/firings", async (c) => {
    const query = FiringsQuery.safeParse(c.req.query());
    if (!query.success) throw badQuery(query.error);
    const agents = await agentsOf(context);
    if (query.data.agent && !agents.includes(query.data.agent)) {
      throw new UnknownAgentError(query.data.agent);
    }
    return c.json(
      await listFirings(context.layout, {
        ...query.data,
        limit: query.data.limit ?? DEFAULT_FIRINGS_LIMIT,
        agents,
        now: context.now(),
        webUrl: deps.webUrl,
      }),
    );
  });
  api.get("/firings/:id", async (c) => {
    const id = c.req.param("id");
    if (!FIRING_ID.test(id)) {
      throw new UsageError(`"${id}" is not a firing id`, {
        hint: "A firing id looks like 20260301T091500123Z-a1b2c3.",
      });
    }
    const detail = await readFiringDetail(context.layout, id, {
      agents: await agentsOf(context),
      now: context.now(),
      redact: deps.redact,
      webUrl: deps.webUrl,
    });
    if (!detail) return c.json(apiError("not-found", `no firing ${id} is known`), 404);
    return c.json(detail);
  });
  api.get("/claims", async (c) => c.json(await deps.claims.read()));
  api.get("/report", async (c) => {
    const query = ReportQuery.safeParse(c.req.query());
    if (!query.success) throw badQuery(query.error);
    return c.json(await readApiReport(context, { days: query.data.days ?? 7 }));
  });
  api.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: TailedEvent[] = [];
      let ping = false;
      let wake = () => {};
      const unsubscribe = await deps.tail.subscribe((event) => {
        queue.push(event);
        wake();
      }, { after: c.req.header("last-event-id") ?? c.req.query("after") });
      const end = () => wake();
      stream.onAbort(end);
      deps.stopping.addEventListener("abort", end);
      const heartbeat = setInterval(() => {
        ping = true;
        wake();
      }, deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
      try {
        await stream.writeSSE({
          event: "hello",
          data: JSON.stringify({ at: context.now().toISOString() }),
          retry: 2_000,
        });
        while (!stream.aborted && !stream.closed && !deps.stopping.aborted) {
          for (const { id, event } of queue.splice(0)) {
            await stream.writeSSE({ id, event: event.type, data: JSON.stringify(event) });
          }
          if (ping) {
            ping = false;
            await stream.writeSSE({ event: "ping", data: context.now().toISOString() });
          }
          if (queue.length || ping) continue;
          await new Promise<void>((resolve) => wake = resolve);
        }
      } finally {
        clearInterval(heartbeat);
        deps.stopping.removeEventListener("abort", end);
        unsubscribe();
      }
    }));

  api.post("/session", async (c) => {
    const body = SessionBody.safeParse(await jsonBody(c.req.raw));
    if (!body.success || !(await deps.loginCodes.redeem(body.data.code, context.now()))) {
      return c.json(
        apiError(
          "bad-login-code",
          "this login link is not valid: it was used already, has expired, or was mistyped",
          "Run `alfred serve link` for a fresh one.",
        ),
        401,
      );
    }
    return c.json({ token: deps.token });
  });
  api.post("/agents/:codename/pause", async (c) => {
    const codename = c.req.param("codename");
    await checkAgent(codename, context);
    const options = parsePauseBody(await jsonBody(c.req.raw), context.now());
    return c.json(await pauseAction(codename, context, options));
  });
  api.post("/agents/:codename/resume", async (c) => {
    const codename = c.req.param("codename");
    await checkAgent(codename, context);
    await noBody(c.req.raw);
    return c.json(await resumeAction(codename, context));
  });
  api.post("/agents/:codename/fire", async (c) => {
    const codename = c.req.param("codename");
    await checkAgent(codename, context);
    await noBody(c.req.raw);
    const { firing: _firing, ...started } = await fireAction(codename, context, {
      fire: deps.fire,
      env: deps.fireEnv,
    });
    return c.json(started, 202);
  });
  api.post("/fleet/pause", async (c) => {
    const options = parsePauseBody(await jsonBody(c.req.raw), context.now());
    return c.json(await pauseAction("all", context, options));
  });
  api.post("/fleet/resume", async (c) => {
    await noBody(c.req.raw);
    return c.json(await resumeAction("all", context));
  });
  api.post("/block/clear", async (c) => {
    await noBody(c.req.raw);
    return c.json(await clearBlockAction(context));
  });

  app.route("/api/v1", api);
  return app;
}

const FiringsQuery = z.strictObject({
  agent: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a codename").optional(),
  limit: z.coerce.number().int().min(1).max(MAX_FIRINGS_LIMIT).optional(),
  before: z.string().regex(FIRING_ID, "must be a firing id").optional(),
});

const ReportQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).optional(),
});

const SessionBody = z.strictObject({ code: z.string().max(200) });

function badQuery(error: z.ZodError): UsageError {
  const issue = error.issues[0];
  const field = issue.path.join(".");
  return new UsageError(
    field ? `query parameter ${field}: ${issue.message}` : `bad query: ${issue.message}`,
    { hint: "docs/API.md lists each endpoint's parameters." },
  );
}

/** The request's JSON body; `{}` when it has none. */
async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) return {};
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new UsageError(`the body must be JSON (Content-Type was "${type}")`, {
      hint: "Send Content-Type: application/json.",
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Refuses a body on an action that takes none (an empty body or `{}` is fine). */
async function noBody(request: Request): Promise<void> {
  const body = await jsonBody(request);
  if (
    typeof body === "object" && body !== null && !Array.isArray(body) && !Object.keys(body).length
  ) {
    return;
  }
  throw new UsageError("this action takes no body", { hint: "Send no body, or {}." });
}

async function agentsOf(context: OperatorContext): Promise<string[]> {
  const config = await loadFleetConfig(context.layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  return Object.keys(config.agents);
}
