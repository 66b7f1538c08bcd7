/**
 * Per-firing engine transcripts: `ALFRED_HOME/transcripts/<agent>/<firing-id>.jsonl`,
 * written line by line as the engine runs, redacted, and pruned by age and
 * total size.
 *
 * Each transcript line is a JSON object: `{"ts", "stream", "data"}` when the
 * engine's line was JSON (Claude's stream-json, Codex's events), else
 * `{"ts", "stream", "text"}`. Alfred's own notes use `stream: "alfred"`.
 *
 * @module
 */
import type { Layout } from "../paths.ts";
import type { OutputSink, StreamName } from "../process.ts";
import type { Redactor } from "../redact.ts";
import { readDirIfExists } from "../state.ts";

/** Default age after which transcripts are removed. */
export const DEFAULT_TRANSCRIPT_MAX_AGE_DAYS = 14;
/** Default cap of all transcripts together; the oldest go first. */
export const DEFAULT_TRANSCRIPT_MAX_BYTES = 512 * 1024 * 1024;

/** An open transcript; pass it as `transcript` to `runProcess`. */
export interface TranscriptWriter extends OutputSink, AsyncDisposable {
  /** The file being written. */
  readonly path: string;
  /** Adds a note from Alfred itself (the command line, the classification). */
  note(kind: string, data: unknown): Promise<void>;
  /** Flushes and closes the file. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@linkcode openTranscript}. */
export interface OpenTranscriptOptions {
  /** Applied to every line before it is written. */
  redact: Redactor;
  /** The clock for timestamps. */
  now?: () => Date;
}

/**
 * The path of one firing's transcript.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options The firing id.
 * @returns `transcripts/<agent>/<firing-id>.jsonl`.
 */
export function transcriptPath(
  layout: Layout,
  agent: string,
  options: { firingId: string },
): string {
  if (!/^[A-Za-z0-9._-]+$/.test(options.firingId) || !/^[a-z0-9-]+$/.test(agent)) {
    throw new RangeError(`bad transcript name: agent "${agent}", firing "${options.firingId}"`);
  }
  return `${layout.transcriptsDir}/${agent}/${options.firingId}.jsonl`;
}

/**
 * Opens (creates or appends to) the transcript of a firing.
 *
 * Requires write access to ALFRED_HOME/transcripts. The file is created with
 * mode 0600: even redacted, transcripts hold code and prompts.
 *
 * @param layout The home layout.
 * @param agent The agent's codename.
 * @param options The firing id, the redactor and the clock.
 * @returns The writer.
 */
export async function openTranscript(
  layout: Layout,
  agent: string,
  options: OpenTranscriptOptions & { firingId: string },
): Promise<TranscriptWriter> {
  const path = transcriptPath(layout, agent, options);
  await Deno.mkdir(`${layout.transcriptsDir}/${agent}`, { recursive: true, mode: 0o700 });
  const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
  const encoder = new TextEncoder();
  const now = options.now ?? (() => new Date());
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const append = (record: Record<string, unknown>): Promise<void> => {
    const bytes = encoder.encode(JSON.stringify(record) + "\n");
    queue = queue.then(async () => {
      if (closed) return;
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    });
    return queue;
  };

  const writer: TranscriptWriter = {
    path,
    write(stream: StreamName, line: string): Promise<void> {
      const clean = options.redact(line);
      const record: Record<string, unknown> = { ts: now().toISOString(), stream };
      const json = tryJson(clean);
      if (json === undefined) record.text = clean;
      else record.data = json;
      return append(record);
    },
    note(kind: string, data: unknown): Promise<void> {
      const clean = tryJson(options.redact(JSON.stringify(data ?? null)));
      return append({ ts: now().toISOString(), stream: "alfred", kind, data: clean ?? null });
    },
    async close(): Promise<void> {
      if (closed) return;
      await queue;
      closed = true;
      file.close();
    },
    [Symbol.asyncDispose]: () => writer.close(),
  };
  return writer;
}

/** Options of {@linkcode pruneTranscripts}. */
export interface PruneTranscriptsOptions {
  /** The clock. */
  now: Date;
  /** Older files are removed. Default {@linkcode DEFAULT_TRANSCRIPT_MAX_AGE_DAYS}. */
  maxAgeDays?: number;
  /** Then the oldest files go until the total fits. Default {@linkcode DEFAULT_TRANSCRIPT_MAX_BYTES}. */
  maxTotalBytes?: number;
  /** A transcript being written, never removed. */
  keep?: string;
}

/**
 * Removes old transcripts: first those past the age limit, then the oldest
 * until the total size fits.
 *
 * Requires read and write access to ALFRED_HOME/transcripts.
 *
 * @param layout The home layout.
 * @param options The clock and the limits.
 * @returns The removed files.
 */
export async function pruneTranscripts(
  layout: Layout,
  options: PruneTranscriptsOptions,
): Promise<string[]> {
  const maxAgeMs = (options.maxAgeDays ?? DEFAULT_TRANSCRIPT_MAX_AGE_DAYS) * 86_400_000;
  const maxBytes = options.maxTotalBytes ?? DEFAULT_TRANSCRIPT_MAX_BYTES;
  const files = await listTranscripts(layout.transcriptsDir);
  files.sort((a, b) => a.mtime - b.mtime);
  const removed: string[] = [];
  let total = files.reduce((sum, f) => sum + f.size, 0);
  for (const file of files) {
    if (file.path === options.keep) continue;
    const tooOld = options.now.getTime() - file.mtime > maxAgeMs;
    if (!tooOld && total <= maxBytes) continue;
    try {
      await Deno.remove(file.path);
    } catch (error) {
      // Another firing's prune removed it first.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    total -= file.size;
    removed.push(file.path);
  }
  return removed;
}

async function listTranscripts(
  dir: string,
): Promise<Array<{ path: string; size: number; mtime: number }>> {
  const out: Array<{ path: string; size: number; mtime: number }> = [];
  for (const agent of await readDirIfExists(dir)) {
    if (!agent.isDirectory) continue;
    for await (const entry of Deno.readDir(`${dir}/${agent.name}`)) {
      if (!entry.isFile || !entry.name.endsWith(".jsonl")) continue;
      const path = `${dir}/${agent.name}/${entry.name}`;
      const info = await Deno.stat(path);
      out.push({ path, size: info.size, mtime: info.mtime?.getTime() ?? 0 });
    }
  }
  return out;
}

function tryJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
