/**
 * Firing a reading agent (Huntress, Gordon) in a Lucius world under exactly
 * its binary's declared permissions, with its own AWS profile in
 * `ALFRED_HOME/.aws` and Debian's `aws` CLI first on `PATH`.
 *
 * @module
 */
import { type PermissionOptions, runFlagsOf } from "../../runner/config/permissions.ts";
import { type CliResult, denoDir } from "./helpers.ts";
import { type LuciusWorld, REPO } from "./lucius_world.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

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
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, `${REPO_ROOT}/agents/${options.codename}/mod.ts`],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: {
      ...base,
      PATH: `${options.binDir}:${base.PATH}`,
      ALFRED_HOME: world.home,
      HOME: world.home,
      NO_COLOR: "1",
      TZ: "UTC",
      DENO_DIR: denoDir(),
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/**
 * The event log's records, all days.
 *
 * @param world The world.
 * @returns The records, file by file.
 */
export async function firingEvents(world: LuciusWorld): Promise<Record<string, unknown>[]> {
  const { listDir } = await import("./helpers.ts");
  const out: Record<string, unknown>[] = [];
  for (const name of await listDir(world.layout.eventsDir)) {
    const text = await Deno.readTextFile(`${world.layout.eventsDir}/${name}`);
    out.push(...text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)));
  }
  return out;
}

/**
 * The head of a world's fleet.yaml up to `agents:` (the world's one repo).
 *
 * @param world The world.
 * @returns The lines.
 */
export function fleetHead(world: LuciusWorld): string[] {
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
