/**
 * `GET /api/v1/firings/<id>`: one firing in full. Its phases come from the
 * activity log (started, each step, ended), its record from the event log,
 * its transcript from `ALFRED_HOME/transcripts` (redacted again on the way
 * out, as logs are), the engine's result from the transcript's engine output
 * (read by the engine's own parser), and its sandbox denials from the record.
 *
 * @module
 */
import { type ActivityEvent, readActivity } from "../runner/firing/activity.ts";
import { createClaudeParser } from "../runner/engines/claude.ts";
import { createCodexParser } from "../runner/engines/codex.ts";
import type { EngineOutputParser } from "../runner/engines/mod.ts";
import { transcriptPath } from "../runner/engines/transcripts.ts";
import type { Layout } from "../runner/paths.ts";
import type { Redactor } from "../runner/redact.ts";
import { readInFlight } from "./in_flight.ts";
import {
  type ApiFiring,
  endedFiring,
  findFiringEvent,
  runningFiring,
  startOfId,
} from "./firing_list.ts";

/** Transcript lines returned at most (the last ones). */
export const TRANSCRIPT_LINES = 1_000;
/** Bytes of a transcript read at most (the last ones). */
const TRANSCRIPT_BYTES = 8 * 1024 * 1024;

/** One phase of a firing: the time it took to reach a step. */
export interface Phase {
  /** The step reached (`claimed`, `pr-opened`, …); `finished` for the wrap-up, `running` while running. */
  name: string;
  /** What happened, in one line. */
  text: string;
  /** When the phase began. */
  started_at: string;
  /** When it ended; null while it runs. */
  ended_at: string | null;
  /** How long it took (so far, while it runs). */
  duration_ms: number;
}

/** The engine's own account of its last run in the firing. */
export interface EngineResult {
  /** `claude` or `codex`. */
  engine: string;
  /** The model. */
  model: string | null;
  /** How many runs the firing made (fallbacks, retries). */
  attempts: number;
  /** The engine's final text. */
  text: string;
  /** The engine marked the run as failed. */
  is_error: boolean;
  /** The engine's result subtype. */
  subtype: string | null;
  /** Why it stopped. */
  terminal_reason: string | null;
  /** Turns. */
  turns: number;
  /** Cost in US dollars. */
  cost_usd: number;
}

/** One transcript line, redacted. */
export interface TranscriptLine {
  /** When it was written. */
  ts: string;
  /** `stdout`, `stderr`, or `alfred` (the runner's own notes). */
  stream: string;
  /** The runner's note kind (`start`, `classification`, …). */
  kind?: string;
  /** The line, when it was JSON. */
  data?: unknown;
  /** The line, when it was not. */
  text?: string;
}

/** `GET /api/v1/firings/<id>`. */
export interface ApiFiringDetail extends ApiFiring {
  /** Who started it, when the activity log says. */
  by: "scheduler" | "hand" | null;
  /** Its phases, in order. */
  phases: Phase[];
  /** The engine's result, when it ran an engine. */
  engine_result: EngineResult | null;
  /** The transcript (its last {@linkcode TRANSCRIPT_LINES} lines), when it ran an engine. */
  transcript: { lines: TranscriptLine[]; total_lines: number; truncated: boolean } | null;
  /** What the engine's sandbox refused. */
  denials: { kind: string; detail: string }[];
}

/**
 * Reads one firing.
 *
 * @param layout The home layout.
 * @param id The firing id (already checked to have the id shape).
 * @param options The agents (to find a running firing), the clock, the redactor, the GitHub web address.
 * @returns The firing, or `undefined` when nothing is known of it.
 */
export async function readFiringDetail(
  layout: Layout,
  id: string,
  options: { agents: string[]; now: Date; redact: Redactor; webUrl: string },
): Promise<ApiFiringDetail | undefined> {
  const { now } = options;
  const event = await findFiringEvent(layout, id, { now });
  let firing: ApiFiring | undefined = event && endedFiring(event, options.webUrl);
  if (!firing) {
    const running = await readInFlight(layout, { agents: options.agents, now });
    for (const [agent, inFlight] of running) {
      if (inFlight.firing_id === id) firing = runningFiring(agent, inFlight);
    }
  }
  const start = startOfId(id)!;
  const activity = await readActivity(layout, {
    since: new Date(start.getTime() - 60_000),
    until: firing?.ended_at ? new Date(Date.parse(firing.ended_at) + 60_000) : now,
    firingId: id,
  });
  const started = activity.find((line) => line.type === "firing-started");
  if (!firing && started) {
    // Known only from the activity log (its lock is gone and no record was written yet).
    firing = runningFiring(started.agent, {
      firing_id: id,
      started_at: started.at,
      step: null,
    });
  }
  if (!firing) return undefined;
  const transcript = await readTranscript(layout, firing.agent, { id, redact: options.redact });
  return {
    ...firing,
    by: started?.type === "firing-started" ? started.by : null,
    phases: phasesOf(activity, { firing, now }),
    engine_result: transcript?.engineResult ?? null,
    transcript: transcript
      ? {
        lines: transcript.lines,
        total_lines: transcript.totalLines,
        truncated: transcript.truncated,
      }
      : null,
    denials: event?.denials ?? [],
  };
}

