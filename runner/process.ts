/**
 * The one door to child processes: every engine, git and gh call goes through
 * here.
 *
 * A child runs in its own session and process group (`detached`, which is
 * `setsid()` on Unix), with an explicit environment that is never inherited
 * whole, a pinned working directory and a timeout. On timeout the whole group
 * gets SIGTERM, then SIGKILL after a grace period, so grandchildren (a shell
 * the engine started, a dev server it left behind) die with it. When the leader
 * exits on its own, stragglers left in its group are ended the same way.
 *
 * Output is streamed line by line to callbacks and an optional sink; only a
 * bounded tail is kept in memory.
 *
 * @module
 */
import { AlfredError } from "./errors.ts";

/** Default time between SIGTERM and SIGKILL of a process group. */
export const DEFAULT_GRACE_MS = 5_000;
/** Lines of stdout and of stderr kept in memory for the result. */
export const DEFAULT_TAIL_LINES = 40;
/** A longer output line is cut to this many characters (engines emit large JSON lines). */
export const DEFAULT_MAX_LINE_CHARS = 8 * 1024 * 1024;
/** Characters kept of each line in the tail. */
const TAIL_LINE_CHARS = 4_096;
/** How long to wait for pipes to close once the group is gone (escaped grandchildren). */
const PIPE_DRAIN_MS = 2_000;

/** Which output stream a line came from. */
export type StreamName = "stdout" | "stderr";

/** Receives every output line of a child, e.g. a transcript writer. */
export interface OutputSink {
  /** Called once per line, in order per stream; awaited before the next line. */
  write(stream: StreamName, line: string): void | Promise<void>;
}

/** Options of {@linkcode runProcess}. */
export interface RunProcessOptions {
  /** The working directory of the child. */
  cwd: string;
  /** The complete environment of the child; nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  /** Wall-clock limit; the whole process group is ended after it. `Infinity`: none (a server). */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. Defaults to {@linkcode DEFAULT_GRACE_MS}. */
  graceMs?: number;
  /** Text written to the child's standard input, which is then closed. Default: no input. */
  stdin?: string;
  /** Called with each stdout line (without the newline). */
  onStdoutLine?: (line: string) => void | Promise<void>;
  /** Called with each stderr line (without the newline). */
  onStderrLine?: (line: string) => void | Promise<void>;
  /** Receives every line of both streams. */
  transcript?: OutputSink;
  /** Lines kept per stream in the result. Defaults to {@linkcode DEFAULT_TAIL_LINES}. */
  tailLines?: number;
  /** Longer lines are cut. Defaults to {@linkcode DEFAULT_MAX_LINE_CHARS}. */
  maxLineChars?: number;
  /** Aborting ends the process group like a timeout (but `timedOut` stays false). */
  signal?: AbortSignal;
  /** The clock used to measure the duration. Defaults to `performance.now`. */
  clock?: () => number;
}

/** How a child ended. */
export interface ProcessResult {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** Our timeout fired and the group was ended. */
  timedOut: boolean;
  /** The run was aborted through `signal`. */
  aborted: boolean;
  /** The process id of the group leader (also the process group id). */
  pid: number;
  /** How long it ran, in milliseconds. */
  durationMs: number;
  /** The last lines of stdout (each cut to 4 KiB). */
  stdoutTail: string[];
  /** The last lines of stderr (each cut to 4 KiB). */
  stderrTail: string[];
}

/** The program to run does not exist or is not on `PATH`. */
export class ProgramNotFoundError extends AlfredError {
  /** The program that was not found. */
  readonly program: string;

  /**
   * Creates a {@linkcode ProgramNotFoundError}.
   *
   * @param program The command that could not be started.
   * @param options The `PATH` searched and the cause.
   */
  constructor(program: string, options: { path?: string; cause?: unknown } = {}) {
    super(`program "${program}" was not found (PATH=${options.path ?? "(unset)"})`, {
      hint: `Install ${program} or add its folder to PATH in the environment Alfred runs with ` +
        `(for systemd/launchd units, the unit's PATH).`,
      cause: options.cause,
    });
    this.name = "ProgramNotFoundError";
    this.program = program;
  }
}

/** A program exists but could not be started (permissions, bad working directory). */
export class ProcessSpawnError extends AlfredError {
  /**
   * Creates a {@linkcode ProcessSpawnError}.
   *
   * @param program The command that could not be started.
   * @param options Why, and the cause.
   */
  constructor(program: string, options: { reason: string; cause?: unknown }) {
    super(`could not start "${program}": ${options.reason}`, {
      hint: "Check that the program is executable and that the working directory exists.",
      cause: options.cause,
    });
    this.name = "ProcessSpawnError";
  }
}

