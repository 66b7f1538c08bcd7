/**
 * The live event stream: the tail of the activity log (stepped by hand, on an
 * injected clock, so no verdict waits on wall time), cursors that resume
 * without loss or repeats, and the SSE endpoint end to end.
 */
import type { Layout } from "../runner/paths.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import { startTestServer } from "./support/serve_helpers.ts";
import { activityFile, appendActivity, type NewActivity } from "../runner/firing/activity.ts";
import { parseFleetTarget, pauseFleet, resumeFleet } from "../runner/control/mod.ts";
import {
  ActivityTail,
  parseCursor,
  type TailedEvent,
  watchedDays,
} from "../serve/activity_tail.ts";

const HOUR = 3_600_000;

function paused(at: Date, reason: string): NewActivity {
  return {
    type: "paused",
    at: at.toISOString(),
    target: { all: false, agents: ["echo"], repos: [] },
    reason,
    by: "operator",
    until: null,
  };
}

Deno.test("the tail hands each new line to every subscriber once, in order, with a cursor", async () => {
  await using home = await withHome();
  const now = new Date("2026-03-01T10:00:00Z");
  await appendActivity(home.layout, paused(new Date(now.getTime() - 60_000), "before"));
  const tail = new ActivityTail(home.layout, { now: () => now, pollMs: HOUR });
  const a: TailedEvent[] = [];
  const b: TailedEvent[] = [];
  const stopA = await tail.subscribe((event) => a.push(event));
  const stopB = await tail.subscribe((event) => b.push(event));
  await tail.poll();
  assertEquals(a, [], "lines written before subscribing are not replayed without a cursor");
  await appendActivity(home.layout, paused(now, "one"));
  await appendActivity(home.layout, paused(now, "two"));
  await tail.poll();
  await tail.poll();
  assertEquals(a.map(({ event }) => event.type === "paused" && event.reason), ["one", "two"]);
  assertEquals(b, a);
  const size = (await Deno.stat(activityFile(home.layout, "2026-03-01"))).size;
  assertEquals(a[1].id, `2026-03-01:${size}`);
  assertEquals(parseCursor(a[1].id), { day: "2026-03-01", offset: size });
  stopA();
  await appendActivity(home.layout, paused(now, "three"));
  await tail.poll();
  assertEquals(a.length, 2, "an unsubscribed listener hears nothing");
  assertEquals(b.length, 3);
  stopB();
  assertEquals(tail.listeners, 0);
  tail.close();
});

/** A tail polled by hand (its own timer waits an hour) with one listener, which collects into `seen`. */
async function listenedTail(layout: Layout, now: () => Date) {
  const tail = new ActivityTail(layout, { now, pollMs: HOUR });
  const seen: TailedEvent[] = [];
  const stop = await tail.subscribe((event) => seen.push(event));
  return { tail, seen, stop };
}

Deno.test("a line is handed on only once it is whole", async () => {
  await using home = await withHome();
  const now = new Date("2026-03-01T10:00:00Z");
  const { tail, seen, stop } = await listenedTail(home.layout, () => now);
  const line = JSON.stringify({ version: 1, ...paused(now, "split") });
  await Deno.mkdir(home.layout.activityDir, { recursive: true });
  const file = activityFile(home.layout, "2026-03-01");
  await Deno.writeTextFile(file, line.slice(0, 20), { append: true });
  await tail.poll();
  assertEquals(seen, []);
  await Deno.writeTextFile(file, `${line.slice(20)}\nnot json\n`, { append: true });
  await tail.poll();
  assertEquals(seen.map(({ event }) => event.type), ["paused"], "a bad line is skipped");
  stop();
});

Deno.test("a reconnecting client gets what it missed from its cursor, across midnight, and nothing twice", async () => {
  await using home = await withHome();
  let now = new Date("2026-03-01T23:59:00Z");
  const { tail, seen: first, stop } = await listenedTail(home.layout, () => now);
  await appendActivity(home.layout, paused(now, "evening"));
  await tail.poll();
  stop();
  const cursor = first[0].id;
  // While the client is away: a line late on the 1st, then midnight, then one on the 2nd.
  await appendActivity(home.layout, paused(new Date("2026-03-01T23:59:30Z"), "late"));
  now = new Date("2026-03-02T00:00:10Z");
  assertEquals(watchedDays(now), ["2026-03-01", "2026-03-02"]);
  await appendActivity(home.layout, paused(now, "morning"));
  const resumed: TailedEvent[] = [];
  const stopResumed = await tail.subscribe((event) => resumed.push(event), { after: cursor });
  await appendActivity(home.layout, paused(now, "live"));
  await tail.poll();
  const reasons = resumed.map(({ event }) => event.type === "paused" ? event.reason : "");
  assertEquals(reasons, ["late", "morning", "live"]);
  assertEquals(new Set(resumed.map(({ id }) => id)).size, 3);
  assert(resumed[1].id.startsWith("2026-03-02:"));
  stopResumed();
  tail.close();
});

Deno.test("the event stream sends pauses and resumes as they happen, and resumes from Last-Event-ID", async () => {
  await using t = await startTestServer({
    prepare: async (home) => {
      assertEquals((await runAlfred(["init"], { home })).code, 0);
    },
  });
  const response = await fetch(`${t.server.url}/api/v1/events`);
  assertEquals(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const next = async (): Promise<Record<string, string>> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return Object.fromEntries(
          block.split("\n").map((
            line,
          ) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        );
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended");
      buffer += value;
    }
  };
  assertEquals((await next()).event, "hello");
  const target = parseFleetTarget("pause", { agents: ["echo"] });
  await pauseFleet(target, t.context, { reason: "from the test" });
  const pausedEvent = await next();
  assertEquals(pausedEvent.event, "paused");
  assertEquals(JSON.parse(pausedEvent.data).reason, "from the test");
  await reader.cancel();
  // Missed while away, delivered on reconnect.
  await resumeFleet(target, t.context);
  const again = await fetch(`${t.server.url}/api/v1/events`, {
    headers: { "Last-Event-ID": pausedEvent.id },
  });
  const text = again.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("event: resumed")) seen += (await text.read()).value ?? "";
  assert(!seen.includes("event: paused"), "nothing is sent twice");
  await text.cancel();
  // Closed streams unsubscribe; the tail stops polling when nobody listens.
  for (let i = 0; i < 100 && t.server.tail.listeners; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assertEquals(t.server.tail.listeners, 0);
});
