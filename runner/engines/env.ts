/**
 * The environment an engine runs with, built from an allowlist: never the
 * whole parent environment.
 *
 * Allowed: `PATH`, `HOME`, the locale (`LANG`, `LANGUAGE`, `LC_*`), `TERM`,
 * `TZ`, `TMPDIR`, the engines' own auth and endpoint variables, and the names
 * the agent declares. `AWS_*` is always stripped; an agent that declares AWS
 * gets `AWS_PROFILE` from `ALFRED_<CODENAME>_AWS_PROFILE`, for its engine only.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Names passed through when set. */
export const ALLOWED_NAMES: readonly string[] = [
  "PATH",
  "HOME",
  "LANG",
  "LANGUAGE",
  "TERM",
  "TZ",
  "TMPDIR",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "CLAUDE_CONFIG_DIR",
  "API_TIMEOUT_MS",
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "CODEX_HOME",
];

/** Name prefixes passed through when set. */
export const ALLOWED_PREFIXES: readonly string[] = ["LC_", "CLAUDE_CODE_"];

/** Prefixes never passed, even when declared (Alfred's own settings and cloud credentials). */
const FORBIDDEN_PREFIXES: readonly string[] = ["AWS_", "ALFRED_"];

const NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Options of {@linkcode buildEngineEnv}. */
export interface EngineEnvOptions {
  /** The agent's codename, e.g. `lucius`; used for `ALFRED_<CODENAME>_AWS_PROFILE`. */
  codename: string;
  /** Extra variable names the agent declares it needs (e.g. `GOPATH`). */
  declared?: readonly string[];
  /** The agent declares AWS access: `AWS_PROFILE` comes from `ALFRED_<CODENAME>_AWS_PROFILE`. */
  aws?: boolean;
  /** Values Alfred sets itself (e.g. `CLAUDE_CONFIG_DIR` of a fallback account); they win. */
  overrides?: Readonly<Record<string, string>>;
}

/**
 * Builds the engine's environment from the parent environment and an allowlist.
 *
 * @example Usage
 * ```ts
 * import { buildEngineEnv } from "./env.ts";
 * const env = buildEngineEnv({ PATH: "/usr/bin", GH_TOKEN: "x", AWS_SECRET_ACCESS_KEY: "y" }, {
 *   codename: "lucius",
 * });
 * // env is { PATH: "/usr/bin" }
 * ```
 *
 * @param parent The parent environment, read once at start-up (`Deno.env.toObject()`).
 * @param options Codename, declared names, AWS, overrides.
 * @returns The complete environment of the engine.
 * @throws {ConfigError} when a declared name is malformed or forbidden, or the
 *   agent declares AWS and its profile variable is unset.
 */
export function buildEngineEnv(
  parent: Readonly<Record<string, string>>,
  options: EngineEnvOptions,
): Record<string, string> {
  const declared = new Set(options.declared ?? []);
  for (const name of declared) {
    if (!NAME.test(name)) {
      throw new ConfigError(
        `agents.${options.codename}.env: "${name}" is not a valid environment variable name`,
        { hint: "Use upper-case letters, digits and underscores, e.g. GOPATH." },
      );
    }
    if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      throw new ConfigError(
        `agents.${options.codename}.env: "${name}" may not be passed to an engine`,
        {
          hint: "AWS access is granted with `aws: true` and ALFRED_<CODENAME>_AWS_PROFILE; " +
            "ALFRED_* settings are Alfred's own.",
        },
      );
    }
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (isAllowed(name) || declared.has(name)) env[name] = value;
  }
  if (options.aws) {
    const source = awsProfileVariable(options.codename);
    const profile = parent[source];
    if (!profile) {
      throw new ConfigError(`agent ${options.codename} declares AWS but ${source} is not set`, {
        hint: `Set ${source} to the AWS profile this agent may use, or remove its AWS permission.`,
      });
    }
    env.AWS_PROFILE = profile;
  }
  return { ...env, ...options.overrides };
}

/**
 * The variable that names an agent's AWS profile.
 *
 * @param codename The agent's codename.
 * @returns `ALFRED_<CODENAME>_AWS_PROFILE`, upper-cased, `-` as `_`.
 */
export function awsProfileVariable(codename: string): string {
  return `ALFRED_${codename.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_AWS_PROFILE`;
}

/**
 * Tells whether a variable is on the engine allowlist (without declarations).
 *
 * @param name A variable name.
 * @returns `true` when it passes to every engine.
 */
export function isAllowed(name: string): boolean {
  if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) return false;
  return ALLOWED_NAMES.includes(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix));
}
