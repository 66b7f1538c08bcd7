/**
 * `deno task bench`: runs the CLI as whole processes and prints each figure
 * beside its floor, measured in the same run: a bare `deno run` of a script
 * that reads one small JSON file.
 *
 * Figures: median wall time and peak RSS (from `/usr/bin/time -f %M`) of a
 * globally blocked firing and a paused firing, each through the agent's own
 * entry point (what the scheduler runs: the `alfred-lucius` binary) and
 * through `alfred fire` by hand; an echo firing; `alfred status`; then the
 * extra sections, the dashboard's among them (scripts/bench_serve.ts). deno.json's
 * `lazy-dynamic-imports` keeps `deno run` from loading every command's module
 * graph at start-up. Runs are interleaved so that load on the machine hits every
 * case alike.
 *
 * Usage: deno task bench [--runs N] [--only idle|lucius|redis|sizes|dashboard]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  claudeCli,
  gnuTime,
  linuxSandbox,
  program,
  requirePrerequisites,
} from "./prerequisites.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();
const TIME = "/usr/bin/time";

/** The permissions an agent binary has (see runner/config/permissions.ts), as `deno run` flags. */
const AGENT_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=hostname,osRelease,uid",
];

/** One measured command. */
interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Checks the output, so a case that silently did something else is caught. */
  expect?: RegExp;
  /** The goal, as a multiple of the floor, when the issue sets one. */
  maxFloorRatio?: number;
  /** The peak-RSS goal in MiB, when the issue sets one. */
  maxRssMiB?: number;
}

/** The median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function runOnce(c: Case, home: string): Promise<{ ms: number; rssKiB: number }> {
  const useTime = await Deno.stat(TIME).then(() => true, () => false);
  const command = useTime ? TIME : DENO;
  const args = useTime ? ["-f", "%M", DENO, ...c.args] : c.args;
  const started = performance.now();
  const output = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { ALFRED_HOME: home, NO_COLOR: "1", ...c.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${c.name} failed (exit ${output.code}): ${stderr}`);
  if (c.expect && !c.expect.test(stdout)) {
    throw new Error(`${c.name}: unexpected output: ${stdout}`);
  }
  const rssKiB = useTime ? Number(stderr.trim().split("\n").at(-1)) : NaN;
  return { ms, rssKiB };
}

/**
 * Measures the cases, interleaved, and prints a table.
 *
 * @param cases The commands.
 * @param options Runs per case, the home each case uses.
 * @returns Median wall time and peak RSS per case.
 */
async function measure(
  cases: (Case & { home: string })[],
  options: { runs: number },
): Promise<Map<string, { ms: number; rssMiB: number }>> {
  const samples = new Map(cases.map((c) => [c.name, { ms: [] as number[], rss: [] as number[] }]));
  for (const c of cases) await runOnce(c, c.home); // warm the module cache
  for (let i = 0; i < options.runs; i++) {
    for (const c of cases) {
      const { ms, rssKiB } = await runOnce(c, c.home);
      samples.get(c.name)!.ms.push(ms);
      samples.get(c.name)!.rss.push(rssKiB);
    }
  }
  return new Map(
    [...samples].map((
      [name, s],
    ) => [name, { ms: median(s.ms), rssMiB: Math.max(...s.rss) / 1024 }]),
  );
}