/**
 * Runs a program in its own process group with a timeout, streaming its output.
 *
 * Requires `--allow-run` for `command`.
 *
 * @example Usage
 * ```ts ignore
 * const result = await runProcess("claude", ["-p", "hello"], {
 *   cwd: worktree,
 *   env: buildEngineEnv(Deno.env.toObject(), { codename: "lucius" }),
 *   timeoutMs: 30 * 60_000,
 *   onStdoutLine: (line) => console.log(line),
 * });
 * if (result.timedOut) console.error("engine timed out");
 * ```
 *
 * @param command The program (a name looked up on the child's `PATH`, or a path).
 * @param args Its arguments.
 * @param options Working directory, environment, timeout and output handlers.
 * @returns How the child ended and the tails of its output.
 * @throws {ProgramNotFoundError} when the program does not exist.
 * @throws {ProcessSpawnError} when it cannot be started.
 */
export async function runProcess(
  command: string,
  args: string[],
  options: RunProcessOptions,
): Promise<ProcessResult> {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const tailLines = options.tailLines ?? DEFAULT_TAIL_LINES;
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const child = spawnInGroup(command, args, options);
  const pid = child.pid;

  const stdoutTail = new Tail(tailLines);
  const stderrTail = new Tail(tailLines);
  const sink = options.transcript;
  const pumps = [
    pumpLines(child.stdout, maxLineChars, async (line) => {
      stdoutTail.push(line);
      if (sink) await sink.write("stdout", line);
      if (options.onStdoutLine) await options.onStdoutLine(line);
    }),
    pumpLines(child.stderr, maxLineChars, async (line) => {
      stderrTail.push(line);
      if (sink) await sink.write("stderr", line);
      if (options.onStderrLine) await options.onStderrLine(line);
    }),
    writeStdin(child, options.stdin),
  ];

  let timedOut = false;
  let aborted = false;
  const ender = new GroupEnder(pid, graceMs);
  const timer = Number.isFinite(options.timeoutMs)
    ? setTimeout(() => {
      timedOut = true;
      ender.end();
    }, options.timeoutMs)
    : undefined;
  const onAbort = () => {
    aborted = true;
    ender.end();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  // The leader is gone; end whatever it left in its group, then drain the pipes.
  await ender.endStragglers();
  await drainWithin(pumps, PIPE_DRAIN_MS);
  ender.dispose();

  return {
    code: status.signal ? null : status.code,
    signal: status.signal,
    timedOut,
    aborted,
    pid,
    durationMs: Math.round(clock() - started),
    stdoutTail: stdoutTail.lines(),
    stderrTail: stderrTail.lines(),
  };
}

/** Options of {@linkcode runCapture}. */
export interface RunCaptureOptions {
  /** The working directory. */
  cwd: string;
  /** The complete environment of the child. */
  env: Readonly<Record<string, string>>;
  /** Wall-clock limit. Defaults to 60 s. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. Defaults to 2 s. */
  graceMs?: number;
  /** Text for standard input. */
  stdin?: string;
  /** Characters kept of each stream; the rest is dropped and `truncated` set. Default 1 MiB. */
  maxChars?: number;
}

/** The result of {@linkcode runCapture}. */
export interface CaptureResult {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** The timeout fired. */
  timedOut: boolean;
  /** Standard output, lines joined with `\n`. */
  stdout: string;
  /** Standard error, lines joined with `\n`. */
  stderr: string;
  /** Some output was dropped because it exceeded `maxChars`. */
  truncated: boolean;
}

/**
 * Runs a short command (git, gh) and captures its output, bounded in size.
 *
 * Requires `--allow-run` for `command`.
 *
 * @example Usage
 * ```ts ignore
 * const head = await runCapture("git", ["rev-parse", "HEAD"], { cwd: repo, env: { PATH } });
 * if (head.code !== 0) throw new Error(head.stderr);
 * ```
 *
 * @param command The program.
 * @param args Its arguments.
 * @param options Working directory, environment, timeout, size bound.
 * @returns Exit status and the captured text.
 * @throws {ProgramNotFoundError} when the program does not exist.
 */
export async function runCapture(
  command: string,
  args: string[],
  options: RunCaptureOptions,
): Promise<CaptureResult> {
  const maxChars = options.maxChars ?? 1024 * 1024;
  const out = new BoundedText(maxChars);
  const err = new BoundedText(maxChars);
  const result = await runProcess(command, args, {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs ?? 60_000,
    graceMs: options.graceMs ?? 2_000,
    stdin: options.stdin,
    maxLineChars: maxChars,
    tailLines: 0,
    onStdoutLine: (line) => out.add(line),
    onStderrLine: (line) => err.add(line),
  });
  return {
    code: result.code,
    signal: result.signal,
    timedOut: result.timedOut,
    stdout: out.text(),
    stderr: err.text(),
    truncated: out.truncated || err.truncated,
  };
}

/** Options of {@linkcode runInForeground}. */
export interface RunInForegroundOptions {
  /** The working directory. Default: this process's. */
  cwd?: string;
  /** Signals passed on to the child while it runs. Default SIGINT, SIGTERM, SIGHUP. */
  forward?: readonly Deno.Signal[];
  /** Variables set in the child on top of the inherited environment. */
  env?: Record<string, string>;
}

/**
 * Runs a program in the foreground, as if this process had become it: the
 * same terminal (standard input, output and error inherited), **the same
 * whole environment** (the one place Alfred passes its environment on
 * unfiltered: the child is another Alfred binary with its own allowlist), and
 * the signals this process receives passed on. Used by a compiled
 * `alfred fire <codename>` to run `alfred-<codename>`.
 *
 * Requires `--allow-run` for `command`.
 *
 * @param command The program (an absolute path).
 * @param args Its arguments.
 * @param options Working directory and forwarded signals.
 * @returns Its exit code; 128 + n when signal n ended it.
 * @throws {ProgramNotFoundError} when the program does not exist.
 * @throws {Deno.errors.NotCapable} when this binary may not run it.
 */
export async function runInForeground(
  command: string,
  args: readonly string[],
  options: RunInForegroundOptions = {},
): Promise<number> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args: [...args],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ProgramNotFoundError(command, { cause: error });
    }
    throw error;
  }
  const forwarders = (options.forward ?? FOREGROUND_SIGNALS).map((signal) => {
    const forward = () => {
      try {
        child.kill(signal);
      } catch (error) {
        // The child has exited between the signal and now.
        if (!(error instanceof TypeError)) throw error;
      }
    };
    Deno.addSignalListener(signal, forward);
    return () => Deno.removeSignalListener(signal, forward);
  });
  try {
    // After a signal Deno reports the shell's convention, 128 + its number.
    return (await child.status).code;
  } finally {
    for (const remove of forwarders) remove();
  }
}

