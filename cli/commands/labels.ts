/**
 * `alfred labels bootstrap <owner/repo>`: creates the claim protocol's labels
 * in a repository, idempotently.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../../runner/errors.ts";
import type { Command, CommandContext } from "./context.ts";
import { parseRepo, repoString } from "../../runner/github/rest.ts";
import { createGitHubClient } from "../../runner/github/client.ts";
import { bootstrapLabels } from "../../runner/claims/labels.ts";

const HELP = `Usage: alfred labels bootstrap <owner/repo>

Creates the labels Alfred's agents coordinate with (agent:implement,
agent:in-flight, agent:pr-open, agent:done, do-not-pickup, needs:human-scope,
agent:plan-pending-approval), with their colours and descriptions. Labels that
exist are corrected when their colour or description differs; running it again
changes nothing.

The token comes from ALFRED_GITHUB_TOKEN, GITHUB_TOKEN, else \`gh auth token\`;
ALFRED_GITHUB_API_URL points at GitHub Enterprise (default https://api.github.com).

Options:
  -h, --help   Show this help.`;

/**
 * The `labels` sub-command.
 *
 * @param args The arguments after `labels`.
 * @param context Environment, layout, output and clock.
 * @returns The exit code: 0 on success.
 * @throws {UsageError} when the arguments are wrong.
 * @throws {GitHubApiError} when GitHub refuses or cannot be reached.
 */
export const labelsCommand: Command = async (
  args: string[],
  context: CommandContext,
): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`labels: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.values.help) {
    context.stdout(HELP);
    return 0;
  }
  const [action, repoText, ...extra] = parsed.positionals;
  if (action !== "bootstrap") {
    throw new UsageError(
      action
        ? `labels: unknown action "${action}" (expected "bootstrap")`
        : "labels: missing action",
      { hint: "Run `alfred labels bootstrap owner/repo`; see `alfred labels --help`." },
    );
  }
  if (!repoText || extra.length) {
    throw new UsageError("labels bootstrap: expected exactly one repository as owner/name", {
      hint: "Run `alfred labels bootstrap owner/repo`.",
    });
  }
  const repo = parseRepo(repoText);
  const client = await createGitHubClient({ env: context.env, log: context.stderr });
  const result = await bootstrapLabels(client, repo);
  for (const name of result.created) context.stdout(`created   ${name}`);
  for (const name of result.updated) context.stdout(`updated   ${name}`);
  for (const name of result.unchanged) context.stdout(`unchanged ${name}`);
  context.stdout(
    `${repoString(repo)}: ${result.created.length} created, ${result.updated.length} updated, ` +
      `${result.unchanged.length} unchanged`,
  );
  return 0;
};
