/**
 * Where the dashboard keeps its files under `ALFRED_HOME`: the access token,
 * the record of the running server (for `alfred serve link` and `alfred
 * status`), and the ETags of the claims board's GitHub reads.
 *
 * @module
 */
import { z } from "zod";
import type { Layout } from "../runner/paths.ts";
import { peekState } from "../runner/state.ts";

/**
 * The dashboard's access token file (mode 600).
 *
 * @param layout The home layout.
 * @returns `ALFRED_HOME/serve.token`.
 */
export function serveTokenFile(layout: Layout): string {
  return `${layout.home}/serve.token`;
}

/**
 * The record of the running dashboard, written at start and removed at a clean stop.
 *
 * @param layout The home layout.
 * @returns `ALFRED_HOME/state/serve.json`.
 */
export function serveRecordFile(layout: Layout): string {
  return `${layout.stateDir}/serve.json`;
}

/**
 * The conditional-request store of the claims board's GitHub reads.
 *
 * @param layout The home layout.
 * @returns `ALFRED_HOME/state/serve/github-etags.json`.
 */
export function serveEtagFile(layout: Layout): string {
  return `${layout.stateDir}/serve/github-etags.json`;
}

/** The record of a running dashboard (`state/serve.json`). */
export const ServeRecord = z.strictObject({
  version: z.literal(1),
  /** The URL it answers on, e.g. `http://127.0.0.1:8765`. */
  url: z.string().url(),
  /** Its process id. */
  pid: z.number().int().positive(),
  /** When it started. */
  started_at: z.iso.datetime({ offset: true }),
  /** Whether it was started with `--allow-remote`. */
  remote: z.boolean(),
});
/** Parsed {@linkcode ServeRecord}. */
export type ServeRecord = z.infer<typeof ServeRecord>;

/**
 * Reads the record of the running dashboard without repairing anything.
 *
 * @param layout The home layout.
 * @returns The record, or `undefined` when none is written (or it is unreadable).
 */
export async function readServeRecord(layout: Layout): Promise<ServeRecord | undefined> {
  const peeked = await peekState(serveRecordFile(layout), ServeRecord);
  return peeked.kind === "ok" ? peeked.value : undefined;
}
