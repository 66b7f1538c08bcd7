import { assertEquals, assertMatch } from "./support/assert.ts";
import type { AgentDefinition } from "../runner/firing/agent.ts";
import { fire } from "../runner/firing/fire.ts";
import { eventOf } from "../runner/firing/lifecycle.ts";
import { recordFiring } from "../runner/firing/events.ts";
import { writeManifest } from "../scheduler/manifest.ts";
import { runAlfred, withHome } from "./support/helpers.ts";

/** A home where the scheduler is installed and echo last fired two hours ago on a 20-minute schedule. */
async function homeWithMissedEcho(home: Awaited<ReturnType<typeof withHome>>): Promise<void> {
  await Deno.writeTextFile(
    home.layout.fleetFile,
    "version: 1\nagents:\n  echo: { schedule: every 20m }\n  tester: { schedule: every 20m }\n",
  );
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  await writeManifest(home.layout, {
    version: 1,
    platform: "systemd",
    installedAt: new Date(Date.now() - 86_400_000).toISOString(),
    agents: ["echo", "tester"].map((codename) => ({
      codename,
      unit: `alfred-${codename}.timer`,
      files: [],
    })),
    companions: [],
  });
  await recordFiring(
    home.layout,
    eventOf("echo", {
      firingId: "20261127T080000000Z-aaaaaa",
      host: "h",
      startedAt: twoHoursAgo,
      endedAt: twoHoursAgo,
      result: { outcome: "success", turns: 0, costUsd: 0 },
    }),
  );
}

Deno.test("alfred status flags an installed agent whose last firing is older than twice its interval", async () => {
  await using home = await withHome();
  await homeWithMissedEcho(home);
  const run = await runAlfred(["status", "--json"], { home: home.home });
  assertEquals(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assertEquals(report.missedRuns.map((m: { agent: string }) => m.agent), ["echo", "tester"]);
  const text = await runAlfred(["status"], { home: home.home });
  assertMatch(text.stdout, /MISSED RUNS echo: last fired \S+, overdue since/);
  await runAlfred(["pause", "echo"], { home: home.home });
  const paused = JSON.parse((await runAlfred(["status", "--json"], { home: home.home })).stdout);
  assertEquals(
    paused.missedRuns.map((m: { agent: string }) => m.agent),
    ["tester"],
    "a paused agent is not missing runs",
  );
});

Deno.test("a missed run is warned on Slack once, not on every firing", async () => {
  await using home = await withHome();
  await homeWithMissedEcho(home);
  const received: string[] = [];
  await using _server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      received.push(await request.text());
      return new Response("ok");
    },
  );
  const url = `http://127.0.0.1:${_server.addr.port}/hook`;
  const tester: AgentDefinition = {
    codename: "tester",
    job: "Does nothing worth a message.",
    paid: false,
    work: () => Promise.resolve({ outcome: "silent", turns: 0, costUsd: 0 }),
  };
  const options = {
    env: home.env({ ALFRED_SLACK_WEBHOOK_URL: url }),
    loadAgent: () => Promise.resolve(tester),
    stdout: () => {},
    stderr: () => {},
  };
  assertEquals(await fire("tester", options), 0);
  assertEquals(await fire("tester", options), 0);
  assertEquals(await fire("tester", options), 0);
  assertEquals(received.length, 1, "one warning for the miss, however many firings");
  assertMatch(received[0], /missed scheduled runs/);
  assertMatch(received[0], /echo: last fired/);
});
