/**
 * `alfred init [--repo owner/name[=path]]...`: creates ALFRED_HOME and a
 * commented `fleet.yaml`; never overwrites an existing one.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { AlfredError, UsageError } from "../../runner/errors.ts";
import { RepoName } from "../../runner/config/config.ts";
import { type InitRepo, renderFleetTemplate } from "../../runner/config/fleet_template.ts";
import { seedPrompts } from "../../agents/prompts.ts";

const HELP = `Usage: alfred init [--repo owner/name[=<local checkout>]]...

Creates ALFRED_HOME (default ~/.alfred) with its folders, a commented
fleet.yaml, and each agent's editable prompt in prompts/<codename>.md. An
existing fleet.yaml or prompt is never overwritten.

  --repo owner/name[=path]   a repo for Lucius to serve (repeatable); path is
                             your local checkout (else a managed clone)`;

/** The `init` command. */
export const initCommand: Command = defineCommand({
  command: "init",
  help: HELP,
  options: { repo: { type: "string", multiple: true } },
}, async ({ values }, context) => {
  const repos = (values.repo ?? []).map(parseRepoFlag);
  const { layout } = context;
  for (
    const dir of [
      layout.stateDir,
      layout.logsDir,
      layout.eventsDir,
      layout.worktreesDir,
      layout.transcriptsDir,
      layout.promptsDir,
    ]
  ) {
    await Deno.mkdir(dir, { recursive: true });
  }
  const seeded = await seedPrompts(layout.promptsDir);
  if (seeded.length) {
    context.stdout(`Wrote the editable prompts of ${seeded.join(", ")} to ${layout.promptsDir}.`);
  }
  const text = renderFleetTemplate(repos);
  try {
    await Deno.writeTextFile(layout.fleetFile, text, { createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    if (repos.length) {
      throw new AlfredError(`${layout.fleetFile} already exists; --repo was not applied`, {
        hint: `Add ${repos.length === 1 ? "it" : "them"} to the existing file with ${
          repos.map((repo) =>
            `\`alfred repos add ${repo.name}${repo.path ? `=${repo.path}` : ""}\``
          ).join(", then ")
        }.`,
      });
    }
    context.stdout(`${layout.fleetFile} already exists; left unchanged.`);
    return 0;
  }
  context.stdout(
    `Wrote ${layout.fleetFile}${
      repos.length ? ` with ${repos.map((r) => r.name).join(", ")} served by lucius` : ""
    }.`,
  );
  context.stdout(
    repos.length
      ? "Next: `alfred doctor`, then `alfred fire lucius --dry-run`."
      : "Next: `alfred repos add owner/name[=path]`, `alfred enable lucius`, then `alfred doctor`.",
  );
  return 0;
});

function parseRepoFlag(text: string): InitRepo {
  const cut = text.indexOf("=");
  const name = cut < 0 ? text : text.slice(0, cut);
  const path = cut < 0 ? undefined : text.slice(cut + 1);
  if (!RepoName.safeParse(name).success) {
    throw new UsageError(`--repo must be owner/name[=path] (got "${text}")`);
  }
  if (path !== undefined && !path) throw new UsageError(`--repo ${name}= needs a path after "="`);
  return { name, path };
}
