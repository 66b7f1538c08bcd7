import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "./support/assert.ts";
import { alfredCommand, listDir, runAlfred, withHome } from "./support/helpers.ts";
import { BUILT_IN_AGENTS } from "../runner/config/config.ts";
import { readEvents } from "../runner/firing/events.ts";
import { dayOf } from "../runner/firing/spend.ts";
import { spendFile } from "../runner/paths.ts";

/** Every file under a folder with its content, to prove that nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(path: string) {
    for await (const entry of Deno.readDir(path)) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory) await walk(full);
      else files[full.slice(dir.length)] = await Deno.readTextFile(full);
    }
  }
  await walk(dir);
  return files;
}

Deno.test("quickstart on a fresh home prints the summary, and status shows the echo firing", async () => {
  await using home = await withHome();
  const run = await runAlfred(["quickstart"], { home: home.home });
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "Fleet summary");
  assertStringIncludes(run.stdout, "0 firings");
  assertMatch(
    run.stdout,
    /^echo\s+enabled\s+every 24h\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+success/m,
  );
  const status = await runAlfred(["status", "--json"], { home: home.home });
  const report = JSON.parse(status.stdout);
  const echo = report.agents.find((a: { agent: string }) => a.agent === "echo");
  assertEquals(echo.lastFiring.outcome, "success");
  assertEquals(echo.today.firings, 1);
  const second = await runAlfred(["fire", "echo"], { home: home.home });
  assertStringIncludes(
    second.stdout,
    "1 firing, 0 failed",
    "the second summary counts the first firing",
  );
  assertEquals(await listDir(`${home.home}/logs/echo`), [
    `${new Date().toISOString().slice(0, 10)}.log`,
  ]);
});

Deno.test("while a global block holds, every agent prints [AGENT-GLOBAL-BLOCKED], exits 0, and nothing else happens", async () => {
  await using home = await withHome();
  const set = await runAlfred(["block", "set", "--for", "2h", "--reason", "429 from claude"], {
    home: home.home,
  });
  assertEquals(set.code, 0, set.stderr);
  const before = await snapshot(home.home);
  for (const codename of [...Object.keys(BUILT_IN_AGENTS), "custom-one"]) {
    const run = await runAlfred(["fire", codename], { home: home.home });
    assertEquals(run.code, 0);
    assertMatch(run.stdout, /^\[AGENT-GLOBAL-BLOCKED\] until \S+ \(429 from claude\)\n$/);
    assertEquals(run.stderr, "");
  }
  assertEquals(await snapshot(home.home), before, "no file was written or changed");
  const clear = await runAlfred(["block", "clear"], { home: home.home });
  assertEquals(clear.code, 0);
  assertEquals((await runAlfred(["fire", "echo"], { home: home.home })).code, 0);
});

Deno.test("pause --all stops every firing with [AGENT-PAUSED]; resume brings them back", async () => {
  await using home = await withHome();
  const paused = await runAlfred(["pause", "--all", "--reason", "maintenance"], {
    home: home.home,
  });
  assertEquals(paused.code, 0, paused.stderr);
  const run = await runAlfred(["fire", "echo"], { home: home.home });
  assertEquals(run.code, 0);
  assertMatch(run.stdout, /^\[AGENT-PAUSED\] echo: maintenance/);
  await runAlfred(["resume", "--all"], { home: home.home });
  const after = await runAlfred(["fire", "echo"], { home: home.home });
  assertStringIncludes(after.stdout, "Fleet summary");
  const one = await runAlfred(["pause", "echo", "--for", "1h"], { home: home.home });
  assertMatch(one.stdout, /Paused echo until /);
  assertMatch(
    (await runAlfred(["fire", "echo"], { home: home.home })).stdout,
    /^\[AGENT-PAUSED\] echo: paused by the operator \(until /,
  );
});

Deno.test("50 concurrent firings: exactly one works, the rest print [AGENT-LOCKED], state stays sound", async () => {
  await using home = await withHome();
  // The one firing that gets the lock reads yesterday's event log, which is a
  // FIFO here: it blocks there, inside its work, until every other firing has
  // given up. No test hook in the product is needed.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await Deno.mkdir(home.layout.eventsDir, { recursive: true });
  const fifo = `${home.layout.eventsDir}/${yesterday}.jsonl`;
  const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assertEquals(mk.code, 0);
  const children = Array.from(
    { length: 50 },
    () => alfredCommand(["fire", "echo"], { home: home.home }).spawn(),
  );
  const outputs: { code: number; stdout: string }[] = [];
  const finished = children.map(async (child) => {
    const output = await child.output();
    outputs.push({ code: output.code, stdout: new TextDecoder().decode(output.stdout) });
  });
  const deadline = Date.now() + 300_000;
  while (outputs.length < 49 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assertEquals(outputs.length, 49, "49 firings ended while the lock holder was still working");
  const writer = await Deno.open(fifo, { write: true });
  writer.close();
  await Promise.all(finished);
  const locked = outputs.filter((o) =>
    o.stdout.startsWith("[AGENT-LOCKED] echo is already firing")
  );
  const worked = outputs.filter((o) => o.stdout.includes("Fleet summary"));
  assertEquals([locked.length, worked.length], [49, 1]);
  assert(outputs.every((o) => o.code === 0));
  await Deno.remove(fifo);
  const { events, badLines } = await readEvents(home.layout, {
    since: new Date(Date.now() - 3_600_000),
    until: new Date(),
  });
  assertEquals([events.length, badLines], [1, 0]);
  const ledger = JSON.parse(
    await Deno.readTextFile(spendFile(home.layout, "echo", { day: dayOf(new Date(), "UTC") })),
  );
  assertEquals(ledger.firings, 1);
  const status = await runAlfred(["status", "--json"], { home: home.home });
  assertEquals(status.code, 0, status.stderr);
  assertNotMatch(status.stdout + status.stderr, /corrupt|unreadable/);
});

Deno.test("kill -9 during a firing: the next firing takes the lock over, records the crash, and runs", async () => {
  await using home = await withHome();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await Deno.mkdir(home.layout.eventsDir, { recursive: true });
  const fifo = `${home.layout.eventsDir}/${yesterday}.jsonl`;
  assertEquals((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
  const victim = alfredCommand(["fire", "echo"], { home: home.home }).spawn();
  // Opening the FIFO's write end waits until the victim opens it to read: it
  // is then inside its work, holding the lock (no polling against the clock).
  const writer = await Deno.open(fifo, { write: true });
  const lockFile = `${home.layout.stateDir}/echo/lock`;
  const holder: { pid: number; firing_id: string } = JSON.parse(await Deno.readTextFile(lockFile));
  assertEquals(holder.pid, victim.pid, "the victim took the lock");
  const blocked = await runAlfred(["fire", "echo"], { home: home.home });
  assertMatch(blocked.stdout, /^\[AGENT-LOCKED\]/);
  Deno.kill(victim.pid, "SIGKILL");
  await victim.output();
  writer.close();
  await Deno.remove(fifo);
  const next = await runAlfred(["fire", "echo"], { home: home.home });
  assertEquals(next.code, 0, next.stderr);
  assertStringIncludes(next.stdout, "Fleet summary");
  assertMatch(next.stderr, new RegExp(`took over the lock of firing ${holder.firing_id}`));
  const { events } = await readEvents(home.layout, {
    since: new Date(Date.now() - 3_600_000),
    until: new Date(),
  });
  assertEquals(events.map((e) => [e.firing_id === holder!.firing_id, e.outcome]), [[
    true,
    "crashed",
  ], [false, "success"]]);
});

Deno.test("a fleet.yaml with an unknown key or a wrong type: file:line:col and field, exit 3, nothing written", async () => {
  for (
    const [yaml, expected] of [
      [
        "version: 1\nagents:\n  echo:\n    enabled: true\n    shedule: every 1h\n",
        /fleet\.yaml:5:5: agents\.echo\.shedule: unknown key "shedule"/,
      ],
      [
        "version: 1\ndefaults:\n  max_turns: many\n",
        /fleet\.yaml:3:14: defaults\.max_turns: .*\(got "many"\)/,
      ],
    ] as const
  ) {
    await using home = await withHome();
    await Deno.writeTextFile(home.layout.fleetFile, yaml);
    const before = await snapshot(home.home);
    for (const args of [["fire", "echo"], ["status"], ["fire", "echo", "--dry-run"]]) {
      const run = await runAlfred(args, { home: home.home });
      assertEquals(run.code, 3, `${args.join(" ")}: ${run.stderr}`);
      assertMatch(run.stderr, expected);
      assertMatch(run.stderr, /^hint: /m);
      assertNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    }
    assertEquals(await snapshot(home.home), before, "nothing written");
  }
});

Deno.test("truncated or garbage state files are quarantined with a clear message and no stack trace", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["fire", "echo"], { home: home.home })).code, 0);
  const today = dayOf(new Date(), "UTC");
  const ledgerFile = spendFile(home.layout, "echo", { day: today });
  await Deno.writeTextFile(ledgerFile, '{"version":1,"agent":"echo","firings":');
  await Deno.writeTextFile(`${home.layout.stateDir}/echo/last-firing.json`, "\u0000\u0000garbage");
  const run = await runAlfred(["fire", "echo"], { home: home.home });
  assertEquals(run.code, 0, run.stderr);
  assertMatch(
    run.stdout,
    /\[AGENT-AUTO-PAUSED\] echo: today's spend ledger was corrupt \(moved to .*spend-.*\.json\.corrupt-/,
  );
  assertMatch(run.stderr, /warning: state file .*spend-.*\.json is corrupt \(not JSON/);
  assertNotMatch(run.stderr, /\n\s+at /);
  const names = await listDir(`${home.layout.stateDir}/echo`);
  assert(names.some((n) => n.startsWith(`spend-${today}.json.corrupt-`)));
  const paused = await runAlfred(["fire", "echo"], { home: home.home });
  assertMatch(paused.stdout, /^\[AGENT-PAUSED\] echo: today's spend ledger was corrupt/);

  await Deno.writeTextFile(home.layout.pauseFile, "{not json");
  const afterPause = await runAlfred(["fire", "echo"], { home: home.home });
  assertEquals(afterPause.code, 0);
  assertMatch(afterPause.stdout, /^\[AGENT-PAUSED\] echo: pause file was corrupt/);
  assertMatch(afterPause.stderr, /warning: state file .*paused\.json is corrupt/);

  await runAlfred(["resume", "--all"], { home: home.home });
  await Deno.writeTextFile(home.layout.globalBlockFile, '{"version":1,"until":');
  const afterBlock = await runAlfred(["fire", "echo"], { home: home.home });
  assertEquals(afterBlock.code, 0);
  assertMatch(afterBlock.stdout, /^\[AGENT-GLOBAL-BLOCKED\] until \S+ \(block file was corrupt/);
  assert(
    (await listDir(home.layout.stateDir)).some((n) =>
      n.startsWith("global-blocked-until.json.corrupt-")
    ),
  );
});

Deno.test("init writes a commented fleet.yaml, takes --repo, and never overwrites", async () => {
  await using home = await withHome();
  const run = await runAlfred(["init", "--repo", "acme/api=/srv/code/api", "--repo", "acme/web"], {
    home: home.home,
  });
  assertEquals(run.code, 0, run.stderr);
  const text = await Deno.readTextFile(home.layout.fleetFile);
  assertStringIncludes(text, '- name: "acme/api"\n    path: "/srv/code/api"');
  assertStringIncludes(text, "# Slack: the name of the environment variable");
  const status = JSON.parse((await runAlfred(["status", "--json"], { home: home.home })).stdout);
  assertEquals(status.agents.find((a: { agent: string }) => a.agent === "lucius").state, "enabled");
  assertStringIncludes(
    await Deno.readTextFile(`${home.layout.promptsDir}/lucius.md`),
    "You are Lucius",
  );
  await Deno.writeTextFile(`${home.layout.promptsDir}/lucius.md`, "my own instructions\n");
  await Deno.remove(`${home.layout.promptsDir}/robin.md`);
  const again = await runAlfred(["init"], { home: home.home });
  assertEquals(
    await Deno.readTextFile(`${home.layout.promptsDir}/lucius.md`),
    "my own instructions\n",
    "never overwritten",
  );
  assert(
    (await Deno.stat(`${home.layout.promptsDir}/robin.md`)).isFile,
    "a missing prompt is seeded again",
  );
  assertEquals(again.code, 0);
  assertStringIncludes(again.stdout, "already exists; left unchanged");
  const withRepo = await runAlfred(["init", "--repo", "acme/other"], { home: home.home });
  assertEquals(withRepo.code, 1);
  assertEquals(await Deno.readTextFile(home.layout.fleetFile), text, "the file is untouched");
  const bad = await runAlfred(["init", "--repo", "not-a-repo"], { home: home.home });
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /--repo must be owner\/name/);
});

Deno.test("every command has --help; bad commands and flags exit 2 with a hint", async () => {
  await using home = await withHome();
  for (
    const command of [
      "init",
      "fire",
      "status",
      "pause",
      "resume",
      "block",
      "logs",
      "doctor",
      "version",
      "quickstart",
    ]
  ) {
    const run = await runAlfred([command, "--help"], { home: home.home });
    assertEquals(run.code, 0, `${command} --help: ${run.stderr}`);
    assertMatch(run.stdout, /Usage: alfred /);
  }
  for (
    const [args, message] of [
      [["frobnicate"], /unknown command "frobnicate"/],
      [["status", "--colour"], /alfred status: Unknown option '--colour'/],
      [["pause"], /needs codenames, --all, or --repo/],
      [["pause", "--all", "--for", "soon"], /--for must be a duration/],
      [["block", "set"], /exactly one of --for or --until/],
      [["block", "set", "--until", "yesterday"], /--until must be an ISO time/],
      [["fire"], /exactly one codename/],
      [["logs", "echo", "-n", "x"], /--lines must be a whole number/],
    ] as const
  ) {
    const run = await runAlfred([...args], { home: home.home });
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stdout}${run.stderr}`);
    assertMatch(run.stderr, message);
    assertMatch(run.stderr, /hint: /);
  }
  assertEquals((await runAlfred([], { home: home.home })).code, 2);
});

Deno.test("fire --dry-run checks everything and does no work", async () => {
  await using home = await withHome();
  const run = await runAlfred(["fire", "echo", "--dry-run"], { home: home.home });
  assertEquals(run.code, 0, run.stderr);
  assertMatch(run.stdout, /^\[AGENT-DRY-RUN\] echo would fire now/);
  assertEquals(await listDir(home.layout.eventsDir), []);
});

Deno.test("an unknown or disabled agent is refused clearly", async () => {
  await using home = await withHome();
  const unknown = await runAlfred(["fire", "nobody"], { home: home.home });
  assertEquals(unknown.code, 2);
  assertMatch(unknown.stderr, /unknown agent "nobody"/);
  const disabled = await runAlfred(["fire", "bane"], { home: home.home });
  assertEquals(disabled.code, 0);
  assertMatch(disabled.stdout, /^\[AGENT-DISABLED\] bane is not enabled/);
});

Deno.test("logs prints an agent's log; doctor and version answer", async () => {
  await using home = await withHome();
  await runAlfred(["fire", "echo"], { home: home.home });
  const logs = await runAlfred(["logs", "echo", "-n", "5"], { home: home.home });
  assertEquals(logs.code, 0, logs.stderr);
  assertMatch(logs.stdout, /INFO \[\S+\] firing echo ended: success/);
  const doctor = await runAlfred(["doctor", "--json"], { home: home.home });
  const checks = JSON.parse(doctor.stdout) as { name: string; status: string }[];
  assertEquals(checks.find((c) => c.name === "ALFRED_HOME")?.status, "ok");
  assertEquals(checks.find((c) => c.name === "fleet.yaml")?.status, "ok");
  assertEquals(checks.find((c) => c.name === "git")?.status, "ok");
  const version = await runAlfred(["version", "--json"], { home: home.home });
  assertEquals(
    JSON.parse(version.stdout).version,
    JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).version,
  );
});

Deno.test("logs -f follows new lines as they are written", async () => {
  await using home = await withHome();
  await runAlfred(["fire", "echo"], { home: home.home });
  const child = alfredCommand(["logs", "echo", "-f", "-n", "1"], { home: home.home }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const readUntil = async (pattern: RegExp) => {
    const deadline = Date.now() + 120_000;
    while (!pattern.test(seen) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
  };
  await readUntil(/firing echo ended/);
  assertMatch(seen, /firing echo ended: success/);
  await runAlfred(["fire", "echo"], { home: home.home });
  await readUntil(/firing echo ended[\s\S]*firing echo started[\s\S]*firing echo ended/);
  assertMatch(seen, /firing echo started/, "the second firing's lines arrived while following");
  child.kill("SIGTERM");
  await reader.cancel();
  await child.stderr.cancel();
  await child.status;
});
