/**
 * A complete, local world for Lucius firings: a bare git repository as
 * `origin` and a clone as the repo's `path`, an ALFRED_HOME with a
 * `fleet.yaml`, the loopback GitHub fake, the scripted Messages API for the
 * real `claude` CLI, and a loopback Slack webhook. Used by
 * tests/lucius_test.ts and scripts/bench_lucius.ts.
 *
 * @module
 */
import {
  alfredCommand,
  type CliResult,
  denoRunCommand,
  listDir,
  outputOf,
  subprocessEnv,
} from "./helpers.ts";
import { type FakeAnthropic, type ScriptedReply, startFakeAnthropic } from "./fake_anthropic.ts";
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from "./fake_github.ts";
import { type FakeSlack, startFakeSlack } from "./fake_slack.ts";
import { type Layout, layoutOf } from "../../runner/paths.ts";
import { type PermissionOptions, runFlagsOf } from "../../runner/config/permissions.ts";
import { claudeEnv, ENGINE_BIN_DIR, PATH } from "./engines.ts";
import { gitWith, operatorGitEnv, seedOrigin } from "./git_repo.ts";

/** The repository every world serves. */
export const REPO = "acme/web";

/** A running world; dispose it to stop the fakes and remove the folders. */
export interface LuciusWorld extends AsyncDisposable {
  /** The temporary root. */
  readonly root: string;
  /** ALFRED_HOME. */
  readonly home: string;
  /** Its layout. */
  readonly layout: Layout;
  /** The bare repository (`origin`). */
  readonly origin: string;
  /** The operator's checkout (the repo's `path`). */
  readonly checkout: string;
  /** The GitHub fake. */
  readonly github: FakeGitHub;
  /** The scripted Messages API. */
  readonly anthropic: FakeAnthropic;
  /** The Slack webhook. */
  readonly slack: FakeSlack;
  /** The environment of a firing. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts `alfred fire <codename>` (default lucius) as a subprocess. */
  spawnFiring(extra?: Record<string, string>): Deno.ChildProcess;
  /** Runs `alfred fire <codename>` (default lucius) to its end. */
  fire(extra?: Record<string, string>): Promise<CliResult>;
  /**
   * Runs the agent's own entry point (`agents/<codename>/mod.ts`, what its binary
   * runs) with exactly the given Deno flags, e.g. `runFlagsOf("alfred-bane", …)`.
   */
  fireUnder(flags: string[], extra?: Record<string, string>): Promise<CliResult>;
  /** Runs git in a folder and returns its standard output (throws on failure). */
  git(cwd: string, args: string[]): Promise<string>;
  /** The firing events of the event log, oldest file first; only `agent`'s when given. */
  events(agent?: string): Promise<Record<string, unknown>[]>;
  /** The exact flags of `alfred-<codename>` with this world's hosts (see {@linkcode worldFlags}). */
  flags(codename: string, options?: PermissionOptions): string[];
}

/**
 * Makes a world.
 *
 * @param options The scripted engine replies, the GitHub fault decision, and for
 *   other codenames: which agent fires, more files in the first commit, more
 *   lines of the repo's entry and of `agents:` in `fleet.yaml`.
 * @returns The world.
 */
