/**
 * The runner's own git runs no repository code: no hook, no fsmonitor, no
 * filter, ssh command, credential helper or other program that a
 * repository's configuration names. A hostile engine (or anything it ran)
 * can plant such things in a worktree or a repo's config; the runner runs git
 * outside the sandbox (to commit, push and fetch), so it must not run them.
 *
 * - Always: `core.hooksPath=/dev/null` (an empty hooks path), `core.fsmonitor=false`,
 *   and `protocol.ext.allow=never` (an `ext::` remote runs a command).
 * - For a git command that can run a configured program (add, commit, push,
 *   fetch, rebase, worktree, ...), the configuration is read first
 *   (`git config --list --show-scope`), and every command-running key set by
 *   the **repository** (scope `local` or `worktree`) is overridden: with the
 *   operator's own value from the global or system config when there is one,
 *   else with a neutral value (an empty filter, `ssh`, no credential helper).
 *   The operator's global configuration (e.g. git-lfs filters, a global
 *   `core.sshCommand`) keeps working.
 *
 * Overrides go through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`,
 * which win over every configuration file; runner/git/worktree.ts adds them.
 * Everything here is pure.
 *
 * @module
 */

/** One configuration entry as `git config --list --show-scope -z` prints it. */
export interface GitConfigEntry {
  /** `system`, `global`, `local`, `worktree`, `command`. */
  scope: string;
  /** The key: section and name lower-case, a subsection as written (`filter.LFS.clean`). */
  key: string;
  /** The value; `undefined` for a bare key (boolean true). */
  value: string | undefined;
}

/** Overrides set on every git command of the runner. */
export const FIXED_GIT_OVERRIDES: readonly (readonly [string, string])[] = [
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  ["protocol.ext.allow", "never"],
];

/** Git subcommands that may run a program named by the configuration (besides hooks). */
const RUNS_CONFIGURED_PROGRAMS: ReadonlySet<string> = new Set([
  "add",
  "am",
  "checkout",
  "cherry-pick",
  "clone",
  "commit",
  "diff",
  "fetch",
  "merge",
  "pull",
  "push",
  "rebase",
  "reset",
  "restore",
  "stash",
  "status",
  "switch",
  "worktree",
]);

/** Scopes a repository (or what ran in it) can write. */
const REPOSITORY_SCOPES: ReadonlySet<string> = new Set(["local", "worktree"]);

/**
 * Single-valued keys that name a program, with the neutral value used when
 * only the repository sets them. Keys are matched lower-case; `*` is one
 * subsection.
 */
const PROGRAM_KEYS: readonly (readonly [RegExp, (key: string) => string])[] = [
  [/^core\.sshcommand$/, () => "ssh"],
  [/^core\.gitproxy$/, () => "none"],
  [/^core\.askpass$/, () => ""],
  [/^core\.alternaterefscommand$/, () => ""],
  [/^core\.editor$/, () => "true"],
  [/^sequence\.editor$/, () => "true"],
  [/^diff\.external$/, () => ""],
  [/^diff\..+\.(textconv|command)$/, () => ""],
  [/^merge\..+\.driver$/, () => ""],
  [/^filter\..+\.(clean|smudge|process)$/, () => ""],
  [/^filter\..+\.required$/, () => "false"],
  [/^gpg\.program$/, () => "gpg"],
  [/^gpg\.openpgp\.program$/, () => "gpg"],
  [/^gpg\.x509\.program$/, () => "gpgsm"],
  [/^gpg\.ssh\.program$/, () => "ssh-keygen"],
  [/^gpg\.ssh\.defaultkeycommand$/, () => ""],
  [/^remote\..+\.receivepack$/, () => "git-receive-pack"],
  [/^remote\..+\.uploadpack$/, () => "git-upload-pack"],
];

/** Credential helpers: a list, reset by an empty value. */
const CREDENTIAL_HELPER = /^credential\.(.+\.)?helper$/;

/**
 * Parses `git config --list --show-scope -z` (pure).
 *
 * @param text The output: `scope NUL key LF value NUL`, repeated.
 * @returns The entries, in the order git applies them.
 */
export function parseGitConfigList(text: string): GitConfigEntry[] {
  const fields = text.split("\0");
  const entries: GitConfigEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const scope = fields[i];
    const item = fields[i + 1];
    const newline = item.indexOf("\n");
    entries.push(
      newline < 0
        ? { scope, key: item, value: undefined }
        : { scope, key: item.slice(0, newline), value: item.slice(newline + 1) },
    );
  }
  return entries;
}

/**
 * The overrides that keep a repository's configuration from naming a program
 * the runner's git would run (pure). See the module's rules.
 *
 * @param entries The configuration as git reads it.
 * @returns `[key, value]` pairs in the order to apply them.
 */
export function repositoryConfigOverrides(
  entries: readonly GitConfigEntry[],
): [string, string][] {
  const overrides: [string, string][] = [];
  const done = new Set<string>();
  const trusted = entries.filter((entry) => !REPOSITORY_SCOPES.has(entry.scope));
  const fromRepo = entries.filter((entry) => REPOSITORY_SCOPES.has(entry.scope));
  for (const entry of fromRepo) {
    const lower = entry.key.toLowerCase();
    if (done.has(lower)) continue;
    if (CREDENTIAL_HELPER.test(lower)) {
      if (done.has("credential helpers")) continue;
      done.add("credential helpers");
      // An empty helper clears the list so far; then the operator's own come back, in order.
      overrides.push(["credential.helper", ""]);
      for (const own of trusted) {
        if (CREDENTIAL_HELPER.test(own.key.toLowerCase()) && own.value !== undefined) {
          overrides.push([own.key, own.value]);
        }
      }
      continue;
    }
    const rule = PROGRAM_KEYS.find(([pattern]) => pattern.test(lower));
    if (!rule) continue;
    done.add(lower);
    const own = trusted.findLast((candidate) => candidate.key.toLowerCase() === lower);
    overrides.push([entry.key, own?.value ?? rule[1](lower)]);
  }
  return overrides;
}

/**
 * Whether a git command line can run a program named by the configuration, so
 * that the configuration must be read first (pure). Hooks are off for every
 * command anyway.
 *
 * @param args The arguments after `git` (global options such as `-c k=v` first).
 * @returns `true` for add, commit, push, fetch, rebase, worktree and the like.
 */
export function needsConfigScan(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-c" || arg === "-C" || arg === "--git-dir" || arg === "--work-tree") {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return RUNS_CONFIGURED_PROGRAMS.has(arg);
  }
  return false;
}

/**
 * The `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>` variables of a
 * list of settings (pure).
 *
 * @param settings `[key, value]` pairs, applied in order (later wins).
 * @returns The variables; empty for no settings.
 */
export function gitConfigEnv(
  settings: readonly (readonly [string, string])[],
): Record<string, string> {
  if (!settings.length) return {};
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}
