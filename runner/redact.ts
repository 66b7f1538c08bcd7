/**
 * Redaction of secrets from text that leaves the process: transcripts, logs
 * and Slack messages.
 *
 * Two layers: the exact values of secret environment variables (whatever their
 * shape), and patterns of well-known credentials (GitHub, Anthropic, OpenAI and
 * Slack tokens, Slack webhook URLs, `Bearer` headers, AWS access key ids).
 *
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Values shorter than this are not treated as secrets (they would erase ordinary words). */
export const MIN_SECRET_LENGTH = 8;

/** Environment variable names whose values are secrets. */
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY|WEBHOOK|AUTH|CREDENTIAL)/i;

/** Well-known credential shapes. Order matters: longer, more specific first. */
const PATTERNS: readonly RegExp[] = [
  /https:\/\/hooks\.slack\.com\/[A-Za-z0-9/_\-]+/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bsk-ant-[A-Za-z0-9_\-]{16,}/g,
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}/g,
  /\bxox[abposre]-[A-Za-z0-9\-]{10,}/g,
  /\bxapp-[A-Za-z0-9\-]{10,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}/gi,
];

/** Replaces secrets in a text. */
export type Redactor = (text: string) => string;

/** Options of {@linkcode createRedactor}. */
export interface RedactorOptions {
  /** Exact secret values to remove (shorter than {@linkcode MIN_SECRET_LENGTH} are ignored). */
  secrets?: Iterable<string>;
}

/**
 * Builds a redactor for known secret values plus the built-in patterns.
 *
 * @example Usage
 * ```ts
 * import { createRedactor, secretValuesOf } from "./redact.ts";
 * const redact = createRedactor({ secrets: secretValuesOf({ GH_TOKEN: "abc123456789" }) });
 * redact("token abc123456789"); // "token [REDACTED]"
 * ```
 *
 * @param options The exact values to remove.
 * @returns A function that redacts a text.
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((value) => value.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret containing another is removed whole.
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const pattern of PATTERNS) {
      out = out.replace(
        pattern,
        (match) => /^bearer/i.test(match) ? `Bearer ${REDACTED}` : REDACTED,
      );
    }
    return out;
  };
}

/**
 * Picks the values of variables whose names mark them as secrets
 * (`*TOKEN*`, `*SECRET*`, `*API_KEY*`, `*WEBHOOK*`, `*AUTH*`, ...).
 *
 * @param env An environment, e.g. `Deno.env.toObject()` read once at start-up.
 * @returns The secret values.
 */
export function secretValuesOf(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value);
}

/**
 * Tells whether an environment variable name marks a secret.
 *
 * @param name A variable name.
 * @returns `true` for names such as `GH_TOKEN` or `SLACK_WEBHOOK_URL`.
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
