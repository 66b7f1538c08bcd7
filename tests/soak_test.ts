/**
 * A small run of the soak harness (scripts/soak.ts) inside the suite, so it
 * cannot rot: real `alfred fire lucius` processes on two hosts, faults on
 * every kind of GitHub request, firings killed at random moments, then clean
 * rounds. Only what must hold on any machine is checked: when a kill lands
 * depends on the machine's speed, what the fleet converges to does not.
 * The full runs (200 firings, 3 hosts, file and Redis) are `deno task soak`.
 */
import assert from "node:assert/strict";
import { formatSoakReport, runSoak, SOAK_DEFAULTS, soakFailures } from "../scripts/soak.ts";

for (const coordination of ["file", "redis"] as const) {
  Deno.test(`soak, ${coordination} coordination: faults and kills leave nothing stuck, doubled, lost or behind`, async () => {
    const report = await runSoak({
      ...SOAK_DEFAULTS,
      firings: 6,
      hosts: 2,
      issues: 3,
      p502: 0.1,
      pSecondary: 0.08,
      pPrimary: 0.02,
      pTimeout: 0.03,
      seed: coordination === "file" ? 7 : 8,
      coordination,
      maxCleanRounds: 3,
    });
    const table = formatSoakReport(report);
    assert.deepEqual(soakFailures(report), [], table);
    assert.equal(report.firings, 6);
    assert.ok(Object.values(report.faults).reduce((a, b) => a + b, 0) > 0, table);
    assert.ok(report.engineCommits >= 1, `no engine ever committed:\n${table}`);
    for (
      const row of [
        "firings (faults on)",
        "kills (SIGKILL)",
        "stuck claims",
        "lost commits",
        "wall time",
      ]
    ) {
      assert.match(table, new RegExp(`^${row.replace(/[()]/g, "\\$&")} +\\S`, "m"));
    }
  });
}
