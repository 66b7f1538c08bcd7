/**
 * The per-agent lock: one firing per agent per host at a time.
 *
 * The lock is an advisory `flock` on `state/<agent>/lock`, taken without
 * waiting. The kernel drops it when the holder dies, however it dies, so a
 * crashed firing can never leave the agent locked. The file also records who
 * holds it (pid, host, firing id, start time); a record left behind by a
 * holder that died is reported to the next firing as a takeover, so it can
 * log a warning and clean up after the dead firing.
 *
 * Advisory locks are not reliable on network file systems: keep ALFRED_HOME on
 * a local disk (see docs/ARCHITECTURE.md).
 *
 * @module
 */
import { z } from "zod";
import { dirnameOf } from "../paths.ts";

/** What the lock file says about its holder. */
export const LockRecord = z.strictObject({
  version: z.literal(1),
  pid: z.number().int().positive(),
  host: z.string(),
  firing_id: z.string(),
  started_at: z.iso.datetime({ offset: true }),
});
/** The parsed lock record. */
export type LockRecord = z.infer<typeof LockRecord>;

/** A lock this process holds. Release it with {@linkcode AgentLock.release}. */
export interface AgentLock {
  /** The record written for this holder. */
  readonly record: LockRecord;
  /** Empties the record and drops the lock. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * The result of {@linkcode acquireAgentLock} (and, with a fleet-wide lock, of
 * the coordination backends' `acquireLock`).
 */
export type LockAttempt<Lock extends AgentLock = AgentLock> =
  | {
    kind: "acquired";
    lock: Lock;
    /** The record of a holder that died without releasing, if one was left. */
    tookOverFrom?: LockRecord | { unreadable: string };
  }
  | { kind: "busy"; holder?: LockRecord };

/**
 * Tries to take the lock in `file` without waiting.
 *
 * Requires read and write access to the lock file's folder.
 *
 * @param file The lock file, e.g. `state/<agent>/lock`.
 * @param holder Who is taking it.
 * @returns `acquired` with the lock, or `busy` with the current holder's record.
 */
export async function acquireAgentLock(
  file: string,
  holder: Omit<LockRecord, "version">,
): Promise<LockAttempt> {
  await Deno.mkdir(dirnameOf(file), { recursive: true });
  const handle = await Deno.open(file, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await handle.tryLock(true);
    if (!locked) {
      const holderRecord = parseRecord(await readAll(handle));
      handle.close();
      return { kind: "busy", holder: "pid" in holderRecord ? holderRecord : undefined };
    }
    const previousText = await readAll(handle);
    const previous = previousText.trim() === "" ? undefined : parseRecord(previousText);
    const record: LockRecord = { version: 1, ...holder };
    await rewrite(handle, JSON.stringify(record) + "\n");
    let released = false;
    const lock: AgentLock = {
      record,
      async release() {
        if (released) return;
        released = true;
        try {
          await rewrite(handle, "");
        } finally {
          await handle.unlock();
          handle.close();
        }
      },
    };
    return { kind: "acquired", lock, tookOverFrom: previous };
  } catch (error) {
    if (locked) await handle.unlock();
    handle.close();
    throw error;
  }
}

/**
 * Runs `fn` while holding an exclusive lock on `file`, waiting for it if needed.
 * Used to serialise read-modify-write of shared state files (the pause state).
 *
 * @param file The lock file (created when missing).
 * @param fn The critical section.
 * @returns What `fn` returns.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(dirnameOf(file), { recursive: true });
  const handle = await Deno.open(file, { read: true, write: true, create: true });
  try {
    await handle.lock(true);
    return await fn();
  } finally {
    handle.close();
  }
}

/**
 * Reads the current holder of a lock file without taking it.
 *
 * @param file The lock file.
 * @returns The holder's record; `undefined` when free or never used.
 */
export async function readLockHolder(file: string): Promise<LockRecord | undefined> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true, write: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    if (await handle.tryLock(true)) {
      await handle.unlock();
      return undefined;
    }
    const record = parseRecord(await readAll(handle));
    return "pid" in record ? record : undefined;
  } finally {
    handle.close();
  }
}

function parseRecord(text: string): LockRecord | { unreadable: string } {
  try {
    const result = LockRecord.safeParse(JSON.parse(text));
    return result.success ? result.data : { unreadable: text.slice(0, 200) };
  } catch (error) {
    if (error instanceof SyntaxError) return { unreadable: text.slice(0, 200) };
    throw error;
  }
}

async function readAll(handle: Deno.FsFile): Promise<string> {
  await handle.seek(0, Deno.SeekMode.Start);
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const n = await handle.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
  }
  const bytes = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

async function rewrite(handle: Deno.FsFile, text: string): Promise<void> {
  await handle.truncate(0);
  await handle.seek(0, Deno.SeekMode.Start);
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await handle.write(bytes.subarray(written));
  await handle.sync();
}
