/**
 * The operator's dashboard (`alfred serve`): a loopback web page, a JSON API
 * under `/api/v1/` and a live event stream over the activity log, on Hono.
 * Every action goes through runner/control, the same code as the CLI.
 * See docs/API.md for the API and docs/SECURITY.md for who may do what.
 *
 * @module
 */
export { ListenError, type RunningServer, type ServeOptions, startServer } from "./server.ts";
export { type AppDeps, createApp } from "./app.ts";
export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  isLoopbackHost,
  type ListenAddress,
  parseListenAddress,
} from "./listen_address.ts";
export { readServeRecord, ServeRecord, serveRecordFile, serveTokenFile } from "./files.ts";
export {
  loadOrCreateToken,
  LOGIN_CODE_TTL_MS,
  LoginCodes,
  mintLoginCode,
  readToken,
  ServeTokenError,
} from "./token.ts";
