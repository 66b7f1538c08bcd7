/**
 * The host's journal of claim transitions, `state/transitions/`: one file per
 * transition a firing began (runner/claims/transitions.ts), written before the
 * transition's first write to GitHub and removed when it ended. A file left
 * behind is a transition cut short (a crash, a fault, a rate-limit stop); the
 * next firing of any GitHub agent on the host completes it before anything
 * else ({@linkcode completePendingTransitions}).
 *
 * A file is named `<codename>.<firing>.<n>.json` after the firing that owns it.
 * While that firing holds its agent's lock the transition may still be under
 * way and is left alone. A firing that completes a file first renames it to
 * its own name (a rename succeeds once), so two firings never complete the
 * same transition at the same time, and one that dies while completing it
 * leaves it to the next.
 *
 * @module
 */
import type { GitHubClient } from "../github/client.ts";
import { completeTransition } from "./claims.ts";
import type { TrustedAuthors } from "./trust.ts";
import { type JournalEntry, PendingTransition, type TransitionJournal } from "./transitions.ts";
import { AlfredError, GitHubBackoffError, StateCorruptError } from "../errors.ts";
import { readLockHolder } from "../firing/lock.ts";
import { type Layout, lockFile } from "../paths.ts";
import { readState, writeState } from "../state.ts";

/** Who writes and completes journal files: a firing. */
export interface JournalOwner {
  /** The agent's codename. */
  readonly codename: string;
  /** The firing id. */
  readonly firing: string;
}

/**
 * The journal's folder.
 *
 * @param layout The home layout.
 * @returns `state/transitions`.
 */
export function transitionsDirOf(layout: Layout): string {
  return `${layout.stateDir}/transitions`;
}

/**
 * Opens the host's journal for one firing's transitions.
 *
 * @param layout The home layout.
 * @param owner The firing that begins the transitions.
 * @returns The journal.
 */
export function fileJournal(layout: Layout, owner: JournalOwner): TransitionJournal {
  const dir = transitionsDirOf(layout);
  let count = 0;
  return {
    async begin(pending): Promise<JournalEntry> {
      const file = `${dir}/${fileName(owner, ++count)}`;
      await writeState(file, PendingTransition, pending);
      return {
        async done() {
          await Deno.remove(file).catch((error) => {
            if (!(error instanceof Deno.errors.NotFound)) throw error;
          });
        },
      };
    },
  };
}

/** A journal file, parsed from its name. */
export interface JournalFile {
  /** Its path. */
  readonly path: string;
  /** The firing that owns it. */
  readonly owner: JournalOwner;
}

/**
 * Lists the journal's files, oldest owner first.
 *
 * @param layout The home layout.
 * @returns The files (names that do not fit the scheme are skipped).
 */
export async function listJournal(layout: Layout): Promise<JournalFile[]> {
  const dir = transitionsDirOf(layout);
  const files: JournalFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = /^([a-z0-9][a-z0-9_-]*)\.([^.]+)\.(\d+)\.json$/.exec(entry.name);
      if (!entry.isFile || !match) continue;
      files.push({ path: `${dir}/${entry.name}`, owner: { codename: match[1], firing: match[2] } });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Options of {@linkcode completePendingTransitions}. */
export interface CompletePendingOptions {
  /** The home layout. */
  layout: Layout;
  /** The firing completing them. */
  owner: JournalOwner;
  /** The clock. */
  now: () => Date;
  /** Receives one line per transition completed or left. */
  log: (line: string) => void;
  /** Whether a firing still runs; default: it holds its agent's lock on this host. */
  isAlive?: (owner: JournalOwner) => Promise<boolean>;
  /** The accounts whose markers count; asked only when a transition is to be completed. */
  trusted: () => Promise<TrustedAuthors>;
}

/** What {@linkcode completePendingTransitions} did. */
export interface CompletedReport {
  /** Transitions completed and crossed out. */
  completed: number;
  /** Transitions left: their firing still runs, or completing them failed. */
  left: number;
}

/**
 * Completes every transition a dead firing on this host left half-done.
 *
 * @param client The GitHub client.
 * @param options The layout, the completing firing, the clock and the log.
 * @returns How many were completed and left.
 * @throws {GitHubBackoffError} when GitHub's rate limit stops the work: the
 *   transition being completed stays in the journal (now under this firing's name).
 */
export async function completePendingTransitions(
  client: GitHubClient,
  options: CompletePendingOptions,
): Promise<CompletedReport> {
  const { layout, owner, log } = options;
  const isAlive = options.isAlive ?? ((other) => holdsLock(layout, other));
  const report: CompletedReport = { completed: 0, left: 0 };
  let count = 0;
  for (const file of await listJournal(layout)) {
    const mine = file.owner.codename === owner.codename && file.owner.firing === owner.firing;
    if (mine || await isAlive(file.owner)) {
      report.left++;
      continue;
    }
    const taken = `${transitionsDirOf(layout)}/${fileName(owner, 1_000_000 + ++count)}`;
    try {
      await Deno.rename(file.path, taken);
    } catch (error) {
      // Another firing took it first.
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    let pending: PendingTransition | undefined;
    try {
      pending = await readState(taken, PendingTransition, {
        warn: log,
        hint: "That transition is not completed from the journal; the sweep repairs the issue.",
      });
    } catch (error) {
      if (error instanceof StateCorruptError) continue;
      throw error;
    }
    if (!pending) continue;
    const what = `${pending.kind} of ${pending.repo}#${pending.issue} by firing ${pending.firing}`;
    try {
      const done = await completeTransition(client, pending, {
        now: options.now,
        trusted: await options.trusted(),
      });
      await Deno.remove(taken);
      report.completed++;
      log(
        `completed the unfinished ${what}` +
          (done.posted === "none" ? "" : `: posted its ${done.posted}`) +
          (done.moved ? `, moved to ${done.moved}` : ""),
      );
    } catch (error) {
      if (error instanceof GitHubBackoffError) throw error;
      if (!(error instanceof AlfredError)) throw error;
      report.left++;
      log(`could not complete the unfinished ${what} (${error.message}); the next firing retries`);
    }
  }
  return report;
}

async function holdsLock(layout: Layout, owner: JournalOwner): Promise<boolean> {
  const holder = await readLockHolder(lockFile(layout, owner.codename));
  return holder?.firing_id === owner.firing;
}

function fileName(owner: JournalOwner, n: number): string {
  return `${owner.codename}.${owner.firing}.${n}.json`;
}
