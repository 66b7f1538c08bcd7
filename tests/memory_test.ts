import { assert, assertEquals, assertRejects, assertStringIncludes } from "./support/assert.ts";
import { memoryCommand } from "../cli/commands/memory.ts";
import { UsageError } from "../runner/errors.ts";
import { withHome } from "./support/helpers.ts";
import { startRedis } from "./support/redis_server.ts";
import {
  fileLessonStore,
  keywords,
  type Lesson,
  lessonsFile,
  lessonsForPrompt,
  lessonsFromFiring,
  openLessonStore,
  rankLessons,
  renderLessons,
  repoOfIssue,
  scoreLesson,
} from "../runner/memory/mod.ts";
import type { MemorySettings } from "../runner/coordination/redis_connection.ts";

const NOW = new Date("2026-11-27T10:00:00.000Z");

function lesson(overrides: Partial<Lesson> & { id: string }): Lesson {
  return {
    version: 1,
    repo: "acme/web",
    codename: "lucius",
    topic: "flaky tests",
    text: "The checkout tests need the fake payment server started first.",
    firingId: `firing-${overrides.id}`,
    at: "2026-11-20T10:00:00.000Z",
    ...overrides,
  };
}

function redisSettings(url: string): Pick<MemorySettings, "backend" | "redis"> {
  return { backend: "redis", redis: { url, password: undefined, prefix: "alfred" } };
}

Deno.test("relevance: same repo required, then agent, shared words and recency", () => {
  const query = {
    repo: "acme/web",
    codename: "lucius",
    title: "Checkout tests are flaky",
    body: "The payment step times out in CI.",
  };
  const cases: { name: string; lesson: Lesson; total: number | undefined }[] = [
    { name: "other repo", lesson: lesson({ id: "a", repo: "acme/api" }), total: undefined },
    {
      name: "same agent, topic words flaky+tests, text words checkout+tests+payment",
      lesson: lesson({ id: "b", at: NOW.toISOString() }),
      total: 3 + 4 + 3 + 1,
    },
    {
      name: "another agent, no shared words, 45 days old",
      lesson: lesson({
        id: "c",
        codename: "bane",
        topic: "docs",
        text: "Run the linter before pushing.",
        at: new Date(NOW.getTime() - 45 * 86_400_000).toISOString(),
      }),
      total: 0.5,
    },
    {
      name: "old lessons score no recency",
      lesson: lesson({
        id: "d",
        topic: "release",
        text: "Tag after merge.",
        at: "2025-01-01T00:00:00Z",
      }),
      total: 3,
    },
  ];
  for (const { name, lesson, total } of cases) {
    assertEquals(scoreLesson(lesson, query, { now: NOW })?.total, total, name);
  }
  const ranked = rankLessons(cases.map((c) => c.lesson), query, { limit: 2, now: NOW });
  assertEquals(ranked.map((r) => r.lesson.id), ["b", "d"]);
});

Deno.test("keywords drop stop words, short words and punctuation", () => {
  assertEquals([...keywords("Fix the CI: `deno.lock` is out of date!")], [
    "deno.lock",
    "out",
    "date",
  ]);
});

Deno.test("the lessons block respects its size cap", () => {
  const lessons = [
    lesson({ id: "1", text: "A".repeat(150) }),
    lesson({ id: "2", text: "B".repeat(150) }),
    lesson({ id: "3", text: "C".repeat(150) }),
  ];
  for (const maxChars of [60, 100, 250, 400, 10_000]) {
    const block = renderLessons(lessons, { maxChars });
    assert(block.length <= maxChars, `cap ${maxChars}: got ${block.length}`);
  }
  assertEquals(renderLessons(lessons, { maxChars: 60 }), "", "no room for even one lesson");
  const full = renderLessons(lessons, { maxChars: 10_000 });
  assertEquals(full.split("\n").length, 4);
  assertStringIncludes(full, "- [lucius, flaky tests, 2026-11-20] AAA");
  assertStringIncludes(renderLessons(lessons, { maxChars: 400 }), "…");
  assertEquals(renderLessons([], { maxChars: 1000 }), "");
});

