// The page's side of the API: the token (kept in this origin's local
// storage after a one-time login link), JSON requests, and the actions.

const TOKEN_KEY = "alfred-serve-token";

/** @returns {string | null} The dashboard token, when this browser signed in. */
export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

/** @param {string | null} value The token to keep, or null to forget it. */
export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

/** @returns {Record<string, string>} The Authorization header, when signed in. */
export function authHeaders() {
  const value = token();
  return value ? { Authorization: `Bearer ${value}` } : {};
}

/** An API error, with the server's code, message and hint. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{code?: string, message?: string, hint?: string}} body
   */
  constructor(status, body) {
    super(body.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body.code ?? "unknown";
    this.hint = body.hint;
  }
}

/**
 * Calls the API.
 * @param {string} path The path under /api/v1 (e.g. `/fleet`).
 * @param {{method?: string, body?: unknown}} [options]
 * @returns {Promise<any>} The JSON reply.
 */
export async function call(path, options = {}) {
  const headers = { Accept: "application/json", ...authHeaders() };
  const init = {
    method: options.method ?? "GET",
    headers,
    cache: /** @type {const} */ ("no-store"),
  };
  if (options.body !== undefined) {
    Object.assign(headers, { "Content-Type": "application/json" });
    Object.assign(init, { body: JSON.stringify(options.body) });
  }
  const response = await fetch(`/api/v1${path}`, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error ?? {});
  return body;
}

/**
 * Trades a one-time login code for the token, and keeps it.
 * @param {string} code
 */
export async function signIn(code) {
  const { token: value } = await call("/session", { method: "POST", body: { code } });
  setToken(value);
}

/** The actions, each a POST. */
export const actions = {
  /** @param {string} agent @param {{for?: string, reason?: string}} [body] */
  pause: (agent, body = {}) => call(`/agents/${agent}/pause`, { method: "POST", body }),
  /** @param {string} agent */
  resume: (agent) => call(`/agents/${agent}/resume`, { method: "POST" }),
  /** @param {string} agent */
  fire: (agent) => call(`/agents/${agent}/fire`, { method: "POST" }),
  /** @param {{for?: string, reason?: string}} [body] */
  pauseFleet: (body = {}) => call("/fleet/pause", { method: "POST", body }),
  resumeFleet: () => call("/fleet/resume", { method: "POST" }),
  clearBlock: () => call("/block/clear", { method: "POST" }),
};
