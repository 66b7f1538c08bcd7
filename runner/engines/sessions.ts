/**
 * Engine session ids kept per target (an issue, a PR, a repo), so an agent can
 * resume a conversation where the design wants it:
 * `state/<agent>/sessions.json`.
 *
 * @module
 */
import { z } from "zod";
import { agentStateDir, type Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";

/** Entries kept per agent; the least recently used go first. */
export const MAX_SESSIONS = 200;

const SessionEntry = z.strictObject({
  engine: z.enum(["claude", "codex"]),
  session_id: z.string().min(1),
  updated_at: z.iso.datetime({ offset: true }),
});

/** Schema of `state/<agent>/sessions.json`. */
export const SessionsFile = z.strictObject({
  version: z.literal(1),
  sessions: z.record(z.string().min(1), SessionEntry),
});
/** The parsed sessions file. */
export type SessionsFile = z.infer<typeof SessionsFile>;

/**
 * The sessions file of an agent.
 *
 * @param layout The home layout.
 * @param agent The codename.
 * @returns `state/<agent>/sessions.json`.
 */
export function sessionsFile(layout: Layout, agent: string): string {
  return `${agentStateDir(layout, agent)}/sessions.json`;
}

/**
 * The session to resume for a target, if one was kept for the same engine.
 *
 * @param layout The home layout.
 * @param agent The codename.
 * @param options The target key (e.g. `owner/repo#12`) and the engine.
 * @returns The session id, or `undefined`.
 * @throws {StateCorruptError} when the file is corrupt (it has been moved aside).
 */
export async function sessionFor(
  layout: Layout,
  agent: string,
  options: { target: string; engine: "claude" | "codex" },
): Promise<string | undefined> {
  const file = await readState(sessionsFile(layout, agent), SessionsFile);
  const entry = file?.sessions[options.target];
  return entry && entry.engine === options.engine ? entry.session_id : undefined;
}

/**
 * Keeps the session id of a target, dropping the oldest beyond {@linkcode MAX_SESSIONS}.
 *
 * @param layout The home layout.
 * @param agent The codename.
 * @param options The target, engine, session id and clock.
 */
export async function rememberSession(
  layout: Layout,
  agent: string,
  options: { target: string; engine: "claude" | "codex"; sessionId: string; now: Date },
): Promise<void> {
  const path = sessionsFile(layout, agent);
  const file = await readState(path, SessionsFile) ?? { version: 1 as const, sessions: {} };
  file.sessions[options.target] = {
    engine: options.engine,
    session_id: options.sessionId,
    updated_at: options.now.toISOString(),
  };
  const entries = Object.entries(file.sessions)
    .sort(([, a], [, b]) => b.updated_at.localeCompare(a.updated_at))
    .slice(0, MAX_SESSIONS);
  await writeState(path, SessionsFile, { version: 1, sessions: Object.fromEntries(entries) });
}
