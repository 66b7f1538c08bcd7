/**
 * What a person sees of a firing they started by hand (`alfred fire`): each
 * step as it happens (claimed, worktree, engine, committed, pushed, pull
 * request, released), then one summary line: outcome, link, turns, cost,
 * wall time.
 *
 * - On a terminal, one live line shows the current step with its elapsed
 *   time (plain ANSI: carriage return and erase-line), and each finished step
 *   stays above it.
 * - Off a terminal (a pipe, a file, `TERM=dumb`), plain lines.
 * - `--quiet`: only the summary line (or the sentinel of a firing that stopped on purpose).
 * - `--json`: only the firing record, as JSON, with its steps.
 *
 * Scheduled firings never load this module: they print what they always did.
 *
 * @module
 */
import type { FiringEvent, FiringStep } from "../../runner/firing/mod.ts";
import { formatUsd } from "../../runner/firing/spend.ts";

/** A terminal to draw the live line on. */
export interface Terminal {
  /** Writes text as it is (no newline added). */
  write(text: string): void;
  /** The terminal's width in columns. */
  columns(): number;
}

/** How a firing by hand is shown. */
export type ProgressMode = "auto" | "quiet" | "json";

/** Options of {@linkcode createFiringDisplay}. */
export interface FiringDisplayOptions {
  /** `auto` (live on a terminal, else plain lines), `quiet`, or `json`. */
  mode: ProgressMode;
  /** Prints a line on standard output. */
  stdout: (line: string) => void;
  /** Prints a line on standard error. */
  stderr: (line: string) => void;
  /** The terminal standard output is, when it is one (live line). */
  terminal?: Terminal;
  /** A monotonic clock in ms (elapsed times). Default `performance.now`. */
  clock?: () => number;
  /** The wall clock (the time of each step in `--json`). */
  now?: () => Date;
  /** Calls `tick` every `ms` until the returned function is called (redraws the live line). */
  every?: (ms: number, tick: () => void) => () => void;
}

/** The display of one firing by hand: what the lifecycle prints goes through it. */
export interface FiringDisplay {
  /** A line the firing prints on standard output (a sentinel, an agent's line). */
  stdout(line: string): void;
  /** A line the firing prints on standard error (a warning, an error). */
  stderr(line: string): void;
  /** A step, as the agent reports it. */
  onStep(step: FiringStep): void;
  /** The firing's record, once it is written. */
  onEnded(record: FiringEvent): void;
  /** Ends the display: the summary line (or the JSON record). */
  finish(code: number): void;
}

/** How often the live line's elapsed time is redrawn. */
const REDRAW_MS = 1_000;
/** The frames of the live line's spinner. */
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Makes the display of a firing by hand.
 *
 * @param codename The agent.
 * @param options The mode, the outputs and the clocks.
 * @returns The display.
 */
