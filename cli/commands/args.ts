/**
 * Argument parsing shared by the `alfred` sub-commands: `node:util` parseArgs
 * with errors turned into {@linkcode UsageError}s that name the command.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../../runner/errors.ts";

/**
 * Parses a sub-command's arguments strictly.
 *
 * @param args The arguments after the command name.
 * @param options The command's name, its options and whether it takes positionals.
 * @returns parseArgs's values and positionals.
 * @throws {UsageError} for an unknown flag, a missing value or an unwanted positional.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: { command: string; options: T; allowPositionals?: boolean },
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
> {
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
