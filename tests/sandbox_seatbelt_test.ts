/** The macOS sandbox-exec profile, as text (it cannot run on Linux). */
import { sbplString, seatbeltProfile } from "../runner/sandbox/seatbelt.ts";
import { assert, assertEquals } from "./support/assert.ts";

const profile = seatbeltProfile({
  policy: {
    worktree: "/Users/op/.alfred/worktrees/lucius/f-1",
    readOnly: ["/Users/op/code/repo/.git", "/opt/homebrew/lib/node_modules"],
    emptied: ["/Users/op/code/repo/.git/worktrees"],
    writable: [
      "/Users/op/.alfred/worktrees/lucius/f-1",
      "/Users/op/code/repo/.git/objects",
      "/Users/op/code/repo/.git/worktrees/f-1",
      "/Users/op/.claude",
    ],
    protect: ["/Users/op/.claude/settings.json"],
    home: "/Users/op",
    denied: [{ path: "/Users/op/.ssh", kind: "dir" }],
  },
  proxyPort: 50123,
  hidden: ["/Users/op/.alfred", "/Users/op/.ssh", "/Users/op"],
});
const lines = profile.trim().split("\n").filter((l) => !l.startsWith(";;"));
const at = (line: string) => {
  const index = lines.indexOf(line);
  assert(index >= 0, `missing: ${line}\n${profile}`);
  return index;
};

Deno.test("seatbelt: the home folder and ALFRED_HOME are hidden, then the engine's paths allowed back", () => {
  assertEquals(lines.slice(0, 2), ["(version 1)", "(allow default)"]);
  const hideHome = at('(deny file-read* file-write* (subpath "/Users/op"))');
  const hideAlfred = at('(deny file-read* file-write* (subpath "/Users/op/.alfred"))');
  const worktree = at('(allow file-read* (subpath "/Users/op/.alfred/worktrees/lucius/f-1"))');
  assert(hideHome < hideAlfred && hideAlfred < worktree, "last match wins: allows come after");
  at('(allow file-read* (subpath "/Users/op/code/repo/.git"))');
  assertEquals(
    lines.filter((l) => l === '(deny file-read* file-write* (subpath "/Users/op"))').length,
    1,
  );
});

Deno.test("seatbelt: writes are denied except the worktree, git parts, engine folders and temp", () => {
  const denyWrites = at("(deny file-write*)");
  for (
    const path of [
      "/Users/op/.alfred/worktrees/lucius/f-1",
      "/Users/op/code/repo/.git/objects",
      "/Users/op/.claude",
      "/private/tmp",
      "/private/var/folders",
    ]
  ) {
    assert(at(`(allow file-write* (subpath "${path}"))`) > denyWrites, path);
  }
  assert(!lines.includes('(allow file-write* (subpath "/Users/op/code/repo/.git"))'));
  assert(
    at('(deny file-write* (subpath "/Users/op/.claude/settings.json"))') >
      at('(allow file-write* (subpath "/Users/op/.claude"))'),
  );
});

Deno.test("seatbelt: other worktrees are hidden but this one's admin dir is allowed after", () => {
  const hide = at('(deny file-read* file-write* (subpath "/Users/op/code/repo/.git/worktrees"))');
  const own = at(
    '(allow file-read* file-write* (subpath "/Users/op/code/repo/.git/worktrees/f-1"))',
  );
  assert(hide < own);
});

Deno.test("seatbelt: credential stores are denied last, and the network only reaches the proxy", () => {
  const ssh = at('(deny file-read* file-write* (subpath "/Users/op/.ssh"))');
  const lastAllow = lines.findLastIndex((l) => l.startsWith("(allow file"));
  assert(lines.lastIndexOf('(deny file-read* file-write* (subpath "/Users/op/.ssh"))') > lastAllow);
  assert(ssh >= 0);
  assertEquals(lines.slice(-2), [
    "(deny network-outbound)",
    '(allow network-outbound (remote ip "localhost:50123"))',
  ]);
  assert(!profile.includes("unix-socket"));
});

Deno.test("seatbelt strings escape quotes and backslashes", () => {
  assertEquals(sbplString('/a "b"\\c'), '"/a \\"b\\"\\\\c"');
  const tricky = seatbeltProfile({
    policy: {
      worktree: '/w")(allow default',
      readOnly: [],
      emptied: [],
      writable: ['/w")(allow default'],
      protect: [],
      home: "/h",
      denied: [],
    },
    proxyPort: 1,
    hidden: [],
  });
  assert(tricky.includes('(subpath "/w\\")(allow default")'));
});

Deno.test("seatbelt: a repository command sees its own admin dir read-only inside the hidden worktrees", () => {
  const readOnly = seatbeltProfile({
    policy: {
      worktree: "/Users/op/.alfred/worktrees/bane/f-1",
      readOnly: ["/Users/op/code/repo/.git"],
      emptied: ["/Users/op/code/repo/.git/worktrees"],
      writable: ["/Users/op/.alfred/worktrees/bane/f-1", "/Users/op/.alfred/sandbox-cache/bane/f"],
      protect: ["/Users/op/code/repo/.git/worktrees/f-1"],
      home: "/Users/op",
      denied: [],
    },
    proxyPort: 50123,
    hidden: ["/Users/op/.alfred", "/Users/op"],
  }).split("\n");
  const admin = '(subpath "/Users/op/code/repo/.git/worktrees/f-1")';
  const hide = readOnly.indexOf(
    '(deny file-read* file-write* (subpath "/Users/op/code/repo/.git/worktrees"))',
  );
  const shown = readOnly.indexOf(`(allow file-read* ${admin})`);
  assert(hide >= 0 && shown > hide, readOnly.join("\n"));
  assertEquals(readOnly.filter((line) => line.includes("file-write") && line.includes(admin)), [
    `(deny file-write* ${admin})`,
  ]);
});
