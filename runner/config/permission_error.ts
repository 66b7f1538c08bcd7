/**
 * "Denied means a clear error": turns Deno's permission denial (`NotCapable`)
 * into an {@linkcode AlfredError} that names the permission, the binary and
 * what the operator can do about it.
 *
 * Imports only runner/errors.ts and runner/config/build_info.ts, so every entry point
 * can use it on its error path without loading zod.
 *
 * @module
 */
import { AlfredError, ExitCode } from "../errors.ts";
import { embeddedBuildInfo } from "./build_info.ts";

/** The kinds of Deno permission. */
export type PermissionKind = "read" | "write" | "net" | "env" | "sys" | "run" | "ffi" | "import";

/** A permission the binary was denied. */
export class PermissionDeniedError extends AlfredError {
  /** Which permission. */
  readonly permission: PermissionKind | "unknown";
  /** What was asked for: a program, host, variable, path or API; empty when Deno named none. */
  readonly target: string;
  /** The binary that was denied. */
  readonly binary: string;

  /**
   * Creates a {@linkcode PermissionDeniedError}.
   *
   * @param binary The binary.
   * @param options The permission, target, hint and cause.
   */
  constructor(
    binary: string,
    options: {
      permission: PermissionKind | "unknown";
      target: string;
      hint: string;
      cause?: unknown;
    },
  ) {
    const what = options.target ? ` to ${JSON.stringify(options.target)}` : "";
    super(`permission denied: ${binary} may not ${verbOf(options.permission)}${what}`, {
      hint: options.hint,
      exitCode: ExitCode.permission,
      cause: options.cause,
    });
    this.name = "PermissionDeniedError";
    this.permission = options.permission;
    this.target = options.target;
    this.binary = binary;
  }
}

/** What the binary is allowed, as far as the error path needs it. */
export interface AllowedSummary {
  /** Programs it may run. */
  run?: readonly string[];
  /** Hosts it may reach. */
  net?: readonly string[];
  /** Variables it may read. */
  env?: readonly string[];
  /** `"all"` or paths it may read. */
  read?: "all" | readonly string[];
  /** `"all"` or paths it may write. */
  write?: "all" | readonly string[];
}

/** Options of {@linkcode describePermissionDenial}. */
export interface DescribeOptions {
  /** The binary, e.g. `alfred` or `alfred-lucius`. Default: the embedded build's, else `alfred`. */
  binary?: string;
  /** What it is allowed. Default: the embedded build's permission set, when there is one. */
  allowed?: AllowedSummary;
}

/**
 * Parses Deno's denial message, e.g. `Requires run access to "curl", run again
 * with the --allow-run flag`.
 *
 * @param message The error message.
 * @returns The permission and its target (empty when none is named), or
 *   `undefined` when the message is not a denial.
 */
export function parseDenialMessage(
  message: string,
): { permission: PermissionKind; target: string } | undefined {
  const match = /Requires (read|write|net|env|sys|run|ffi|import) access(?: to "([^"]*)")?/.exec(
    message,
  );
  if (!match) return undefined;
  return { permission: match[1] as PermissionKind, target: match[2] ?? "" };
}

/**
 * Describes a permission denial for the operator.
 *
 * Call it on the error path of every entry point, before `formatError` and
 * `exitCodeOf`: `const shown = describePermissionDenial(error, { binary }) ?? error`.
 *
 * @example Usage
 * ```ts
 * import { describePermissionDenial } from "./permission_error.ts";
 * const error = new Deno.errors.NotCapable(
 *   'Requires run access to "curl", run again with the --allow-run flag',
 * );
 * const shown = describePermissionDenial(error, { binary: "alfred-lucius" });
 * // shown.message: permission denied: alfred-lucius may not run a program to "curl"
 * ```
 *
 * @param error Anything thrown.
 * @param options The binary and what it is allowed.
 * @returns A {@linkcode PermissionDeniedError} for a Deno permission denial
 *   (also when wrapped as the `cause` of another error), else `undefined`.
 */