/** The signals a foreground child receives from its parent. */
const FOREGROUND_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Lists the live (non-zombie) processes of a process group, from `/proc`.
 * Linux only; returns an empty list elsewhere. Used by tests and the sweep.
 *
 * Requires read access to `/proc`.
 *
 * @param pgid The process group id (the leader's pid).
 * @returns The pids still alive in the group.
 */
export async function liveProcessesInGroup(pgid: number): Promise<number[]> {
  if (Deno.build.os !== "linux") return [];
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
    } catch (error) {
      // The process ended between listing and reading.
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    // Fields after the command name "(...)": state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== "Z" && fields[0] !== "X" && Number(fields[2]) === pgid) {
      pids.push(Number(entry.name));
    }
  }
  return pids;
}

function spawnInGroup(
  command: string,
  args: string[],
  options: RunProcessOptions,
): Deno.ChildProcess {
  try {
    return new Deno.Command(command, {
      args,
      cwd: options.cwd,
      env: { ...options.env },
      clearEnv: true,
      // setsid(): the child leads a new session and process group, so the whole
      // tree can be signalled with kill(-pid).
      detached: true,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (!isDirectory(options.cwd)) {
        throw new ProcessSpawnError(command, {
          reason: `working directory ${options.cwd} does not exist`,
          cause: error,
        });
      }
      throw new ProgramNotFoundError(command, { path: options.env.PATH, cause: error });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new ProcessSpawnError(command, { reason: "permission denied", cause: error });
    }
    throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Ends a process group: SIGTERM, then SIGKILL after the grace period. */
class GroupEnder {
  #pgid: number;
  #graceMs: number;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #ending = false;

  constructor(pgid: number, graceMs: number) {
    this.#pgid = pgid;
    this.#graceMs = graceMs;
  }

  /** Starts ending the group (idempotent). */
  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    if (!this.#signal("SIGTERM")) return;
    this.#killTimer = setTimeout(() => this.#signal("SIGKILL"), this.#graceMs);
  }

  /** After the leader exited: ends what is left in the group, waiting at most the grace. */
  async endStragglers(): Promise<void> {
    if (this.#killTimer !== undefined) {
      // Already ending (timeout): make sure nothing outlives the leader.
      clearTimeout(this.#killTimer);
      this.#killTimer = undefined;
      this.#signal("SIGKILL");
      return;
    }
    if (!this.#signal("SIGTERM")) return;
    const deadline = Date.now() + Math.min(this.#graceMs, STRAGGLER_GRACE_MS);
    while (Date.now() < deadline) {
      if (await groupIsEmpty(this.#pgid)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.#signal("SIGKILL");
  }

  dispose(): void {
    if (this.#killTimer !== undefined) clearTimeout(this.#killTimer);
  }

  /** Sends a signal to the group; `false` when the group no longer exists. */
  #signal(signal: Deno.Signal): boolean {
    try {
      Deno.kill(-this.#pgid, signal);
      return true;
    } catch (error) {
      // Deno.kill needs --allow-run without a list; Alfred's binaries have a
      // list that includes `kill` (runner/config/permissions.ts), so use the program.
      if (error instanceof Deno.errors.NotCapable) return killGroupWithProgram(this.#pgid, signal);
      // ESRCH: nobody left in the group.
      if (error instanceof Deno.errors.NotFound) return false;
      if (error instanceof TypeError && /ESRCH|No such process/i.test(error.message)) return false;
      throw error;
    }
  }
}

/** How long stragglers of an exited leader get between SIGTERM and SIGKILL. */
const STRAGGLER_GRACE_MS = 1_000;

/**
 * Whether a process group has no live member left. Reading `/proc` needs
 * `--allow-all` in Deno, which Alfred's binaries never have: there the answer
 * is "not known to be empty", and the caller waits out its grace instead.
 */
async function groupIsEmpty(pgid: number): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  try {
    return (await liveProcessesInGroup(pgid)).length === 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return false;
    throw error;
  }
}

/**
 * Signals a process group with `kill -s SIG -- -<pgid>` (POSIX; procps on
 * Linux, BSD on macOS). Needs `--allow-run=kill`.
 *
 * @returns `false` when the group no longer exists.
 */
function killGroupWithProgram(pgid: number, signal: Deno.Signal): boolean {
  const output = new Deno.Command("kill", {
    args: ["-s", signal.replace(/^SIG/, ""), "--", `-${pgid}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return output.success;
}

async function writeStdin(child: Deno.ChildProcess, text: string | undefined): Promise<void> {
  if (text === undefined) return;
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  } catch (error) {
    // The child exited without reading its input: nothing more to deliver.
    if (error instanceof Deno.errors.BrokenPipe) return;
    throw error;
  }
}

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  maxLineChars: number,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  let overflow = false;
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      const line = overflow ? partial : appendBounded(partial, piece, maxLineChars);
      partial = "";
      overflow = false;
      await onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    const rest = text.slice(start);
    if (!overflow && rest) {
      partial = appendBounded(partial, rest, maxLineChars);
      overflow = partial.length >= maxLineChars;
    }
  }
  partial += overflow ? "" : decoder.decode();
  if (partial) await onLine(partial);
}

function appendBounded(head: string, piece: string, max: number): string {
  const joined = head + piece;
  return joined.length > max ? joined.slice(0, max) : joined;
}

async function drainWithin(pumps: Promise<void>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    await Promise.race([Promise.all(pumps), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last `size` lines, each cut to a bounded length. */
class Tail {
  #size: number;
  #lines: string[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  push(line: string): void {
    if (this.#size <= 0) return;
    this.#lines.push(line.length > TAIL_LINE_CHARS ? line.slice(0, TAIL_LINE_CHARS) : line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  lines(): string[] {
    return [...this.#lines];
  }
}

/** Text that stops growing at a bound. */
class BoundedText {
  #max: number;
  #parts: string[] = [];
  #size = 0;
  truncated = false;

  constructor(max: number) {
    this.#max = max;
  }

  add(line: string): void {
    if (this.truncated) return;
    const needed = line.length + (this.#parts.length ? 1 : 0);
    if (this.#size + needed > this.#max) {
      this.truncated = true;
      return;
    }
    this.#parts.push(line);
    this.#size += needed;
  }

  text(): string {
    return this.#parts.join("\n");
  }
}