export function createFiringDisplay(
  codename: string,
  options: FiringDisplayOptions,
): FiringDisplay {
  const clock = options.clock ?? (() => performance.now());
  const now = options.now ?? (() => new Date());
  const started = clock();
  const live = options.mode === "auto" ? options.terminal : undefined;
  const held: string[] = [];
  const steps: (FiringStep & { at: string })[] = [];
  let record: FiringEvent | undefined;
  let current: { step: FiringStep; since: number } | undefined;
  let frame = 0;
  let drawn = false;
  let stopTimer: (() => void) | undefined;

  const elapsed = (from = started) => formatDuration(clock() - from);
  const clear = () => {
    if (live && drawn) live.write("\r\x1b[2K");
    drawn = false;
  };
  const draw = () => {
    if (!live || !current) return;
    const text = `${SPINNER[frame++ % SPINNER.length]} ${
      liveText(current.step, elapsed(current.since))
    }`;
    const width = live.columns();
    live.write(`\r\x1b[2K${width > 10 ? text.slice(0, width - 1) : text}`);
    drawn = true;
  };
  const above = (print: (line: string) => void, line: string) => {
    clear();
    print(line);
    draw();
  };
  /** Ends the live line's step: it stays above as a finished line. */
  const settle = () => {
    const done = current;
    current = undefined;
    if (live && done) {
      above(options.stdout, `✓ ${stepLine(done.step, formatDuration(done.since - started))}`);
    }
  };

  return {
    stdout(line) {
      if (options.mode === "auto") above(options.stdout, line);
      else held.push(line);
    },
    stderr(line) {
      above(options.stderr, line);
    },
    onStep(step) {
      steps.push({ ...step, at: now().toISOString() });
      if (options.mode !== "auto") return;
      if (!live) {
        options.stdout(stepLine(step, elapsed()));
        return;
      }
      // A step reported again (the engine's turns so far) updates the line in place.
      const since = current?.step.step === step.step ? current.since : clock();
      if (current?.step.step !== step.step) settle();
      current = { step, since };
      clear();
      draw();
      stopTimer ??= (options.every ?? every)(REDRAW_MS, draw);
    },
    onEnded(ended) {
      record = ended;
    },
    finish(code) {
      stopTimer?.();
      settle();
      clear();
      if (options.mode === "json") {
        if (record) options.stdout(JSON.stringify({ ...record, steps }, null, 2));
        else if (held.length) {
          options.stdout(
            JSON.stringify({ agent: codename, exit_code: code, lines: held }, null, 2),
          );
        }
        return;
      }
      // A firing that paused itself said so in its sentinel line: that line is its summary.
      if (record && record.outcome !== "auto-paused") {
        options.stdout(summaryLine(record, { wallMs: clock() - started }));
      } else {
        for (const line of held) options.stdout(line);
      }
    },
  };
}

/**
 * A step as a plain line (pure): its elapsed time, then its text, with the
 * engine's turns and cost so far when the step carries them.
 *
 * @param step The step.
 * @param elapsed The firing's elapsed time, formatted.
 * @returns e.g. `  4.2s  claimed acme/web#12 "Fix the login"`.
 */
export function stepLine(step: FiringStep, elapsed: string): string {
  return `${elapsed.padStart(6)}  ${withFigures(step)}`;
}

/**
 * The firing's summary line (pure): agent and outcome, link (pull request,
 * else issue, else the summary), turns, cost, wall time, and the error of a
 * failure.
 *
 * @param record The firing's record.
 * @param options The wall time the person waited (default: the firing's own duration).
 * @returns One line.
 */
export function summaryLine(record: FiringEvent, options: { wallMs?: number } = {}): string {
  const parts = [
    `${record.agent}: ${record.outcome}`,
    record.pr ?? record.issue ?? record.summary,
    `${record.turns} turn${record.turns === 1 ? "" : "s"}`,
    formatUsd(record.cost_usd),
    formatDuration(options.wallMs ?? record.duration_ms),
    record.error ? `error: ${oneLine(record.error, 200)}` : undefined,
  ];
  return parts.filter((part) => part).join(" · ");
}

/**
 * A duration for a person (pure): `0.4s`, `42.0s`, `2m 14s`, `1h 05m`.
 *
 * @param ms Milliseconds.
 * @returns The duration.
 */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor(whole / 60) % 60).padStart(2, "0")}m`;
}

function liveText(step: FiringStep, elapsed: string): string {
  return `${withFigures(step)} · ${elapsed}`;
}

function withFigures(step: FiringStep): string {
  const figures = [
    step.turns === undefined ? undefined : `${step.turns} turn${step.turns === 1 ? "" : "s"}`,
    step.costUsd === undefined ? undefined : formatUsd(step.costUsd),
  ].filter((part) => part);
  return figures.length ? `${step.text} · ${figures.join(" · ")}` : step.text;
}

function oneLine(text: string, max: number): string {
  const line = text.replaceAll(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  // The redraw never keeps the process alive on its own.
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