Deno.test("a firing's notes and classified failure become lessons", () => {
  const base = { codename: "lucius", firingId: "f1", repo: "acme/web", at: NOW };
  const lessons = lessonsFromFiring({
    ...base,
    outcome: "max-turns",
    error: "ran out of turns while fixing the migration tests",
    notes:
      "Database migrations need `make db` first.\n\nThe e2e suite is slow; run unit tests only.",
  });
  assertEquals(lessons.map((l) => [l.id, l.topic]), [
    ["f1-1", "database migrations need first"],
    ["f1-2", "e2e suite slow run"],
    ["f1-3", "max-turns"],
  ]);
  assertEquals(lessonsFromFiring({ ...base, outcome: "success" }), []);
  assertEquals(lessonsFromFiring({ ...base, outcome: "failure", error: "x", repo: undefined }), []);
  assertEquals(
    lessonsFromFiring({ ...base, outcome: "success", error: "ignored" }).length,
    0,
    "a success is not a failure lesson",
  );
  const cases: [string | null, string | undefined][] = [
    ["acme/web#12", "acme/web"],
    ["https://github.com/acme/web/issues/12", "acme/web"],
    ["https://github.com/acme/web/pull/3", "acme/web"],
    ["#12", undefined],
    [null, undefined],
  ];
  for (const [issue, repo] of cases) assertEquals(repoOfIssue(issue), repo, String(issue));
});

Deno.test("the local store adds once, lists, forgets with compaction and skips bad lines", async () => {
  await using home = await withHome();
  const warnings: string[] = [];
  const store = fileLessonStore(home.layout, { warn: (m) => warnings.push(m) });
  await store.add([lesson({ id: "1" }), lesson({ id: "2", repo: "acme/api" })]);
  await store.add([lesson({ id: "1" }), lesson({ id: "3", codename: "bane" })]);
  assertEquals((await store.list()).map((l) => l.id), ["1", "2", "3"]);
  assertEquals((await store.list({ repo: "acme/web" })).map((l) => l.id), ["1", "3"]);
  await Deno.writeTextFile(lessonsFile(home.layout), "{broken\n", { append: true });
  assertEquals((await store.list({ codename: "bane" })).map((l) => l.id), ["3"]);
  assertEquals(warnings.length, 1);
  assertEquals(await store.forget({ ids: ["2"] }), 1);
  const text = await Deno.readTextFile(lessonsFile(home.layout));
  assertEquals(text.trim().split("\n").length, 2, "the rewrite drops the forgotten and bad lines");
  assertEquals(await store.forget({ before: new Date("2020-01-01T00:00:00Z") }), 0);
});

