/**
 * The world an operator's action runs in, whoever asks for it: the `alfred`
 * CLI, the dashboard (`alfred serve`) or the Slack listener. Actions never read
 * `Deno.env` or the clock themselves, so tests can drive them in-process.
 *
 * Types only.
 *
 * @module
 */
import type { EnvReader, Layout } from "../paths.ts";

/** The world an operator's action runs in. */
export interface OperatorContext {
  /** Reads environment variables. */
  readonly env: EnvReader;
  /** The layout of `ALFRED_HOME`. */
  readonly layout: Layout;
  /** Prints a line on standard output. */
  readonly stdout: (line: string) => void;
  /** Prints a line on standard error (warnings). */
  readonly stderr: (line: string) => void;
  /** The clock. */
  readonly now: () => Date;
  /** `--debug` was given: errors carry stack traces. */
  readonly debug: boolean;
}