async function main(): Promise<void> {
  requirePrerequisites("deno task bench", [
    program("git", { testTools: true }),
    claudeCli(),
    linuxSandbox(),
    gnuTime(),
    program("redis-server", {
      testTools: true,
      optionalWithout: "the Redis coordination section is skipped",
    }),
  ]);
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "15" }, only: { type: "string" } },
  });
  const runs = Number(values.runs);
  const work = await Deno.makeTempDir({ prefix: "alfred-bench-" });
  try {
    const floorScript = `${work}/floor.ts`;
    await Deno.writeTextFile(`${work}/small.json`, JSON.stringify({ version: 1, ok: true }));
    await Deno.writeTextFile(
      floorScript,
      `const value = JSON.parse(Deno.readTextFileSync(${
        JSON.stringify(`${work}/small.json`)
      }));\nif (!value.ok) Deno.exit(1);\n`,
    );
    if (values.only !== undefined) {
      const section = EXTRA_SECTIONS[values.only];
      if (!section) throw new Error(`--only: no section "${values.only}"`);
      return await section(work);
    }
    const homes = { blocked: `${work}/blocked`, paused: `${work}/paused`, echo: `${work}/echo` };
    const alfred = (home: string, args: string[]) =>
      new Deno.Command(DENO, {
        args: ["run", "-A", `${ROOT}/cli/mod.ts`, ...args],
        env: { ALFRED_HOME: home },
        stdout: "null",
      }).output();
    await alfred(homes.blocked, ["block", "set", "--for", "2h", "--reason", "bench"]);
    await alfred(homes.paused, ["pause", "--all", "--reason", "bench"]);
    await alfred(homes.echo, ["init"]);
    const entry = (file: string) => ["run", ...AGENT_FLAGS, `${ROOT}/${file}`];
    const cases: (Case & { home: string })[] = [
      {
        name: "floor: deno run reading one JSON file",
        args: ["run", "--allow-read", floorScript],
        home: work,
      },
      {
        name: "blocked firing (alfred-lucius entry point)",
        args: entry("agents/lucius/mod.ts"),
        home: homes.blocked,
        expect: /^\[AGENT-GLOBAL-BLOCKED\]/,
        maxFloorRatio: 1.5,
        maxRssMiB: 40,
      },
      {
        name: "paused firing (alfred-lucius entry point)",
        args: entry("agents/lucius/mod.ts"),
        home: homes.paused,
        expect: /^\[AGENT-PAUSED\]/,
        maxFloorRatio: 1.5,
        maxRssMiB: 40,
      },
      {
        name: "blocked firing (alfred fire lucius, by hand)",
        args: [...entry("cli/mod.ts"), "fire", "lucius"],
        home: homes.blocked,
        expect: /^\[AGENT-GLOBAL-BLOCKED\]/,
        maxFloorRatio: 1.5,
        maxRssMiB: 40,
      },
      {
        name: "paused firing (alfred fire lucius, by hand)",
        args: [...entry("cli/mod.ts"), "fire", "lucius"],
        home: homes.paused,
        expect: /^\[AGENT-PAUSED\]/,
        maxFloorRatio: 1.5,
        maxRssMiB: 40,
      },
      {
        name: "echo firing",
        args: [...entry("cli/mod.ts"), "fire", "echo"],
        home: homes.echo,
        expect: /Fleet summary/,
      },
      {
        name: "alfred status",
        args: [...entry("cli/mod.ts"), "status"],
        home: homes.echo,
        expect: /AGENT/,
      },
    ];
    console.log(
      `Alfred benchmark: ${runs} runs per case, interleaved; deno ${Deno.version.deno}, ${Deno.build.target}\n`,
    );
    const results = await measure(cases, { runs });
    const floor = results.get(cases[0].name)!;
    const rows = [["case", "median ms", "x floor", "goal", "peak RSS MiB", "goal", "verdict"]];
    for (const c of cases) {
      const r = results.get(c.name)!;
      const ratio = r.ms / floor.ms;
      const okTime = c.maxFloorRatio === undefined || ratio <= c.maxFloorRatio;
      const okRss = c.maxRssMiB === undefined || r.rssMiB <= c.maxRssMiB;
      rows.push([
        c.name,
        r.ms.toFixed(1),
        ratio.toFixed(2),
        c.maxFloorRatio ? `<= ${c.maxFloorRatio}` : "-",
        Number.isNaN(r.rssMiB) ? "n/a" : r.rssMiB.toFixed(1),
        c.maxRssMiB ? `<= ${c.maxRssMiB}` : "-",
        c.maxFloorRatio || c.maxRssMiB ? (okTime && okRss ? "ok" : "OVER") : "",
      ]);
    }
    printTable(rows);
    for (const extra of Object.values(EXTRA_SECTIONS)) {
      console.log("");
      await extra(work);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Further sections (idle GitHub requests, Lucius phases, binary sizes, Redis overhead, the dashboard). */
const EXTRA_SECTIONS: Record<string, (work: string) => Promise<void>> = {
  idle: benchIdleFiring,
  lucius: benchLucius,
  redis: benchRedis,
  sizes: benchSizes,
  dashboard: benchDashboard,
};

/**
 * An idle Lucius firing (nothing labelled): its GitHub requests (the goal is
 * one, answered 304), then the wall time of the `alfred-lucius` entry point
 * beside the floor, median of several interleaved runs.
 */
async function benchIdleFiring(work: string): Promise<void> {
  const { createLuciusWorld } = await import("../tests/support/lucius_world.ts");
  await using world = await createLuciusWorld({ replies: [] });
  const rows = [[
    "idle lucius firing",
    "GitHub requests",
    "answered 304",
    "rate limit used",
    "goal",
  ]];
  for (const name of ["first (fresh home)", "second", "third"]) {
    const before = world.github.exchanges.length;
    const fired = await world.fire();
    if (fired.code !== 0) throw new Error(`idle firing failed: ${fired.stderr}`);
    const mine = world.github.exchanges.slice(before);
    rows.push([
      name,
      String(mine.length),
      String(mine.filter((e) => e.status === 304).length),
      String(mine.filter((e) => e.charged).length),
      name === "first (fresh home)" ? "1 request" : "1 request, 304",
    ]);
  }
  printTable(rows);
  const floorMs: number[] = [];
  const idleMs: number[] = [];
  for (let i = 0; i < IDLE_RUNS; i++) {
    const started = performance.now();
    await new Deno.Command(DENO, { args: ["run", "--allow-read", `${work}/floor.ts`] }).output();
    floorMs.push(performance.now() - started);
    const fired = performance.now();
    const result = await world.fireUnder(["--allow-all"]);
    idleMs.push(performance.now() - fired);
    if (result.code !== 0) throw new Error(`idle firing failed: ${result.stderr}`);
  }
  console.log("");
  printTable([
    [`idle lucius firing, entry point (median of ${IDLE_RUNS})`, "median ms", "x floor"],
    ["floor: deno run reading one JSON file", median(floorMs).toFixed(1), "1.00"],
    [
      "idle firing (alfred-lucius entry point)",
      median(idleMs).toFixed(1),
      (median(idleMs) / median(floorMs)).toFixed(2),
    ],
  ]);
}

/** Timed idle firings per bench run (each a whole process against the loopback fakes). */
const IDLE_RUNS = 9;

/** A full scripted Lucius firing, by phase, runner overhead apart from engine time. */
async function benchLucius(): Promise<void> {
  const { benchLuciusFiring } = await import("./bench_lucius.ts");
  const bench = await benchLuciusFiring();
  const rows = [["full lucius firing", "ms"]];
  for (const [phase, ms] of Object.entries(bench.phases)) {
    rows.push([`  phase ${phase}`, String(ms)]);
  }
  rows.push(["wall time (whole process)", String(bench.wallMs)]);
  rows.push(["engine time", String(bench.engineMs)]);
  rows.push(["runner overhead (goal < 300)", String(bench.overheadMs)]);
  printTable(rows);
}

/** The cost of Redis coordination per firing against the file-based default. */
async function benchRedis(): Promise<void> {
  if (!program("redis-server").present()) {
    console.log("redis coordination: skipped (redis-server is not installed)");
    return;
  }
  const { benchRedisCoordination } = await import("./bench_redis.ts");
  await benchRedisCoordination({ iterations: 200 });
}

/** Each binary's size (offline build for this host; release builds add the real runtime). */
async function benchSizes(): Promise<void> {
  const { binarySizes } = await import("./bench_sizes.ts");
  const sizes = await binarySizes({ fresh: true });
  const rows = [["binary", "target", "MiB", "bundled"]];
  for (const size of sizes) {
    rows.push([size.binary, size.target, (size.size / 2 ** 20).toFixed(1), String(size.bundle)]);
  }
  printTable(rows);
}

/** The dashboard: fleet latency, idle memory, GitHub requests of an open page per hour. */
async function benchDashboard(): Promise<void> {
  const { benchServe } = await import("./bench_serve.ts");
  const bench = await benchServe();
  const mib = (value: number) => Number.isNaN(value) ? "n/a" : value.toFixed(1);
  printTable([
    ["dashboard (alfred serve)", "figure"],
    [
      `GET /api/v1/fleet p50 (${bench.requests} requests, 10 agents)`,
      `${bench.fleetP50.toFixed(1)} ms`,
    ],
    ["GET /api/v1/fleet p99", `${bench.fleetP99.toFixed(1)} ms`],
    ["idle RSS", `${mib(bench.idleRssMiB)} MiB`],
    ["RSS with a page on the event stream", `${mib(bench.streamRssMiB)} MiB`],
    [
      `GitHub requests per idle hour, claims board open (${bench.repos} repos, ${bench.pageReads} page reads)`,
      String(bench.githubRequests),
    ],
    ["  of them answered 304 Not Modified", String(bench.githubNotModified)],
    ["  of them charged to the rate limit", String(bench.githubCharged)],
  ]);
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) {
    console.log(r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  }
}

if (import.meta.main) await main();
