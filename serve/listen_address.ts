/**
 * Where the dashboard may listen, and which `Host` and `Origin` headers are
 * its own (pure). Loopback only, unless the operator says `--allow-remote`.
 *
 * @module
 */
import { UsageError } from "../runner/errors.ts";

/** The dashboard's default port. */
export const DEFAULT_PORT = 8765;
/** The dashboard's default address. */
export const DEFAULT_HOST = "127.0.0.1";

/** A checked listen address. */
export interface ListenAddress {
  /** The host to bind, as Deno.serve takes it (`127.0.0.1`, `::1`, `0.0.0.0`). */
  hostname: string;
  /** The port; 0 lets the system choose. */
  port: number;
  /** Whether it is a loopback address. */
  loopback: boolean;
}

/**
 * Whether a host name or address is loopback: `localhost`, `127.0.0.0/8`, `::1`.
 *
 * @param host The host, IPv6 with or without brackets.
 * @returns Whether only this machine can reach it.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" ||
    /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(bare);
}

/**
 * Checks the `--host`, `--port` and `--allow-remote` options.
 *
 * @param given The options as typed.
 * @returns The address to bind.
 * @throws {UsageError} for a bad port, or a non-loopback host without `allowRemote`.
 */
export function parseListenAddress(
  given: { host?: string; port?: string; allowRemote?: boolean },
): ListenAddress {
  const host = (given.host ?? DEFAULT_HOST).trim();
  const portText = given.port ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65_535) {
    throw new UsageError(`--port must be a number from 0 to 65535 (got "${portText}")`, {
      hint: "0 lets the system choose a free port; the first line printed names it.",
    });
  }
  if (!host || /[\s/]/.test(host)) {
    throw new UsageError(`--host must be a host name or address (got "${given.host}")`);
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && !given.allowRemote) {
    throw new UsageError(
      `refusing to listen on ${host}: it is not a loopback address, and the dashboard can ` +
        `pause and fire agents`,
      {
        hint: "Keep the default 127.0.0.1 and reach it from elsewhere through an SSH tunnel " +
          `(ssh -L ${DEFAULT_PORT}:127.0.0.1:${DEFAULT_PORT} this-host), or pass ` +
          "--allow-remote: then every request, reads too, needs the token (docs/SECURITY.md).",
      },
    );
  }
  return { hostname: host.replace(/^\[(.*)\]$/, "$1"), port, loopback };
}

/**
 * The `Host` headers a loopback server answers: its port on every loopback name.
 * Any other `Host` is a DNS-rebinding page's, and is refused.
 *
 * @param address The bound address.
 * @param port The port actually bound.
 * @returns The accepted `Host` values (lower case).
 */
export function loopbackHostHeaders(address: ListenAddress, port: number): Set<string> {
  const names = new Set(["127.0.0.1", "localhost", "[::1]"]);
  names.add(address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname);
  // A browser leaves the default port out of `Host`.
  const withPort = (name: string) => port === 80 ? [name, `${name}:80`] : [`${name}:${port}`];
  return new Set([...names].flatMap(withPort).map((value) => value.toLowerCase()));
}

/**
 * Whether a request's `Origin` is the server's own: the scheme and the host it
 * was asked for (`Host`), which the caller has already accepted.
 *
 * @param origin The `Origin` header.
 * @param host The `Host` header.
 * @returns Whether they match (`http` or, behind a TLS proxy, `https`).
 */
export function isOwnOrigin(origin: string, host: string): boolean {
  const lower = origin.toLowerCase();
  const own = host.toLowerCase();
  return lower === `http://${own}` || lower === `https://${own}`;
}
