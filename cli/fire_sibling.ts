/**
 * A compiled `alfred fire <codename>` hands the firing to the agent's own
 * binary, `alfred-<codename>` in the same folder, with the same arguments and
 * environment: the firing then runs under that binary's permissions, and
 * `alfred` needs none of them (runner/control/fire_route.ts decides when).
 *
 * @module
 */
import { AlfredError, ExitCode, formatError } from "../runner/errors.ts";
import { runInForeground } from "../runner/process.ts";

/** The agent's binary is missing, or `alfred` may not start it. */
export class SiblingBinaryError extends AlfredError {
  /**
   * @param message What is wrong.
   * @param options The hint and the cause.
   */
  constructor(message: string, options: { hint: string; cause?: unknown }) {
    super(message, { hint: options.hint, exitCode: ExitCode.failure, cause: options.cause });
    this.name = "SiblingBinaryError";
  }
}

/**
 * Runs `program` (an `alfred-<codename>` binary) in the foreground and returns
 * its exit code; a problem starting it is printed as an error with a hint.
 *
 * Requires `--allow-run` for `program` (the `alfred` binary lists every
 * `alfred-<codename>` by name, which Deno resolves through `PATH` at start).
 *
 * @param program The agent's binary.
 * @param options Its arguments, variables set on top of this process's
 *   environment, where errors go, and whether to show stack traces.
 * @returns The exit code.
 */
export async function runSiblingFiring(
  program: string,
  options: {
    args: readonly string[];
    env?: Record<string, string>;
    stderr: (line: string) => void;
    debug?: boolean;
  },
): Promise<number> {
  const name = program.slice(program.lastIndexOf("/") + 1);
  const dir = program.slice(0, program.lastIndexOf("/")) || "/";
  try {
    await Deno.stat(program);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return report(
      new SiblingBinaryError(
        `alfred fire runs ${name} next to alfred, and ${program} does not exist`,
        {
          hint: `Install every binary of the release into ${dir} (scripts/install.sh does); ` +
            `a custom agent's binary is built with \`deno task build --fleet fleet.yaml\`.`,
          cause: error,
        },
      ),
      options,
    );
  }
  try {
    return await runInForeground(program, options.args, { env: options.env });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    return report(
      new SiblingBinaryError(`alfred may not start ${program}`, {
        hint: `alfred starts ${name} only when it is the ${name} found on PATH when alfred ` +
          `started: put ${dir} first on PATH, or run ${program} directly.`,
        cause: error,
      }),
      options,
    );
  }
}

function report(
  error: SiblingBinaryError,
  options: { stderr: (line: string) => void; debug?: boolean },
): number {
  options.stderr(formatError(error, { debug: options.debug }));
  return error.exitCode;
}
