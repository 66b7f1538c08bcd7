/**
 * The runner's own git runs no repository code (runner/git/isolation.ts,
 * runner/git/worktree.ts): real git with a planted `pre-push` hook, a
 * `core.hooksPath`, an fsmonitor, a clean/smudge filter, a `config.worktree`
 * and a rewritten `.git` pointer; plus the decisions as tables.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { gitWith, operatorGitEnv, seedOrigin } from "./support/git_repo.ts";
import { listDir } from "./support/helpers.ts";
import {
  FIXED_GIT_OVERRIDES,
  gitConfigEnv,
  needsConfigScan,
  parseGitConfigList,
  repositoryConfigOverrides,
} from "../runner/git/isolation.ts";
import {
  commitLeftovers,
  ensureTrailers,
  inspectWork,
  pushBranch,
} from "../runner/git/delivery.ts";
import {
  addWorktree,
  fetchBase,
  type GitContext,
  identityOf,
  removeWorktree,
} from "../runner/git/worktree.ts";

Deno.test("git config listings parse into scoped entries, bare keys included", () => {
  const text = "system\0credential.helper\ncache\0global\0core.sshcommand\nssh -i k\0" +
    "local\0filter.Evil.clean\ntouch /x\0local\0core.bare\0";
  assertEquals(parseGitConfigList(text), [
    { scope: "system", key: "credential.helper", value: "cache" },
    { scope: "global", key: "core.sshcommand", value: "ssh -i k" },
    { scope: "local", key: "filter.Evil.clean", value: "touch /x" },
    { scope: "local", key: "core.bare", value: undefined },
  ]);
});

Deno.test("a repository's command-running settings are overridden; the operator's own come back", () => {
  const entry = (scope: string, key: string, value: string) => ({ scope, key, value });
  const cases: [string, ReturnType<typeof entry>[], [string, string][]][] = [
    ["nothing from the repo", [entry("global", "filter.lfs.clean", "git-lfs clean -- %f")], []],
    [
      "a repo filter is emptied and stops being required",
      [entry("local", "filter.evil.clean", "x"), entry("local", "filter.evil.required", "true")],
      [["filter.evil.clean", ""], ["filter.evil.required", "false"]],
    ],
    [
      "a repo's override of the operator's lfs filter gets the operator's value back",
      [
        entry("global", "filter.lfs.smudge", "git-lfs smudge -- %f"),
        entry("local", "filter.lfs.smudge", "evil"),
      ],
      [["filter.lfs.smudge", "git-lfs smudge -- %f"]],
    ],
    [
      "ssh command: the operator's, else plain ssh",
      [entry("local", "core.sshcommand", "evil")],
      [["core.sshcommand", "ssh"]],
    ],
    [
      "ssh command from the worktree scope, with a global one",
      [
        entry("global", "core.sshcommand", "ssh -i ~/.ssh/deploy"),
        entry("worktree", "core.sshcommand", "evil"),
      ],
      [["core.sshcommand", "ssh -i ~/.ssh/deploy"]],
    ],
    [
      "credential helpers are reset and the operator's re-added in order",
      [
        entry("system", "credential.helper", "cache"),
        entry("global", "credential.https://ghe.corp.helper", "store"),
        entry("local", "credential.helper", "!evil"),
        entry("local", "credential.https://x.helper", "!evil2"),
      ],
      [
        ["credential.helper", ""],
        ["credential.helper", "cache"],
        ["credential.https://ghe.corp.helper", "store"],
      ],
    ],
    [
      "gpg, diff, merge and pack programs",
      [
        entry("local", "gpg.program", "evil"),
        entry("local", "diff.external", "evil"),
        entry("local", "diff.x.textconv", "evil"),
        entry("local", "merge.x.driver", "evil"),
        entry("local", "remote.origin.receivepack", "evil"),
        entry("local", "remote.origin.url", "https://github.com/acme/web.git"),
        entry("local", "user.name", "Operator"),
      ],
      [
        ["gpg.program", "gpg"],
        ["diff.external", ""],
        ["diff.x.textconv", ""],
        ["merge.x.driver", ""],
        ["remote.origin.receivepack", "git-receive-pack"],
      ],
    ],
  ];
  for (const [name, entries, expected] of cases) {
    assertEquals(repositoryConfigOverrides(entries), expected, name);
  }
  assertEquals(FIXED_GIT_OVERRIDES.map(([key]) => key), [
    "core.hooksPath",
    "core.fsmonitor",
    "protocol.ext.allow",
  ]);
  assertEquals(gitConfigEnv([["a.b", "1"], ["c.d", ""]]), {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "a.b",
    GIT_CONFIG_VALUE_0: "1",
    GIT_CONFIG_KEY_1: "c.d",
    GIT_CONFIG_VALUE_1: "",
  });
});

Deno.test("only git commands that can run a configured program read the configuration first", () => {
  const cases: [string[], boolean][] = [
    [["push", "--quiet", "origin", "HEAD"], true],
    [["-c", "trailer.ifexists=addIfDifferent", "rebase", "--exec", "x", "origin/main"], true],
    [["worktree", "add", "-b", "b", "/d"], true],
    [["status", "--porcelain"], true],
    [["rev-parse", "HEAD"], false],
    [["-c", "x=push", "log", "--format=%H"], false],
    [["symbolic-ref", "--quiet", "HEAD"], false],
    [[], false],
  ];
  for (const [args, expected] of cases) {
    assertEquals(needsConfigScan(args), expected, args.join(" "));
  }
});

/** A repository with a bare origin, a checkout, and every trap planted in the checkout's config. */
async function trappedRepo() {
  const root = await Deno.makeTempDir({ prefix: "alfred-git-traps-" });
  const origin = `${root}/origin.git`;
  const checkout = `${root}/checkout`;
  const pwned = `${root}/pwned`;
  await Deno.mkdir(pwned);
  const run = gitWith(operatorGitEnv(root, { email: "op@example.invalid" }));
  await seedOrigin(run, { origin, seed: checkout });
  // Each trap leaves a file named after itself in `pwned` when it runs.
  const trap = async (name: string) => {
    const path = `${root}/traps/${name}`;
    await Deno.mkdir(`${root}/traps`, { recursive: true });
    await Deno.writeTextFile(path, `#!/bin/sh\ntouch ${pwned}/${name}\ncat\n`, { mode: 0o755 });
    return path;
  };
  // A planted pre-push hook where git looks by default, and a hooks path full of hooks.
  const prePush = await trap("pre-push");
  await Deno.copyFile(prePush, `${checkout}/.git/hooks/pre-push`);
  await Deno.chmod(`${checkout}/.git/hooks/pre-push`, 0o755);
  await Deno.mkdir(`${root}/hooks`);
  for (
    const hook of [
      "pre-commit",
      "commit-msg",
      "post-commit",
      "pre-push",
      "post-checkout",
      "reference-transaction",
      "post-rewrite",
    ]
  ) {
    await Deno.copyFile(await trap(`hooks-path-${hook}`), `${root}/hooks/${hook}`);
    await Deno.chmod(`${root}/hooks/${hook}`, 0o755);
  }
  await run(checkout, ["config", "core.hooksPath", `${root}/hooks`]);
  await run(checkout, ["config", "core.fsmonitor", await trap("fsmonitor")]);
  await run(checkout, ["config", "filter.evil.clean", await trap("filter-clean")]);
  await run(checkout, ["config", "filter.evil.smudge", await trap("filter-smudge")]);
  await run(checkout, ["config", "filter.evil.required", "true"]);
  await run(checkout, ["config", "diff.external", await trap("diff-external")]);
  await run(checkout, ["config", "core.sshCommand", await trap("ssh-command")]);
  await run(checkout, ["config", "extensions.worktreeConfig", "true"]);
  await run(checkout, ["config", "--add", "credential.helper", `!${await trap("credential")}`]);
  return { root, origin, checkout, pwned, run, trap };
}