export function describePermissionDenial(
  error: unknown,
  options: DescribeOptions = {},
): PermissionDeniedError | undefined {
  if (error instanceof PermissionDeniedError) return error;
  const denial = findDenial(error);
  if (!denial) return undefined;
  const build = buildSummary();
  const binary = options.binary ?? build?.binary ?? "alfred";
  const allowed = options.allowed ?? build?.permissions;
  const parsed = parseDenialMessage(denial.message);
  const permission = parsed?.permission ?? "unknown";
  const target = parsed?.target ?? "";
  return new PermissionDeniedError(binary, {
    permission,
    target,
    hint: hintOf(permission, target, { binary, allowed }),
    cause: error,
  });
}

function findDenial(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof Deno.errors.NotCapable) return current;
    current = current.cause;
  }
  return undefined;
}

function buildSummary(): { binary?: string; permissions?: AllowedSummary } | undefined {
  const info = embeddedBuildInfo();
  if (!info || typeof info !== "object") return undefined;
  const { binary, permissions } = info as { binary?: unknown; permissions?: unknown };
  return {
    binary: typeof binary === "string" ? binary : undefined,
    permissions: permissions && typeof permissions === "object"
      ? permissions as AllowedSummary
      : undefined,
  };
}

function verbOf(permission: PermissionKind | "unknown"): string {
  switch (permission) {
    case "run":
      return "run a program";
    case "net":
      return "connect";
    case "env":
      return "read the environment";
    case "sys":
      return "read system information";
    case "read":
      return "read";
    case "write":
      return "write";
    case "ffi":
      return "load native code";
    case "import":
      return "import remote code";
    default:
      return "do this";
  }
}

function listOf(values: "all" | readonly string[] | undefined): string {
  if (values === undefined) return "(see `alfred version`)";
  if (values === "all") return "everything";
  return values.length ? values.join(", ") : "nothing";
}

function hintOf(
  permission: PermissionKind | "unknown",
  target: string,
  context: { binary: string; allowed: AllowedSummary | undefined },
): string {
  const { binary, allowed } = context;
  const rebuild = "then rebuild (docs/RELEASE.md)";
  switch (permission) {
    case "run": {
      if (!target) {
        return `Signalling a process (Deno.kill) needs --allow-run without a list, which ` +
          `${binary} never has: runner/process.ts must end process groups with the \`kill\` ` +
          `program instead. This is a bug: please report it.`;
      }
      if (allowed?.run?.includes(target)) {
        return `${target} is allowed, but Deno pins it to the file found on PATH when ` +
          `${binary} started; run it with the same PATH it starts with.`;
      }
      return `${binary} may run only: ${listOf(allowed?.run)}. ${target || "This program"} ` +
        `is not part of its job. A custom agent declares extra programs under ` +
        `agents.<codename>.programs in fleet.yaml, ${rebuild}.`;
    }
    case "net": {
      const host = target.replace(/:443$/, "");
      return `${binary} may reach only: ${listOf(allowed?.net)}. If ${host || "this host"} ` +
        `is your GitHub Enterprise host, rebuild with \`deno task build --github-host ${
          host || "<host>"
        }\` (or ALFRED_BUILD_GITHUB_HOST); a custom agent declares extra hosts under ` +
        `agents.<codename>.hosts in fleet.yaml. Slack webhooks must be on hooks.slack.com.`;
    }
    case "env":
      return `${binary} may read only: ${listOf(allowed?.env)}. Alfred's own settings are ` +
        `named ALFRED_*; a custom agent declares extra variables under agents.<codename>.env, ` +
        `${rebuild}.`;
    case "read":
    case "write":
      return `${binary} was built to ${permission} only: ${
        listOf(allowed?.[permission])
      }. Rebuild with that folder added to --fs-allow, or without --fs-allow (docs/SECURITY.md).`;
    case "sys":
      return `${binary} may not ask for ${
        target || "this system information"
      }; this is a bug in runner/config/permissions.ts: please report it.`;
    case "import":
      return "Alfred binaries never load code from the network; everything is built in.";
    default:
      return `See docs/SECURITY.md and \`${
        binary === "alfred" ? "alfred" : binary
      } version\` for what this binary may do.`;
  }
}