export async function createLuciusWorld(
  options: {
    replies?: ScriptedReply[];
    fault?: FakeGitHubOptions["fault"];
    codename?: string;
    files?: Record<string, string>;
    repoLines?: string[];
    agentLines?: string[];
    /** More repositories listed in fleet.yaml after the first (no checkout). */
    extraRepos?: string[];
    /** More top-level lines of fleet.yaml (e.g. a `github:` section). */
    fleetLines?: string[];
    /** Put the operator's checkout under the home folder (`~/src/web`), as on a workstation. */
    checkoutInHome?: boolean;
  } = {},
): Promise<LuciusWorld> {
  const codename = options.codename ?? "lucius";
  const root = await Deno.makeTempDir({ prefix: "alfred-lucius-" });
  const home = `${root}/home`;
  const origin = `${root}/origin.git`;
  const checkout = options.checkoutInHome ? `${home}/src/web` : `${root}/checkout`;
  const seed = `${root}/seed`;
  const git = gitWith(operatorGitEnv(root));
  await seedOrigin(git, { origin, seed }, {
    "CLAUDE.md": "Use tabs. Keep functions short.\n",
    ...options.files,
  });
  await Deno.mkdir(home, { recursive: true });
  await git(root, ["clone", "--quiet", origin, checkout]);
  await Deno.writeTextFile(
    `${home}/fleet.yaml`,
    [
      "version: 1",
      "timezone: UTC",
      "repos:",
      `  - name: ${REPO}`,
      `    path: ${checkout}`,
      "    base: main",
      ...(options.repoLines ?? []).map((line) => `    ${line}`),
      ...(options.extraRepos ?? []).flatMap((name) => [`  - name: ${name}`, "    base: main"]),
      "agents:",
      `  ${codename}:`,
      "    enabled: true",
      "    max_turns: 8",
      "    timeout_minutes: 1",
      ...(options.agentLines ?? []).map((line) => `    ${line}`),
      ...(options.fleetLines ?? []),
      "",
    ].join("\n"),
  );
  const github = startFakeGitHub({ fault: options.fault });
  const anthropic = startFakeAnthropic({ replies: options.replies ?? [] });
  const slack = startFakeSlack();
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${ENGINE_BIN_DIR}:${PATH}`,
    ALFRED_GITHUB_API_URL: github.url,
    ALFRED_GITHUB_TOKEN: "test-token",
    ALFRED_GITHUB_WRITE_SPACING_MS: "0",
    ALFRED_SLACK_WEBHOOK_URL: slack.url,
    ALFRED_DISK_FLOOR_MB: "1",
    ...claudeEnv(anthropic.baseUrl),
    ...extra,
  });
  const spawnFiring = (extra: Record<string, string> = {}) =>
    alfredCommand(["fire", codename], { home, env: env(extra) }).spawn();
  const world: LuciusWorld = {
    root,
    home,
    layout: layoutOf(home),
    origin,
    checkout,
    github,
    anthropic,
    slack,
    env,
    spawnFiring,
    async fire(extra = {}) {
      return await outputOf(alfredCommand(["fire", codename], { home, env: env(extra) }));
    },
    async fireUnder(flags, extra = {}) {
      return await outputOf(
        denoRunCommand(`agents/${codename}/mod.ts`, {
          flags,
          env: subprocessEnv(home, env(extra)),
        }),
      );
    },
    git,
    events(agent) {
      return worldEvents(world, agent);
    },
    flags(codename, options) {
      return worldFlags(world, codename, options);
    },
    async [Symbol.asyncDispose]() {
      await anthropic.close();
      await github.close();
      await slack.close();
      await Deno.remove(root, { recursive: true });
    },
  };
  return world;
}

/** Replies that write `greeting.txt` and commit it with git through the Bash tool. */
export function committingReplies(options: { end?: ScriptedReply } = {}): ScriptedReply[] {
  return [
    { kind: "tool_use", name: "Write", input: { file_path: "greeting.txt", content: "hello\n" } },
    {
      kind: "tool_use",
      name: "Bash",
      input: {
        command: "git add greeting.txt && git commit --quiet -m 'Add a greeting'",
        description: "Commit the greeting",
      },
    },
    options.end ?? { kind: "text", text: "Added greeting.txt with a friendly hello.\n[OK]" },
  ];
}

/**
 * The exact Deno flags of an agent's binary in a world: its GitHub, Slack and
 * Messages API hosts are the world's fakes.
 *
 * @param world The world.
 * @param codename The agent (its binary is `alfred-<codename>`).
 * @param options More permission options (they win).
 * @returns The flags.
 */
export function worldFlags(
  world: Pick<LuciusWorld, "github" | "slack" | "anthropic">,
  codename: string,
  options: PermissionOptions = {},
): string[] {
  const host = (url: string) => new URL(url).host;
  return runFlagsOf(`alfred-${codename}`, {
    githubHost: host(world.github.url),
    slackHost: host(world.slack.url),
    engineHosts: { claude: [host(world.anthropic.baseUrl)] },
    ...options,
  });
}

/**
 * The firing events of a world's event log, oldest file first.
 *
 * @param world The world (its layout).
 * @param agent Only this agent's events, when given.
 * @returns The parsed event lines.
 */
export async function worldEvents(
  world: Pick<LuciusWorld, "layout">,
  agent?: string,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const name of await listDir(world.layout.eventsDir)) {
    const text = await Deno.readTextFile(`${world.layout.eventsDir}/${name}`);
    out.push(...text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line)));
  }
  return agent === undefined ? out : out.filter((event) => event.agent === agent);
}

/**
 * The whole log of one agent in a world, every day's file in order.
 *
 * @param world The world (its layout).
 * @param agent The codename.
 * @returns The log text.
 */
export async function worldLog(world: Pick<LuciusWorld, "layout">, agent: string): Promise<string> {
  const dir = `${world.layout.logsDir}/${agent}`;
  const names = await listDir(dir);
  return (await Promise.all(names.map((name) => Deno.readTextFile(`${dir}/${name}`)))).join("");
}
