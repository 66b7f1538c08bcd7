/**
 * What every `alfred` sub-command receives: the environment, the home layout,
 * output sinks and a clock. Commands never read `Deno.env` or the clock
 * themselves, so tests can drive them in-process.
 *
 * @module
 */
import type { EnvReader, Layout } from "../../runner/paths.ts";

/** The world a command runs in. */
export interface CommandContext {
  /** Reads environment variables. */
  readonly env: EnvReader;
  /** The layout of `ALFRED_HOME`. */
  readonly layout: Layout;
  /** Prints a line on standard output. */
  readonly stdout: (line: string) => void;
  /** Prints a line on standard error. */
  readonly stderr: (line: string) => void;
  /** The clock. */
  readonly now: () => Date;
  /** `--debug` was given: errors carry stack traces. */
  readonly debug: boolean;
}

/**
 * A sub-command: takes the arguments after its name and returns the exit code.
 * Throws {@linkcode UsageError} for bad arguments and other `AlfredError`s for
 * failures the operator can act on.
 */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
