/**
 * A complete, local world for Lucius firings: a bare git repository as
 * `origin` and a clone as the repo's `path`, an ALFRED_HOME with a
 * `fleet.yaml`, the loopback GitHub fake, the scripted Messages API for the
 * real `claude` CLI, and a loopback Slack webhook. Used by
 * tests/lucius_test.ts and scripts/bench_lucius.ts.
 *
 * @module
 */
import { alfredCommand, type CliResult, DENO, denoDir, listDir, REPO_ROOT } from "./helpers.ts";
import { type FakeAnthropic, type ScriptedReply, startFakeAnthropic } from "./fake_anthropic.ts";
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from "./fake_github.ts";
import { type FakeSlack, startFakeSlack } from "./fake_slack.ts";
import { type Layout, layoutOf } from "../../runner/paths.ts";

/** The folder of the pinned `claude` CLI. */
export const CLAUDE_BIN_DIR: string = new URL("../../.tools/node_modules/.bin", import.meta.url)
  .pathname;

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
  const gitEnv = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: root,
    GIT_AUTHOR_NAME: "Operator",
    GIT_AUTHOR_EMAIL: "operator@example.invalid",
    GIT_COMMITTER_NAME: "Operator",
    GIT_COMMITTER_EMAIL: "operator@example.invalid",
    LANG: "C",
  };
  const git = async (cwd: string, args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd, env: gitEnv, clearEnv: true }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (out.code !== 0) {
      throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    }
    return text;
  };
  await git(root, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
  await git(root, ["clone", "--quiet", origin, seed]);
  await git(seed, ["checkout", "--quiet", "-b", "main"]);
  await Deno.writeTextFile(`${seed}/README.md`, "# web\n");
  await Deno.writeTextFile(`${seed}/CLAUDE.md`, "Use tabs. Keep functions short.\n");
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await Deno.mkdir(`${seed}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${seed}/${name}`, text);
  }
  await git(seed, ["add", "."]);
  await git(seed, ["commit", "--quiet", "-m", "Initial commit"]);
  await git(seed, ["push", "--quiet", "origin", "main"]);
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
    PATH: `${CLAUDE_BIN_DIR}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    ALFRED_GITHUB_API_URL: github.url,
    ALFRED_GITHUB_TOKEN: "test-token",
    ALFRED_GITHUB_WRITE_SPACING_MS: "0",
    ALFRED_SLACK_WEBHOOK_URL: slack.url,
    ALFRED_DISK_FLOOR_MB: "1",
    ANTHROPIC_BASE_URL: anthropic.baseUrl,
    ANTHROPIC_API_KEY: "dummy",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
    API_TIMEOUT_MS: "5000",
    ...extra,
  });
  const spawnFiring = (extra: Record<string, string> = {}) =>
    alfredCommand(["fire", codename], { home, env: env(extra) }).spawn();
  return {
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
      const output = await spawnFiring(extra).output();
      return {
        code: output.code,
        stdout: new TextDecoder().decode(output.stdout),
        stderr: new TextDecoder().decode(output.stderr),
      };
    },
    async fireUnder(flags, extra = {}) {
      const output = await new Deno.Command(DENO, {
        args: ["run", "--quiet", ...flags, `${REPO_ROOT}/agents/${codename}/mod.ts`],
        cwd: REPO_ROOT,
        clearEnv: true,
        env: {
          ALFRED_HOME: home,
          HOME: home,
          DENO_DIR: denoDir(),
          NO_COLOR: "1",
          TZ: "UTC",
          ...env(extra),
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: output.code,
        stdout: new TextDecoder().decode(output.stdout),
        stderr: new TextDecoder().decode(output.stderr),
      };
    },
    git,
    async [Symbol.asyncDispose]() {
      await anthropic.close();
      await github.close();
      await slack.close();
      await Deno.remove(root, { recursive: true });
    },
  };
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
