/**
 * The egress proxy of one firing: an allowlisting HTTP proxy that the runner
 * starts on 127.0.0.1 (or on a Unix socket that is bound into the sandbox).
 *
 * It understands `CONNECT host:port` (HTTPS and any other tunnelled protocol)
 * and plain HTTP requests in absolute form (`GET http://host:port/path`). A
 * target on the allowlist is connected and the bytes are relayed unchanged; any
 * other target gets `403 Forbidden` and is recorded as a
 * {@linkcode NetworkDenial}. The proxy never reads or changes what flows inside
 * a tunnel: it decides on the host name and port the client asks for.
 *
 * @module
 */

/** One allowed destination. */
export interface AllowRule {
  /** A host name or IP literal (`api.anthropic.com`, `127.0.0.1`), or `*.example.com`. */
  host: string;
  /** The port. Default 443. */
  port?: number;
}

/** A connection the proxy refused. */
export interface NetworkDenial {
  /** Always `network`. */
  kind: "network";
  /** The host asked for, lower-cased. */
  host: string;
  /** The port asked for. */
  port: number;
  /** `CONNECT`, or the HTTP method of a plain request. */
  method: string;
  /** When, as an ISO date-time. */
  at: string;
  /** Why: `not on the allowlist`, `malformed request`, or {@linkcode NOT_IN_BINARY}. */
  reason: string;
}

/** Where the proxy listens. */
export type ProxyListen =
  | { transport: "tcp" }
  | { transport: "unix"; path: string };

/** Options of {@linkcode startEgressProxy}. */
export interface EgressProxyOptions {
  /** The destinations allowed. Everything else is denied. */
  allow: readonly AllowRule[];
  /** TCP on 127.0.0.1 with a random port (default), or a Unix socket path. */
  listen?: ProxyListen;
  /** The clock, for denial times. */
  now?: () => Date;
  /** How long to wait for the request head. Default 10 s. */
  headTimeoutMs?: number;
}

/** A running proxy. */
export interface EgressProxy extends AsyncDisposable {
  /** The TCP port on 127.0.0.1, when listening on TCP. */
  readonly port: number | undefined;
  /** The socket path, when listening on a Unix socket. */
  readonly socketPath: string | undefined;
  /** The denials so far, oldest first (a copy). */
  denials(): NetworkDenial[];
  /** The allowed connections so far, as `host:port`, oldest first (a copy). */
  allowed(): string[];
  /** Stops listening and ends every relayed connection. */
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 16 * 1024;
/** The reason of a denial by the runner's own Deno permissions rather than the allowlist. */
export const NOT_IN_BINARY =
  "declared, but not in this binary's network permission (rebuild with --fleet)";
const HEAD_END = new Uint8Array([13, 10, 13, 10]);

/** A parsed request head. */
export interface ProxyTarget {
  /** `CONNECT` or the HTTP method. */
  method: string;
  /** Target host, lower-cased, without IPv6 brackets. */
  host: string;
  /** Target port. */
  port: number;
  /** For a plain request: the head to send upstream (origin-form request line). */
  upstreamHead?: string;
}

/**
 * Tells whether a destination is on the allowlist. Host names compare
 * case-insensitively; `*.example.com` matches any sub-domain (not the bare
 * domain); a rule without a port means 443.
 *
 * @param rules The allowlist.
 * @param target The host and port asked for.
 * @returns `true` when some rule matches.
 */
export function isAllowed(
  rules: readonly AllowRule[],
  target: { host: string; port: number },
): boolean {
  const host = normalizeHost(target.host);
  return rules.some((rule) => {
    if ((rule.port ?? 443) !== target.port) return false;
    const pattern = normalizeHost(rule.host);
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(1);
      return host.endsWith(suffix) && host.length > suffix.length;
    }
    return pattern === host;
  });
}

/**
 * Parses the head of a proxy request.
 *
 * @param head The bytes up to and including the blank line, as text.
 * @returns The target, or a string saying why the head is not acceptable.
 */
