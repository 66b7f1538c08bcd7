/**
 * Per-agent log files: `logs/<agent>/YYYY-MM-DD.log` (UTC day), one line per
 * message, appended, never in /tmp. Secrets are redacted before writing.
 *
 * @module
 */
import { agentLogDir, type Layout } from "../paths.ts";

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Writes lines to an agent's log (and, optionally, echoes them). */
export interface Logger {
  /** Logs a line at `info`. */
  info(message: string): Promise<void>;
  /** Logs a line at `warn`. */
  warn(message: string): Promise<void>;
  /** Logs a line at `error`. */
  error(message: string): Promise<void>;
  /** The file written today. */
  readonly file: string;
}

/** Options of {@linkcode openAgentLog}. */
export interface LoggerOptions {
  /** The clock. */
  now?: () => Date;
  /** The firing id, put on every line. */
  firingId?: string;
  /** Also prints warnings and errors here (stderr by default; null for silence). */
  echo?: ((line: string) => void) | null;
  /** Replaces secrets in a line before it is written. */
  redact?: (text: string) => string;
}

/**
 * Opens the log of one agent.
 *
 * Requires write access to `ALFRED_HOME/logs`.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options Clock, firing id, echo and redaction.
 * @returns A logger.
 */
export function openAgentLog(layout: Layout, agent: string, options: LoggerOptions = {}): Logger {
  const now = options.now ?? (() => new Date());
  const dir = agentLogDir(layout, agent);
  const echo = options.echo === undefined ? (line: string) => console.error(line) : options.echo;
  const redact = options.redact ?? ((text: string) => text);
  let made = false;
  const fileOf = (t: Date) => `${dir}/${t.toISOString().slice(0, 10)}.log`;
  const write = async (level: LogLevel, message: string) => {
    const t = now();
    const text = redact(message);
    const firing = options.firingId ? ` [${options.firingId}]` : "";
    const line = `${t.toISOString()} ${level.toUpperCase()}${firing} ${
      text.replaceAll("\n", "\n  ")
    }\n`;
    if (!made) {
      await Deno.mkdir(dir, { recursive: true });
      made = true;
    }
    await Deno.writeTextFile(fileOf(t), line, { append: true });
    if (echo && level !== "info") echo(`${level}: ${text}`);
  };
  return {
    info: (message) => write("info", message),
    warn: (message) => write("warn", message),
    error: (message) => write("error", message),
    get file() {
      return fileOf(now());
    },
  };
}

/**
 * Lists an agent's log files, oldest first.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @returns Absolute paths.
 */
export async function listAgentLogs(layout: Layout, agent: string): Promise<string[]> {
  const dir = agentLogDir(layout, agent);
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^\d{4}-\d\d-\d\d\.log$/.test(entry.name)) {
        files.push(`${dir}/${entry.name}`);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return files.sort();
}
