/**
 * How Alfred reaches Redis: the `redis:`, `memory:` and `coordination:`
 * sections of `fleet.yaml`, their resolution against the environment, and a
 * small connection that loads the `redis` npm module only when it is used.
 *
 * Secrets never live in `fleet.yaml`: the file may name a URL without a
 * password, and the password comes from an environment variable
 * (`ALFRED_REDIS_PASSWORD` by default). `ALFRED_REDIS_URL`, which may carry
 * credentials, overrides the file. Error messages name the host and port only.
 *
 * The connection fails fast: the first connect either succeeds within the
 * timeout or throws {@linkcode RedisUnavailableError}; after that, commands
 * sent while the link is down are rejected at once (no offline queue) while
 * the client reconnects in the background.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError } from "../errors.ts";
import type { EnvReader } from "../paths.ts";

/** The Redis URL used when Redis is enabled and no URL is given: loopback, one host. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** The default key prefix: every key Alfred writes starts with `alfred:`. */
export const DEFAULT_KEY_PREFIX = "alfred";
/** The default lifetime of a fleet-wide agent lock; it is renewed while the firing runs. */
export const DEFAULT_LOCK_TTL_SECONDS = 120;

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  message: "must be the NAME of an environment variable, e.g. ALFRED_REDIS_PASSWORD",
});

const RedisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, {
  message: "must be a redis:// or rediss:// URL",
}).refine((url) => !/^rediss?:\/\/[^/@]*:[^/@]*@/.test(url), {
  message:
    "must not contain a password; put it in the environment (redis.password_env, default ALFRED_REDIS_PASSWORD)",
});

/** The `redis:` section of `fleet.yaml`: where Redis is, without secrets. */
export const RedisSection = z.strictObject({
  url: RedisUrl.optional(),
  password_env: EnvName.optional(),
  prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/).optional(),
});
/** The parsed `redis:` section. */
export type RedisSection = z.infer<typeof RedisSection>;

/** The `memory:` section of `fleet.yaml`. */
export const MemorySection = z.strictObject({
  backend: z.enum(["file", "redis"]).optional(),
  recall: z.number().int().min(0).max(20).optional(),
  max_chars: z.number().int().min(200).max(20_000).optional(),
});
/** The parsed `memory:` section. */
export type MemorySection = z.infer<typeof MemorySection>;

/** The `coordination:` section of `fleet.yaml`: `file`, `redis`, or the long form. */
export const CoordinationSection = z.union([
  z.enum(["file", "redis"]),
  z.strictObject({
    backend: z.enum(["file", "redis"]),
    lock_ttl_seconds: z.number().int().min(10).max(3600).optional(),
  }),
]);
/** The parsed `coordination:` section. */
export type CoordinationSection = z.infer<typeof CoordinationSection>;

/** Where Redis is and how to log in, resolved. */
export interface RedisSettings {
  /** The URL (may carry credentials when it came from `ALFRED_REDIS_URL`). */
  url: string;
  /** The password from the environment, when the URL has none. */
  password: string | undefined;
  /** The key prefix, without the trailing colon. */
  prefix: string;
}

/** The lessons memory settings, resolved. */
export interface MemorySettings {
  /** `file` (local JSONL only) or `redis` (local JSONL mirrored to Redis). */
  backend: "file" | "redis";
  /** How many lessons are recalled into a prompt. */
  recall: number;
  /** The size cap of the lessons block in a prompt. */
  maxChars: number;
  /** Redis, when the backend is `redis`. */
  redis: RedisSettings | undefined;
}

/** The coordination settings, resolved. */
export interface CoordinationSettings {
  /** `file` (one host) or `redis` (several hosts share one fleet). */
  backend: "file" | "redis";
  /** The lifetime of a fleet-wide lock between renewals, in milliseconds. */
  lockTtlMs: number;
  /** Redis, when the backend is `redis`. */
  redis: RedisSettings | undefined;
}

/** The three sections as they appear in the parsed `fleet.yaml`. */
export interface RedisSections {
  /** `redis:`. */
  redis?: RedisSection;
  /** `memory:`. */
  memory?: MemorySection;
  /** `coordination:`. */
  coordination?: CoordinationSection;
}

/**
 * Resolves where Redis is (pure).
 *
 * @param section The `redis:` section.
 * @param env Reads `ALFRED_REDIS_URL` and the password variable.
 * @returns The URL (`ALFRED_REDIS_URL`, else `redis.url`, else loopback), password and prefix.
 */
