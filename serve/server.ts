/**
 * The dashboard's server: the token, the listener (loopback unless allowed
 * otherwise), the shared tail of the activity log, the claims board, and a
 * clean stop that ends open event streams first. An optional companion: no
 * firing depends on it.
 *
 * @module
 */
import { loadFleetConfig } from "../runner/config/config.ts";
import type { fireDetached, OperatorContext } from "../runner/control/mod.ts";
import { AlfredError } from "../runner/errors.ts";
import { apiUrlFrom, type GitHubClient } from "../runner/github/client.ts";
import { createRedactor } from "../runner/redact.ts";
import { validateScheduleText } from "../runner/config/schedule_check.ts";
import { writeState } from "../runner/state.ts";
import { ActivityTail } from "./activity_tail.ts";
import { createApp } from "./app.ts";
import { ClaimsBoard } from "./claims_board.ts";
import { ServeRecord, serveRecordFile, serveTokenFile } from "./files.ts";
import { webUrlOf } from "./links.ts";
import { type ListenAddress, loopbackHostHeaders } from "./listen_address.ts";
import { loadOrCreateToken, LoginCodes, mintLoginCode } from "./token.ts";

/** Options of {@linkcode startServer}. */
export interface ServeOptions {
  /** Where to listen (checked by `parseListenAddress`). */
  address: ListenAddress;
  /** Values to redact from transcripts (secrets of the server's environment). */
  secrets?: string[];
  /** The activity log's poll interval (tests shrink or stretch it). */
  pollMs?: number;
  /** The event stream's keep-alive interval. */
  heartbeatMs?: number;
  /** The claims board's least refresh interval. */
  claimsRefreshMs?: number;
  /** Makes the claims board's GitHub client (tests). */
  claimsClient?: (context: OperatorContext) => Promise<GitHubClient>;
  /** Starts a detached firing (tests). */
  fire?: typeof fireDetached;
  /** Extra environment for fired agents (tests). */
  fireEnv?: Record<string, string>;
}

/** A running dashboard. */
export interface RunningServer {
  /** Its address, e.g. `http://127.0.0.1:8765`. */
  readonly url: string;
  /** The port it listens on (the one chosen with `--port 0`). */
  readonly port: number;
  /** The dashboard token. */
  readonly token: string;
  /** The tail of the activity log (tests step it). */
  readonly tail: ActivityTail;
  /** A fresh one-time sign-in link. */
  loginUrl(): Promise<string>;
  /** Ends the event streams, stops listening, removes the server's record. */
  shutdown(): Promise<void>;
  /** Settles when the server has stopped. */
  readonly finished: Promise<void>;
}

/** The port is taken, or the address cannot be bound. */
export class ListenError extends AlfredError {
  /**
   * Makes the error.
   *
   * @param message What failed.
   * @param options The fix and the cause.
   */
  constructor(message: string, options: { hint: string; cause?: unknown }) {
    super(message, options);
    this.name = "ListenError";
  }
}

/**
 * Starts the dashboard.
 *
 * Requires read and write access to ALFRED_HOME, net access to listen on the
 * address (and to the GitHub API for the claims board), and run access to the
 * agents' binaries (fire) and the scheduler's programs (pause, resume).
 *
 * @param context The operator's world.
 * @param options The address and tuning.
 * @returns The running server.
 * @throws {ConfigError} when fleet.yaml or ALFRED_GITHUB_API_URL is invalid.
 * @throws {ServeTokenError} when the token file is unsafe or broken.
 * @throws {ListenError} when the address cannot be bound.
 */
export async function startServer(
  context: OperatorContext,
  options: ServeOptions,
): Promise<RunningServer> {
  const { layout } = context;
  // Fail at start, not at the first request, when fleet.yaml or the GitHub URL is wrong.
  await loadFleetConfig(layout.fleetFile, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  const webUrl = webUrlOf(apiUrlFrom(context.env));
  await Deno.mkdir(layout.home, { recursive: true });
  const token = await loadOrCreateToken(serveTokenFile(layout));
  const stopping = new AbortController();
  const tail = new ActivityTail(layout, { now: context.now, pollMs: options.pollMs });
  let allowedHosts: Set<string> | undefined;
  const app = createApp({
    context,
    token,
    loginCodes: new LoginCodes(token),
    remote: !options.address.loopback,
    allowedHosts: () => allowedHosts,
    tail,
    claims: new ClaimsBoard(context, {
      refreshMs: options.claimsRefreshMs,
      client: options.claimsClient,
    }),
    redact: createRedactor({ secrets: options.secrets ?? [] }),
    webUrl,
    stopping: stopping.signal,
    heartbeatMs: options.heartbeatMs,
    fire: options.fire,
    fireEnv: options.fireEnv,
  });
  const { hostname, port: wanted } = options.address;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port: wanted, onListen: () => {} }, app.fetch);
  } catch (error) {
    throw listenError(error, options.address);
  }
  const port = server.addr.port;
  if (options.address.loopback) allowedHosts = loopbackHostHeaders(options.address, port);
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const recordFile = serveRecordFile(layout);
  await writeState(recordFile, ServeRecord, {
    version: 1,
    url,
    pid: Deno.pid,
    started_at: context.now().toISOString(),
    remote: !options.address.loopback,
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    tail,
    loginUrl: async () => `${url}/login#code=${await mintLoginCode(token, { now: context.now() })}`,
    shutdown() {
      stopped ??= (async () => {
        stopping.abort();
        tail.close();
        await server.shutdown();
        await removeRecord(recordFile);
      })();
      return stopped;
    },
    finished: server.finished,
  };
}

/** Removes the server's record, if it is still this process's. */
async function removeRecord(file: string): Promise<void> {
  try {
    const record = ServeRecord.safeParse(JSON.parse(await Deno.readTextFile(file)));
    if (record.success && record.data.pid === Deno.pid) await Deno.remove(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof SyntaxError)) throw error;
  }
}

function listenError(error: unknown, address: ListenAddress): unknown {
  const where = `${address.hostname}:${address.port}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return new ListenError(`cannot listen on ${where}: the port is in use`, {
      hint: "Another `alfred serve` may be running (`alfred status` says); or pick another " +
        "port with --port (0 lets the system choose).",
      cause: error,
    });
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new ListenError(`cannot listen on ${where}: no interface has that address`, {
      hint: "Give an address of this machine with --host (the default is 127.0.0.1).",
      cause: error,
    });
  }
  return error;
}
