/**
 * Who may ask the dashboard what (docs/SECURITY.md), as Hono middleware:
 *
 * - on loopback, a request must name the server by a loopback `Host` (a page
 *   of another site that re-points its own name at 127.0.0.1, DNS
 *   rebinding, sends its own name and is refused);
 * - a request that carries an `Origin` other than the server's own is refused
 *   with 403, whatever else it carries: a page of another origin can neither
 *   act nor read;
 * - every mutation needs `Authorization: Bearer <token>`; with
 *   `--allow-remote`, every API request does.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { isOwnOrigin } from "./listen_address.ts";

/** An API error body: what went wrong and what to do. */
export interface ApiError {
  /** The error. */
  error: {
    /** A stable code (`unauthorized`, `foreign-origin`, `unknown-agent`, …). */
    code: string;
    /** What went wrong. */
    message: string;
    /** What to do about it. */
    hint?: string;
  };
}

/**
 * Builds an error body.
 *
 * @param code The stable code.
 * @param message What went wrong.
 * @param hint What to do.
 * @returns The body.
 */
export function apiError(code: string, message: string, hint?: string): ApiError {
  return { error: { code, message, ...(hint ? { hint } : {}) } };
}

/**
 * Refuses requests whose `Host` is not one of the server's names.
 *
 * @param allowed The accepted `Host` values (lower case); `undefined` accepts any (`--allow-remote`).
 * @returns The middleware.
 */
export function hostGuard(allowed: () => Set<string> | undefined): MiddlewareHandler {
  return async (c, next) => {
    const hosts = allowed();
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (hosts && !hosts.has(host)) {
      return c.json(
        apiError(
          "foreign-host",
          `this server does not answer to the name "${host}"`,
          `Open it as ${[...hosts][0]}.`,
        ),
        403,
      );
    }
    await next();
  };
}

/**
 * Refuses requests from a page of another origin.
 *
 * @returns The middleware.
 */
export function originGuard(): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !isOwnOrigin(origin, c.req.header("host") ?? "")) {
      return c.json(
        apiError(
          "foreign-origin",
          `requests from ${origin} are refused`,
          "Only the dashboard's own page may call its API (docs/SECURITY.md).",
        ),
        403,
      );
    }
    await next();
  };
}

/**
 * Requires the dashboard token on the requests that need it: mutations (any
 * method but GET and HEAD), or every request when `everything` says so. The
 * login exchange (`POST /api/v1/session`) is how a page gets the token, so it
 * is left to its own check.
 *
 * @param token The dashboard token.
 * @param options Whether every request needs it (`--allow-remote`).
 * @returns The middleware.
 */
export function tokenGuard(token: string, options: { everything: boolean }): MiddlewareHandler {
  const hint = "Send Authorization: Bearer <the token in ALFRED_HOME/serve.token>, or sign in " +
    "through the link `alfred serve link` prints.";
  const check = bearerAuth({
    token,
    noAuthenticationHeader: {
      message: apiError("unauthorized", "this request needs the dashboard token", hint),
    },
    invalidAuthenticationHeader: {
      message: apiError("bad-authorization", "the Authorization header is not Bearer <token>"),
    },
    invalidToken: { message: apiError("unauthorized", "the token is wrong", hint) },
  });
  return async (c: Context, next) => {
    const reads = c.req.method === "GET" || c.req.method === "HEAD";
    const login = c.req.method === "POST" && c.req.path === "/api/v1/session";
    if (login || (reads && !options.everything)) return await next();
    return await check(c, next);
  };
}