export function resolveRedisSettings(
  section: RedisSection | undefined,
  env: EnvReader,
): RedisSettings {
  const url = env("ALFRED_REDIS_URL") || section?.url || DEFAULT_REDIS_URL;
  const password = env(section?.password_env ?? "ALFRED_REDIS_PASSWORD") || undefined;
  return { url, password, prefix: section?.prefix ?? DEFAULT_KEY_PREFIX };
}

/**
 * Resolves the memory settings (pure). Memory uses Redis when `memory.backend`
 * says so, or when it is unset and `ALFRED_REDIS_URL` is set.
 *
 * @param sections The parsed sections.
 * @param env The environment.
 * @returns The settings.
 */
export function resolveMemorySettings(sections: RedisSections, env: EnvReader): MemorySettings {
  const backend = sections.memory?.backend ?? (env("ALFRED_REDIS_URL") ? "redis" : "file");
  return {
    backend,
    recall: sections.memory?.recall ?? 5,
    maxChars: sections.memory?.max_chars ?? 2_000,
    redis: backend === "redis" ? resolveRedisSettings(sections.redis, env) : undefined,
  };
}

/**
 * Resolves the coordination settings (pure). Coordination uses Redis only when
 * `coordination: redis` is set: joining a shared fleet is never implicit.
 *
 * @param sections The parsed sections.
 * @param env The environment.
 * @returns The settings.
 */
export function resolveCoordinationSettings(
  sections: RedisSections,
  env: EnvReader,
): CoordinationSettings {
  const section = sections.coordination;
  const backend = typeof section === "string" ? section : section?.backend ?? "file";
  const ttlSeconds = typeof section === "object" && section.lock_ttl_seconds
    ? section.lock_ttl_seconds
    : DEFAULT_LOCK_TTL_SECONDS;
  return {
    backend,
    lockTtlMs: ttlSeconds * 1_000,
    redis: backend === "redis" ? resolveRedisSettings(sections.redis, env) : undefined,
  };
}

/**
 * The URL with any credentials removed, for messages.
 *
 * @param url A redis:// or rediss:// URL.
 * @returns `scheme://host:port/db`.
 */
export function describeRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/, "$1");
}

/** Redis could not be reached or did not answer. */
export class RedisUnavailableError extends AlfredError {
  /**
   * Creates a {@linkcode RedisUnavailableError}.
   *
   * @param what What could not be done, e.g. `read the shared spend ledger`.
   * @param options The URL (credentials are removed), the hint and the cause.
   */
  constructor(
    what: string,
    options: { url: string; hint?: string; cause?: unknown; refused?: boolean },
  ) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    const state = options.refused ? "refused Alfred" : "is unreachable";
    super(`Redis at ${describeRedisUrl(options.url)} ${state}; could not ${what}${reason}`, {
      hint: options.hint ??
        "Start Redis or fix ALFRED_REDIS_URL / redis.url in fleet.yaml; `alfred doctor` checks it.",
      cause: options.cause,
    });
    this.name = "RedisUnavailableError";
  }
}

/**
 * Redis answered but refused: a wrong user or password, or an ACL that does not
 * allow a command Alfred needs. Treated like an unreachable Redis (fail safe).
 */
export class RedisAccessError extends RedisUnavailableError {
  /**
   * Creates a {@linkcode RedisAccessError}.
   *
   * @param what What could not be done.
   * @param options The URL (credentials are removed) and the cause.
   */
  constructor(what: string, options: { url: string; cause?: unknown }) {
    super(what, {
      ...options,
      refused: true,
      hint: "Redis refused Alfred: check the user and password (ALFRED_REDIS_URL or " +
        "ALFRED_REDIS_PASSWORD) and that the ACL user may run the commands listed in " +
        "docs/MEMORY_AND_HOSTS.md on keys under the prefix.",
    });
    this.name = "RedisAccessError";
  }
}

/**
 * Whether an error from Redis is a refusal (authentication or ACL).
 *
 * @param error Anything thrown by the client.
 * @returns True for WRONGPASS, NOAUTH, NOPERM and script ACL refusals.
 */
export function isAccessError(error: unknown): boolean {
  return error instanceof Error &&
    /WRONGPASS|NOAUTH|NOPERM|can't run this command|no permissions to access/i.test(error.message);
}

/** A reply from Redis as the scripts use it. */
export type RedisReply = string | number | null | RedisReply[];

