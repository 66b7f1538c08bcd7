/**
 * Test helpers: a temporary ALFRED_HOME that removes itself, and a runner for
 * the `alfred` CLI as a real subprocess.
 *
 * @module
 */
import { type Marker, scanMarkers } from "../../runner/claims/markers.ts";
import { TrustedAuthors } from "../../runner/claims/trust.ts";
import { type Layout, layoutOf } from "../../runner/paths.ts";
import { DENO_RUN_FLAGS } from "../../runner/control/fire_detached.ts";

/** The repository root (tests never depend on the working directory). */
export const REPO_ROOT: string = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The Deno binary running the tests; subprocesses use the same one. */
export const DENO: string = Deno.execPath();

/** The permissions the CLI runs with in tests: the same set as `deno task alfred`. */
export const ALFRED_FLAGS: readonly string[] = DENO_RUN_FLAGS;

/** A temporary ALFRED_HOME, removed at the end of the scope (`await using`). */
export interface TempHome extends AsyncDisposable {
  /** The folder. */
  readonly home: string;
  /** Its layout. */
  readonly layout: Layout;
  /** An env reader with ALFRED_HOME set to it (plus `extra`). */
  env(extra?: Record<string, string>): (name: string) => string | undefined;
}

/**
 * Makes a temporary ALFRED_HOME.
 *
 * @returns The home; dispose it to remove it.
 */
export async function withHome(): Promise<TempHome> {
  const home = await Deno.makeTempDir({ prefix: "alfred-test-" });
  return {
    home,
    layout: layoutOf(home),
    env(extra = {}) {
      const values: Record<string, string> = {
        ALFRED_HOME: home,
        HOME: home,
        PATH: Deno.env.get("PATH") ?? "",
        ...extra,
      };
      return (name) => values[name];
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(home, { recursive: true });
    },
  };
}

/**
 * Runs `fn` with a fresh temporary folder, removed afterwards whatever happens.
 *
 * @param fn The work; it gets the folder.
 * @returns What `fn` returns.
 */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What a CLI run printed and returned. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs `alfred <args>` as a subprocess with a clean environment.
 *
 * @param args The command line.
 * @param options The ALFRED_HOME and extra environment.
 * @returns Exit code and output.
 */
export async function runAlfred(
  args: string[],
  options: { home: string; env?: Record<string, string>; script?: string },
): Promise<CliResult> {
  return await outputOf(alfredCommand(args, options));
}

/**
 * Builds the subprocess command for `alfred <args>` (to spawn it yourself).
 *
 * @param args The command line.
 * @param options The ALFRED_HOME, extra environment, and another entry script.
 * @returns The command, with piped output.
 */
export function alfredCommand(
  args: string[],
  options: { home: string; env?: Record<string, string>; script?: string },
): Deno.Command {
  return denoRunCommand(options.script ?? "cli/mod.ts", {
    flags: ALFRED_FLAGS,
    args,
    env: subprocessEnv(options.home, options.env),
  });
}

/**
 * Builds `deno run --quiet <flags> <script> <args>` from the repository root,
 * with exactly the given environment, no input and piped output.
 *
 * @param script The entry script, absolute or relative to the repository root.
 * @param options The Deno flags, the script's arguments and the whole environment.
 * @returns The command.
 */
export function denoRunCommand(
  script: string,
  options: { flags: readonly string[]; args?: readonly string[]; env: Record<string, string> },
): Deno.Command {
  return new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      ...options.flags,
      script.startsWith("/") ? script : `${REPO_ROOT}/${script}`,
      ...options.args ?? [],
    ],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/**
 * Runs a command with piped output to its end and decodes what it printed.
 *
 * @param command The command (its stdout and stderr piped).
 * @returns Exit code and output.
 */
export async function outputOf(command: Deno.Command): Promise<CliResult> {
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * The clean environment of a CLI subprocess in tests: its own ALFRED_HOME and
 * HOME, this PATH, the shared Deno cache, no colours, UTC.
 *
 * @param home The ALFRED_HOME (also HOME).
 * @param extra More variables.
 * @returns The environment.
 */
export function subprocessEnv(
  home: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return denoEnv({ ALFRED_HOME: home, HOME: home, PATH: Deno.env.get("PATH") ?? "", ...extra });
}

/**
 * The environment every Deno subprocess of a test needs: the shared Deno
 * cache, no colours, UTC; plus `extra`.
 *
 * @param extra More variables (they win).
 * @returns The environment.
 */
export function denoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { DENO_DIR: denoDir(), NO_COLOR: "1", TZ: "UTC", ...extra };
}

/**
 * Lists a folder's entries (names), or an empty list when it does not exist.
 *
 * @param dir The folder.
 * @returns Sorted names.
 */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

/**
 * The Deno cache folder subprocesses share with the test runner.
 *
 * @returns `DENO_DIR`, else the default cache folder.
 */
export function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`;
  return `${cache}/deno`;
}

/** The token's account in tests/support/fake_github.ts: Alfred's own comments are written by it. */
export const ALFRED_LOGIN = "alfred-bot";

/**
 * A comment written by Alfred's own account (the fake's token account).
 *
 * @param body The comment's body.
 * @returns The comment, as markers are read from it.
 */
export function byAlfred(body: string): { body: string; user: { login: string } } {
  return { body, user: { login: ALFRED_LOGIN } };
}

/**
 * The well-formed markers in a text Alfred wrote (tests read Alfred's own
 * output, so no author check; runner code reads markers with `parseMarkers`).
 *
 * @param text A comment's or issue's body.
 * @returns The markers, in order.
 */
export function markersIn(text: string): Marker[] {
  return scanMarkers(text).flatMap((found) => (found.ok ? [found.marker] : []));
}

/**
 * The trusted set of a test: the fake's token account, plus `more`.
 *
 * @param more Further trusted logins.
 * @returns A fresh set (it collects the foreign markers it turns away).
 */
export function alfredTrust(...more: string[]): TrustedAuthors {
  return TrustedAuthors.of([ALFRED_LOGIN, ...more]);
}
