/**
 * The disk guardian: before a firing makes a worktree, it checks the free
 * space of the file system that holds ALFRED_HOME, and it prunes what Alfred
 * itself leaves behind by age (transcripts, logs).
 *
 * Free space under the floor means no claim: the firing ends `idle` with one
 * log line and, once per day, a Slack warning. The floor is
 * `ALFRED_DISK_FLOOR_MB` (default {@linkcode DEFAULT_DISK_FLOOR_MB}).
 *
 * Free space is read with `df -Pk <ALFRED_HOME>` (POSIX output, Linux and
 * macOS) through runner/process.ts: the "Available" column, the space an
 * unprivileged user may fill. (`node:fs` `statfs` would need `--allow-sys=statfs`,
 * which the `alfred` binary is not built with.)
 *
 * @module
 */
import { z } from "zod";
import { AlfredError, ConfigError, StateCorruptError } from "../errors.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { agentLogDir, agentStateDir } from "../paths.ts";
import { readDirIfExists, readState, writeState } from "../state.ts";
import { pruneTranscripts } from "../engines/transcripts.ts";
import { runCapture } from "../process.ts";

/** The default floor: 2 GiB free. */
export const DEFAULT_DISK_FLOOR_MB = 2048;
/** Logs older than this many days are removed. */
export const DEFAULT_LOG_MAX_AGE_DAYS = 30;
/** A disk warning is repeated at most this often. */
export const DISK_WARN_EVERY_MS = 24 * 3_600_000;

/**
 * The floor from the environment.
 *
 * @param env Reads `ALFRED_DISK_FLOOR_MB`.
 * @returns The floor in bytes.
 * @throws {ConfigError} when the variable is not a non-negative number.
 */
export function diskFloorBytes(env: EnvReader): number {
  const raw = env("ALFRED_DISK_FLOOR_MB")?.trim();
  if (!raw) return DEFAULT_DISK_FLOOR_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0) {
    throw new ConfigError(`ALFRED_DISK_FLOOR_MB must be a number of megabytes (got "${raw}")`, {
      hint: "Set it to e.g. 2048, or unset it for the default of 2 GiB.",
    });
  }
  return Math.round(mb * 1024 * 1024);
}

/**
 * Reads the space available to this user on the file system holding `path`.
 *
 * Requires `--allow-run=df`.
 *
 * @param path Any existing folder (ALFRED_HOME).
 * @param options `PATH` to find `df`.
 * @returns Free bytes.
 * @throws {AlfredError} when `df` fails or its output cannot be read.
 */
