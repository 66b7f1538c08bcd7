import { assert, assertEquals } from "./support/assert.ts";
import {
  clearGlobalBlock,
  isBlockActive,
  readGlobalBlock,
  setGlobalBlock,
} from "../runner/firing/block.ts";
import { pause, pauseOf, readPauseState, resume } from "../runner/firing/pause.ts";
import { listDir, withHome } from "./support/helpers.ts";

const now = new Date("2026-11-27T10:00:00.000Z");

Deno.test("setGlobalBlock writes the block; a shorter one never cuts it; clear removes it", async () => {
  await using home = await withHome();
  const first = await setGlobalBlock(home.layout, {
    reason: "429",
    hours: 2,
    now,
    setBy: "lucius",
  });
  assertEquals(first.until, "2026-11-27T12:00:00.000Z");
  const second = await setGlobalBlock(home.layout, { reason: "529", hours: 1, now, setBy: "bane" });
  assertEquals(second.reason, "429", "the later-ending block is kept");
  const longer = await setGlobalBlock(home.layout, {
    reason: "credit",
    until: new Date("2026-11-27T15:00:00Z"),
    now,
  });
  assertEquals(longer.until, "2026-11-27T15:00:00.000Z");
  assert(isBlockActive(await readGlobalBlock(home.layout, { now }), now));
  assertEquals(await clearGlobalBlock(home.layout), true);
  assertEquals(await readGlobalBlock(home.layout, { now }), undefined);
});

Deno.test("a corrupt block file is quarantined and replaced by a default-length block from its mtime", async () => {
  await using home = await withHome();
  await Deno.mkdir(home.layout.stateDir, { recursive: true });
  await Deno.writeTextFile(home.layout.globalBlockFile, '{"version":1,"until":"2026-11');
  const written = (await Deno.stat(home.layout.globalBlockFile)).mtime!;
  const warnings: string[] = [];
  const block = await readGlobalBlock(home.layout, { now: written, warn: (m) => warnings.push(m) });
  assertEquals(block?.until, new Date(written.getTime() + 3_600_000).toISOString());
  assertEquals(warnings.length, 1);
  const names = await listDir(home.layout.stateDir);
  assert(names.some((name) => name.startsWith("global-blocked-until.json.corrupt-")));
  assert(names.includes("global-blocked-until.json"));
});

Deno.test("pause and resume agents, repos and the whole fleet", async () => {
  await using home = await withHome();
  await pause(home.layout, { agents: ["lucius", "bane"], reason: "holiday", by: "operator", now });
  await pause(home.layout, { repos: ["acme/api"], reason: "freeze", by: "operator", now });
  let state = await readPauseState(home.layout, { now });
  assertEquals(pauseOf(state, "lucius", now)?.reason, "holiday");
  assertEquals(pauseOf(state, "echo", now), undefined);
  assertEquals(Object.keys(state.repos), ["acme/api"]);
  await resume(home.layout, { agents: ["lucius"], now });
  state = await readPauseState(home.layout, { now });
  assertEquals(pauseOf(state, "lucius", now), undefined);
  assertEquals(pauseOf(state, "bane", now)?.reason, "holiday");
  await pause(home.layout, { all: true, reason: "stop", by: "operator", now });
  assertEquals(pauseOf(await readPauseState(home.layout, { now }), "echo", now)?.reason, "stop");
  await resume(home.layout, { all: true, now });
  state = await readPauseState(home.layout, { now });
  assertEquals([state.all, state.agents, state.repos], [null, {}, {}]);
});

Deno.test("a timed pause lifts itself", async () => {
  await using home = await withHome();
  await pause(home.layout, {
    agents: ["lucius"],
    reason: "cap",
    by: "auto",
    until: new Date("2026-11-28T00:00:00Z"),
    now,
  });
  const state = await readPauseState(home.layout, { now });
  assertEquals(pauseOf(state, "lucius", now)?.by, "auto");
  assertEquals(pauseOf(state, "lucius", new Date("2026-11-28T00:00:01Z")), undefined);
});

Deno.test("a corrupt pause file becomes 'whole fleet paused', never 'nothing paused'", async () => {
  await using home = await withHome();
  await Deno.mkdir(home.layout.stateDir, { recursive: true });
  await Deno.writeTextFile(home.layout.pauseFile, "garbage{");
  const state = await readPauseState(home.layout, { now, warn: () => {} });
  assert(state.all !== null);
  assertEquals(state.all.by, "auto");
  const again = await readPauseState(home.layout, { now });
  assert(again.all !== null, "the safe state is persisted");
});

Deno.test("concurrent pauses of different agents are all kept", async () => {
  await using home = await withHome();
  const agents = Array.from({ length: 12 }, (_, i) => `agent-${i}`);
  await Promise.all(
    agents.map((agent) =>
      pause(home.layout, { agents: [agent], reason: agent, by: "operator", now })
    ),
  );
  assertEquals(
    Object.keys((await readPauseState(home.layout, { now })).agents).sort(),
    agents.sort(),
  );
});
