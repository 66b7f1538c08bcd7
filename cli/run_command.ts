/**
 * Runs one `alfred` sub-command in this process's world: builds its
 * {@linkcode CommandContext}, turns a thrown error into one message (a stack
 * trace only with `--debug`) and an exit code. `alfred` (cli/mod.ts) loads it
 * for every command but the fast `alfred fire <codename>`; the companion
 * binaries (`alfred-serve`, `alfred-slack`) run their one command through it.
 *
 * @module
 */
import type { Command, CommandContext } from "./commands/context.ts";
import type { Terminal } from "./commands/fire_progress.ts";
import { alfredHome, layoutOf } from "../runner/paths.ts";
import { exitCodeOf, formatError } from "../runner/errors.ts";
import { describePermissionDenial } from "../runner/config/permission_error.ts";

/**
 * Runs one sub-command with the process's world, turning errors into a
 * message and an exit code (used by `alfred` and by binaries that run one
 * command, such as `alfred-serve` and `alfred-slack`).
 *
 * @param load Loads the command.
 * @param args The command's arguments (`--debug` anywhere turns on stack traces).
 * @param options Environment, output, the binary's name for permission errors, and the
 *   terminal standard output is (a command's live progress line).
 * @returns The exit code.
 */
export async function runCommand(
  load: () => Promise<Command>,
  args: string[],
  options: {
    env?: (name: string) => string | undefined;
    stdout?: (line: string) => void;
    stderr?: (line: string) => void;
    debug?: boolean;
    binary?: string;
    terminal?: Terminal;
  } = {},
): Promise<number> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const stdout = options.stdout ?? ((line: string) => console.log(line));
  const stderr = options.stderr ?? ((line: string) => console.error(line));
  const debug = options.debug ?? args.includes("--debug");
  try {
    const context: CommandContext = {
      env,
      layout: layoutOf(alfredHome(env)),
      stdout,
      stderr,
      now: () => new Date(),
      debug,
      terminal: options.terminal,
    };
    return await (await load())(args.filter((arg) => arg !== "--debug"), context);
  } catch (error) {
    const shown = describePermissionDenial(error, { binary: options.binary ?? "alfred" }) ?? error;
    stderr(formatError(shown, { debug }));
    return exitCodeOf(shown);
  }
}
