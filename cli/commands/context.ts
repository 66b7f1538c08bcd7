/**
 * What every `alfred` sub-command receives: the environment, the home layout,
 * output sinks and a clock. Commands never read `Deno.env` or the clock
 * themselves, so tests can drive them in-process.
 *
 * @module
 */
import type { OperatorContext } from "../../runner/control/mod.ts";
import type { Terminal } from "./fire_progress.ts";

/**
 * The world a command runs in: any operator action's, and the terminal
 * standard output is, when it is one (`alfred fire` draws its live line there).
 */
export type CommandContext = OperatorContext & { readonly terminal?: Terminal };

/**
 * A sub-command: takes the arguments after its name and returns the exit code.
 * Throws {@linkcode UsageError} for bad arguments and other `AlfredError`s for
 * failures the operator can act on.
 */
export type Command = (args: string[], context: CommandContext) => Promise<number>;
