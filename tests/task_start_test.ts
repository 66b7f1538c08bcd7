import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { DENO, REPO_ROOT, subprocessEnv, withHome } from "./support/helpers.ts";

Deno.test("deno task start, the README's first command, prints no permission-resolution noise", async () => {
  await using home = await withHome();
  // launchctl is absent on Linux and systemctl on macOS: the task's --allow-run
  // list names a program that cannot be found on every machine.
  const output = await new Deno.Command(DENO, {
    args: ["task", "start"],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: subprocessEnv(home.home),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  assertStringIncludes(stdout, "Fleet summary");
  for (const line of `${stdout}\n${stderr}`.split("\n")) {
    assert(!line.includes("Failed to resolve"), `noise: ${line}`);
  }
  assertEquals(
    stderr.split("\n").filter((line) => line.trim() && !line.startsWith("Task start ")),
    [],
    "nothing on standard error but the task's own command line",
  );
});