export async function freeBytes(path: string, options: { path?: string }): Promise<number> {
  const result = await runCapture("df", ["-Pk", path], {
    cwd: path,
    env: { PATH: options.path ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C" },
    timeoutMs: 10_000,
  });
  const free = result.code === 0 ? parseDfAvailable(result.stdout) : undefined;
  if (free === undefined) {
    throw new AlfredError(
      `cannot read the free space of ${path}: df said ${result.stderr.trim()}`,
      {
        hint: "Check that `df` is installed and the folder exists.",
      },
    );
  }
  return free;
}

/**
 * Reads the "Available" column of `df -Pk` output (pure).
 *
 * @param output The output of `df -Pk <path>`.
 * @returns Available bytes, or `undefined` when the output is not df's.
 */
export function parseDfAvailable(output: string): number | undefined {
  const line = output.trim().split("\n").at(1);
  const fields = line?.trim().split(/\s+/);
  if (!fields || fields.length < 6 || !/^\d+$/.test(fields[3])) return undefined;
  return Number(fields[3]) * 1024;
}

/** The guardian's verdict. */
export type DiskVerdict =
  | { ok: true; freeBytes: number }
  | { ok: false; freeBytes: number; floorBytes: number; message: string };

/**
 * Decides whether a firing may make a worktree (pure).
 *
 * @param free Free bytes.
 * @param floor The floor in bytes.
 * @returns `ok`, or the refusal with a message for the operator.
 */
export function diskVerdict(free: number, floor: number): DiskVerdict {
  if (free >= floor) return { ok: true, freeBytes: free };
  return {
    ok: false,
    freeBytes: free,
    floorBytes: floor,
    message: `only ${mib(free)} MiB free under ALFRED_HOME (floor ${
      mib(floor)
    } MiB): no issue claimed. Free some space, or lower ALFRED_DISK_FLOOR_MB.`,
  };
}

const DiskWarned = z.strictObject({ version: z.literal(1), warned_at: z.iso.datetime() });

/**
 * Whether this low-disk refusal should be posted to Slack: once per
 * {@linkcode DISK_WARN_EVERY_MS} per agent. Records the warning when it says yes;
 * call {@linkcode clearDiskWarning} when space is back.
 *
 * @param layout The home layout.
 * @param options The agent and the clock.
 * @returns `true` when a warning should be posted now.
 */
export async function shouldWarnDisk(
  layout: Layout,
  options: { agent: string; now: Date },
): Promise<boolean> {
  const file = `${agentStateDir(layout, options.agent)}/disk-warned.json`;
  const last = await readState(file, DiskWarned, {
    hint: "It only rate-limits a Slack warning.",
    warn: () => {},
  }).catch((error) => {
    // A corrupt record was moved aside: warn again.
    if (error instanceof StateCorruptError) return undefined;
    throw error;
  });
  if (last && options.now.getTime() - Date.parse(last.warned_at) < DISK_WARN_EVERY_MS) {
    return false;
  }
  await writeState(file, DiskWarned, { version: 1, warned_at: options.now.toISOString() });
  return true;
}

/**
 * Forgets an earlier low-disk warning, so the next shortage is reported at once.
 *
 * @param layout The home layout.
 * @param options The agent.
 */
export async function clearDiskWarning(layout: Layout, options: { agent: string }): Promise<void> {
  await Deno.remove(`${agentStateDir(layout, options.agent)}/disk-warned.json`).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/**
 * Removes an agent's daily log files older than `maxAgeDays` (by the date in their name).
 *
 * @param layout The home layout.
 * @param options The agent, the clock and the age.
 * @returns The removed files.
 */
export async function pruneLogs(
  layout: Layout,
  options: { agent: string; now: Date; maxAgeDays?: number },
): Promise<string[]> {
  const dir = agentLogDir(layout, options.agent);
  const cutoff = options.now.getTime() - (options.maxAgeDays ?? DEFAULT_LOG_MAX_AGE_DAYS) *
      86_400_000;
  const removed: string[] = [];
  for (const entry of await readDirIfExists(dir)) {
    const day = /^(\d{4}-\d\d-\d\d)\.log$/.exec(entry.name)?.[1];
    if (!entry.isFile || !day || Date.parse(`${day}T23:59:59Z`) >= cutoff) continue;
    await Deno.remove(`${dir}/${entry.name}`).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    removed.push(`${dir}/${entry.name}`);
  }
  return removed;
}

/** What {@linkcode guardDisk} found and did. */
export interface GuardResult {
  /** The verdict. */
  verdict: DiskVerdict;
  /** Files pruned (transcripts and logs). */
  pruned: string[];
}

/**
 * Prunes old transcripts and logs, then checks the free space.
 *
 * @param layout The home layout.
 * @param options The agent, the environment (for the floor) and the clock.
 * @returns The verdict and what was pruned.
 */
export async function guardDisk(
  layout: Layout,
  options: { agent: string; env: EnvReader; now: Date },
): Promise<GuardResult> {
  const floor = diskFloorBytes(options.env);
  const pruned = [
    ...await pruneTranscripts(layout, { now: options.now }),
    ...await pruneLogs(layout, { agent: options.agent, now: options.now }),
  ];
  await Deno.mkdir(layout.home, { recursive: true });
  const free = await freeBytes(layout.home, { path: options.env("PATH") });
  return { verdict: diskVerdict(free, floor), pruned };
}

function mib(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
