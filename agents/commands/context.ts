/**
 * What every `alfred` sub-command receives: the environment, the home layout,
 * output sinks and a clock. Commands never read `Deno.env` or the clock
 * themselves, so tests can drive them in-process.
 *
 * @module
 */
import type { OperatorContext } from "../../runner/control/context.ts";

/** The world a command runs in (the same as any operator action's). */
export type CommandContext = OperatorContext;

/**
 * A sub-command: takes the arguments after its name and returns the exit code.
 * Throws {@linkcode UsageError} for bad arguments and other `AlfredError`s for
 * failures the operator can act on.
 */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
