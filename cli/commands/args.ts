/**
 * Argument parsing shared by the `alfred` sub-commands: `node:util` parseArgs
 * with errors turned into {@linkcode UsageError}s that name the command, and
 * {@linkcode defineCommand}, which adds `-h`/`--help` to a command.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../../runner/errors.ts";
import type { Command, CommandContext } from "./context.ts";

/** A command's options, as `node:util` parseArgs takes them. */
type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs returns for the options `T`. */
type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
>;

/** The `-h`/`--help` flag every command takes. */
const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * Defines a sub-command: parses its arguments strictly (plus `-h`/`--help`,
 * which prints `help` and exits 0), then runs it.
 *
 * @example Usage
 * ```ts ignore
 * export const fireCommand: Command = defineCommand({
 *   command: "fire",
 *   help: "Usage: alfred fire <codename>",
 *   options: { "dry-run": { type: "boolean" } },
 *   allowPositionals: true,
 * }, async ({ values, positionals }, context) => { ... });
 * ```
 *
 * @param spec The command's name, its usage text, its options and whether it takes positionals.
 * @param run Runs the command with the parsed arguments (and the raw ones, as `args`).
 * @returns The command.
 */
export function defineCommand<T extends Options = Record<never, never>>(
  spec: { command: string; help: string; options?: T; allowPositionals?: boolean },
  run: (parsed: Parsed<T> & { args: string[] }, context: CommandContext) => Promise<number>,
): Command {
  return async (args, context) => {
    const parsed = parseCommandArgs(args, {
      command: spec.command,
      options: { ...spec.options, ...HELP_OPTION },
      allowPositionals: spec.allowPositionals,
    });
    if (parsed.values.help) {
      context.stdout(spec.help);
      return 0;
    }
    return await run({ ...parsed as unknown as Parsed<T>, args }, context);
  };
}

/**
 * Parses a sub-command's arguments strictly.
 *
 * @param args The arguments after the command name.
 * @param options The command's name, its options and whether it takes positionals.
 * @returns parseArgs's values and positionals.
 * @throws {UsageError} for an unknown flag, a missing value or an unwanted positional.
 */
export function parseCommandArgs<T extends Options>(
  args: string[],
  options: { command: string; options: T; allowPositionals?: boolean },
): Parsed<T> {
  try {
    return parseArgs({
      args,
      options: options.options,
      allowPositionals: options.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`alfred ${options.command}: ${message.split("\n")[0]}`, {
      hint: `Run \`alfred ${options.command} --help\` to see its usage.`,
    });
  }
}

/**
 * Parses a duration such as `90s`, `20m`, `2h`, `1d` or `1h30m`.
 *
 * @param text The duration.
 * @param flag The flag it came from, for the error.
 * @returns Milliseconds.
 * @throws {UsageError} when it is not a duration.
 */
export function parseDuration(text: string, flag: string): number {
  const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) {
    throw new UsageError(`${flag} must be a duration like 90s, 20m, 2h or 1h30m (got "${text}")`);
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
  if (ms <= 0) throw new UsageError(`${flag} must be longer than zero (got "${text}")`);
  return ms;
}