export function parseProxyRequest(head: string): ProxyTarget | string {
  const lines = head.split("\r\n");
  const match = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? "");
  if (!match) return "malformed request line";
  const [, method, target, version] = match;
  if (method === "CONNECT") {
    const hostPort = splitHostPort(target);
    if (!hostPort) return "malformed CONNECT target";
    return { method, ...hostPort };
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch (error) {
    if (error instanceof TypeError) return "a plain request must use an absolute http:// URL";
    throw error;
  }
  if (url.protocol !== "http:") return `unsupported scheme ${url.protocol}`;
  const host = normalizeHost(url.hostname);
  const port = url.port ? Number(url.port) : 80;
  // One request per connection: the rest of the connection is relayed to this
  // host only, so a second request cannot reach another host.
  const headers = lines.slice(1).filter((line) =>
    line !== "" && !/^(proxy-connection|connection|proxy-authorization):/i.test(line)
  );
  const upstreamHead = [
    `${method} ${url.pathname}${url.search} ${version}`,
    ...headers,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  return { method, host, port, upstreamHead };
}

/**
 * Starts the proxy.
 *
 * Requires `--allow-net` (listening, and connecting to the allowed hosts) and,
 * for a Unix socket, write access to its folder.
 *
 * @example Usage
 * ```ts ignore
 * await using proxy = startEgressProxy({ allow: [{ host: "api.anthropic.com" }] });
 * // engine env: HTTPS_PROXY=http://127.0.0.1:<proxy.port>
 * console.log(proxy.denials());
 * ```
 *
 * @param options The allowlist and where to listen.
 * @returns The running proxy.
 */
export function startEgressProxy(options: EgressProxyOptions): EgressProxy {
  const now = options.now ?? (() => new Date());
  const headTimeoutMs = options.headTimeoutMs ?? 10_000;
  const listen = options.listen ?? { transport: "tcp" };
  const listener: Deno.Listener = listen.transport === "unix"
    ? Deno.listen({ transport: "unix", path: listen.path })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const denials: NetworkDenial[] = [];
  const allowed: string[] = [];
  const open = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();

  const deny = (
    conn: Deno.Conn,
    target: { method: string; host: string; port: number },
    reason: string,
  ) => {
    const { method, host, port } = target;
    denials.push({ kind: "network", host, port, method, at: now().toISOString(), reason });
    return writeAll(
      conn,
      `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n` +
        `alfred sandbox: ${target.host}:${target.port} is ${reason}\n`,
    );
  };

  const handle = async (client: Deno.Conn) => {
    open.add(client);
    let upstream: Deno.Conn | undefined;
    try {
      const read = await readHead(client, headTimeoutMs);
      if (!read) return;
      const parsed = parseProxyRequest(read.head);
      if (typeof parsed === "string") {
        await deny(client, { method: "?", host: "?", port: 0 }, `malformed request (${parsed})`);
        return;
      }
      if (!isAllowed(options.allow, parsed)) {
        await deny(client, parsed, "not on the allowlist");
        return;
      }
      try {
        upstream = await Deno.connect({ hostname: parsed.host, port: parsed.port });
      } catch (error) {
        if (error instanceof Deno.errors.NotCapable) {
          // Declared, but the binary was built without it (its --allow-net is fixed at build time).
          await deny(client, parsed, NOT_IN_BINARY);
          return;
        }
        if (!isNetworkError(error)) throw error;
        await writeAll(
          client,
          `HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${(error as Error).message}\n`,
        );
        return;
      }
      open.add(upstream);
      allowed.push(`${parsed.host}:${parsed.port}`);
      if (parsed.upstreamHead === undefined) {
        await writeAll(client, "HTTP/1.1 200 Connection Established\r\n\r\n");
      } else {
        await writeAll(upstream, parsed.upstreamHead);
      }
      if (read.rest.length) await upstream.write(read.rest);
      await Promise.all([relay(client, upstream), relay(upstream, client)]);
    } catch (error) {
      if (!isNetworkError(error)) throw error;
    } finally {
      for (const conn of [client, upstream]) {
        if (!conn) continue;
        open.delete(conn);
        closeQuietly(conn);
      }
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const task = handle(conn).catch((error) => {
          console.error(`alfred egress proxy: ${String(error)}`);
        });
        handlers.add(task);
        task.finally(() => handlers.delete(task));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  })();

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    listener.close();
    for (const conn of open) closeQuietly(conn);
    await accepting;
    await Promise.allSettled([...handlers]);
    if (listen.transport === "unix") {
      await Deno.remove(listen.path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
  };
  const addr = listener.addr;
  return {
    port: addr.transport === "tcp" ? addr.port : undefined,
    socketPath: listen.transport === "unix" ? listen.path : undefined,
    denials: () => denials.map((d) => ({ ...d })),
    allowed: () => [...allowed],
    close,
    [Symbol.asyncDispose]: close,
  };
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const unbracketed = lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith(".") ? unbracketed.slice(0, -1) : unbracketed;
}

function splitHostPort(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s/]+):(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: normalizeHost(match[1]), port };
}

async function readHead(
  conn: Deno.Conn,
  timeoutMs: number,
): Promise<{ head: string; rest: Uint8Array } | undefined> {
  let buffer = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  const timer = setTimeout(() => closeQuietly(conn), timeoutMs);
  try {
    while (buffer.length < MAX_HEAD_BYTES) {
      const n = await conn.read(chunk);
      if (n === null) return undefined;
      const joined = new Uint8Array(buffer.length + n);
      joined.set(buffer);
      joined.set(chunk.subarray(0, n), buffer.length);
      buffer = joined;
      const end = indexOf(buffer, HEAD_END);
      if (end >= 0) {
        return {
          head: new TextDecoder().decode(buffer.subarray(0, end + 2)),
          rest: buffer.slice(end + 4),
        };
      }
    }
    return { head: "", rest: new Uint8Array(0) };
  } finally {
    clearTimeout(timer);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

async function relay(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const chunk = new Uint8Array(32 * 1024);
  try {
    while (true) {
      const n = await from.read(chunk);
      if (n === null) break;
      await writeAllBytes(to, chunk.subarray(0, n));
    }
  } catch (error) {
    if (!isNetworkError(error)) throw error;
  }
  try {
    await to.closeWrite();
  } catch (error) {
    if (!isNetworkError(error)) throw error;
  }
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  await writeAllBytes(conn, new TextEncoder().encode(text));
}

async function writeAllBytes(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch (error) {
    // Already closed by the other direction or by close().
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
}

function isNetworkError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.TimedOut ||
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.AddrNotAvailable ||
    error instanceof Deno.errors.NetworkUnreachable ||
    (error instanceof Error && /os error|dns error|failed to lookup/i.test(error.message));
}
