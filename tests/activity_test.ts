import { assertEquals } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { activityFile, appendActivity, readActivity } from "../runner/firing/activity.ts";

Deno.test("the activity log keeps lines across UTC days, skips a garbage or torn line, and filters by firing", async () => {
  await using home = await withHome();
  const started = {
    type: "firing-started" as const,
    agent: "echo",
    host: "studio",
    pid: 42,
    by: "scheduler" as const,
  };
  await appendActivity(home.layout, {
    ...started,
    at: "2026-11-30T23:59:59.000Z",
    firing_id: "20261130T235959000Z-aaaaaa",
  });
  await appendActivity(home.layout, {
    ...started,
    at: "2026-12-01T00:00:01.000Z",
    firing_id: "20261201T000001000Z-bbbbbb",
  });
  await appendActivity(home.layout, { type: "block-cleared", at: "2026-12-01T00:00:02.000Z" });
  await Deno.writeTextFile(
    activityFile(home.layout, "2026-12-01"),
    'not json\n{"version":1,"type":"step","at":"2026-12-01T00:00:03.000Z"}\n{"version":1,"ty',
    { append: true },
  );
  const all = await readActivity(home.layout, {
    since: new Date("2026-11-30T00:00:00Z"),
    until: new Date("2026-12-01T12:00:00Z"),
  });
  assertEquals(all.map((event) => [event.type, event.at.slice(0, 10)]), [
    ["firing-started", "2026-11-30"],
    ["firing-started", "2026-12-01"],
    ["block-cleared", "2026-12-01"],
  ]);
  const one = await readActivity(home.layout, {
    since: new Date("2026-11-30T00:00:00Z"),
    until: new Date("2026-12-01T12:00:00Z"),
    firingId: "20261201T000001000Z-bbbbbb",
  });
  assertEquals(one.length, 1);
  const none = await readActivity(home.layout, {
    since: new Date("2026-12-02T00:00:00Z"),
    until: new Date("2026-12-01T00:00:00Z"),
  });
  assertEquals(none, []);
});
