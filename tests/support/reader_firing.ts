/**
 * Firing a reading agent (Huntress, Gordon) in a Lucius world under exactly
 * its binary's declared permissions, with its own AWS profile in
 * `ALFRED_HOME/.aws` and Debian's `aws` CLI first on `PATH`.
 *
 * @module
 */
import { type PermissionOptions, runFlagsOf } from "../../runner/config/permissions.ts";
import { type CliResult, denoRunCommand, outputOf, subprocessEnv } from "./helpers.ts";
import { type LuciusWorld, REPO } from "./lucius_world.ts";
import { assertEquals, assertStringIncludes } from "./assert.ts";

/**
 * Finds the `aws` CLI on PATH, skipping version-manager shims (they need
 * their own HOME, which a firing does not have).
 *
 * @returns Its path.
 * @throws {Error} when there is none (install Debian's awscli).
 */
export function findAwsCli(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir || dir.includes("/shims")) continue;
    try {
      const info = Deno.statSync(`${dir}/aws`);
      if (info.isFile) return `${dir}/aws`;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error("no aws CLI on PATH: install Debian's awscli (scripts/test_tools.sh)");
}

/**
 * Writes an AWS profile into `<home>/.aws` and a `bin/aws` link into the world's root.
 *
 * @param world The world.
 * @param profile The profile's name and access key id.
 * @returns The folder to put first on PATH.
 */
export async function setUpAws(
  world: LuciusWorld,
  profile: { name: string; accessKeyId: string },
): Promise<string> {
  await Deno.mkdir(`${world.home}/.aws`, { recursive: true });
  await Deno.writeTextFile(
    `${world.home}/.aws/credentials`,
    `[default]\naws_access_key_id = AKIADEFAULTPROFILE00\naws_secret_access_key = d\n\n` +
      `[${profile.name}]\naws_access_key_id = ${profile.accessKeyId}\naws_secret_access_key = s\n`,
  );
  await Deno.writeTextFile(
    `${world.home}/.aws/config`,
    `[default]\nregion = us-east-1\n\n[profile ${profile.name}]\nregion = eu-west-1\n`,
  );
  const bin = `${world.root}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.symlink(findAwsCli(), `${bin}/aws`);
  return bin;
}

/**
 * Runs `agents/<codename>/mod.ts` under `runFlagsOf("alfred-<codename>")` with the
 * world's GitHub and Slack hosts.
 *
 * @param world The world.
 * @param options The codename, the folder first on PATH, extra env and permission options.
 * @returns Exit code and output.
 */
export async function fireUnderFlags(
  world: LuciusWorld,
  options: {
    codename: string;
    binDir: string;
    env?: Record<string, string>;
    permissions?: PermissionOptions;
  },
): Promise<CliResult> {
  const host = (url: string) => new URL(url).host;
  const flags = runFlagsOf(`alfred-${options.codename}`, {
    githubHost: host(world.github.url),
    slackHost: host(world.slack.url),
    ...options.permissions,
  });
  const base = world.env();
  return await outputOf(denoRunCommand(`agents/${options.codename}/mod.ts`, {
    flags,
    env: subprocessEnv(world.home, {
      ...base,
      PATH: `${options.binDir}:${base.PATH}`,
      ...options.env,
    }),
  }));
}

/**
 * The head of a world's fleet.yaml up to `agents:` (the world's one repo).
 *
 * @param world The world.
 * @returns The lines.
 */
function fleetHead(world: LuciusWorld): string[] {
  return [
    "version: 1",
    "timezone: UTC",
    "repos:",
    `  - name: ${REPO}`,
    `    path: ${world.checkout}`,
    "    base: main",
    "agents:",
  ];
}

/**
 * The world's fleet.yaml with one agent and its settings.
 *
 * @param world The world.
 * @param codename The agent.
 * @param settings Its lines under `agents.<codename>`, unindented.
 * @returns The text.
 */
export function fleetYamlFor(world: LuciusWorld, codename: string, settings: string[]): string {
  return [...fleetHead(world), `  ${codename}:`, ...settings.map((line) => `    ${line}`), ""]
    .join("\n");
}

/**
 * Asserts that the agent's one firing succeeded with `sentinel` in its
 * summary and posted exactly one Slack message, signed `[<Name>]`.
 *
 * @param world The world.
 * @param codename The agent.
 * @param sentinel The sentinel its summary starts with.
 * @returns The firing's event and the message's text and blocks, as one string.
 */
export async function assertOneReport(
  world: LuciusWorld,
  codename: string,
  sentinel: string,
): Promise<{ event: Record<string, unknown>; message: string }> {
  const [event] = await world.events(codename);
  assertEquals(event.outcome, "success");
  assertStringIncludes(String(event.summary), sentinel);
  assertEquals(world.slack.messages.length, 1);
  const message = world.slack.messages[0].text + JSON.stringify(world.slack.messages[0].blocks);
  assertStringIncludes(message, `[${codename[0].toUpperCase()}${codename.slice(1)}]`);
  return { event, message };
}
