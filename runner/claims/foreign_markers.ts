/**
 * Reports the marker-like comments that accounts outside the trusted set wrote
 * (runner/claims/trust.ts): each issue and author once, ever, on this host.
 * The marker parser turns them away and notes them; at the end of the firing
 * they are logged as warnings and, with Slack set, one message names each
 * issue and author. They are never acted on.
 *
 * "Once" holds across firings and agents through `state/foreign-markers.json`
 * (read-modify-written under its own lock, as several agents may finish at
 * the same time); it keeps the newest {@linkcode MAX_FOREIGN_RECORDS} pairs.
 *
 * @module
 */
import { z } from "zod";
import { StateCorruptError } from "../errors.ts";
import type { ForeignMarker } from "./trust.ts";
import { withFileLock } from "../firing/lock.ts";
import type { Logger } from "../firing/log.ts";
import type { Notice } from "../firing/notify.ts";
import type { Layout } from "../paths.ts";
import { readState, writeState } from "../state.ts";

/** How many (issue, author) pairs the record remembers; the oldest are forgotten first. */
export const MAX_FOREIGN_RECORDS = 500;

/** Most pairs listed in one Slack message (the log has them all). */
const MAX_LISTED = 10;

const SeenEntry = z.strictObject({
  where: z.string().min(1),
  author: z.string().min(1),
  kinds: z.array(z.string()),
  first_seen: z.iso.datetime(),
  agent: z.string().min(1),
});

/** `state/foreign-markers.json`: the pairs already reported. */
export const ForeignMarkerRecord = z.strictObject({
  version: z.literal(1),
  seen: z.array(SeenEntry),
});
/** A parsed {@linkcode ForeignMarkerRecord}. */
export type ForeignMarkerRecord = z.infer<typeof ForeignMarkerRecord>;

/**
 * Where the reported pairs are remembered.
 *
 * @param layout The home layout.
 * @returns `state/foreign-markers.json`.
 */
export function foreignMarkersFile(layout: Layout): string {
  return `${layout.stateDir}/foreign-markers.json`;
}

function keyOf(found: { where: string; author: string }): string {
  return `${found.where}\n${found.author.toLowerCase()}`;
}

/**
 * The foreign markers not reported before (pure), once per issue and author.
 *
 * @param record What was reported before.
 * @param found What this firing noticed.
 * @returns The new ones, in the order found.
 */
export function unreportedForeign(
  record: ForeignMarkerRecord,
  found: readonly ForeignMarker[],
): ForeignMarker[] {
  const seen = new Set(record.seen.map(keyOf));
  return found.filter((entry) => {
    const key = keyOf(entry);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Builds the Slack warning about newly found foreign markers (pure).
 *
 * @param fresh The new pairs (at least one).
 * @param options The codename that found them.
 * @returns The notice.
 */
export function foreignMarkerNotice(
  fresh: readonly ForeignMarker[],
  options: { agent: string },
): Notice {
  const listed = fresh.slice(0, MAX_LISTED);
  const lines = listed.map((entry) =>
    `• ${entry.where}: @${entry.author} (${entry.kinds.join(", ")})`
  );
  if (fresh.length > MAX_LISTED) lines.push(`… and ${fresh.length - MAX_LISTED} more in the log`);
  const one = fresh.length === 1;
  return {
    severity: "warn",
    agent: options.agent,
    title: one
      ? `ignored a marker-like comment by @${fresh[0].author} on ${shortPlace(fresh[0].where)}`
      : `ignored ${fresh.length} marker-like comments by accounts Alfred does not trust`,
    text: `${lines.join("\n")}\nNothing was done with ${one ? "it" : "them"}. ` +
      "If the author is one of your fleet's accounts, add it to `github.trusted_logins` in fleet.yaml.",
    links: listed.filter((entry) => /^https?:\/\//.test(entry.where))
      .map((entry) => ({ label: shortPlace(entry.where), url: entry.where })),
  };
}

/** `https://github.com/acme/web/issues/7` → `acme/web#7`; anything else unchanged. */
function shortPlace(where: string): string {
  const match = /([^/]+\/[^/]+)\/(?:issues|pull)\/(\d+)$/.exec(where);
  return match ? `${match[1]}#${match[2]}` : where;
}

/** Options of {@linkcode reportForeignMarkers}. */
export interface ReportForeignOptions {
  /** The home layout. */
  layout: Layout;
  /** The agent's log (one warning per new pair). */
  log: Logger;
  /** Queues the Slack warning. */
  notify: (notice: Notice) => void;
  /** The codename that found them. */
  agent: string;
  /** The clock. */
  now: () => Date;
}

/**
 * Logs and warns about the foreign markers not reported before, and remembers them.
 *
 * Requires read and write access to ALFRED_HOME's state folder.
 *
 * @param found What this firing noticed.
 * @param options Layout, log, Slack sink, codename and clock.
 * @returns The pairs reported now (empty when all were known).
 */
export async function reportForeignMarkers(
  found: readonly ForeignMarker[],
  options: ReportForeignOptions,
): Promise<ForeignMarker[]> {
  if (found.length === 0) return [];
  const { layout, log, agent } = options;
  const file = foreignMarkersFile(layout);
  const fresh = await withFileLock(`${file}.lock`, async () => {
    const record = await readRecord(file, log);
    const fresh = unreportedForeign(record, found);
    if (fresh.length === 0) return fresh;
    const first_seen = options.now().toISOString();
    const seen = [
      ...record.seen,
      ...fresh.map((entry) => ({ ...entry, kinds: [...entry.kinds], first_seen, agent })),
    ].slice(-MAX_FOREIGN_RECORDS);
    await writeState(file, ForeignMarkerRecord, { version: 1, seen });
    return fresh;
  });
  for (const entry of fresh) {
    await log.warn(
      `ignored a marker-like comment (${
        entry.kinds.join(", ")
      }) by @${entry.author} on ${entry.where}: ` +
        "that account is not trusted (github.trusted_logins)",
    );
  }
  if (fresh.length) options.notify(foreignMarkerNotice(fresh, { agent }));
  return fresh;
}

async function readRecord(file: string, log: Logger): Promise<ForeignMarkerRecord> {
  try {
    return await readState(file, ForeignMarkerRecord, {
      warn: (message) => void log.warn(message),
      hint: "Foreign markers already reported may be reported once more; nothing else is lost.",
    }) ?? { version: 1, seen: [] };
  } catch (error) {
    if (error instanceof StateCorruptError) return { version: 1, seen: [] };
    throw error;
  }
}
