/**
 * How a firing runs in this process, whoever started it: an agent's own
 * binary (`alfred-<codename>`, from the scheduler or from a compiled `alfred
 * fire`), or `alfred fire` under `deno run`. The guard runs first; a firing
 * by hand (`ALFRED_FIRED_BY=hand`) then loads what shows its steps and summary
 * to the person (cli/commands/fire_progress.ts), and a scheduled firing
 * prints what it always printed.
 *
 * It also holds a codename's boilerplate: {@linkcode defineAgent} and
 * {@linkcode runAgent}, so that a codename is a folder with `prompt.ts`,
 * `work.ts` and a `mod.ts` of a few lines:
 *
 * ```ts ignore
 * import { defineAgent, runAgent } from "../agent_main.ts";
 *
 * export const robinAgent = defineAgent("robin", () => import("./work.ts"));
 *
 * if (import.meta.main) await runAgent(robinAgent);
 * ```
 *
 * On the path of every firing: imports only runner/firing/fire.ts and the
 * table of built-in codenames (runner/config/built_in_agents.ts, no imports).
 *
 * @module
 */
import type { AgentDefinition, FiringContext, WorkResult } from "../runner/firing/agent.ts";
import { fire } from "../runner/firing/fire.ts";
import { BUILT_IN_AGENTS } from "../runner/config/built_in_agents.ts";
import type { EnvReader } from "../runner/paths.ts";
import type { FiringDisplay, ProgressMode, Terminal } from "../cli/commands/fire_progress.ts";

/** What an agent binary's command line asks for, from {@linkcode parseFireArgs}. */
export type FireArgs =
  | { kind: "fire"; dryRun: boolean; debug: boolean; progress: ProgressMode }
  | { kind: "help" }
  | { kind: "usage-error"; message: string };

/**
 * Parses the command line of an agent binary (`alfred-<codename> [--dry-run]
 * [--debug] [--quiet | --json]`), which is also what a compiled `alfred fire
 * <codename>` passes on (pure).
 *
 * @param args The arguments after the program.
 * @returns What to do.
 */
export function parseFireArgs(args: readonly string[]): FireArgs {
  let dryRun = false;
  let debug = false;
  let progress: ProgressMode = "auto";
  for (const arg of args) {
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--debug") debug = true;
    else if (arg === "--help" || arg === "-h") return { kind: "help" };
    else if ((arg === "--quiet" || arg === "-q" || arg === "--json") && progress !== "auto") {
      return { kind: "usage-error", message: "give --quiet or --json, not both" };
    } else if (arg === "--quiet" || arg === "-q") progress = "quiet";
    else if (arg === "--json") progress = "json";
    else return { kind: "usage-error", message: `unknown argument "${arg}"` };
  }
  return { kind: "fire", dryRun, debug, progress };
}

/** Options of {@linkcode fireWatched}. */
export interface FireWatchedOptions {
  /** Loads the agent's definition. */
  loadAgent: () => Promise<AgentDefinition>;
  /** Environment variables. */
  env: EnvReader;
  /** Prints a line on standard output. */
  stdout: (line: string) => void;
  /** Prints a line on standard error. */
  stderr: (line: string) => void;
  /** Check everything and say what would happen, without doing the work. */
  dryRun?: boolean;
  /** Print stack traces. */
  debug?: boolean;
  /** How the person watches it: `auto` (live on a terminal, else plain lines), `quiet`, `json`. */
  progress?: ProgressMode;
  /** The terminal standard output is, if it is one. */
  terminal?: Terminal;
  /** Who started it, when the caller knows (else `ALFRED_FIRED_BY`, else the scheduler). */
  firedBy?: "hand";
}

/**
 * Fires an agent in this process, showing a firing by hand to the person.
 *
 * @param codename The agent.
 * @param options Loader, environment, output, and how the person watches.
 * @returns The exit code.
 */
