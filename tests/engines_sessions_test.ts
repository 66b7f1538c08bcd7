import assert from "node:assert/strict";
import { layoutOf } from "../runner/paths.ts";
import { rememberSession, sessionFor, sessionsFile } from "../runner/engines/sessions.ts";

Deno.test("session ids are kept per target and engine in state/<agent>/sessions.json", async () => {
  const home = await Deno.makeTempDir({ prefix: "alfred-sessions-" });
  try {
    const layout = layoutOf(home);
    const now = new Date("2030-01-01T00:00:00Z");
    assert.equal(
      await sessionFor(layout, "lucius", { target: "o/r#1", engine: "claude" }),
      undefined,
    );
    await rememberSession(layout, "lucius", {
      target: "o/r#1",
      engine: "claude",
      sessionId: "s-1",
      now,
    });
    await rememberSession(layout, "lucius", {
      target: "o/r#2",
      engine: "codex",
      sessionId: "t-2",
      now,
    });
    assert.equal(await sessionFor(layout, "lucius", { target: "o/r#1", engine: "claude" }), "s-1");
    assert.equal(
      await sessionFor(layout, "lucius", { target: "o/r#2", engine: "claude" }),
      undefined,
    );
    assert.equal(sessionsFile(layout, "lucius"), `${home}/state/lucius/sessions.json`);
    assert.equal(JSON.parse(await Deno.readTextFile(sessionsFile(layout, "lucius"))).version, 1);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
