import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import { runProcess } from "../runner/process.ts";
import { createRedactor } from "../runner/redact.ts";
import { openTranscript, pruneTranscripts, transcriptPath } from "../runner/engines/transcripts.ts";
import { withTempDir } from "./support/helpers.ts";

Deno.test("a transcript records each engine line as it comes, redacted, JSON kept as JSON", async () => {
  await withTempDir(async (home) => {
    const layout = layoutOf(home);
    const redact = createRedactor({ secrets: ["super-secret-value"] });
    const now = () => new Date("2030-01-01T00:00:00Z");
    await using transcript = await openTranscript(layout, "lucius", {
      firingId: "20300101T000000-ab12",
      redact,
      now,
    });
    await transcript.note("command", { argv: ["claude", "-p"] });
    const script = `echo '{"type":"x","key":"super-secret-value"}'; echo plain ghp_${
      "a".repeat(36)
    } >&2`;
    await runProcess("sh", ["-c", script], {
      cwd: home,
      env: { PATH: "/usr/bin:/bin" },
      timeoutMs: 5_000,
      transcript,
    });
    await transcript.close();
    const lines = (await Deno.readTextFile(transcript.path)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(transcript.path, `${home}/transcripts/lucius/20300101T000000-ab12.jsonl`);
    assert.deepEqual(lines[0], {
      ts: "2030-01-01T00:00:00.000Z",
      stream: "alfred",
      kind: "command",
      data: { argv: ["claude", "-p"] },
    });
    const stdout = lines.find((l) => l.stream === "stdout");
    const stderr = lines.find((l) => l.stream === "stderr");
    assert.deepEqual(stdout.data, { type: "x", key: "[REDACTED]" });
    assert.equal(stderr.text, "plain [REDACTED]");
    assert.equal((await Deno.stat(transcript.path)).mode! & 0o777, 0o600);
  });
});

Deno.test("transcript names are checked so a firing id cannot escape the folder", () => {
  const layout = layoutOf("/alfred");
  assert.throws(() => transcriptPath(layout, "lucius", { firingId: "../x" }), RangeError);
  assert.throws(() => transcriptPath(layout, "../etc", { firingId: "x" }), RangeError);
});

Deno.test("pruning removes transcripts past the age limit, then the oldest beyond the size cap", async () => {
  await withTempDir(async (home) => {
    const layout = layoutOf(home);
    const now = new Date("2030-01-20T00:00:00Z");
    const day = 86_400_000;
    const make = async (agent: string, name: string, ageDays: number, bytes: number) => {
      const path = `${home}/transcripts/${agent}/${name}.jsonl`;
      await Deno.mkdir(`${home}/transcripts/${agent}`, { recursive: true });
      await Deno.writeTextFile(path, "x".repeat(bytes));
      const time = new Date(now.getTime() - ageDays * day);
      await Deno.utime(path, time, time);
      return path;
    };
    const ancient = await make("lucius", "a", 30, 10);
    const old = await make("robin", "b", 5, 400);
    const middle = await make("lucius", "c", 3, 400);
    const fresh = await make("robin", "d", 1, 400);
    const removed = await pruneTranscripts(layout, { now, maxAgeDays: 14, maxTotalBytes: 850 });
    assert.deepEqual(removed, [ancient, old]);
    for (const path of [middle, fresh]) await Deno.stat(path);
    assert.deepEqual(await pruneTranscripts(layoutOf(`${home}/none`), { now }), []);
  });
});
