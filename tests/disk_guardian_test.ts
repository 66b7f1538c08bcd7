/** The disk guardian: the floor, df parsing, the once-a-day warning, log pruning. */
import assert from "node:assert/strict";
import {
  diskFloorBytes,
  diskVerdict,
  freeBytes,
  parseDfAvailable,
  pruneLogs,
  shouldWarnDisk,
} from "../runner/git/disk_guardian.ts";
import { withHome } from "./support/helpers.ts";

Deno.test("the verdict refuses under the floor, and the floor comes from ALFRED_DISK_FLOOR_MB", () => {
  assert.deepEqual(diskVerdict(10, 5), { ok: true, freeBytes: 10 });
  const low = diskVerdict(100 * 1024 * 1024, 2048 * 1024 * 1024);
  assert.ok(!low.ok && /only 100 MiB free .* \(floor 2048 MiB\)/.test(low.message));
  assert.equal(diskFloorBytes(() => undefined), 2048 * 1024 * 1024);
  assert.equal(diskFloorBytes(() => "1"), 1024 * 1024);
  assert.throws(() => diskFloorBytes(() => "lots"), /ALFRED_DISK_FLOOR_MB/);
});

Deno.test("df -Pk output is parsed, and the real df answers", async () => {
  const output = "Filesystem 1024-blocks Used Available Capacity Mounted on\n" +
    "/dev/vda 264212084 24947644 81443268 24% /\n";
  assert.equal(parseDfAvailable(output), 81443268 * 1024);
  assert.equal(parseDfAvailable("nonsense"), undefined);
  assert.ok(await freeBytes(Deno.cwd(), { path: Deno.env.get("PATH") }) > 0);
});

Deno.test("the low-disk warning is posted once a day; old logs are pruned by date", async () => {
  await using home = await withHome();
  const now = new Date("2030-01-10T12:00:00Z");
  assert.equal(await shouldWarnDisk(home.layout, { agent: "lucius", now }), true);
  assert.equal(await shouldWarnDisk(home.layout, { agent: "lucius", now }), false);
  const later = new Date(now.getTime() + 25 * 3_600_000);
  assert.equal(await shouldWarnDisk(home.layout, { agent: "lucius", now: later }), true);
  const dir = `${home.layout.logsDir}/lucius`;
  await Deno.mkdir(dir, { recursive: true });
  for (const day of ["2029-11-01", "2030-01-09"]) {
    await Deno.writeTextFile(`${dir}/${day}.log`, "x");
  }
  const removed = await pruneLogs(home.layout, { agent: "lucius", now });
  assert.deepEqual(removed, [`${dir}/2029-11-01.log`]);
});