Deno.test("a planted pre-push hook, a core.hooksPath, an fsmonitor, filters and a rewritten .git run nothing when the runner commits and pushes", async () => {
  const world = await trappedRepo();
  try {
    const context: GitContext = {
      baseEnv: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: world.root },
      identity: identityOf("lucius"),
      token: "test-token",
    };
    await fetchBase(world.checkout, { base: "main", context });
    const worktree = await addWorktree(world.checkout, {
      dir: `${world.root}/worktrees/eng-lucius-web-7-x`,
      branch: "agent/lucius/7-abcdef",
      base: "main",
      context,
    });
    assert(worktree.dirs, "the worktree's git dirs are recorded when it is made");
    // What an engine could leave behind: files matched by the planted filter, a
    // config.worktree (read because the repo enables worktreeConfig), and a `.git`
    // pointer to a git dir of its own with a hook of its own.
    await Deno.writeTextFile(`${worktree.dir}/.gitattributes`, "* filter=evil\n");
    await Deno.writeTextFile(`${worktree.dir}/feature.txt`, "the engine's work\n");
    await Deno.writeTextFile(
      `${worktree.dirs.gitDir}/config.worktree`,
      `[core]\n\thooksPath = ${world.root}/hooks\n\tsshCommand = ${await world.trap(
        "worktree-ssh",
      )}\n`,
    );
    await Deno.mkdir(`${worktree.dir}/.fake-git/hooks`, { recursive: true });
    await Deno.copyFile(
      await world.trap("fake-git-pre-commit"),
      `${worktree.dir}/.fake-git/hooks/pre-commit`,
    );
    await Deno.writeTextFile(`${worktree.dir}/.git`, `gitdir: ${worktree.dir}/.fake-git\n`);

    const work = await inspectWork(worktree, { context });
    assertEquals(work, { commits: 0, dirty: true });
    assert(
      await commitLeftovers(worktree, {
        message: "Add the feature",
        trailers: ["Alfred-Agent: lucius"],
        context,
      }),
    );
    assertEquals(await ensureTrailers(worktree, { trailers: ["Alfred-Firing: f1"], context }), 1);
    await pushBranch(worktree, { context });

    assertEquals(await listDir(world.pwned), [], "no planted program ran");
    const pushed = await world.run(world.origin, ["show", `${worktree.branch}:feature.txt`]);
    assertEquals(pushed, "the engine's work\n", "committed as written (no clean filter)");
    const message = await world.run(world.origin, ["log", "-1", "--format=%B", worktree.branch]);
    assertStringIncludes(message, "Alfred-Agent: lucius");
    assertStringIncludes(message, "Alfred-Firing: f1");
    assertEquals(
      await Deno.stat(`${worktree.dirs.gitDir}/config.worktree`).then(() => true, () => false),
      false,
      "the planted config.worktree is gone",
    );
    // The traps are live: plain git in the checkout runs them (the test would prove nothing otherwise).
    await Deno.writeTextFile(`${world.checkout}/.gitattributes`, "* filter=evil\n");
    await world.run(world.checkout, ["add", ".gitattributes"]);
    await world.run(world.checkout, ["commit", "--quiet", "-m", "attributes"]);
    await world.run(world.checkout, ["push", "--quiet", "origin", "main"]).catch(() => "");
    const ran = await listDir(world.pwned);
    for (
      const name of ["filter-clean", "fsmonitor", "hooks-path-pre-commit", "hooks-path-pre-push"]
    ) {
      assert(ran.includes(name), `${name} runs under plain git (${ran.join(", ")})`);
    }
    await Deno.writeTextFile(`${worktree.dir}/.git`, `gitdir: ${worktree.dirs.gitDir}\n`);
    await removeWorktree(worktree, { context });
  } finally {
    await Deno.remove(world.root, { recursive: true });
  }
});
