import { assert, assertEquals } from "./support/assert.ts";
import { acquireAgentLock, readLockHolder, withFileLock } from "../runner/firing/lock.ts";
import { DENO, REPO_ROOT, withHome } from "./support/helpers.ts";

const holder = (firing: string, pid = Deno.pid) => ({
  pid,
  host: "test-host",
  firing_id: firing,
  started_at: "2026-11-27T10:00:00.000Z",
});

Deno.test("a second attempt on a held lock is busy and names the holder", async () => {
  await using home = await withHome();
  const file = `${home.home}/state/lucius/lock`;
  const first = await acquireAgentLock(file, holder("f1"));
  assertEquals(first.kind, "acquired");
  const second = await acquireAgentLock(file, holder("f2"));
  assertEquals(second.kind, "busy");
  assertEquals(second.kind === "busy" && second.holder?.firing_id, "f1");
  assertEquals((await readLockHolder(file))?.firing_id, "f1");
  if (first.kind === "acquired") await first.lock.release();
  const third = await acquireAgentLock(file, holder("f3"));
  assertEquals(third.kind, "acquired");
  assertEquals(
    third.kind === "acquired" && third.tookOverFrom,
    undefined,
    "a clean release leaves nothing to take over",
  );
  if (third.kind === "acquired") await third.lock.release();
  assertEquals(await readLockHolder(file), undefined);
});

Deno.test("the lock of a killed process is free at once and reported as taken over", async () => {
  await using home = await withHome();
  const file = `${home.home}/state/echo/lock`;
  const script = `${home.home}/hold.ts`;
  await Deno.writeTextFile(
    script,
    `import { acquireAgentLock } from ${JSON.stringify(`${REPO_ROOT}/runner/firing/lock.ts`)};
const r = await acquireAgentLock(${
      JSON.stringify(file)
    }, { pid: Deno.pid, host: "h", firing_id: "dead-one", started_at: new Date().toISOString() });
console.log(r.kind);
await new Promise(() => setInterval(() => {}, 1000));`,
  );
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", `--config=${REPO_ROOT}/deno.json`, script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assertEquals(new TextDecoder().decode(value).trim(), "acquired");
  assertEquals((await acquireAgentLock(file, holder("f2"))).kind, "busy");
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel();
  const next = await acquireAgentLock(file, holder("f3"));
  assert(next.kind === "acquired");
  assert(next.tookOverFrom && "pid" in next.tookOverFrom);
  assertEquals(next.tookOverFrom.firing_id, "dead-one");
  await next.lock.release();
});

Deno.test("withFileLock serialises read-modify-write", async () => {
  await using home = await withHome();
  const counter = `${home.home}/counter`;
  await Deno.writeTextFile(counter, "0");
  await Promise.all(
    Array.from({ length: 20 }, () =>
      withFileLock(`${counter}.lock`, async () => {
        const n = Number(await Deno.readTextFile(counter));
        await new Promise((resolve) => setTimeout(resolve, 1));
        await Deno.writeTextFile(counter, String(n + 1));
      })),
  );
  assertEquals(await Deno.readTextFile(counter), "20");
});