Deno.test("a lesson recorded on one host is recalled on the next relevant firing, never for another repo", async () => {
  await using redis = await startRedis();
  await using homeA = await withHome();
  await using homeB = await withHome();
  const a = await openLessonStore(homeA.layout, { settings: redisSettings(redis.url) });
  const b = await openLessonStore(homeB.layout, { settings: redisSettings(redis.url) });
  try {
    await a.add(lessonsFromFiring({
      codename: "lucius",
      firingId: "f-a1",
      repo: "acme/web",
      outcome: "failure",
      error: "the checkout tests failed: the fake payment server was not started",
      at: NOW,
    }));
    const query = {
      repo: "acme/web",
      codename: "lucius",
      title: "Checkout fails with a declined card",
      body: "Payment step.",
    };
    const block = await lessonsForPrompt(b, query, { limit: 3, maxChars: 1_000, now: NOW });
    assertStringIncludes(block, "fake payment server was not started");
    const other = await lessonsForPrompt(b, { ...query, repo: "acme/api" }, {
      limit: 3,
      maxChars: 1_000,
      now: NOW,
    });
    assertEquals(other, "");
    assertEquals((await fileLessonStore(homeA.layout).list()).length, 1, "kept locally too");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("with Redis down, memory works locally with one warning and heals when it is back", async () => {
  await using redis = await startRedis();
  await using homeA = await withHome();
  await using homeB = await withHome();
  const warnings: string[] = [];
  const a = await openLessonStore(homeA.layout, {
    settings: redisSettings(redis.url),
    warn: (m) => warnings.push(m),
  });
  try {
    await redis.stop();
    await a.add([lesson({ id: "down-1" })]);
    await a.add([lesson({ id: "down-2" })]);
    assertEquals((await a.list({ repo: "acme/web" })).map((l) => l.id), ["down-1", "down-2"]);
    assertEquals(warnings.length, 1, warnings.join("\n"));
    assertStringIncludes(warnings[0], "locally only");
    const offline: string[] = [];
    const c = await openLessonStore(homeB.layout, {
      settings: redisSettings(redis.url),
      warn: (m) => offline.push(m),
      connectTimeoutMs: 300,
    });
    assertEquals(c.kind, "file", "opened while Redis is down: local only");
    assertEquals(offline.length, 1);
    await redis.start();
    const deadline = Date.now() + 120_000;
    const b = await openLessonStore(homeB.layout, { settings: redisSettings(redis.url) });
    try {
      // host A's next recall pushes what it learned while Redis was down.
      while (Date.now() < deadline) {
        await a.list({ repo: "acme/web" });
        if ((await b.list({ repo: "acme/web" })).length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals((await b.list({ repo: "acme/web" })).map((l) => l.id), ["down-1", "down-2"]);
      // Forgetting on one host removes it everywhere, local copies included.
      assertEquals(await b.forget({ ids: ["down-1"] }), 1);
      assertEquals((await a.list({ repo: "acme/web" })).map((l) => l.id), ["down-2"]);
      assertEquals((await fileLessonStore(homeA.layout).list()).map((l) => l.id), ["down-2"]);
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
});

Deno.test("alfred memory lists, ranks, exports and forgets, and rejects bad arguments", async () => {
  await using home = await withHome();
  await fileLessonStore(home.layout).add([
    lesson({ id: "w1" }),
    lesson({ id: "w2", codename: "bane", topic: "docs", text: "Docs build needs mdbook." }),
    lesson({ id: "a1", repo: "acme/api" }),
  ]);
  const run = async (args: string[]) => {
    const out: string[] = [];
    const code = await memoryCommand(args, {
      env: (name) => (name === "ALFRED_HOME" ? home.home : undefined),
      layout: home.layout,
      stdout: (line) => out.push(line),
      stderr: (line) => out.push(`ERR ${line}`),
      now: () => NOW,
      debug: false,
    });
    return { code, out };
  };
  assertEquals((await run(["list", "--repo", "acme/web"])).out.length, 2);
  const ranked = await run([
    "list",
    "--repo",
    "acme/web",
    "--agent",
    "lucius",
    "--for",
    "flaky checkout tests",
  ]);
  assertStringIncludes(ranked.out[0], "w1");
  assertStringIncludes(ranked.out[0], "agent 3");
  const exported = await run(["export", "--agent", "bane"]);
  assertEquals(exported.out.map((line) => JSON.parse(line).id), ["w2"]);
  assertEquals((await run(["forget", "w2", "a1"])).out, ["Forgot 2 lessons."]);
  assertEquals((await run(["forget", "--all"])).out, ["Forgot 1 lesson."]);
  assertEquals((await run(["list"])).out, ["No lessons."]);
  const bad = [
    [],
    ["remember"],
    ["forget"],
    ["forget", "--all", "--repo", "acme/web"],
    ["list", "--repo", "not-a-repo"],
    ["list", "--for", "x"],
    ["export", "extra"],
    ["list", "--before", "someday"],
  ];
  for (const args of bad) {
    await assertRejects(() => run(args), UsageError, undefined);
  }
  assertStringIncludes((await run(["--help"])).out[0], "Usage: alfred memory");
});
