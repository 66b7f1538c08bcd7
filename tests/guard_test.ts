import { assertEquals } from "./support/assert.ts";
import { guard, readGuardInput } from "../runner/firing/guard.ts";
import { BlockFile } from "../runner/firing/block.ts";
import { PauseFile } from "../runner/firing/pause.ts";
import { withHome } from "./support/helpers.ts";

const now = new Date("2026-11-27T10:00:00.000Z");
const block = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 1,
    until: "2026-11-27T11:00:00.000Z",
    reason: "429 from claude",
    set_at: "2026-11-27T10:00:00.000Z",
    set_by: "lucius",
    ...extra,
  });
const entry = { reason: "r", since: "2026-11-27T09:00:00.000Z", until: null, by: "operator" };
const pauseFile = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 1, all: null, agents: {}, repos: {}, ...extra });

// Each file the guard may meet, with whether the zod schema accepts it. The
// hand-written check of the hot path must agree on every one.
const BLOCK_CASES: [string, string][] = [
  ["valid", block()],
  ["with an offset time", block({ until: "2026-11-27T12:00:00+01:00" })],
  ["without fraction", block({ until: "2026-11-27T11:00:00Z" })],
  ["wrong version", block({ version: 2 })],
  [
    "missing reason",
    JSON.stringify({
      version: 1,
      until: "2026-11-27T11:00:00Z",
      set_at: "2026-11-27T10:00:00Z",
      set_by: "x",
    }),
  ],
  ["empty reason", block({ reason: "" })],
  ["not a time", block({ until: "tomorrow" })],
  ["an extra key", block({ extra: 1 })],
  ["an array", "[]"],
  ["null", "null"],
  ["a number as time", block({ until: 1764241200000 })],
];
const PAUSE_CASES: [string, string][] = [
  ["empty", pauseFile()],
  ["all paused", pauseFile({ all: entry })],
  [
    "agent paused until",
    pauseFile({ agents: { lucius: { ...entry, until: "2026-11-27T12:00:00Z", by: "auto" } } }),
  ],
  ["repo paused", pauseFile({ repos: { "a/b": entry } })],
  ["bad by", pauseFile({ all: { ...entry, by: "robot" } })],
  ["agents is a list", pauseFile({ agents: [] })],
  ["missing repos", JSON.stringify({ version: 1, all: null, agents: {} })],
  ["entry with extra key", pauseFile({ agents: { x: { ...entry, note: 1 } } })],
  ["bad since", pauseFile({ all: { ...entry, since: "yesterday" } })],
];

const SCHEMA_CASES = [
  { kind: "block", cases: BLOCK_CASES, schema: BlockFile, file: "globalBlockFile" },
  { kind: "pause", cases: PAUSE_CASES, schema: PauseFile, file: "pauseFile" },
] as const;

for (const { kind, cases, schema, file } of SCHEMA_CASES) {
  for (const [name, text] of cases) {
    Deno.test(`the guard and the ${kind} schema agree on a ${kind} file: ${name}`, async () => {
      await using home = await withHome();
      await Deno.mkdir(home.layout.stateDir, { recursive: true });
      await Deno.writeTextFile(home.layout[file], text);
      const zodAccepts = schema.safeParse(JSON.parse(text)).success;
      const input = readGuardInput(home.layout);
      assertEquals(input.suspect.length === 0, zodAccepts);
    });
  }
}

Deno.test("guard verdicts: block first, then fleet pause, then agent pause, expired ones ignored", () => {
  const base = { block: null, pause: null, suspect: [] };
  const cases: [Parameters<typeof guard>[0], string, string][] = [
    [base, "lucius", "go"],
    [
      { ...base, block: { until: "2026-11-27T11:00:00Z", reason: "x" } },
      "lucius",
      "global-blocked",
    ],
    [{ ...base, block: { until: "2026-11-27T09:59:59Z", reason: "x" } }, "lucius", "go"],
    [{ ...base, pause: { all: { reason: "r", until: null }, agents: {} } }, "echo", "paused"],
    [
      { ...base, pause: { all: null, agents: { lucius: { reason: "r", until: null } } } },
      "lucius",
      "paused",
    ],
    [
      { ...base, pause: { all: null, agents: { lucius: { reason: "r", until: null } } } },
      "bane",
      "go",
    ],
    [
      {
        ...base,
        pause: { all: null, agents: { lucius: { reason: "r", until: "2026-11-27T09:00:00Z" } } },
      },
      "lucius",
      "go",
    ],
    [
      { ...base, pause: { all: null, agents: { toString: { reason: "r", until: null } } } },
      "constructor",
      "go",
    ],
    [
      {
        block: { until: "2026-11-27T11:00:00Z", reason: "x" },
        pause: { all: { reason: "r", until: null }, agents: {} },
        suspect: [],
      },
      "lucius",
      "global-blocked",
    ],
    [{ ...base, suspect: ["/x/paused.json"] }, "lucius", "suspect"],
  ];
  for (const [input, agent, kind] of cases) {
    assertEquals(guard(input, { agent, now }).kind, kind, `${agent}: ${JSON.stringify(input)}`);
  }
});

Deno.test("an unreadable state path makes the guard suspicious instead of failing", async () => {
  await using home = await withHome();
  await Deno.mkdir(home.layout.globalBlockFile, { recursive: true });
  assertEquals(readGuardInput(home.layout).suspect, [home.layout.globalBlockFile]);
});
