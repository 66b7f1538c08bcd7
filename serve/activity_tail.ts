/**
 * Follows the activity log (runner/firing/activity.ts) as it grows, for the
 * dashboard's live event stream: one reader polls the files of today and
 * yesterday (UTC) and hands each new line to every subscriber.
 *
 * Each event carries a cursor, `<day>:<byte offset past the line>`, which the
 * stream sends as the SSE `id`; a client that reconnects with `Last-Event-ID`
 * gets the lines it missed (from the two days watched), then the live ones,
 * with none lost or repeated. Nothing polls while nobody listens.
 *
 * @module
 */
import { type ActivityEvent, activityFile, parseActivity } from "../runner/firing/activity.ts";
import type { Layout } from "../runner/paths.ts";

/** How often the files are polled by default. */
export const DEFAULT_POLL_MS = 250;
/** Most bytes read from one file in one poll (the rest is read at the next). */
const MAX_READ_BYTES = 4 * 1024 * 1024;

/** One activity line with its cursor. */
export interface TailedEvent {
  /** `<day>:<offset>`: where the next line starts. */
  id: string;
  /** The line. */
  event: ActivityEvent;
}

/** Receives tailed events, in file order. */
export type TailListener = (event: TailedEvent) => void;

/** Options of {@linkcode ActivityTail}. */
export interface ActivityTailOptions {
  /** The clock (which days are watched). */
  now: () => Date;
  /** The interval between polls. Default {@linkcode DEFAULT_POLL_MS}. */
  pollMs?: number;
}

/** The activity log, followed (see the module doc). */
export class ActivityTail {
  #layout: Layout;
  #now: () => Date;
  #pollMs: number;
  #offsets = new Map<string, number>();
  #listeners = new Set<TailListener>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #starting: Promise<void> | undefined;
  #polling: Promise<void> | undefined;

  /**
   * Makes the tail; it polls only while someone subscribes.
   *
   * @param layout The home layout.
   * @param options The clock and the poll interval.
   */
  constructor(layout: Layout, options: ActivityTailOptions) {
    this.#layout = layout;
    this.#now = options.now;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** How many subscribers listen. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /**
   * Subscribes to new lines; with `after` (a cursor a client saw last), first
   * replays the lines written since.
   *
   * @param listener Receives each event.
   * @param options The cursor to resume after.
   * @returns A function that unsubscribes.
   */
  async subscribe(listener: TailListener, options: { after?: string } = {}): Promise<() => void> {
    const queued: TailedEvent[] = [];
    let live = false;
    const subscriber: TailListener = (event) => live ? listener(event) : queued.push(event);
    this.#listeners.add(subscriber);
    this.#starting ??= this.#start();
    await this.#starting;
    // Lines read from here on reach the queue; the replay stops where they begin.
    const upTo = new Map(this.#offsets);
    if (options.after) {
      for (const event of await this.#replay(options.after, upTo)) listener(event);
    }
    live = true;
    for (const event of queued.splice(0)) listener(event);
    return () => {
      this.#listeners.delete(subscriber);
      if (!this.#listeners.size) this.#stop();
    };
  }

  /**
   * Reads what was appended since the last poll and hands it to the subscribers.
   * The timer calls it; tests call it to step the tail without waiting.
   */
  async poll(): Promise<void> {
    if (this.#polling) return await this.#polling;
    this.#polling = this.#pollOnce().finally(() => this.#polling = undefined);
    await this.#polling;
  }

  /** Stops polling and drops every subscriber. */
  close(): void {
    this.#listeners.clear();
    this.#stop();
  }

  async #start(): Promise<void> {
    this.#offsets.clear();
    for (const day of watchedDays(this.#now())) {
      this.#offsets.set(day, await sizeOf(activityFile(this.#layout, day)));
    }
    this.#timer = setInterval(() => void this.poll(), this.#pollMs);
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#starting = undefined;
  }

  async #pollOnce(): Promise<void> {
    if (this.#starting === undefined) return;
    await this.#starting;
    const days = watchedDays(this.#now());
    const reads: { day: string; start: number; bytes: Uint8Array }[] = [];
    for (const day of days) {
      const start = this.#offsets.get(day) ?? 0;
      reads.push({ day, start, ...await readFrom(activityFile(this.#layout, day), start) });
    }
    // From here to the end, no await: dispatching and moving the offsets happen together.
    for (const day of [...this.#offsets.keys()]) if (!days.includes(day)) this.#offsets.delete(day);
    for (const read of reads) {
      const { events, end } = linesOf(read.day, read.start, read.bytes);
      this.#offsets.set(read.day, end);
      for (const event of events) for (const listener of this.#listeners) listener(event);
    }
  }

  async #replay(after: string, upTo: Map<string, number>): Promise<TailedEvent[]> {
    const cursor = parseCursor(after);
    if (!cursor) return [];
    const events: TailedEvent[] = [];
    for (const [day, end] of [...upTo].sort(([a], [b]) => a.localeCompare(b))) {
      if (day < cursor.day) continue;
      const start = day === cursor.day ? cursor.offset : 0;
      if (start >= end) continue;
      const { bytes } = await readFrom(activityFile(this.#layout, day), start, end);
      events.push(...linesOf(day, start, bytes).events);
    }
    return events;
  }
}

/**
 * The UTC days whose files are watched: yesterday (a line stamped just before
 * midnight may land late) and today.
 *
 * @param now The clock.
 * @returns Two `YYYY-MM-DD` days, oldest first.
 */
export function watchedDays(now: Date): string[] {
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  return [yesterday, today];
}

/**
 * Parses a cursor (pure).
 *
 * @param text `<day>:<offset>`.
 * @returns The day and offset, or `undefined` when it is not a cursor.
 */
export function parseCursor(text: string): { day: string; offset: number } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}):(\d{1,15})$/.exec(text);
  return match ? { day: match[1], offset: Number(match[2]) } : undefined;
}

/** The complete lines of `bytes` (read from `start`), each with its cursor. */
function linesOf(
  day: string,
  start: number,
  bytes: Uint8Array,
): { events: TailedEvent[]; end: number } {
  const decoder = new TextDecoder();
  const events: TailedEvent[] = [];
  let from = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, from)) {
    const [event] = parseActivity(decoder.decode(bytes.subarray(from, at)));
    from = at + 1;
    if (event) events.push({ id: `${day}:${start + from}`, event });
  }
  return { events, end: start + from };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await Deno.stat(file)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/** Reads a file from `start` to `end` (default: its end, at most {@linkcode MAX_READ_BYTES}). */
async function readFrom(file: string, start: number, end?: number): Promise<{ bytes: Uint8Array }> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { bytes: new Uint8Array() };
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    // A file shorter than where we were was replaced: nothing is read past its end.
    const stop = Math.min(end ?? size, size, start + MAX_READ_BYTES);
    if (stop <= start) return { bytes: new Uint8Array() };
    await handle.seek(start, Deno.SeekMode.Start);
    const bytes = new Uint8Array(stop - start);
    let filled = 0;
    while (filled < bytes.length) {
      const read = await handle.read(bytes.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    return { bytes: bytes.subarray(0, filled) };
  } finally {
    handle.close();
  }
}
