/**
 * The dashboard's access token and its one-time login links (docs/SECURITY.md).
 *
 * The token is made at the server's first start in `ALFRED_HOME/serve.token`,
 * mode 600: whoever can read that file is the operator. Every mutation of the
 * API needs it as `Authorization: Bearer <token>`.
 *
 * A browser gets the token through a one-time login link
 * (`/login#code=<code>`) that `alfred serve` prints at start and `alfred serve
 * link` prints at any time. A code is `<expiry>.<nonce>.<mac>`: the MAC is an
 * HMAC-SHA-256 keyed by the token, so only someone who can read the token file
 * can make one, and the server needs no shared state with the CLI to check
 * it. The server honours each code once, before it expires.
 *
 * @module
 */
import { AlfredError } from "../runner/errors.ts";
import { readTextIfExists } from "../runner/state.ts";

/** How long a login link works. */
export const LOGIN_CODE_TTL_MS = 15 * 60_000;

/** What a token looks like: 32 random bytes, base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The token file cannot be used; the message says how to fix it. */
export class ServeTokenError extends AlfredError {
  /**
   * Makes the error.
   *
   * @param message What is wrong with the file.
   * @param options The fix.
   */
  constructor(message: string, options: { hint: string; cause?: unknown }) {
    super(message, options);
    this.name = "ServeTokenError";
  }
}

/**
 * Reads the token file, creating it (mode 600) when it does not exist.
 * Requires read and write access to `ALFRED_HOME`.
 *
 * @param file `ALFRED_HOME/serve.token`.
 * @returns The token.
 * @throws {ServeTokenError} when the file is readable by others or does not hold a token.
 */
export async function loadOrCreateToken(file: string): Promise<string> {
  const existing = await readToken(file);
  if (existing) return existing;
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  try {
    await Deno.writeTextFile(file, `${token}\n`, { mode: 0o600, createNew: true });
    // The mode given to open is filtered by the umask; make sure it is exactly 600.
    await Deno.chmod(file, 0o600);
    return token;
  } catch (error) {
    // Another server made it first: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) return (await readToken(file))!;
    throw error;
  }
}

/**
 * Reads the token file.
 *
 * @param file `ALFRED_HOME/serve.token`.
 * @returns The token, or `undefined` when the file does not exist.
 * @throws {ServeTokenError} when the file is readable by others or does not hold a token.
 */
export async function readToken(file: string): Promise<string | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  const mode = (await Deno.stat(file)).mode;
  if (mode !== null && (mode & 0o077) !== 0) {
    throw new ServeTokenError(
      `${file} is readable by other users (mode ${(mode & 0o777).toString(8)})`,
      {
        hint: `Whoever reads it controls the fleet: delete it (a new token is made at the next ` +
          `start) or, if nobody else could have read it, run \`chmod 600 ${file}\`.`,
      },
    );
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) {
    throw new ServeTokenError(`${file} does not hold a dashboard token`, {
      hint: `Delete ${file}; \`alfred serve\` makes a new one at its next start.`,
    });
  }
  return token;
}

/**
 * Makes a one-time login code (see the module doc).
 *
 * @param token The dashboard token (the HMAC key).
 * @param options The clock and how long the code works.
 * @returns The code.
 */
export async function mintLoginCode(
  token: string,
  options: { now: Date; ttlMs?: number },
): Promise<string> {
  const expiry = (options.now.getTime() + (options.ttlMs ?? LOGIN_CODE_TTL_MS)).toString(36);
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(12)));
  return `${expiry}.${nonce}.${await macOf(token, `${expiry}.${nonce}`)}`;
}

/** Checks login codes and remembers the ones used. */
export class LoginCodes {
  #token: string;
  #used = new Map<string, number>();

  /**
   * Starts with no code spent.
   *
   * @param token The dashboard token (the HMAC key).
   */
  constructor(token: string) {
    this.#token = token;
  }

  /**
   * Honours a code once: valid MAC, not expired, not used before.
   *
   * @param code The code from the link.
   * @param now The clock.
   * @returns Whether the code is good (it is then spent).
   */
  async redeem(code: string, now: Date): Promise<boolean> {
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(code);
    if (!match) return false;
    const [, expiryText, nonce, mac] = match;
    const expiry = parseInt(expiryText, 36);
    for (const [spent, until] of this.#used) if (until < now.getTime()) this.#used.delete(spent);
    if (expiry < now.getTime() || this.#used.has(nonce)) return false;
    if (!timingSafeEqual(mac, await macOf(this.#token, `${expiryText}.${nonce}`))) return false;
    this.#used.set(nonce, expiry);
    return true;
  }
}

/**
 * Compares two strings in time that does not depend on where they differ.
 *
 * @param a One string.
 * @param b The other.
 * @returns Whether they are equal.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

async function macOf(token: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return base64url(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`login:${message}`))),
  );
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