/** A live connection to Redis. Close it when done. */
export interface RedisConnection {
  /** The settings it was opened with. */
  readonly settings: RedisSettings;
  /** Whether the link is up right now. */
  readonly ready: boolean;
  /**
   * Runs a Lua script (`EVAL`).
   *
   * @throws {RedisUnavailableError} when the link is down.
   */
  eval(script: string, keys: string[], args: (string | number)[]): Promise<RedisReply>;
  /**
   * Sends one command.
   *
   * @throws {RedisUnavailableError} when the link is down.
   */
  command(args: string[]): Promise<unknown>;
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@linkcode connectRedis}. */
export interface ConnectOptions {
  /** How long the first connect may take, in ms (default 2 s). */
  connectTimeoutMs?: number;
  /** Wait between reconnect attempts once connected, in ms (default 250). */
  reconnectDelayMs?: number;
  /** Called with a connection error, once per outage. */
  warn?: (message: string) => void;
}

/**
 * Opens a connection to Redis, loading the `redis` npm module on first use.
 *
 * Requires network access to the Redis host.
 *
 * @param settings Where Redis is.
 * @param options Timeouts and a warning sink.
 * @returns The connection.
 * @throws {RedisUnavailableError} when Redis does not answer in time.
 */
export async function connectRedis(
  settings: RedisSettings,
  options: ConnectOptions = {},
): Promise<RedisConnection> {
  const { createClient } = await import("redis");
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 250;
  let connectedOnce = false;
  let warnedThisOutage = false;
  const client = createClient({
    ...clientLogin(settings),
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: () => connectedOnce ? reconnectDelayMs : false,
    },
  });
  client.on("error", (error: Error) => {
    if (!connectedOnce || warnedThisOutage) return;
    warnedThisOutage = true;
    options.warn?.(`warning: lost Redis at ${describeRedisUrl(settings.url)}: ${error.message}`);
  });
  client.on("ready", () => {
    warnedThisOutage = false;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    client.destroy();
    if (isAccessError(error)) {
      throw new RedisAccessError("log in", { url: settings.url, cause: error });
    }
    throw new RedisUnavailableError("connect", { url: settings.url, cause: error });
  } finally {
    clearTimeout(timer);
  }
  connectedOnce = true;
  let closed = false;
  const wrap = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (isAccessError(error)) {
        throw new RedisAccessError(what, { url: settings.url, cause: error });
      }
      if (isConnectionError(error)) {
        throw new RedisUnavailableError(what, { url: settings.url, cause: error });
      }
      throw error;
    }
  };
  return {
    settings,
    get ready() {
      return client.isReady;
    },
    eval(script, keys, args) {
      return wrap(
        "run a script",
        () =>
          client.sendCommand([
            "EVAL",
            script,
            String(keys.length),
            ...keys,
            ...args.map(String),
          ]) as Promise<RedisReply>,
      );
    },
    command(args) {
      return wrap(`run ${args[0]}`, () => client.sendCommand(args) as Promise<unknown>);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.isReady) {
        await client.close().catch((error: unknown) => {
          if (!isConnectionError(error)) throw error;
          client.destroy();
        });
      } else {
        client.destroy();
      }
    },
  };
}

/**
 * The URL and login the client is given (pure): a password from the
 * environment goes with the user named in the URL (or `default`).
 *
 * @param settings Where Redis is.
 * @returns `url`, and `username`/`password` when the password is separate.
 */
export function clientLogin(
  settings: Pick<RedisSettings, "url" | "password">,
): { url: string; username?: string; password?: string } {
  if (!settings.password) return { url: settings.url };
  const parsed = new URL(settings.url);
  const username = decodeURIComponent(parsed.username) || undefined;
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), username, password: settings.password };
}

/**
 * Whether an error from the client means the link is down (rather than a bad
 * command or script, which are bugs).
 *
 * @param error Anything thrown by the client.
 * @returns True for offline, closed-socket, refused and timeout errors.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof RedisUnavailableError) return true;
  const name = error.constructor?.name ?? error.name;
  if (/ClientOffline|ClientClosed|SocketClosed|ConnectionTimeout|SocketTimeout/.test(name)) {
    return true;
  }
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket closed|client is (offline|closed)/i
    .test(error.message);
}

/**
 * Turns a flat `[field, value, ...]` reply into a record.
 *
 * @param reply An `HGETALL` reply as returned inside a script.
 * @returns The fields and values.
 */
export function pairsToRecord(reply: RedisReply): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(reply)) return record;
  for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1]);
  return record;
}
