/**
 * `alfred repos list|add|remove`: the repos the fleet serves, edited in
 * `fleet.yaml` with its comments and layout kept (runner/config/fleet_edit.ts).
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import {
  describeFleetEdit,
  editFleet,
  planRepoAdd,
  planRepoRemove,
  readFleetData,
} from "../../runner/config/fleet_edit.ts";
import { pathExists } from "../../runner/paths.ts";
import { validateScheduleText } from "../../runner/config/schedule_check.ts";
import { expandHome } from "../../runner/git/worktree.ts";

const HELP = `Usage: alfred repos list
       alfred repos add owner/name[=<local checkout>] [--base main]
       alfred repos remove owner/name

Lists, adds or removes the repos the fleet serves, in fleet.yaml (comments and
layout kept; the previous file is kept as fleet.yaml.bak). Without a local
checkout, Alfred clones the repo under ALFRED_HOME/repos/ when it first needs it.
Removing a repo also removes it from the agents' own repos: lists.

  --base BRANCH   the branch pull requests target (default main)`;

/** The `repos` command. */
export const reposCommand: Command = defineCommand({
  command: "repos",
  help: HELP,
  options: { base: { type: "string" } },
  allowPositionals: true,
}, async ({ values, positionals }, context) => {
  const [action, repo, ...extra] = positionals;
  if (action === "list" && !repo) return await listRepos(context);
  if ((action !== "add" && action !== "remove") || !repo || extra.length) {
    throw new UsageError("alfred repos needs list, add owner/name[=path] or remove owner/name", {
      hint: "Run `alfred repos --help` to see its usage.",
    });
  }
  if (action === "remove" && values.base !== undefined) {
    throw new UsageError("alfred repos remove takes no --base");
  }
  const cut = action === "add" ? repo.indexOf("=") : -1;
  const name = cut < 0 ? repo : repo.slice(0, cut);
  let path = cut < 0 ? undefined : repo.slice(cut + 1);
  if (path === "") throw new UsageError(`${name}= needs a path after "="`);
  if (path !== undefined && !path.startsWith("/") && !path.startsWith("~")) {
    path = `${Deno.cwd()}/${path}`.replace(/\/\.?$/, "");
  }
  const plan = action === "add"
    ? planRepoAdd({ name, path, base: values.base ?? "main" })
    : planRepoRemove(name);
  const result = await editFleet(context.layout, plan, {
    env: context.env,
    validateSchedule: validateScheduleText,
  });
  for (const line of describeFleetEdit(result)) context.stdout(line);
  if (action === "add" && result.written && path !== undefined) {
    const checkout = expandHome(path, context.env("HOME"));
    if (!await pathExists(`${checkout}/.git`)) {
      context.stderr(
        `warning: ${checkout} is not a git checkout yet; firings on ${name} fail until it is ` +
          `(or \`alfred repos remove ${name}\` and add it without a path for a managed clone).`,
      );
    }
  }
  if (action === "add" && result.written) {
    context.stdout(`Next: \`alfred labels bootstrap ${name}\` creates the agent labels there.`);
  }
  return 0;
});

async function listRepos(context: CommandContext): Promise<number> {
  const data = await readFleetData(context.layout);
  const repos = (data.repos ?? []).filter((entry): entry is Record<string, unknown> =>
    typeof entry === "object" && entry !== null
  );
  if (!repos.length) {
    context.stdout("No repos yet: `alfred repos add owner/name[=path]` adds one.");
    return 0;
  }
  for (const repo of repos) {
    context.stdout(
      `${repo.name}  base ${repo.base ?? "main"}  ${repo.path ?? "(managed clone)"}`,
    );
  }
  return 0;
}
