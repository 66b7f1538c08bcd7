/**
 * Atomic, schema-checked JSON state files, and the quarantine of corrupt ones.
 *
 * Every state file under `ALFRED_HOME/state` has a zod schema with a `version`
 * field. Writes go to a temp file in the same folder, are fsynced, then renamed
 * over the target, so a crash leaves either the old or the new file, never half
 * of one. A file that cannot be parsed is moved aside to
 * `<name>.corrupt-<timestamp>` and reported; what happens next is the caller's
 * decision, documented per file in docs/ARCHITECTURE.md.
 *
 * @module
 */
import type { z } from "zod";
import { StateCorruptError } from "./errors.ts";
import { basenameOf, dirnameOf } from "./paths.ts";

/** Options of {@linkcode readState}. */
export interface ReadStateOptions {
  /** Called once with a warning when a corrupt file was quarantined. Defaults to stderr. */
  warn?: (message: string) => void;
  /** The clock used to name the quarantined file. */
  now?: () => Date;
  /** What the operator should do after this file was quarantined. */
  hint?: string;
}

/**
 * Reads and validates a state file.
 *
 * Requires read and write access to the file's folder (write only to quarantine).
 *
 * @param file The state file.
 * @param schema Its zod schema.
 * @param options Warning sink, clock and hint.
 * @returns The parsed value, or `undefined` when the file does not exist.
 * @throws {StateCorruptError} when the file is unreadable, not JSON, or fails the
 *   schema; the file has then been moved aside.
 */
export async function readState<T>(
  file: string,
  schema: z.ZodType<T>,
  options: ReadStateOptions = {},
): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (error instanceof Deno.errors.IsADirectory || error instanceof TypeError) {
      throw await quarantineAndReport(file, "unreadable: " + (error as Error).message, options);
    }
    throw error;
  }
  const problem = parseProblem(text, schema);
  if (problem.ok) return problem.value;
  throw await quarantineAndReport(file, problem.reason, options);
}

/**
 * Reads a state file whose safe choice after a quarantine is to start from
 * `empty` (a cache, a store of conveniences): missing or corrupt, it reads as
 * `empty`; a corrupt one is moved aside and reported through `warn` first.
 *
 * @param file The state file.
 * @param schema Its zod schema.
 * @param options `empty`, and the warning sink, clock and hint of {@linkcode readState}.
 * @returns The parsed value, or `empty`.
 */
export async function readStateOr<T>(
  file: string,
  schema: z.ZodType<T>,
  options: ReadStateOptions & { empty: T },
): Promise<T> {
  try {
    return await readState(file, schema, options) ?? options.empty;
  } catch (error) {
    if (error instanceof StateCorruptError) return options.empty;
    throw error;
  }
}

/**
 * Validates `value` against `schema` and writes it atomically.
 *
 * Requires write access to the file's folder, which is created when missing.
 *
 * @param file The state file.
 * @param schema Its zod schema; an invalid value is a bug and throws before writing.
 * @param value The value to write.
 */
export async function writeState<T>(file: string, schema: z.ZodType<T>, value: T): Promise<void> {
  const checked = schema.parse(value);
  await writeFileAtomic(file, JSON.stringify(checked, null, 2) + "\n");
}

/**
 * Writes text to a file atomically: temp file in the same folder, fsync, rename.
 *
 * @param file The target file.
 * @param text Its new content.
 * @param options `mode` of the new file (default 0o644).
 */
export async function writeFileAtomic(
  file: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  const dir = dirnameOf(file);
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${dir}/.${basenameOf(file)}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const handle = await Deno.open(temp, {
    write: true,
    createNew: true,
    mode: options.mode ?? 0o644,
  });
  try {
    await writeAll(handle, new TextEncoder().encode(text));
    await handle.sync();
  } catch (error) {
    handle.close();
    try {
      await Deno.remove(temp);
    } catch (cleanup) {
      if (!(cleanup instanceof Deno.errors.NotFound)) {
        throw new AggregateError(
          [error, cleanup],
          `writing ${file} failed, and so did removing ${temp}`,
        );
      }
    }
    throw error;
  }
  handle.close();
  await Deno.rename(temp, file);
  await syncDir(dir);
}

/**
 * Moves a file aside to `<name>.corrupt-<timestamp>` in the same folder.
 *
 * @param file The corrupt file.
 * @param options The clock used for the timestamp.
 * @returns The new path.
 */
export async function quarantine(
  file: string,
  options: { now?: () => Date } = {},
): Promise<string> {
  const stamp = (options.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, "-");
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; await exists(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  await Deno.rename(file, target);
  return target;
}

/** The result of checking a text against a schema, without throwing. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Checks a state file's text against its schema.
 *
 * @param text The file's content.
 * @param schema Its zod schema.
 * @returns The value, or a one-line reason naming the first bad field.
 */
export function parseProblem<T>(text: string, schema: z.ZodType<T>): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === "" ? "empty file" : `not JSON: ${(error as Error).message}`;
    return { ok: false, reason };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "(top level)";
  return { ok: false, reason: `${where}: ${issue.message}` };
}

async function quarantineAndReport(
  file: string,
  reason: string,
  options: ReadStateOptions,
): Promise<StateCorruptError> {
  let quarantinedTo: string | undefined;
  try {
    quarantinedTo = await quarantine(file, options);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const corrupt = new StateCorruptError(file, { quarantinedTo, reason, hint: options.hint });
  const warn = options.warn ?? ((message: string) => console.error(message));
  warn(`warning: ${corrupt.message}${options.hint ? `\nhint: ${options.hint}` : ""}`);
  return corrupt;
}

async function writeAll(handle: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await handle.write(bytes.subarray(written));
}

async function syncDir(dir: string): Promise<void> {
  if (Deno.build.os !== "linux") return;
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Whether anything, a dangling symlink too, stands at `path` (other errors are thrown). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** What {@linkcode peekState} found. */
export type PeekResult<T> =
  | { kind: "ok"; value: T }
  | { kind: "missing" }
  | { kind: "corrupt"; reason: string };

/**
 * Reads a state file without side effects: a corrupt file is reported, not moved.
 * For read-only views (`alfred status`), which must not change what a firing
 * will find.
 *
 * @param file The state file.
 * @param schema Its zod schema.
 * @returns The value, `missing`, or `corrupt` with the reason.
 */
export async function peekState<T>(file: string, schema: z.ZodType<T>): Promise<PeekResult<T>> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
    return { kind: "corrupt", reason: `unreadable: ${(error as Error).message}` };
  }
  const parsed = parseProblem(text, schema);
  return parsed.ok
    ? { kind: "ok", value: parsed.value }
    : { kind: "corrupt", reason: parsed.reason };
}