/**
 * The phases of a firing (pure): from its start to each step it reported,
 * then from the last step to its end (`finished`), or to now (`running`).
 *
 * @param activity The firing's activity lines, in order.
 * @param options The firing (its start and end) and the clock.
 * @returns The phases.
 */
export function phasesOf(
  activity: ActivityEvent[],
  options: { firing: Pick<ApiFiring, "started_at" | "ended_at" | "outcome">; now: Date },
): Phase[] {
  const { firing, now } = options;
  const startLine = activity.find((line) => line.type === "firing-started");
  const endLine = activity.find((line) => line.type === "firing-ended");
  const startAt = startLine?.at ?? firing.started_at;
  const endAt = firing.ended_at ?? endLine?.at ?? null;
  const phases: Phase[] = [];
  let from = startAt;
  for (const line of activity) {
    if (line.type !== "step") continue;
    phases.push(phase(line.step, line.text, from, line.at));
    from = line.at;
  }
  if (endAt) {
    phases.push(phase("finished", `ended: ${firing.outcome ?? "unknown"}`, from, endAt));
  } else {
    phases.push({ ...phase("running", "in progress", from, now.toISOString()), ended_at: null });
  }
  return phases;
}

function phase(name: string, text: string, from: string, to: string): Phase {
  return {
    name,
    text,
    started_at: from,
    ended_at: to,
    duration_ms: Math.max(0, Date.parse(to) - Date.parse(from)),
  };
}

/** A transcript read back: its last lines, and the engine's result from all of it. */
interface TranscriptRead {
  lines: TranscriptLine[];
  totalLines: number;
  truncated: boolean;
  engineResult: EngineResult | null;
}

/**
 * Reads a firing's transcript, redacting every line again.
 *
 * @param layout The home layout.
 * @param agent The agent.
 * @param options The firing id and the redactor.
 * @returns The transcript, or `undefined` when the firing has none.
 */
export async function readTranscript(
  layout: Layout,
  agent: string,
  options: { id: string; redact: Redactor },
): Promise<TranscriptRead | undefined> {
  let text: string;
  let cut = false;
  try {
    const file = transcriptPath(layout, agent, { firingId: options.id });
    const size = (await Deno.stat(file)).size;
    if (size > TRANSCRIPT_BYTES) {
      using handle = await Deno.open(file);
      await handle.seek(size - TRANSCRIPT_BYTES, Deno.SeekMode.Start);
      const bytes = new Uint8Array(TRANSCRIPT_BYTES);
      let filled = 0;
      for (;;) {
        const read = await handle.read(bytes.subarray(filled));
        if (read === null || (filled += read) >= bytes.length) break;
      }
      text = new TextDecoder().decode(bytes.subarray(0, filled));
      text = text.slice(text.indexOf("\n") + 1);
      cut = true;
    } else {
      text = await Deno.readTextFile(file);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const lines: TranscriptLine[] = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    const line = parseLine(options.redact(raw));
    if (line) lines.push(line);
  }
  return {
    lines: lines.slice(-TRANSCRIPT_LINES),
    totalLines: lines.length,
    truncated: cut || lines.length > TRANSCRIPT_LINES,
    engineResult: engineResultOf(lines),
  };
}

function parseLine(raw: string): TranscriptLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    if (error instanceof SyntaxError) return { ts: "", stream: "stderr", text: raw };
    throw error;
  }
  if (!value || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const line: TranscriptLine = {
    ts: typeof record.ts === "string" ? record.ts : "",
    stream: typeof record.stream === "string" ? record.stream : "stdout",
  };
  if (typeof record.kind === "string") line.kind = record.kind;
  if ("data" in record) line.data = record.data;
  if (typeof record.text === "string") line.text = record.text;
  return line;
}

/**
 * The engine's result from a transcript: each `start` note opens an engine
 * run; its stdout lines go through that engine's parser.
 *
 * @param lines The transcript's lines, in order.
 * @returns The last run's result, or `null` when no run produced one.
 */
export function engineResultOf(lines: TranscriptLine[]): EngineResult | null {
  let result: EngineResult | null = null;
  let attempts = 0;
  let current: { engine: string; model: string | null; parser: EngineOutputParser } | undefined;
  const finish = () => {
    if (!current) return;
    const parsed = current.parser.finish();
    if (parsed.ok) {
      const run = parsed.result;
      result = {
        engine: run.engine,
        model: run.model ?? current.model,
        attempts,
        text: run.text,
        is_error: run.isError,
        subtype: run.subtype ?? null,
        terminal_reason: run.terminalReason ?? null,
        turns: run.turns,
        cost_usd: run.costUsd,
      };
    }
    current = undefined;
  };
  for (const line of lines) {
    if (line.stream === "alfred" && line.kind === "start") {
      finish();
      attempts++;
      const data = (line.data ?? {}) as { engine?: unknown; model?: unknown };
      const model = typeof data.model === "string" ? data.model : null;
      if (data.engine === "claude") {
        current = { engine: "claude", model, parser: createClaudeParser() };
      } else if (data.engine === "codex") {
        current = {
          engine: "codex",
          model,
          parser: createCodexParser({ model: model ?? undefined }),
        };
      }
    } else if (line.stream === "stdout" && current) {
      current.parser.line(line.data !== undefined ? JSON.stringify(line.data) : line.text ?? "");
    }
  }
  finish();
  if (result) (result as EngineResult).attempts = attempts;
  return result;
}
