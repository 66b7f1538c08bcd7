/**
 * The macOS `sandbox-exec` profile (SBPL) of a sandboxed engine run: the same
 * file rules as the Linux sandbox, written for Seatbelt.
 *
 * SBPL applies the **last** matching rule, so the profile goes from broad to
 * narrow: allow by default (Mach services, sysctl and the dyld cache are too
 * many to list), then deny reading the home folder and ALFRED_HOME, allow back
 * what the engine needs, deny every write except the worktree, the git parts
 * and the engine folders, protect settings files again, and finally deny the
 * credential stores whatever came before. Outbound network is denied except to
 * the egress proxy's port on localhost (Unix sockets too: the ssh-agent's
 * socket lives under /private/tmp). It cannot run on Linux; it is tested
 * as text (tests/sandbox_seatbelt_test.ts) and must be checked on a Mac with
 * `alfred doctor` before relying on it.
 *
 * @module
 */
import type { FilePolicy } from "./policy.ts";

/** Options of {@linkcode seatbeltProfile}. */
export interface SeatbeltOptions {
  /** The file rules. */
  policy: FilePolicy;
  /** The egress proxy's TCP port on 127.0.0.1. */
  proxyPort: number;
  /** Folders and files never readable (ALFRED_HOME, credential stores). The home is added. */
  hidden: readonly string[];
}

/** Folders macOS programs write to besides their own (temp, caches, terminals). */
export const SEATBELT_SCRATCH: readonly string[] = ["/private/tmp", "/private/var/folders"];

/**
 * Builds the SBPL profile.
 *
 * @example Usage
 * ```ts
 * import { seatbeltProfile } from "./seatbelt.ts";
 * const profile = seatbeltProfile({
 *   policy: {
 *     worktree: "/Users/op/.alfred/worktrees/w", readOnly: [], writable: ["/Users/op/.alfred/worktrees/w"],
 *     protect: [], emptied: [], home: "/Users/op", denied: [],
 *   },
 *   proxyPort: 50123,
 *   hidden: ["/Users/op/.alfred"],
 * });
 * // sandbox-exec -p "$profile" claude -p ...
 * ```
 *
 * @param options The file rules, the proxy port and the hidden paths.
 * @returns The profile text.
 */
export function seatbeltProfile(options: SeatbeltOptions): string {
  const { policy } = options;
  const visible = [...policy.readOnly, ...policy.writable];
  const lines = [
    "(version 1)",
    "(allow default)",
    ";; The operator's files: hidden, then what the engine needs allowed back.",
    `(deny file-read* file-write* ${subpath(policy.home)})`,
    `(allow file-read-metadata ${literal(policy.home)})`,
  ];
  for (const hidden of options.hidden) {
    if (hidden === policy.home) continue;
    lines.push(`(deny file-read* file-write* ${subpath(hidden)})`);
  }
  lines.push(";; Readable: the git common dir, programs, git config, engine folders, worktree.");
  for (const path of visible) lines.push(`(allow file-read* ${subpath(path)})`);
  lines.push(";; Writes: nowhere but the worktree, the git parts, the engine folders, temp.");
  lines.push("(deny file-write*)");
  for (const path of [...policy.writable, ...SEATBELT_SCRATCH]) {
    lines.push(`(allow file-write* ${subpath(path)})`);
  }
  lines.push(
    `(allow file-write* (literal "/dev/null") (literal "/dev/zero") (regex #"^/dev/tty") ` +
      `(regex #"^/dev/fd/"))`,
  );
  for (const path of policy.protect) lines.push(`(deny file-write* ${subpath(path)})`);
  for (const path of policy.emptied) lines.push(`(deny file-read* file-write* ${subpath(path)})`);
  if (policy.emptied.length) {
    const inside = (path: string) => policy.emptied.some((e) => path.startsWith(`${e}/`));
    lines.push(";; This worktree's own admin dir, inside the hidden folder of all worktrees.");
    for (const path of policy.writable.filter(inside)) {
      lines.push(`(allow file-read* file-write* ${subpath(path)})`);
    }
    for (const path of policy.protect.filter(inside)) {
      lines.push(`(allow file-read* ${subpath(path)})`);
    }
  }
  lines.push(";; Credential stores: denied whatever came before.");
  for (const denied of policy.denied) {
    lines.push(`(deny file-read* file-write* ${subpath(denied.path)})`);
  }
  lines.push(
    ";; Network: only the egress proxy.",
    "(deny network-outbound)",
    `(allow network-outbound (remote ip "localhost:${options.proxyPort}"))`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * Quotes a path as an SBPL string.
 *
 * @param path Any path.
 * @returns The path in double quotes, with `\` and `"` escaped.
 */
export function sbplString(path: string): string {
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function subpath(path: string): string {
  return `(subpath ${sbplString(path)})`;
}

function literal(path: string): string {
  return `(literal ${sbplString(path)})`;
}
