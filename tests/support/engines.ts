/**
 * The real engine CLIs in tests: where the pinned `claude` and `codex` live,
 * the environment that points `claude` at the scripted Messages API
 * (tests/support/fake_anthropic.ts), the provider that points `codex` at the
 * scripted Responses API (tests/support/fake_openai.ts), and the base of an
 * engine request.
 *
 * @module
 */
import type { EngineRequest, EngineRunOptions } from "../../runner/engines/run.ts";
import { REPO_ROOT } from "./helpers.ts";

/** The folder of the pinned engine CLIs (scripts/test_tools.sh installs them). */
export const ENGINE_BIN_DIR = `${REPO_ROOT}/.tools/node_modules/.bin`;

/** The pinned `claude` CLI. */
export const CLAUDE = `${ENGINE_BIN_DIR}/claude`;

/** The pinned `codex` CLI. */
export const CODEX = `${ENGINE_BIN_DIR}/codex`;

/** The test runner's PATH (engines and git need it). */
export const PATH: string = Deno.env.get("PATH") ?? "/usr/bin:/bin";

/** The fixed clock of engine runs in tests (a spend day of its own). */
export const ENGINE_NOW = (): Date => new Date("2030-01-01T12:00:00Z");

/**
 * The environment that sends the real `claude` CLI to a scripted Messages API:
 * a dummy key, no telemetry, no retries, and a short request timeout.
 *
 * @param baseUrl The fake's base URL.
 * @param options The request timeout `claude` waits for (default 5 s).
 * @returns The variables.
 */
export function claudeEnv(
  baseUrl: string,
  options: { apiTimeoutMs?: number } = {},
): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "dummy",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
    API_TIMEOUT_MS: String(options.apiTimeoutMs ?? 5000),
  };
}

/**
 * The engine-run options that send the real `codex` CLI to a scripted
 * Responses API, with no retries.
 *
 * Measured: workspace-write needs codex's helper binary (codex-linux-sandbox),
 * which codex refuses to install when CODEX_HOME is under the temp dir, so
 * tests (whose CODEX_HOME is a temp dir) run commands unsandboxed by codex.
 *
 * @param baseUrl The fake's base URL.
 * @returns `programs`, `codexSandbox` and `codexProvider`.
 */
export function codexRunOptions(
  baseUrl: string,
): Pick<EngineRunOptions, "programs" | "codexSandbox" | "codexProvider"> {
  return {
    programs: { codex: CODEX },
    codexSandbox: "danger-full-access",
    codexProvider: { id: "fake", baseUrl, requestMaxRetries: 0, streamMaxRetries: 0 },
  };
}

/**
 * A request for one engine run of firing `f-1`.
 *
 * @param engine The engine, with its model (claude-sonnet-4-5 or gpt-5).
 * @param request The agent, prompt, folder, turns and tools.
 * @returns The request.
 */
export function engineRequest(
  engine: "claude" | "codex",
  request: Omit<EngineRequest, "firingId" | "tier"> & Partial<EngineRequest>,
): EngineRequest {
  const model = engine === "claude" ? "claude-sonnet-4-5" : "gpt-5";
  return { firingId: "f-1", tier: { engine, model }, ...request };
}
