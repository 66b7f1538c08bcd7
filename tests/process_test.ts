import assert from "node:assert/strict";
import {
  liveProcessesInGroup,
  ProcessSpawnError,
  ProgramNotFoundError,
  runCapture,
  runProcess,
  type RunProcessOptions,
} from "../runner/process.ts";
import { withTempDir } from "./support/helpers.ts";

const PATH = "/usr/bin:/bin";

/** Runs a shell script in `dir` with only PATH set and a 5 s timeout, plus `options`. */
function runSh(dir: string, script: string, options: Partial<RunProcessOptions> = {}) {
  return runProcess("sh", ["-c", script], {
    cwd: dir,
    env: { PATH },
    timeoutMs: 5_000,
    ...options,
  });
}

Deno.test("runProcess streams each line to the callbacks and the sink and keeps a tail", async () => {
  await withTempDir(async (dir) => {
    const seen: string[] = [];
    const sunk: string[] = [];
    const script = "for i in 1 2 3 4 5; do echo out$i; done; echo err1 >&2; exit 3";
    const result = await runSh(dir, script, {
      tailLines: 2,
      onStdoutLine: (line) => {
        seen.push(line);
      },
      transcript: { write: (stream, line) => void sunk.push(`${stream}:${line}`) },
    });
    assert.deepStrictEqual(result.code, 3);
    assert.deepStrictEqual(result.signal, null);
    assert.deepStrictEqual(result.timedOut, false);
    assert.deepStrictEqual(seen, ["out1", "out2", "out3", "out4", "out5"]);
    assert.deepStrictEqual(result.stdoutTail, ["out4", "out5"]);
    assert.deepStrictEqual(result.stderrTail, ["err1"]);
    assert.ok(sunk.includes("stderr:err1") && sunk.includes("stdout:out3"));
  });
});

Deno.test("runProcess gives the child exactly the environment passed, in the given cwd", async () => {
  await withTempDir(async (dir) => {
    const result = await runProcess("sh", ["-c", "env; pwd"], {
      cwd: dir,
      env: { PATH, ONLY_THIS: "yes" },
      timeoutMs: 5_000,
    });
    const names = result.stdoutTail.filter((l) => l.includes("=")).map((l) => l.split("=")[0]);
    // sh itself adds PWD (and some shells SHLVL/_); nothing from our own environment.
    const own = names.filter((n) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(n)).sort();
    assert.deepStrictEqual(own, ["ONLY_THIS", "PATH"]);
    assert.deepStrictEqual(result.stdoutTail.at(-1), await Deno.realPath(dir));
  });
});

Deno.test("a timeout ends the whole process tree, even grandchildren that ignore SIGTERM", async () => {
  await withTempDir(async (dir) => {
    // Left alone it would run for an hour: `timedOut` and SIGKILL prove the timeout cut it.
    // The timeout is generous so that even a busy machine has set its traps and
    // printed "started" before it fires; the test never waits for more than that.
    const script =
      `trap '' TERM; (trap '' TERM; sleep 3600) & (sh -c 'sleep 3600') & echo started; wait`;
    const result = await runSh(dir, script, { timeoutMs: 5_000, graceMs: 300 });
    assert.deepStrictEqual(result.timedOut, true);
    assert.deepStrictEqual(result.signal, "SIGKILL");
    assert.deepStrictEqual(result.stdoutTail, ["started"]);
    assert.deepStrictEqual(await liveProcessesInGroup(result.pid), []);
  });
});

Deno.test("processes left behind by a child that exits normally are ended", async () => {
  await withTempDir(async (dir) => {
    const result = await runProcess("sh", ["-c", "sleep 30 >/dev/null 2>&1 & echo $!"], {
      cwd: dir,
      env: { PATH },
      timeoutMs: 5_000,
      graceMs: 300,
    });
    assert.deepStrictEqual(result.code, 0);
    assert.deepStrictEqual(result.timedOut, false);
    assert.deepStrictEqual(await liveProcessesInGroup(result.pid), []);
  });
});

Deno.test("an aborted run ends the group without being reported as a timeout", async () => {
  await withTempDir(async (dir) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runProcess("sleep", ["30"], {
      cwd: dir,
      env: { PATH },
      timeoutMs: 10_000,
      graceMs: 200,
      signal: controller.signal,
    });
    assert.deepStrictEqual(result.aborted, true);
    assert.deepStrictEqual(result.timedOut, false);
    assert.deepStrictEqual(result.signal, "SIGTERM");
  });
});

Deno.test("a missing program raises ProgramNotFoundError with a hint", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => runProcess("alfred-no-such-program", [], { cwd: dir, env: { PATH }, timeoutMs: 1_000 }),
      (error) => error instanceof ProgramNotFoundError && error.hint?.includes("PATH") === true,
    );
  });
});

Deno.test("a missing working directory raises ProcessSpawnError naming it", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () =>
        runProcess("sh", ["-c", "true"], { cwd: `${dir}/gone`, env: { PATH }, timeoutMs: 1_000 }),
      (error) => error instanceof ProcessSpawnError && error.message.includes("gone"),
    );
  });
});

Deno.test("a very long line is cut and memory stays bounded", async () => {
  await withTempDir(async (dir) => {
    const lines: string[] = [];
    const result = await runSh(dir, "head -c 300000 /dev/zero | tr '\\0' x; echo; echo end", {
      maxLineChars: 1_000,
      onStdoutLine: (line) => void lines.push(line),
    });
    assert.deepStrictEqual(result.code, 0);
    assert.deepStrictEqual(lines.length, 2);
    assert.deepStrictEqual(lines[0].length, 1_000);
    assert.deepStrictEqual(lines[1], "end");
    assert.ok(result.stdoutTail[0].length <= 4_096);
  });
});

Deno.test("runCapture returns the output, feeds stdin, and marks truncation", async () => {
  await withTempDir(async (dir) => {
    const echoed = await runCapture("cat", [], { cwd: dir, env: { PATH }, stdin: "a\nb\n" });
    assert.deepStrictEqual(echoed, {
      code: 0,
      signal: null,
      timedOut: false,
      stdout: "a\nb",
      stderr: "",
      truncated: false,
    });
    const big = await runCapture("seq", ["1", "100000"], {
      cwd: dir,
      env: { PATH },
      maxChars: 100,
    });
    assert.deepStrictEqual(big.truncated, true);
    assert.ok(big.stdout.length <= 100);
    assert.ok(big.stdout.startsWith("1\n2\n3"));
  });
});
