/**
 * What a development script needs before it starts (`deno task bench`,
 * `deno task build`, the soak run), checked up front: a missing program is
 * named with the command that installs it, instead of a stack trace minutes
 * into the run.
 *
 * A script declares its needs with the helpers below and calls
 * {@linkcode requirePrerequisites} first thing:
 *
 * ```ts
 * import { claudeCli, program, requirePrerequisites } from "./prerequisites.ts";
 * requirePrerequisites("deno task bench", [program("git"), claudeCli()]);
 * ```
 *
 * @module
 */

/** The repository root. */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** What installs the test tools (pinned engine CLIs from npm, Debian packages as root). */
export const TEST_TOOLS = "./scripts/test_tools.sh";

/** One thing a script needs. */
export interface Prerequisite {
  /** What it is, for a person: `git`, `the claude CLI (pinned, in .tools/)`. */
  name: string;
  /** Whether it is there. */
  present: () => boolean;
  /** What to run to get it. */
  fix: string;
  /** When set, the script runs without it and this says what is lost. */
  optionalWithout?: string;
}

/** What {@linkcode checkPrerequisites} found. */
export interface PrerequisiteReport {
  /** Required and missing: the script must not start. */
  missing: Prerequisite[];
  /** Optional and missing: the script starts without them. */
  skipped: Prerequisite[];
}

/**
 * Whether `name` is an executable file in one of the folders of `path`.
 *
 * @param name A program name (no slash).
 * @param path A `PATH`-style list of folders.
 * @returns Whether it was found.
 */
export function onPath(name: string, path: string): boolean {
  return path.split(":").some((dir) => dir !== "" && isExecutable(`${dir}/${name}`));
}

/**
 * Whether `file` is an executable file.
 *
 * @param file A path.
 * @returns Whether it exists, is a file, and has an execute bit.
 */
export function isExecutable(file: string): boolean {
  try {
    const info = Deno.statSync(file);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw error;
  }
}

/**
 * A program that must be on `PATH`.
 *
 * @param name The program.
 * @param options The Debian package that has it (default: the program's name),
 *   whether `scripts/test_tools.sh` installs it, what is lost without it (makes
 *   it optional), and the `PATH` to search.
 * @returns The prerequisite.
 */
export function program(
  name: string,
  options: { apt?: string; testTools?: boolean; optionalWithout?: string; path?: string } = {},
): Prerequisite {
  const path = options.path ?? Deno.env.get("PATH") ?? "";
  const apt = `apt-get install ${options.apt ?? name}`;
  return {
    name,
    present: () => onPath(name, path),
    fix: options.testTools ? `${TEST_TOOLS} (as root), or ${apt}` : apt,
    ...(options.optionalWithout ? { optionalWithout: options.optionalWithout } : {}),
  };
}

/**
 * One of the engine CLIs pinned in `.tools/` by `scripts/test_tools.sh`.
 *
 * @param name `claude` or `codex`.
 * @param options Another repository root (tests).
 * @returns The prerequisite.
 */
export function pinnedCli(name: "claude" | "codex", options: { root?: string } = {}): Prerequisite {
  const file = `${options.root ?? ROOT}/.tools/node_modules/.bin/${name}`;
  return {
    name: `the ${name} CLI (pinned, in .tools/)`,
    present: () => isExecutable(file),
    fix: TEST_TOOLS,
  };
}

/**
 * The pinned `claude` CLI.
 *
 * @param options Another repository root (tests).
 * @returns The prerequisite.
 */
export function claudeCli(options: { root?: string } = {}): Prerequisite {
  return pinnedCli("claude", options);
}

/**
 * Bubblewrap, which confines the engine on Linux (a firing with the default
 * `sandbox: required` refuses to run the engine without it). Not needed elsewhere.
 *
 * @param options The `PATH` to search and the operating system (tests).
 * @returns The prerequisite.
 */
export function linuxSandbox(options: { path?: string; os?: string } = {}): Prerequisite {
  const linux = (options.os ?? Deno.build.os) === "linux";
  const found = program("bwrap", { apt: "bubblewrap", testTools: true, path: options.path });
  return { ...found, present: () => !linux || found.present() };
}

/**
 * GNU time at `/usr/bin/time`, which measures peak memory (optional: figures show `n/a` without it).
 *
 * @param options The file to look for (tests).
 * @returns The prerequisite.
 */
export function gnuTime(options: { file?: string } = {}): Prerequisite {
  const file = options.file ?? "/usr/bin/time";
  return {
    name: file,
    present: () => isExecutable(file),
    fix: `${TEST_TOOLS} (as root), or apt-get install time`,
    optionalWithout: "peak memory shows n/a",
  };
}

/**
 * Checks a list of prerequisites (pure apart from the checks themselves).
 *
 * @param needs What the script needs.
 * @returns The missing ones, required and optional apart.
 */
export function checkPrerequisites(needs: readonly Prerequisite[]): PrerequisiteReport {
  const absent = needs.filter((need) => !need.present());
  return {
    missing: absent.filter((need) => need.optionalWithout === undefined),
    skipped: absent.filter((need) => need.optionalWithout !== undefined),
  };
}

/**
 * Says what is missing and what to run (pure).
 *
 * @param script The script, as the person ran it (`deno task bench`).
 * @param report What {@linkcode checkPrerequisites} found.
 * @returns Lines for standard error; empty when nothing is missing.
 */
export function describePrerequisites(script: string, report: PrerequisiteReport): string[] {
  const lines: string[] = [];
  const names = (needs: Prerequisite[]) =>
    needs.length === 1
      ? needs[0].name
      : `${needs.slice(0, -1).map((need) => need.name).join(", ")} and ${needs.at(-1)!.name}`;
  if (report.missing.length) {
    lines.push(
      `error: ${script} cannot start: ${names(report.missing)} ${
        report.missing.length === 1 ? "is" : "are"
      } missing.`,
    );
    for (const need of report.missing) lines.push(`  ${need.name}: install with ${need.fix}`);
    const viaTestTools = report.missing.every((need) => need.fix.startsWith(TEST_TOOLS));
    lines.push(
      viaTestTools
        ? `hint: run ${TEST_TOOLS}, then ${script} again.`
        : `hint: install ${
          report.missing.length === 1 ? "it" : "them"
        } with your package manager, then ${script} again.`,
    );
  }
  for (const need of report.skipped) {
    lines.push(
      `note: ${need.name} is missing, so ${need.optionalWithout}; install with ${need.fix}.`,
    );
  }
  return lines;
}

/**
 * Checks the prerequisites of a script, prints what is missing, and ends the
 * process with exit code 1 when a required one is missing. Call it before the
 * script does anything else.
 *
 * @param script The script, as the person ran it (`deno task bench`).
 * @param needs What it needs.
 * @param options Where to print (default standard error) and how to exit (tests).
 */
export function requirePrerequisites(
  script: string,
  needs: readonly Prerequisite[],
  options: { stderr?: (line: string) => void; exit?: (code: number) => never } = {},
): void {
  const stderr = options.stderr ?? ((line: string) => console.error(line));
  const report = checkPrerequisites(needs);
  for (const line of describePrerequisites(script, report)) stderr(line);
  if (report.missing.length) (options.exit ?? Deno.exit)(1);
}
