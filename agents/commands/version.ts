/**
 * `alfred version`: the version and target of this binary.
 *
 * @module
 */
import type { CommandContext } from "./context.ts";
import { parseCommandArgs } from "./args.ts";
import meta from "../../deno.json" with { type: "json" };

/** The version of this build. */
export const VERSION: string = meta.version;

/** The `version` command. */
export function versionCommand(args: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(args, {
    command: "version",
    options: { help: { type: "boolean", short: "h" }, json: { type: "boolean" } },
  });
  if (values.help) {
    context.stdout(
      "Usage: alfred version [--json]\n\nPrints the version, target and runtime of this binary.",
    );
    return Promise.resolve(0);
  }
  const info = { version: VERSION, target: Deno.build.target, deno: Deno.version.deno };
  context.stdout(
    values.json
      ? JSON.stringify(info)
      : `alfred ${info.version} (${info.target}, deno ${info.deno})`,
  );
  return Promise.resolve(0);
}
