import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import {
  checkPrerequisites,
  claudeCli,
  describePrerequisites,
  linuxSandbox,
  program,
  requirePrerequisites,
  TEST_TOOLS,
} from "../scripts/prerequisites.ts";
import { DENO, REPO_ROOT } from "./support/helpers.ts";

Deno.test("a missing pinned claude CLI is named with the script that installs it", async () => {
  const root = await Deno.makeTempDir({ prefix: "alfred-prereq-" });
  try {
    const report = checkPrerequisites([claudeCli({ root }), program("sh")]);
    assertEquals(report.missing.map((need) => need.name), ["the claude CLI (pinned, in .tools/)"]);
    const lines = describePrerequisites("deno task bench", report);
    assertEquals(
      lines[0],
      "error: deno task bench cannot start: the claude CLI (pinned, in .tools/) is missing.",
    );
    assertEquals(lines.at(-1), `hint: run ${TEST_TOOLS}, then deno task bench again.`);
    await Deno.mkdir(`${root}/.tools/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(`${root}/.tools/node_modules/.bin/claude`, "#!/bin/sh\n", {
      mode: 0o755,
    });
    assertEquals(checkPrerequisites([claudeCli({ root })]).missing, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("optional prerequisites are notes, and only required ones stop the script", () => {
  const lines: string[] = [];
  let exited: number | undefined;
  const exit = (code: number): never => {
    exited = code;
    throw new Error("exit");
  };
  requirePrerequisites("deno task bench", [
    program("redis-server", { path: "", optionalWithout: "the Redis section is skipped" }),
  ], { stderr: (line) => lines.push(line), exit });
  assertEquals(exited, undefined, "an optional one missing does not stop the script");
  assertMatch(
    lines[0],
    /^note: redis-server is missing, so the Redis section is skipped; install with apt-get install redis-server\.$/,
  );
  lines.length = 0;
  try {
    requirePrerequisites("deno task build", [program("tar", { path: "" })], {
      stderr: (line) => lines.push(line),
      exit,
    });
  } catch (error) {
    if (!(error instanceof Error) || error.message !== "exit") throw error;
  }
  assertEquals(exited, 1);
  assertEquals(lines, [
    "error: deno task build cannot start: tar is missing.",
    "  tar: install with apt-get install tar",
    "hint: install it with your package manager, then deno task build again.",
  ]);
});

Deno.test("bubblewrap is needed on Linux only", () => {
  assertEquals(linuxSandbox({ path: "", os: "darwin" }).present(), true);
  assertEquals(linuxSandbox({ path: "", os: "linux" }).present(), false);
});

Deno.test("deno task bench without its tools says what to run, with no stack trace", async () => {
  const output = await new Deno.Command(DENO, {
    args: ["run", "--quiet", "--allow-all", `${REPO_ROOT}/scripts/bench.ts`, "--runs", "1"],
    cwd: REPO_ROOT,
    env: { PATH: "", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 1, stderr);
  assertEquals(new TextDecoder().decode(output.stdout), "", "nothing was measured");
  assertMatch(stderr, /^error: deno task bench cannot start: git .*missing\.$/m);
  assertStringIncludes(stderr, `hint: run ${TEST_TOOLS}, then deno task bench again.`);
  assert(!/^\s+at /m.test(stderr), `no stack trace:\n${stderr}`);
});
