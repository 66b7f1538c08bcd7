/**
 * Test-only entry point: tries the actions named on its command line through
 * the runner's own modules (runner/process.ts for programs, `fetch` for
 * hosts), under whatever permission flags it is started with, and reports a
 * denial the way every Alfred entry point does.
 *
 * Usage: `deno run <flags> tests/support/permission_probe.ts <binary> <options-json> run:<program> fetch:<url> ...`
 * where `<options-json>` holds the {@linkcode PermissionOptions} the flags were made with.
 * Prints `ok <action>` per success; on the first failure prints the error and
 * exits with its exit code (5 for a permission denial).
 *
 * @module
 */
import { runCapture } from "../../runner/process.ts";
import { describePermissionDenial } from "../../runner/config/permission_error.ts";
import { exitCodeOf, formatError } from "../../runner/errors.ts";
import { type PermissionOptions, permissionsOf } from "../../runner/config/permissions.ts";

/**
 * Runs the probe.
 *
 * @param args The binary name, the permission options as JSON, then the actions.
 * @returns The exit code.
 */
export async function probe(args: string[]): Promise<number> {
  const [binary, optionsJson, ...actions] = args;
  const allowed = permissionsOf(binary, JSON.parse(optionsJson) as PermissionOptions);
  for (const action of actions) {
    try {
      if (action.startsWith("run:")) {
        const result = await runCapture(action.slice(4), ["--version"], {
          cwd: Deno.cwd(),
          env: { PATH: Deno.env.get("PATH") ?? "" },
          timeoutMs: 10_000,
        });
        console.log(`ok ${action} ${result.stdout.trim()}`);
      } else if (action.startsWith("fetch:")) {
        const response = await fetch(action.slice(6));
        console.log(`ok ${action} ${response.status} ${(await response.text()).trim()}`);
      } else {
        throw new Error(`unknown action ${action}`);
      }
    } catch (error) {
      const shown = describePermissionDenial(error, { binary, allowed }) ?? error;
      console.error(formatError(shown));
      return exitCodeOf(shown);
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await probe(Deno.args));
