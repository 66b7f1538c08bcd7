/**
 * The read-only checkout of Drake, Batman, Huntress and Gordon
 * (runner/git/read_only.ts), with real git: a detached worktree of
 * `origin/<base>`, removed without a trace, and a dead firing's leftovers
 * cleaned up by the next firing without losing a commit.
 */
import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import { runCapture } from "../runner/process.ts";
import { type GitContext, identityOf } from "../runner/git/worktree.ts";
import {
  closeReadOnlyCheckout,
  openReadOnlyCheckout,
  readOnlyDir,
  removeLeftoverReadOnly,
  withReadOnlyCheckout,
} from "../runner/git/read_only.ts";
import { listDir } from "./support/helpers.ts";

/** A bare origin with one commit on main, the operator's checkout of it, and a home. */
async function createRepoWorld() {
  const root = await Deno.makeTempDir({ prefix: "alfred-read-only-" });
  const context: GitContext = {
    baseEnv: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: root },
    identity: identityOf("huntress"),
  };
  const env = {
    PATH: context.baseEnv.PATH,
    HOME: root,
    GIT_AUTHOR_NAME: "Op",
    GIT_AUTHOR_EMAIL: "op@example.com",
    GIT_COMMITTER_NAME: "Op",
    GIT_COMMITTER_EMAIL: "op@example.com",
  };
  const git = async (cwd: string, args: string[]) => {
    const result = await runCapture("git", args, { cwd, env, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await git(root, ["init", "--quiet", "--bare", "--initial-branch=main", "origin.git"]);
  await git(root, ["clone", "--quiet", `${root}/origin.git`, "checkout"]);
  const checkout = `${root}/checkout`;
  await Deno.writeTextFile(`${checkout}/README.md`, "hello\n");
  await git(checkout, ["add", "README.md"]);
  await git(checkout, ["commit", "--quiet", "-m", "first"]);
  await git(checkout, ["push", "--quiet", "origin", "main"]);
  await git(checkout, ["switch", "--quiet", "-c", "operator-work"]);
  const layout = layoutOf(`${root}/home`);
  return {
    root,
    checkout,
    context,
    git,
    layout,
    repo: { name: "acme/web", path: checkout, base: "main" },
    options: (codename: string, now: Date) => ({
      layout,
      codename,
      context,
      apiUrl: "http://127.0.0.1:9",
      now,
    }),
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

Deno.test("a read-only checkout is a detached worktree of origin/<base>, gone without a trace when closed", async () => {
  await using world = await createRepoWorld();
  const now = new Date("2026-11-27T09:15:00.123Z");
  const opened = await openReadOnlyCheckout(world.repo, world.options("drake", now));
  assert.equal(opened.dir, `${world.layout.worktreesDir}/ro-drake-web-20261127T091500Z`);
  assert.equal(opened.dir, readOnlyDir(world.layout, { codename: "drake", repo: "acme/web", now }));
  assert.equal(opened.checkout, world.checkout);
  assert.equal(opened.commit, await world.git(world.checkout, ["rev-parse", "origin/main"]));
  assert.equal(await Deno.readTextFile(`${opened.dir}/README.md`), "hello\n");
  // Detached: no branch was made, and the operator's checkout stays on its own branch.
  assert.equal(await world.git(opened.dir, ["rev-parse", "--abbrev-ref", "HEAD"]), "HEAD");
  assert.equal(await world.git(world.checkout, ["branch", "--list", "agent/*"]), "");
  assert.equal(await world.git(world.checkout, ["branch", "--show-current"]), "operator-work");
  await closeReadOnlyCheckout(opened, { context: world.context });
  assert.deepEqual(await listDir(world.layout.worktreesDir), []);
  assert.ok(!(await world.git(world.checkout, ["worktree", "list"])).includes("ro-drake"));
});

Deno.test("withReadOnlyCheckout removes the checkout when the work throws", async () => {
  await using world = await createRepoWorld();
  const options = world.options("huntress", new Date("2026-11-27T09:15:00Z"));
  let seen = "";
  await assert.rejects(
    withReadOnlyCheckout(world.repo, (checkout) => {
      seen = checkout.dir;
      return Promise.reject(new Error("smoke blew up"));
    }, options),
    /smoke blew up/,
  );
  assert.match(seen, /\/ro-huntress-web-/);
  assert.deepEqual(await listDir(world.layout.worktreesDir), []);
});

Deno.test("a dead firing's leftovers go, older releases' worktrees too, and no commit is lost", async () => {
  await using world = await createRepoWorld();
  const { layout, context } = world;
  // A dead Huntress firing's read-only checkout, and another agent's live one.
  await openReadOnlyCheckout(world.repo, world.options("huntress", new Date("2026-11-27T09:00Z")));
  const drake = await openReadOnlyCheckout(
    world.repo,
    world.options("drake", new Date("2026-11-27T09:00Z")),
  );
  // A folder that is no worktree at all (a crash before git finished).
  await Deno.mkdir(`${layout.worktreesDir}/ro-huntress-web-20261127T080000Z`);
  // An older release's throwaway worktree, on a branch with a commit on no remote.
  const legacy = `${layout.worktreesDir}/eng-huntress-web-0-20261126T090000Z`;
  await world.git(world.checkout, [
    "worktree",
    "add",
    "--quiet",
    "-b",
    "agent/huntress/0-abc123",
    legacy,
    "origin/main",
  ]);
  await Deno.writeTextFile(`${legacy}/NOTE.md`, "kept\n");
  await world.git(legacy, ["add", "NOTE.md"]);
  await world.git(legacy, ["commit", "--quiet", "-m", "unpushed"]);
  const unpushed = await world.git(legacy, ["rev-parse", "HEAD"]);

  const removed = await removeLeftoverReadOnly(layout, { codename: "huntress", context });

  assert.deepEqual(removed.sort(), [
    "eng-huntress-web-0-20261126T090000Z",
    "ro-huntress-web-20261127T080000Z",
    "ro-huntress-web-20261127T090000Z",
  ]);
  assert.deepEqual(await listDir(layout.worktreesDir), [drake.dir.split("/").at(-1)]);
  assert.equal(
    await world.git(world.checkout, ["rev-parse", "agent/huntress/0-abc123"]),
    unpushed,
    "the branch with a commit on no remote is kept",
  );
  const listed = await world.git(world.checkout, ["worktree", "list", "--porcelain"]);
  assert.ok(!listed.includes("ro-huntress") && !listed.includes("eng-huntress"), listed);
  assert.deepEqual(await removeLeftoverReadOnly(layout, { codename: "huntress", context }), []);
});
