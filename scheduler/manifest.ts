/**
 * The scheduler manifest: what `alfred scheduler install` wrote, so `uninstall`
 * removes exactly that and a second `install` only touches what changed.
 *
 * Stored at `<stateDir>/scheduler-manifest.json`. A corrupt manifest is
 * quarantined by runner/state.ts; install then rewrites every file and
 * uninstall has nothing to go on (the operator removes units by hand, see
 * docs/SCHEDULER.md).
 *
 * @module
 */
import { z } from "zod";
import type { Layout } from "../runner/paths.ts";
import { readState, writeState } from "../runner/state.ts";
import { CompanionName, CompanionRestart } from "./companion.ts";

/** The two schedulers Alfred installs into. */
export const Platform = z.enum(["systemd", "launchd"]);
/** `systemd` or `launchd`. */
export type Platform = z.infer<typeof Platform>;

/** One file written by install. */
export const ManifestFile = z.strictObject({
  path: z.string().startsWith("/"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
/** One file written by install. */
export type ManifestFile = z.infer<typeof ManifestFile>;

/** One installed agent: the unit or label the scheduler knows it by, and its files. */
export const ManifestAgent = z.strictObject({
  codename: z.string(),
  /** The systemd timer name, or the launchd label. */
  unit: z.string(),
  files: z.array(ManifestFile),
});
/** One installed agent. */
export type ManifestAgent = z.infer<typeof ManifestAgent>;

/** One installed companion service (scheduler/companion.ts): its unit or label, and its files. */
export const ManifestCompanion = z.strictObject({
  name: CompanionName,
  /** The systemd service name, or the launchd label. */
  unit: z.string(),
  restart: CompanionRestart,
  files: z.array(ManifestFile),
});
/** One installed companion service. */
export type ManifestCompanion = z.infer<typeof ManifestCompanion>;

/** Schema of `state/scheduler-manifest.json`. */
export const SchedulerManifest = z.strictObject({
  version: z.literal(1),
  platform: Platform,
  installedAt: z.iso.datetime({ offset: true }),
  agents: z.array(ManifestAgent),
  /** Absent in manifests written before companion services existed. */
  companions: z.array(ManifestCompanion).default([]),
});
/** The parsed manifest. */
export type SchedulerManifest = z.infer<typeof SchedulerManifest>;

/**
 * Where the manifest lives.
 *
 * @param layout The home layout.
 * @returns `<stateDir>/scheduler-manifest.json`.
 */
export function manifestFile(layout: Layout): string {
  return `${layout.stateDir}/scheduler-manifest.json`;
}

/**
 * Reads the manifest.
 *
 * @param layout The home layout.
 * @param options A warning sink for a quarantined file.
 * @returns The manifest, or `undefined` when nothing is installed.
 * @throws {StateCorruptError} when the file is corrupt (it has been moved aside).
 */
export function readManifest(
  layout: Layout,
  options: { warn?: (message: string) => void } = {},
): Promise<SchedulerManifest | undefined> {
  return readState(manifestFile(layout), SchedulerManifest, {
    warn: options.warn,
    hint: "Run `alfred scheduler install` to rewrite the units and the manifest.",
  });
}

/**
 * Writes the manifest atomically.
 *
 * @param layout The home layout.
 * @param manifest The manifest.
 */
export function writeManifest(layout: Layout, manifest: SchedulerManifest): Promise<void> {
  return writeState(manifestFile(layout), SchedulerManifest, manifest);
}

/**
 * Removes the manifest; a missing one is fine.
 *
 * @param layout The home layout.
 */
export async function removeManifest(layout: Layout): Promise<void> {
  try {
    await Deno.remove(manifestFile(layout));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The SHA-256 of a text, as lowercase hex.
 *
 * @param text The file content.
 * @returns 64 hex digits.
 */
export async function sha256Of(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
