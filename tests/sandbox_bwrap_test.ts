/** The bubblewrap command line and the git parts of a worktree (argv as data; git for real). */
import { bwrapArgs, forwarderScript, shellQuote } from "../runner/sandbox/bwrap.ts";
import { wrapEngineCommand } from "../runner/sandbox/mod.ts";
import {
  gitReadOnlyParts,
  gitWritableParts,
  readGitWorktreeParts,
} from "../runner/sandbox/policy.ts";
import { runCapture } from "../runner/process.ts";
import { assert, assertEquals } from "./support/assert.ts";

const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";

function pairs(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

Deno.test("bwrap argv: namespaces, no capabilities, system read-only, home emptied, order of binds", () => {
  const args = bwrapArgs(["/opt/claude", "-p"], {
    policy: {
      worktree: "/a/worktrees/w",
      readOnly: ["/r/.git"],
      emptied: ["/r/.git/worktrees"],
      writable: ["/a/worktrees/w", "/r/.git/objects", "/r/.git/worktrees/w", "/h/.claude"],
      protect: ["/h/.claude/settings.json"],
      home: "/h",
      denied: [{ path: "/h/.ssh", kind: "dir" }, { path: "/h/.netrc", kind: "file" }],
    },
    system: [{ path: "/usr", kind: "dir" }, { path: "/bin", kind: "symlink", target: "usr/bin" }],
    systemSecrets: ["/etc/shadow"],
  });
  for (
    const flag of [
      "--die-with-parent",
      "--new-session",
      "--unshare-pid",
      "--unshare-net",
      "--unshare-ipc",
    ]
  ) {
    assert(args.includes(flag), flag);
  }
  assertEquals(pairs(args, "--cap-drop"), ["ALL"]);
  assert(!args.includes("--share-net"));
  const index = (flag: string, value: string) =>
    args.findIndex((a, i) => a === flag && args[i + 1] === value);
  // Empty root with system folders; never the whole root.
  assert(index("--ro-bind", "/") < 0);
  assert(index("--ro-bind", "/usr") >= 0);
  assertEquals(args.slice(index("--symlink", "usr/bin"), index("--symlink", "usr/bin") + 3), [
    "--symlink",
    "usr/bin",
    "/bin",
  ]);
  assert(index("--ro-bind", "/dev/null") >= 0 && args.includes("/etc/shadow"));
  assertEquals(pairs(args, "--tmpfs").slice(0, 4), ["/tmp", "/var/tmp", "/h", "/r/.git/worktrees"]);
  // read-only common dir < emptied worktrees < writable parts < protected < masks < remounts.
  assert(index("--ro-bind", "/r/.git") < index("--tmpfs", "/r/.git/worktrees"));
  assert(index("--tmpfs", "/r/.git/worktrees") < index("--bind", "/r/.git/worktrees/w"));
  assert(index("--bind", "/h/.claude") < index("--ro-bind", "/h/.claude/settings.json"));
  assert(index("--ro-bind", "/h/.claude/settings.json") < index("--tmpfs", "/h/.ssh"));
  assert(index("--ro-bind", "/dev/null") >= 0 && args.includes("/h/.netrc"));
  assert(index("--tmpfs", "/h/.ssh") < index("--remount-ro", "/h"));
  assert(index("--remount-ro", "/h") < index("--remount-ro", "/"));
  assertEquals(args.slice(-5), ["--chdir", "/a/worktrees/w", "--", "/opt/claude", "-p"]);
});

Deno.test("bwrap argv with a network: the socket is bound in and a forwarder starts before the engine", () => {
  const args = bwrapArgs(["/opt/claude", "-p"], {
    policy: {
      worktree: "/w",
      readOnly: [],
      emptied: [],
      writable: ["/w"],
      protect: [],
      home: "/h",
      denied: [],
    },
    system: [],
    network: { socketPath: "/run/x/proxy.sock", insidePort: 3128, forwarder: ["/d/deno", "eval"] },
  });
  const at = args.indexOf("/run/x/proxy.sock");
  assertEquals(args.slice(at - 1, at + 2), [
    "--ro-bind",
    "/run/x/proxy.sock",
    "/run/alfred/proxy.sock",
  ]);
  const end = args.indexOf("--");
  assertEquals(args.slice(end + 1, end + 3), ["/bin/sh", "-c"]);
  assertEquals(args.slice(end + 4), ["alfred-sandbox", "/opt/claude", "-p"]);
  const script = args[end + 3];
  assert(
    script.startsWith("/d/deno eval /run/alfred/proxy.sock 3128 /tmp/.alfred-forwarder-ready"),
  );
  assert(script.endsWith('exec "$@"'));
});

Deno.test("the forwarder script waits for the forwarder, then runs the engine with its arguments", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-fwd-" });
  try {
    // A stand-in forwarder that only creates the ready file (its third argument).
    const script = forwarderScript(["/bin/sh", "-c", 'touch "$3"', "fwd"], {
      socketPath: "/nowhere",
      port: 1,
    }).replaceAll("/tmp/.alfred-forwarder-ready", `${dir}/ready`);
    const run = await runCapture("/bin/sh", ["-c", script, "x", "printf", "%s|", "a b", "c'd"], {
      cwd: dir,
      env: { PATH },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "a b|c'd|");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shell quoting keeps any word intact", () => {
  assertEquals(shellQuote("/usr/bin/deno"), "/usr/bin/deno");
  assertEquals(shellQuote("it's"), `'it'\\''s'`);
  assertEquals(shellQuote("a b$c"), "'a b$c'");
});

Deno.test("git parts of a linked worktree: objects, own admin dir, the branch's ref and log folders", () => {
  const parts = gitWritableParts({
    commonDir: "/r/.git",
    adminDir: "/r/.git/worktrees/f-1",
    branchRef: "refs/heads/alfred/lucius/issue-1",
    isMainCheckout: false,
  });
  assertEquals(parts, {
    readOnly: ["/r/.git"],
    writable: [
      "/r/.git/objects",
      "/r/.git/worktrees/f-1",
      "/r/.git/refs/heads/alfred/lucius",
      "/r/.git/logs/refs/heads/alfred/lucius",
    ],
    protect: [],
    mustExist: ["/r/.git/refs/heads/alfred/lucius", "/r/.git/logs/refs/heads/alfred/lucius"],
    otherWorktrees: "/r/.git/worktrees",
  });
  const main = gitWritableParts({
    commonDir: "/r/.git",
    adminDir: "/r/.git",
    branchRef: "refs/heads/main",
    isMainCheckout: true,
  });
  assertEquals(main.writable, ["/r/.git"]);
  assertEquals(main.protect, ["/r/.git/hooks", "/r/.git/config"]);
});

Deno.test("git parts of a command that only reads the repository: nothing writable, its own admin dir shown", () => {
  const linked = { commonDir: "/r/.git", adminDir: "/r/.git/worktrees/f-1", isMainCheckout: false };
  assertEquals(gitReadOnlyParts({ ...linked, branchRef: "refs/heads/agent/bane/x-1" }), {
    readOnly: ["/r/.git"],
    writable: [],
    protect: ["/r/.git/worktrees/f-1"],
    mustExist: [],
    otherWorktrees: "/r/.git/worktrees",
  });
  const main = gitReadOnlyParts({
    commonDir: "/w/.git",
    adminDir: "/w/.git",
    branchRef: "refs/heads/main",
    isMainCheckout: true,
  });
  // `.git` lies inside the writable worktree: it is made read-only again on top.
  assertEquals([main.writable, main.protect], [[], ["/w/.git"]]);
});

Deno.test("the sandbox of a real worktree binds only its own git parts and hides the rest", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "alfred-bwrap-" }));
  try {
    const home = `${root}/home`;
    const repo = `${home}/repo`;
    const alfredHome = `${root}/alfred`;
    const worktree = `${alfredHome}/worktrees/lucius/f-1`;
    await Deno.mkdir(`${home}/.ssh`, { recursive: true });
    const git = (...args: string[]) =>
      runCapture("git", args, { cwd: root, env: { PATH, HOME: root } });
    assertEquals((await git("init", "-q", repo)).code, 0);
    assertEquals(
      (await git(
        "-C",
        repo,
        "-c",
        "user.name=a",
        "-c",
        "user.email=a@b",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "i",
      )).code,
      0,
    );
    assertEquals(
      (await git("-C", repo, "worktree", "add", "-q", "-b", "alfred/lucius/i-1", worktree)).code,
      0,
    );
    assertEquals(
      (await git("-C", repo, "worktree", "add", "-q", "-b", "other", `${alfredHome}/worktrees/x`))
        .code,
      0,
    );

    const parts = await readGitWorktreeParts(worktree);
    assertEquals(parts.commonDir, `${repo}/.git`);
    assertEquals(parts.adminDir, `${repo}/.git/worktrees/f-1`);
    assertEquals(parts.branchRef, "refs/heads/alfred/lucius/i-1");

    await using wrapped = await wrapEngineCommand("sh", ["-c", "true"], {
      mode: "required",
      engine: "claude",
      worktree,
      home,
      alfredHome,
      env: { PATH, HOME: home },
      check: { ok: true, kind: "bwrap", program: "bwrap", detail: "test" },
      os: "linux",
      forwarder: ["/bin/true"],
    });
    assert(wrapped.sandboxed);
    assertEquals(wrapped.command, "bwrap");
    const bound = [...pairs(wrapped.args, "--bind"), ...pairs(wrapped.args, "--ro-bind")];
    assert(bound.includes(worktree));
    assert(bound.includes(`${repo}/.git`));
    assert(bound.includes(`${repo}/.git/worktrees/f-1`));
    assert(bound.includes(`${repo}/.git/refs/heads/alfred/lucius`));
    assert(bound.includes(`${home}/.claude`));
    assert(!bound.some((p) => p === alfredHome || p === `${alfredHome}/worktrees/x`));
    assert(!bound.some((p) => p === home || p.startsWith(`${home}/.ssh`)));
    assertEquals(wrapped.env.HTTPS_PROXY, "http://127.0.0.1:3128");
    assertEquals(wrapped.env.http_proxy, "http://127.0.0.1:3128");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
