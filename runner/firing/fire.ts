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
import type { LifecycleOptions } from "./lifecycle.ts";
import { guard, readGuardInput, verdictLine } from "./guard.ts";
import { alfredHome, type EnvReader, layoutOf } from "../paths.ts";

/** The shape of a firing id (runner/firing/events.ts `newFiringId`). */
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
  /**
   * For a firing by hand: loads what shows it to the person (its output, steps
   * and record go there), once the guard has let it through, so a blocked or
   * paused firing loads nothing more.
   */
  presenter?: () => Promise<FiringPresenter>;
}

/** What shows a firing to the person who started it (cli/commands/fire_progress.ts). */
export type FiringPresenter = Required<
  Pick<LifecycleOptions, "stdout" | "stderr" | "onStep" | "onEnded">
>;

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
  const presenter = await options.presenter?.();
  const { runLifecycle } = await import("./lifecycle.ts");
  return await runLifecycle(codename, {
    ...options,
    ...presenter,
    now,
    stdout: presenter?.stdout ?? stdout,
    layout,
    suspect: verdict.kind === "suspect",
    firingId,
    firedBy,
  });
}
