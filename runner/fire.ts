/**
 * The entry of every firing: the guard first, then (lazily) the lifecycle.
 *
 * A blocked or paused firing must cost little more than starting the runtime,
 * so this module loads only the guard; config, zod, the spend ledger and the
 * agent's work are imported after the guard lets the firing through.
 *
 * @module
 */
import type { AgentDefinition } from "./agent.ts";
import { guard, readGuardInput, verdictLine } from "./guard.ts";
import { alfredHome, type EnvReader, layoutOf } from "./paths.ts";

/** The shape of a firing id (runner/events.ts `newFiringId`). */
const FIRING_ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

/** Options of {@linkcode fire}. */
export interface FireOptions {
  /** Loads the agent's definition (a dynamic import, so it costs nothing when blocked). */
  loadAgent: () => Promise<AgentDefinition>;
  /** Environment variables. */
  env: EnvReader;
  /** The clock. */
  now?: () => Date;
  /** Prints a line on standard output. */
  stdout?: (line: string) => void;
  /** Prints a line on standard error. */
  stderr?: (line: string) => void;
  /** Check everything and say what would happen, without doing the work. */
  dryRun?: boolean;
  /** Print stack traces. */
  debug?: boolean;
  /** This firing's id, chosen by whoever started it (else `ALFRED_FIRING_ID`, else a new one). */
  firingId?: string;
  /** Who started the firing (else `ALFRED_FIRED_BY`, else the scheduler). */
  firedBy?: "scheduler" | "hand";
}

/**
 * Fires one agent once and returns the process exit code.
 *
 * @param codename The agent to fire.
 * @param options How to load it, and the environment.
 * @returns 0 when the firing ran or stopped on purpose; non-zero on errors.
 */
export async function fire(codename: string, options: FireOptions): Promise<number> {
  const now = options.now ?? (() => new Date());
  const stdout = options.stdout ?? ((line: string) => console.log(line));
  const layout = layoutOf(alfredHome(options.env));
  const verdict = guard(readGuardInput(layout), { agent: codename, now: now() });
  if (verdict.kind === "global-blocked" || verdict.kind === "paused") {
    stdout(verdictLine(verdict, codename));
    return 0;
  }
  const firingId = options.firingId ?? options.env("ALFRED_FIRING_ID");
  const firedBy = options.firedBy ?? options.env("ALFRED_FIRED_BY") ?? "scheduler";
  if (firingId !== undefined && !FIRING_ID.test(firingId)) {
    (options.stderr ?? console.error)(
      `error: ALFRED_FIRING_ID must look like 20261127T091500123Z-a1b2c3 (got "${firingId}")`,
    );
    return 2;
  }
  if (firedBy !== "scheduler" && firedBy !== "hand") {
    (options.stderr ?? console.error)(
      `error: ALFRED_FIRED_BY must be "scheduler" or "hand" (got "${firedBy}")`,
    );
    return 2;
  }
  const { runLifecycle } = await import("./lifecycle.ts");
  return await runLifecycle(codename, {
    ...options,
    now,
    stdout,
    layout,
    suspect: verdict.kind === "suspect",
    firingId,
    firedBy,
  });
}

/** What an agent binary's command line asks for, from {@linkcode parseFireArgs}. */
export type FireArgs =
  | { kind: "fire"; dryRun: boolean; debug: boolean }
  | { kind: "help" }
  | { kind: "usage-error"; message: string };

/**
 * Parses the command line of an agent binary (`alfred-<codename>
 * [--dry-run] [--debug]`), which is also what a compiled `alfred fire
 * <codename>` passes on (pure).
 *
 * @param args The arguments after the program.
 * @returns What to do.
 */
export function parseFireArgs(args: readonly string[]): FireArgs {
  let dryRun = false;
  let debug = false;
  for (const arg of args) {
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--debug") debug = true;
    else if (arg === "--help" || arg === "-h") return { kind: "help" };
    else return { kind: "usage-error", message: `unknown argument "${arg}"` };
  }
  return { kind: "fire", dryRun, debug };
}

/**
 * The `main` of an agent binary: parses its arguments and fires the agent.
 *
 * @param codename The agent.
 * @param args The command line (`Deno.args`).
 * @param options How to load the agent, the environment and output.
 * @returns The exit code (2 for a bad command line).
 */
export async function fireMain(
  codename: string,
  args: readonly string[],
  options: Omit<FireOptions, "dryRun" | "debug">,
): Promise<number> {
  const parsed = parseFireArgs(args);
  const stdout = options.stdout ?? ((line: string) => console.log(line));
  const stderr = options.stderr ?? ((line: string) => console.error(line));
  const usage = `Usage: alfred-${codename} [--dry-run] [--debug]\n\nFires ${codename} once, ` +
    `through the guard and the lifecycle (the same as \`alfred fire ${codename}\`).`;
  if (parsed.kind === "help") {
    stdout(usage);
    return 0;
  }
  if (parsed.kind === "usage-error") {
    stderr(`error: ${parsed.message}\nhint: ${usage.split("\n")[0]}`);
    return 2;
  }
  return await fire(codename, { ...options, dryRun: parsed.dryRun, debug: parsed.debug });
}
