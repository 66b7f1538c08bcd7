/**
 * Typed errors that carry what the operator should do next.
 *
 * Every error that can reach the operator extends {@linkcode AlfredError}: it has
 * a message that says what went wrong (with the file, field or command), a `hint`
 * that says how to fix it, and the process exit code the CLI uses for it.
 *
 * This module has no imports so that the hot path (guard checks) can use it.
 *
 * @module
 */

/** Exit codes of every Alfred binary. Documented in docs/CLI.md. */
export const ExitCode = {
  /** Success, or a firing that stopped on purpose (locked, paused, blocked, idle). */
  ok: 0,
  /** A firing or command failed at run time (I/O, network, engine). */
  failure: 1,
  /** The command line was wrong: unknown command, flag or value. */
  usage: 2,
  /** `fleet.yaml` or the environment is invalid. */
  config: 3,
  /** A state file is corrupt and the safe choice is to stop. */
  state: 4,
  /** A permission of the binary was denied. */
  permission: 5,
} as const;

/** One of the values of {@linkcode ExitCode}. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Options of {@linkcode AlfredError}. */
export interface AlfredErrorOptions {
  /** What the operator can do about it, in one or two sentences. */
  hint?: string;
  /** The exit code the CLI ends with. Defaults to {@linkcode ExitCode.failure}. */
  exitCode?: ExitCode;
  /** The error that caused this one. */
  cause?: unknown;
}

/** Base class of every error meant to be read by the operator. */
export class AlfredError extends Error {
  /** What the operator can do about it. */
  readonly hint: string | undefined;
  /** The exit code the CLI ends with. */
  readonly exitCode: ExitCode;

