/** Worktree naming, clone URLs and the git credential helper (real git). */
import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import { runCapture } from "../runner/process.ts";
import {
  cloneUrlOf,
  expandHome,
  gitEnvOf,
  identityOf,
  issueOfBranch,
  worktreeNames,
} from "../runner/git/worktree.ts";

Deno.test("worktree and branch names carry the codename, repo, issue, firing and time", () => {
  const names = worktreeNames({
    layout: layoutOf("/h"),
    codename: "lucius",
    repo: "acme/web",
    issue: 12,
    firingId: "20261127T091500123Z-a1b2c3",
    now: new Date("2026-11-27T09:15:00.123Z"),
  });
  assert.deepEqual(names, {
    branch: "agent/lucius/12-a1b2c3",
    dir: "/h/worktrees/eng-lucius-web-12-20261127T091500Z",
  });
  assert.equal(issueOfBranch(names.branch, "lucius"), 12);
  assert.equal(issueOfBranch("feature/x", "lucius"), undefined);
  assert.equal(issueOfBranch("agent/batman/3-abc", "lucius"), undefined);
});

Deno.test("clone URLs come from the API host and never carry credentials", () => {
  assert.equal(cloneUrlOf("https://api.github.com", "acme/web"), "https://github.com/acme/web.git");
  assert.equal(
    cloneUrlOf("https://ghe.example.com/api/v3", "acme/web"),
    "https://ghe.example.com/acme/web.git",
  );
  assert.equal(expandHome("~/code/web", "/home/op"), "/home/op/code/web");
  assert.equal(expandHome("/srv/web", "/home/op"), "/srv/web");
  assert.deepEqual(identityOf("lucius"), {
    name: "Lucius (Alfred)",
    email: "lucius@alfred.invalid",
  });
});

Deno.test("real git gets the token from the credential helper, through the environment only", async () => {
  const token = "ghp_" + "x".repeat(36);
  const env = gitEnvOf({
    baseEnv: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    identity: identityOf("lucius"),
    token,
  });
  assert.ok(!Object.keys(env).some((k) => k !== "ALFRED_GIT_TOKEN" && env[k].includes(token)));
  const dir = await Deno.makeTempDir();
  try {
    const filled = await runCapture("git", ["credential", "fill"], {
      cwd: dir,
      env: { ...env, HOME: dir },
      stdin: "protocol=https\nhost=github.com\n\n",
      timeoutMs: 10_000,
    });
    assert.equal(filled.code, 0, filled.stderr);
    assert.match(filled.stdout, /username=x-access-token/);
    assert.ok(filled.stdout.includes(`password=${token}`));
    const without = gitEnvOf({ baseEnv: {}, identity: identityOf("lucius") });
    assert.equal(without.GIT_CONFIG_COUNT, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
