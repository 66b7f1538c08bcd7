/**
 * The environment of a tool an agent runs itself (the AWS CLI, a smoke test
 * command): the engine allowlist of runner/engines/env.ts, including its AWS
 * scoping (`AWS_PROFILE` from `ALFRED_<CODENAME>_AWS_PROFILE`, every other
 * `AWS_*` stripped), minus the engines' own credentials and settings, which
 * such a tool never needs.
 *
 * @module
 */
import { buildEngineEnv } from "./env.ts";

/** Names (exact, or a prefix ending in `*`) of engine settings a tool does not get. */
export const ENGINE_ONLY_NAMES: readonly string[] = [
  "ANTHROPIC_*",
  "OPENAI_*",
  "CLAUDE_*",
  "CODEX_HOME",
  "API_TIMEOUT_MS",
];

/** Options of {@linkcode buildToolEnv}. */
export interface ToolEnvOptions {
  /** The agent's codename (names its AWS profile variable). */
  codename: string;
  /** The tool gets `AWS_PROFILE` from `ALFRED_<CODENAME>_AWS_PROFILE`. */
  aws?: boolean;
  /** Extra variable names the agent declares (`agents.<codename>.env`). */
  declared?: readonly string[];
  /** Values set by the agent (e.g. `STAGING_URL`); they win. */
  overrides?: Readonly<Record<string, string>>;
}

/**
 * Builds a tool's environment (pure).
 *
 * @example Usage
 * ```ts
 * import { buildToolEnv } from "./tool_env.ts";
 * const env = buildToolEnv(
 *   { PATH: "/usr/bin", ANTHROPIC_API_KEY: "k", ALFRED_GORDON_AWS_PROFILE: "ops" },
 *   { codename: "gordon", aws: true },
 * );
 * // env is { PATH: "/usr/bin", AWS_PROFILE: "ops" }
 * ```
 *
 * @param parent The parent environment, read once.
 * @param options Codename, AWS, declared names, overrides.
 * @returns The complete environment of the tool.
 * @throws {ConfigError} when AWS is asked for and the profile variable is unset,
 *   or a declared name is malformed or forbidden.
 */
export function buildToolEnv(
  parent: Readonly<Record<string, string>>,
  options: ToolEnvOptions,
): Record<string, string> {
  const env = buildEngineEnv(parent, {
    codename: options.codename,
    aws: options.aws,
    declared: options.declared,
  });
  for (const name of Object.keys(env)) {
    if (isEngineOnly(name) && !options.declared?.includes(name)) delete env[name];
  }
  return { ...env, ...options.overrides };
}

function isEngineOnly(name: string): boolean {
  return ENGINE_ONLY_NAMES.some((pattern) =>
    pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern
  );
}
