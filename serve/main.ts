/**
 * `alfred-serve`, the dashboard's own executable: `alfred serve` with the
 * dashboard's permissions (runner/config/permissions.ts) and nothing more. A
 * compiled `alfred serve` runs it; it takes the same arguments.
 *
 * @module
 */
import { runCommand } from "../cli/run_command.ts";

if (import.meta.main) {
  const args = Deno.args[0] === "serve" ? Deno.args.slice(1) : Deno.args;
  Deno.exit(
    await runCommand(
      () => import("../cli/commands/serve.ts").then((m) => m.serveCommand),
      args,
      {
        binary: "alfred-serve",
      },
    ),
  );
}