  /**
   * Creates a {@linkcode AlfredError}.
   *
   * @param message What went wrong, naming the file, field or command.
   * @param options The hint, exit code and cause.
   */
  constructor(message: string, options: AlfredErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AlfredError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** `fleet.yaml` or an environment setting is invalid. */
export class ConfigError extends AlfredError {
  /**
   * Creates a {@linkcode ConfigError}.
   *
   * @param message The file, line, column and field with what was expected.
   * @param options The hint and cause.
   */
  constructor(message: string, options: Omit<AlfredErrorOptions, "exitCode"> = {}) {
    super(message, { ...options, exitCode: ExitCode.config });
    this.name = "ConfigError";
  }
}

/** The command line was wrong. */
export class UsageError extends AlfredError {
  /**
   * Creates a {@linkcode UsageError}.
   *
   * @param message What was wrong with the arguments.
   * @param options The hint and cause.
   */
  constructor(message: string, options: Omit<AlfredErrorOptions, "exitCode"> = {}) {
    super(message, {
      hint: "Run with --help to see the usage.",
      ...options,
      exitCode: ExitCode.usage,
    });
    this.name = "UsageError";
  }
}

/** A state file could not be read or parsed; it has been moved aside. */
export class StateCorruptError extends AlfredError {
  /** The file that was corrupt. */
  readonly file: string;
  /** Where the corrupt file was moved to, if it could be moved. */
  readonly quarantinedTo: string | undefined;

  /**
   * Creates a {@linkcode StateCorruptError}.
   *
   * @param file The state file that was corrupt.
   * @param options Where it was moved, why it failed, and the hint.
   */
  constructor(
    file: string,
    options: { quarantinedTo?: string; reason: string; hint?: string; cause?: unknown },
  ) {
    const moved = options.quarantinedTo ? `; moved aside to ${options.quarantinedTo}` : "";
    super(`state file ${file} is corrupt (${options.reason})${moved}`, {
      hint: options.hint,
      exitCode: ExitCode.state,
      cause: options.cause,
    });
    this.name = "StateCorruptError";
    this.file = file;
    this.quarantinedTo = options.quarantinedTo;
  }
}

/** A request to GitHub failed after retries, or its reply was not what we expected. */
export class GitHubApiError extends AlfredError {
  /** The HTTP status, or 0 when there was no reply (network error, timeout, bad body). */
  readonly status: number;

  /**
   * Creates a {@linkcode GitHubApiError}.
   *
   * @param message The request and what went wrong.
   * @param options The HTTP status, hint and cause.
   */
  constructor(message: string, options: { status: number; hint?: string; cause?: unknown }) {
    super(message, {
      hint: options.hint ??
        "Check the network and https://www.githubstatus.com; the next firing retries.",
      cause: options.cause,
    });
    this.name = "GitHubApiError";
    this.status = options.status;
  }
}

/** Which GitHub rate limit stopped the work. */
export type GitHubRateLimit = "primary" | "secondary";

/**
 * GitHub asked Alfred to wait longer than a firing can afford (a secondary
 * rate limit, or an exhausted primary limit until its reset). The wait is
 * persisted for the token (host-wide, fleet-wide with `coordination: redis`),
 * no request is sent until it ends, and the firing stops on purpose: it prints
 * {@linkcode GitHubBackoffError.sentinel}, exits 0 and posts nothing to Slack.
 * Claims it was changing are left for the next firing to complete.
 */
export class GitHubBackoffError extends GitHubApiError {
  /** When GitHub requests may be sent again (ISO 8601, UTC). */
  readonly until: string;
  /** The limit that was met. */
  readonly limit: GitHubRateLimit;
  /** What met it, e.g. `secondary rate limit on POST /repos/acme/web/issues/7/labels`. */
  readonly reason: string;

  /**
   * Creates a {@linkcode GitHubBackoffError}.
   *
   * @param message What was refused and for how long.
   * @param options The end of the wait, the limit and what met it, the HTTP
   *   status (0 when the request was never sent because a backoff was already
   *   in force) and the cause.
   */
  constructor(
    message: string,
    options: {
      until: string;
      limit: GitHubRateLimit;
      reason: string;
      status: number;
      cause?: unknown;
    },
  ) {
    super(message, {
      status: options.status,
      hint:
        `GitHub's ${options.limit} rate limit: Alfred sends no GitHub request until ${options.until}, ` +
        "then the next firing finishes what this one left. Nothing to do unless it repeats every hour " +
        "(then fire the agents less often, or give them separate tokens).",
      cause: options.cause,
    });
    this.name = "GitHubBackoffError";
    this.until = options.until;
    this.limit = options.limit;
    this.reason = options.reason;
  }

  /** The one line a firing stopped by the backoff prints on standard output. */
  get sentinel(): string {
    return githubBackoffLine(this.until, this.reason);
  }
}

/**
 * The GitHub backoff that stopped some work, found in an error or the chain of
 * its causes (pure): code that wraps errors must not hide a deliberate stop.
 *
 * @param error Anything thrown.
 * @returns The backoff, or `undefined`.
 */
export function githubBackoffIn(error: unknown): GitHubBackoffError | undefined {
  for (let cause = error, depth = 0; cause && depth < 8; depth++) {
    if (cause instanceof GitHubBackoffError) return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The sentinel line of a firing stopped by a GitHub backoff (pure).
 *
 * @param until When requests may be sent again (ISO).
 * @param reason Why, e.g. `secondary rate limit`.
 * @returns `[AGENT-GITHUB-BACKOFF] until <until> (<reason>)`.
 */
export function githubBackoffLine(until: string, reason: string): string {
  return `[AGENT-GITHUB-BACKOFF] until ${until} (${reason})`;
}

/**
 * Formats an error for the operator: the message, then the hint, and the stack
 * only when `debug` is set.
 *
 * @param error Anything thrown.
 * @param options `debug` adds the stack trace.
 * @returns Lines to print on standard error.
 */
export function formatError(error: unknown, options: { debug?: boolean } = {}): string {
  if (error instanceof AlfredError) {
    const lines = [`error: ${error.message}`];
    if (error.hint) lines.push(`hint: ${error.hint}`);
    if (options.debug && error.stack) lines.push(error.stack);
    return lines.join("\n");
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `error: permission denied: ${
      (error as Error).message
    }\nhint: this binary was built without that permission; see docs/SECURITY.md.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`error: ${message}`];
  if (options.debug && error instanceof Error && error.stack) lines.push(error.stack);
  else lines.push("hint: run again with --debug for the stack trace, and report it if it repeats.");
  return lines.join("\n");
}

/**
 * Returns the exit code for anything thrown.
 *
 * @param error Anything thrown.
 * @returns The error's own exit code, else {@linkcode ExitCode.failure}.
 */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof AlfredError) return error.exitCode;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return ExitCode.permission;
  }
  return ExitCode.failure;
}