export async function fireWatched(codename: string, options: FireWatchedOptions): Promise<number> {
  const firedBy = options.firedBy ?? options.env("ALFRED_FIRED_BY");
  const mode = options.progress ?? "auto";
  // A scheduled firing prints what scheduled firings print, unless --quiet or --json asks otherwise.
  if (firedBy !== "hand" && mode === "auto") return await fire(codename, options);
  let display: FiringDisplay | undefined;
  const load = async () => {
    const { createFiringDisplay } = await import("../cli/commands/fire_progress.ts");
    return display ??= createFiringDisplay(codename, { ...options, mode });
  };
  // --quiet and --json hold even the guard's line; the default loads its display after the guard.
  if (mode !== "auto") await load();
  const code = await fire(codename, {
    ...options,
    stdout: display?.stdout ?? options.stdout,
    // Otherwise fire() reads ALFRED_FIRED_BY itself, and refuses a bad value.
    firedBy: firedBy === "hand" ? "hand" : undefined,
    presenter: load,
  });
  display?.finish(code);
  return code;
}

/**
 * The terminal standard output is, when it is one (for the live progress line).
 *
 * @param env Reads `TERM` (`dumb` means no live line).
 * @returns The terminal, or `undefined`.
 */
export function stdoutTerminal(env: EnvReader): Terminal | undefined {
  if (!Deno.stdout.isTerminal() || env("TERM") === "dumb") return undefined;
  return {
    write: (text: string) => void Deno.stdout.writeSync(new TextEncoder().encode(text)),
    columns: () => Deno.consoleSize().columns,
  };
}

/**
 * The `main` of an agent binary: parses its arguments and fires the agent.
 *
 * @param codename The agent.
 * @param args The command line (`Deno.args`).
 * @param options How to load the agent.
 * @returns The exit code (2 for a bad command line).
 */
export async function agentMain(
  codename: string,
  args: readonly string[],
  options: { loadAgent: () => Promise<AgentDefinition> },
): Promise<number> {
  const stdout = (line: string) => console.log(line);
  const stderr = (line: string) => console.error(line);
  const parsed = parseFireArgs(args);
  const usage = `Usage: alfred-${codename} [--dry-run] [--debug] [--quiet | --json]\n\n` +
    `Fires ${codename} once, through the guard and the lifecycle (the same as ` +
    `\`alfred fire ${codename}\`).`;
  if (parsed.kind === "help") {
    stdout(usage);
    return 0;
  }
  if (parsed.kind === "usage-error") {
    stderr(`error: ${parsed.message}\nhint: ${usage.split("\n")[0]}`);
    return 2;
  }
  const env = (name: string) => Deno.env.get(name);
  return await fireWatched(codename, {
    ...options,
    env,
    stdout,
    stderr,
    dryRun: parsed.dryRun,
    debug: parsed.debug,
    progress: parsed.progress,
    terminal: stdoutTerminal(env),
  });
}

/** What a codename's work module (`agents/<codename>/work.ts`) exports. */
export interface AgentWorkModule {
  /** Does one firing's work, once the guard has let it through. */
  work(context: FiringContext): Promise<WorkResult>;
}

/**
 * Defines a built-in codename's agent (pure): its job, `paid` and `github`
 * from the fleet's table (runner/config/built_in_agents.ts), and a work that
 * loads the work module, `() => import("./work.ts")`, only when a firing
 * gets past the guard (the module doc shows a whole `mod.ts`).
 *
 * @param codename The built-in codename.
 * @param load Loads the work module: the agent's lazy edge.
 * @returns The agent definition.
 * @throws {Error} when the codename is not built in (a programming error).
 */
export function defineAgent(
  codename: string,
  load: () => Promise<AgentWorkModule>,
): AgentDefinition {
  const facts = BUILT_IN_AGENTS[codename];
  if (!facts) throw new Error(`"${codename}" is not a built-in codename`);
  return {
    codename,
    job: facts.job,
    paid: facts.paid,
    github: facts.github,
    work: async (context) => await (await load()).work(context),
  };
}

/**
 * The `main` of a codename's binary (`if (import.meta.main) await runAgent(agent)`):
 * fires the agent with the command line, and exits with the firing's code.
 *
 * @param agent The agent.
 * @param args The command line (default `Deno.args`).
 * @returns Never: it exits the process.
 */
export async function runAgent(
  agent: AgentDefinition,
  args: readonly string[] = Deno.args,
): Promise<never> {
  Deno.exit(
    await agentMain(agent.codename, args, { loadAgent: () => Promise.resolve(agent) }),
  );
}
