import { assert, assertEquals, assertMatch, assertRejects } from "./support/assert.ts";
import { z } from "zod";
import {
  peekState,
  quarantine,
  readState,
  readStateOr,
  writeFileAtomic,
  writeState,
} from "../runner/state.ts";
import { StateCorruptError } from "../runner/errors.ts";
import { listDir, withHome } from "./support/helpers.ts";

const Sample = z.strictObject({ version: z.literal(1), count: z.number().int() });

Deno.test("writeState writes the value atomically and readState reads it back", async () => {
  await using home = await withHome();
  const file = `${home.home}/state/sample.json`;
  await writeState(file, Sample, { version: 1, count: 3 });
  assertEquals(await readState(file, Sample), { version: 1, count: 3 });
  assertEquals(await listDir(`${home.home}/state`), ["sample.json"], "no temp file is left behind");
});

Deno.test("readState returns undefined for a missing file", async () => {
  await using home = await withHome();
  assertEquals(await readState(`${home.home}/nope.json`, Sample), undefined);
});

Deno.test("writeState refuses a value that fails its schema and leaves the old file", async () => {
  await using home = await withHome();
  const file = `${home.home}/s.json`;
  await writeState(file, Sample, { version: 1, count: 1 });
  await assertRejects(() => writeState(file, Sample, { version: 1, count: 1.5 }), Error);
  assertEquals(await readState(file, Sample), { version: 1, count: 1 });
});

for (
  const [name, text, reason] of [
    ["truncated JSON", '{"version": 1, "cou', /not JSON/],
    ["garbage", "\u0000\u0001garbage", /not JSON/],
    ["an empty file", "", /empty file/],
    ["a wrong field type", '{"version": 1, "count": "three"}', /count/],
    ["an unknown field", '{"version": 1, "count": 3, "extra": true}', /extra|Unrecognized/i],
    ["a future version", '{"version": 2, "count": 3}', /version/],
  ] as const
) {
  Deno.test(`readState quarantines a file with ${name} and says so`, async () => {
    await using home = await withHome();
    const file = `${home.home}/s.json`;
    await Deno.writeTextFile(file, text);
    const warnings: string[] = [];
    const error = await assertRejects(
      () =>
        readState(file, Sample, {
          warn: (m) => warnings.push(m),
          now: () => new Date("2026-11-27T10:00:00Z"),
        }),
      StateCorruptError,
    );
    assertMatch(error.message, reason);
    assertEquals(error.quarantinedTo, `${file}.corrupt-2026-11-27T10-00-00-000Z`);
    assertEquals(
      await Deno.readTextFile(error.quarantinedTo!),
      text,
      "the corrupt content is kept, not lost",
    );
    assertEquals(await listDir(home.home), ["s.json.corrupt-2026-11-27T10-00-00-000Z"]);
    assertEquals(warnings.length, 1);
    assertMatch(warnings[0], /moved aside/);
  });
}

Deno.test("quarantine never overwrites an earlier quarantined copy", async () => {
  await using home = await withHome();
  const file = `${home.home}/s.json`;
  const now = () => new Date("2026-11-27T10:00:00Z");
  await Deno.writeTextFile(file, "one");
  const first = await quarantine(file, { now });
  await Deno.writeTextFile(file, "two");
  const second = await quarantine(file, { now });
  assert(first !== second);
  assertEquals(await Deno.readTextFile(first), "one");
  assertEquals(await Deno.readTextFile(second), "two");
});

Deno.test("peekState reports a corrupt file without moving it", async () => {
  await using home = await withHome();
  const file = `${home.home}/s.json`;
  await Deno.writeTextFile(file, "{oops");
  const peek = await peekState(file, Sample);
  assertEquals(peek.kind, "corrupt");
  assertEquals(await Deno.readTextFile(file), "{oops");
  assertEquals((await peekState(`${home.home}/none.json`, Sample)).kind, "missing");
});

Deno.test("writeFileAtomic sets the requested mode", async () => {
  await using home = await withHome();
  const file = `${home.home}/secret.env`;
  await writeFileAtomic(file, "A=1\n", { mode: 0o600 });
  assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
});

Deno.test("readStateOr starts from its empty value for a missing file, and for a corrupt one after moving it aside", async () => {
  await using home = await withHome();
  const file = `${home.home}/state/cache.json`;
  const empty = { version: 1 as const, count: 0 };
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(line);
  assertEquals(await readStateOr(file, Sample, { empty, warn }), empty);
  await writeState(file, Sample, { version: 1, count: 7 });
  assertEquals(await readStateOr(file, Sample, { empty, warn }), { version: 1, count: 7 });
  await Deno.writeTextFile(file, "{ half");
  assertEquals(
    await readStateOr(file, Sample, { empty, warn, hint: "It is only a cache." }),
    empty,
  );
  assertEquals(warnings.length, 1);
  assertMatch(
    warnings[0],
    /is corrupt .*moved aside to .*cache\.json\.corrupt-.*\nhint: It is only a cache\./s,
  );
  assert(
    (await listDir(`${home.home}/state`)).some((name) => name.startsWith("cache.json.corrupt-")),
  );
});
