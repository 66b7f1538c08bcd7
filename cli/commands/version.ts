/**
 * `alfred version`: the version, target and permission set of this binary.
 *
 * A compiled binary reports the build facts `scripts/build.ts` embedded in it
 * (runner/config/build_info.ts); under `deno run` the set declared for `alfred` in
 * runner/config/permissions.ts is shown instead.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { z } from "zod";
import { embeddedBuildInfo } from "../../runner/config/build_info.ts";
import { PermissionSet, permissionsOf } from "../../runner/config/permissions.ts";
import { AlfredError } from "../../runner/errors.ts";
import meta from "../../deno.json" with { type: "json" };

/** The version of this build. */
export const VERSION: string = meta.version;

/** The `version` command. */
export const versionCommand: Command = defineCommand({
  command: "version",
  help: "Usage: alfred version [--json]\n\n" +
    "Prints the version, target and runtime of this binary, and the permissions it runs with.",
  options: { json: { type: "boolean" } },
}, ({ values }, context) => {
  const info = versionInfo();
  context.stdout(values.json ? JSON.stringify(info) : renderVersion(info));
  return Promise.resolve(0);
});

/** What `alfred version` reports. */
export interface VersionInfo {
  /** The release version. */
  version: string;
  /** The target triple the binary was built for. */
  target: string;
  /** The Deno runtime version. */
  deno: string;
  /** The binary's name. */
  binary: string;
  /** `embedded` (a compiled binary's build facts) or `declared` (`deno run`). */
  source: "embedded" | "declared";
  /** Its permissions. */
  permissions: {
    run: string[];
    net: string[];
    env: string[];
    sys: string[];
    read: "all" | string[];
    write: "all" | string[];
  };
}

/**
 * Collects the version facts of the running binary.
 *
 * @returns The embedded build facts, or the declared ones under `deno run`.
 * @throws {AlfredError} when the embedded build facts are malformed.
 */
export function versionInfo(): VersionInfo {
  const embedded = embeddedBuildInfo();
  if (embedded === undefined) {
    return {
      version: VERSION,
      target: Deno.build.target,
      deno: Deno.version.deno,
      binary: "alfred",
      source: "declared",
      permissions: permissionsOf("alfred"),
    };
  }
  const parsed = z.object({
    binary: z.string(),
    version: z.string(),
    target: z.string(),
    permissions: PermissionSet,
  }).safeParse(embedded);
  if (!parsed.success) {
    throw new AlfredError(
      `this binary's embedded build facts are malformed (${parsed.error.issues[0].message})`,
      { hint: "Reinstall Alfred from a release (scripts/install.sh), or rebuild it." },
    );
  }
  return {
    version: parsed.data.version,
    target: parsed.data.target,
    deno: Deno.version.deno,
    binary: parsed.data.binary,
    source: "embedded",
    permissions: parsed.data.permissions,
  };
}

/**
 * Renders the version facts for a terminal.
 *
 * @param info The facts.
 * @returns Lines of text.
 */
export function renderVersion(info: VersionInfo): string {
  const list = (values: "all" | string[]) =>
    values === "all" ? "any path" : values.length ? values.join(", ") : "none";
  const from = info.source === "embedded"
    ? "embedded at build"
    : "declared in runner/config/permissions.ts (deno run)";
  return [
    `alfred ${info.version} (${info.target}, deno ${info.deno})`,
    `binary: ${info.binary}; permissions ${from}:`,
    `  run:   ${list(info.permissions.run)}`,
    `  net:   ${list(info.permissions.net)}`,
    `  env:   ${list(info.permissions.env)} (others read as unset)`,
    `  sys:   ${list(info.permissions.sys)}`,
    `  read:  ${list(info.permissions.read)}`,
    `  write: ${list(info.permissions.write)}`,
  ].join("\n");
}
