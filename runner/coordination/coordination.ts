/**
 * The coordination interface: what a firing shares with other firings — the
 * per-agent lock, the daily spend ledger, the fleet-wide block, the pause
 * state and the GitHub backoff of each token. Two backends implement it: files under `ALFRED_HOME` (one host, the
 * default; runner/coordination/file_coordination.ts) and Redis (several hosts,
 * one fleet; runner/coordination/redis_coordination.ts).
 *
 * Types only, so callers can name them without loading either backend.
 *
 * @module
 */
import type { BlockFile, SetBlockOptions } from "../firing/block.ts";
import type { BackoffStore } from "../github/backoff.ts";
import type { AgentLock, LockAttempt, LockRecord } from "../firing/lock.ts";
import type { PauseEntry, PauseFile, PauseTarget } from "../firing/pause.ts";
import type { FiringTally, Ledger } from "../firing/spend.ts";

/** A fleet-wide lock this process holds; its `release` drops it only if this holder still has it. */
export interface FleetLock extends AgentLock {
  /**
   * A number that grows with every acquisition of this agent's lock fleet-wide
   * (Redis `INCR`); `null` with the file backend, where the kernel lock needs none.
   * Stamp it on anything written under the lock so a stale holder can be told apart.
   */
  readonly fencingToken: number | null;
  /** Aborted when the lock was lost (expired and taken by another firing). */
  readonly signal: AbortSignal;
}

/** The result of {@linkcode Coordination.acquireLock}. */
export type FleetLockAttempt = LockAttempt<FleetLock>;

/** One firing's spend, as added to the ledger. */
export interface SpendEntry {
  /** The firing; an entry is counted once per firing id, however often it is sent. */
  firingId: string;
  /** Engine turns used. */
  turns: number;
  /** Money spent, in USD (counted in whole micro-dollars). */
  costUsd: number;
  /** How it counts towards successes, failures and the failure streak. */
  tally: FiringTally;
}

/** What {@linkcode Coordination.addSpend} did. */
export interface SpendResult {
  /** The shared ledger after the entry; `undefined` when it could not be read back. */
  ledger: Ledger | undefined;
  /** Whether the shared ledger has the entry now (else it waits in the local journal). */
  synced: boolean;
}

/** The block and pause state, read together (one round trip with Redis). */
export interface Gate {
  /** The fleet-wide block, in force or not. */
  block: BlockFile | undefined;
  /** The pause state. */
  pause: PauseFile;
}

/** Options of the pause call. */
export type PauseOptions = PauseTarget & {
  reason: string;
  by: PauseEntry["by"];
  until?: Date;
  now?: Date;
};

/** The state firings share, whichever backend holds it. */
export interface Coordination {
  /** Which backend this is. */
  readonly backend: "file" | "redis";
  /** Reads the block and pause state together. */
  readGate(options: { now: Date; warn?: (message: string) => void }): Promise<Gate>;
  /** Tries to take the agent's lock without waiting. */
  acquireLock(agent: string, holder: Omit<LockRecord, "version">): Promise<FleetLockAttempt>;
  /** Reads today's ledger (a fresh one, with the streak carried over, when there is none). */
  readLedger(
    agent: string,
    options: { day: string; warn?: (message: string) => void },
  ): Promise<Ledger>;
  /** Adds one firing to the day's ledger. */
  addSpend(
    agent: string,
    options: { day: string; entry: SpendEntry; warn?: (message: string) => void },
  ): Promise<SpendResult>;
  /**
   * Records the operator's override of the day's caps on its ledger (the caps
   * count again from the day's figures, the failure streak starts again).
   * Call it while holding the agent's lock.
   */
  overrideToday(
    agent: string,
    options: { day: string; at: Date; by: string; warn?: (message: string) => void },
  ): Promise<Ledger>;
  /** Notes on the day's ledger that a daily cap stops the agent until `until`. */
  setBlockedUntil(agent: string, options: { day: string; until: Date }): Promise<void>;
  /** Reads the fleet-wide block. */
  readBlock(
    options: { now: Date; warn?: (message: string) => void },
  ): Promise<BlockFile | undefined>;
  /** Sets the fleet-wide block (keeping a later one unless `shorten`). */
  setBlock(options: SetBlockOptions): Promise<BlockFile>;
  /** Removes the fleet-wide block; says whether there was one. */
  clearBlock(): Promise<boolean>;
  /** Reads the pause state. */
  readPause(options: { now: Date; warn?: (message: string) => void }): Promise<PauseFile>;
  /** Pauses agents, repos or the fleet. */
  pause(options: PauseOptions): Promise<PauseFile>;
  /** Lifts pauses. */
  resume(options: PauseTarget & { now?: Date }): Promise<PauseFile>;
  /** The persisted GitHub backoff of each token (runner/github/backoff.ts). */
  readonly githubBackoff: BackoffStore;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}
