/**
 * Real git repositories for tests: git run as the operator with a clean
 * environment, and a bare `origin` seeded with a first commit on `main`.
 *
 * @module
 */
import { outputOf } from "./helpers.ts";

/** Runs git in a folder and returns its standard output; throws with git's error on failure. */
export type Git = (cwd: string, args: string[]) => Promise<string>;

/**
 * The environment of git run as the operator: this PATH, `home` as HOME (so no
 * user config of this machine is read), a fixed identity, the C locale.
 *
 * @param home The HOME git sees.
 * @param options The operator's e-mail (default operator@example.invalid).
 * @returns The environment.
 */
export function operatorGitEnv(
  home: string,
  options: { email?: string } = {},
): Record<string, string> {
  const email = options.email ?? "operator@example.invalid";
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    GIT_AUTHOR_NAME: "Operator",
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: "Operator",
    GIT_COMMITTER_EMAIL: email,
    LANG: "C",
  };
}

/**
 * Git with exactly the given environment.
 *
 * @param env The whole environment (see {@linkcode operatorGitEnv}).
 * @returns The runner.
 */
export function gitWith(env: Record<string, string>): Git {
  return async (cwd, args) => {
    const out = await outputOf(
      new Deno.Command("git", { args, cwd, env, clearEnv: true, stdout: "piped", stderr: "piped" }),
    );
    if (out.code !== 0) throw new Error(`git ${args.join(" ")}: ${out.stderr}`);
    return out.stdout;
  };
}

/**
 * Makes a bare repository `origin` whose `main` holds one commit ("Initial
 * commit": a README.md and `files`), made in the clone `seed`, which is kept.
 *
 * @param git The git runner.
 * @param paths The bare repository and the clone to commit from (both created).
 * @param files More files of the first commit, by path (folders are made).
 */
export async function seedOrigin(
  git: Git,
  paths: { origin: string; seed: string },
  files: Record<string, string> = {},
): Promise<void> {
  const { origin, seed } = paths;
  const parent = origin.replace(/\/[^/]*$/, "");
  await git(parent, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
  await git(parent, ["clone", "--quiet", origin, seed]);
  await git(seed, ["checkout", "--quiet", "-b", "main"]);
  for (const [name, text] of Object.entries({ "README.md": "# web\n", ...files })) {
    await Deno.mkdir(`${seed}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${seed}/${name}`, text);
  }
  await git(seed, ["add", "."]);
  await git(seed, ["commit", "--quiet", "-m", "Initial commit"]);
  await git(seed, ["push", "--quiet", "origin", "main"]);
}
