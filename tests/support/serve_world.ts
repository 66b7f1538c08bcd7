/**
 * A lived-in ALFRED_HOME for the dashboard's tests and screenshot: a fleet of
 * ten agents on two repos, thirty days of recorded firings (deterministic),
 * today's ledgers, a paused and an auto-paused agent, and one Lucius firing
 * with its steps in the activity log and its engine transcript.
 *
 * @module
 */
import { appendActivity } from "../../runner/firing/activity.ts";
import { eventLogFile, FiringEvent, newFiringId } from "../../runner/firing/events.ts";
import { agentStateDir, type Layout, lockFile } from "../../runner/paths.ts";
import { PauseFile } from "../../runner/firing/pause.ts";
import { createRedactor } from "../../runner/redact.ts";
import { Ledger } from "../../runner/firing/spend.ts";
import { writeState } from "../../runner/state.ts";
import { openTranscript } from "../../runner/engines/transcripts.ts";

/** The fleet.yaml of the demo world: every agent enabled but gordon. */
export const DEMO_FLEET_YAML = `version: 1
defaults:
  caps: { cost_usd_per_day: 6, turns_per_day: 400, firings_per_day: 96 }
repos:
  - name: acme/api
  - name: acme/web
agents:
  echo: { enabled: true }
  lucius: { enabled: true }
  batman: { enabled: true }
  drake: { enabled: true }
  bane: { enabled: true }
  rasalghul: { enabled: true }
  robin: { enabled: true }
  nightwing: { enabled: true }
  huntress: { enabled: true }
  gordon: { enabled: false }
`;

/** How each agent fires in the demo: firings a day, cost per firing, chance of success. */
const PROFILES: Record<string, { perDay: number; cost: number; success: number; idle: number }> = {
  lucius: { perDay: 6, cost: 0.62, success: 0.8, idle: 0.35 },
  rasalghul: { perDay: 8, cost: 0.21, success: 0.9, idle: 0.4 },
  nightwing: { perDay: 4, cost: 0.34, success: 0.75, idle: 0.5 },
  robin: { perDay: 6, cost: 0.05, success: 0.95, idle: 0.5 },
  drake: { perDay: 2, cost: 0.4, success: 0.85, idle: 0.2 },
  bane: { perDay: 1, cost: 0.55, success: 0.7, idle: 0.1 },
  batman: { perDay: 1, cost: 1.1, success: 0.8, idle: 0.5 },
  huntress: { perDay: 3, cost: 0, success: 0.9, idle: 0 },
  echo: { perDay: 1, cost: 0, success: 1, idle: 0 },
};

const FAILURES = ["failure", "max-turns", "timeout", "no-sentinel"] as const;

/** What the demo world holds that tests look for. */
export interface DemoWorld {
  /** The Lucius firing with steps and a transcript. */
  luciusFiring: string;
  /** The Ras al Ghul firing in flight, when one was asked for. */
  runningFiring: string | undefined;
  /** How many firings were recorded. */
  firings: number;
}

/**
 * Fills a home with the demo world.
 *
 * @param layout The home's layout.
 * @param options The clock (everything is placed before it) and a seed.
 * @returns What was seeded.
 */
export async function seedDemoWorld(
  layout: Layout,
  options: { now: Date; seed?: number; runningPid?: number },
): Promise<DemoWorld> {
  const now = options.now.getTime();
  await Deno.mkdir(layout.home, { recursive: true });
  await Deno.writeTextFile(layout.fleetFile, DEMO_FLEET_YAML);
  let state = options.seed ?? 20260301;
  const random = () => {
    // mulberry32: small, deterministic.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const events: FiringEvent[] = [];
  let issue = 140;
  for (let day = 29; day >= 0; day--) {
    for (const [agent, profile] of Object.entries(PROFILES)) {
      // A quieter weekend, and a busier last week.
      const count = Math.max(0, Math.round(profile.perDay * (0.6 + random() * 0.8)));
      for (let i = 0; i < count; i++) {
        const start = now - day * 86_400_000 - Math.floor(random() * 86_000_000) - 600_000;
        if (start > now - 120_000) continue;
        const idle = random() < profile.idle;
        const ok = random() < profile.success;
        const outcome = idle ? "idle" : ok ? "success" : FAILURES[Math.floor(random() * 4)];
        const duration = idle ? 1_500 + random() * 2_000 : 60_000 + random() * 540_000;
        const cost = idle ? 0 : Math.round(profile.cost * (0.5 + random()) * 100) / 100;
        const repo = random() < 0.6 ? "acme/api" : "acme/web";
        const number = issue++;
        const worked = !idle && agent !== "echo" && agent !== "huntress";
        events.push({
          version: 1,
          agent,
          firing_id: newFiringId(new Date(start)),
          host: "demo",
          pid: 1000 + i,
          started_at: new Date(start).toISOString(),
          ended_at: new Date(start + duration).toISOString(),
          duration_ms: Math.round(duration),
          outcome,
          turns: idle ? 0 : Math.round(8 + random() * 30),
          cost_usd: cost,
          issue: worked ? `https://github.com/${repo}/issues/${number}` : null,
          pr: worked && ok && (agent === "lucius" || agent === "nightwing")
            ? `https://github.com/${repo}/pull/${number + 1000}`
            : null,
          error: outcome === "failure"
            ? "the engine's checks failed twice"
            : outcome === "timeout"
            ? "the engine ran past 30 minutes"
            : null,
          summary: idle ? "nothing labelled" : ok ? `worked on ${repo}#${number}` : null,
        });
      }
    }
  }
  // The showcase: a Lucius firing from twenty minutes ago, with steps and a transcript.
  const started = new Date(now - 20 * 60_000);
  const luciusFiring = newFiringId(started);
  const at = (seconds: number) => new Date(started.getTime() + seconds * 1_000).toISOString();
  // How Lucius's firing ended, in the event log and the activity log alike.
  const luciusEnd = {
    outcome: "success",
    turns: 23,
    cost_usd: 0.74,
    issue: "https://github.com/acme/api/issues/212",
    pr: "https://github.com/acme/api/pull/1212",
    error: null,
  } as const;
  events.push({
    version: 1,
    agent: "lucius",
    firing_id: luciusFiring,
    host: "demo",
    pid: 4242,
    started_at: started.toISOString(),
    ended_at: at(412),
    duration_ms: 412_000,
    ...luciusEnd,
    summary: "opened acme/api#1212: rate-limit the login endpoint",
    denials: [{ kind: "network", detail: "registry.example.org:443 (not in the allowed hosts)" }],
  });
  events.sort((a, b) => a.ended_at.localeCompare(b.ended_at));
  await writeEventLog(layout, events);
  const base = { agent: "lucius", firing_id: luciusFiring };
  await appendActivity(layout, {
    ...base,
    type: "firing-started",
    at: at(0),
    host: "demo",
    pid: 4242,
    by: "scheduler",
  });
  const steps: [number, string, string][] = [
    [4, "claimed", "claimed acme/api#212"],
    [19, "worktree", "made a worktree at origin/main"],
    [371, "engine-done", "the engine finished in 23 turns"],
    [402, "pr-opened", "opened acme/api#1212"],
  ];
  for (const [seconds, step, text] of steps) {
    await appendActivity(layout, { ...base, type: "step", at: at(seconds), step, text });
  }
  await appendActivity(layout, {
    ...base,
    type: "firing-ended",
    at: at(412),
    ...luciusEnd,
  });
  await using transcript = await openTranscript(layout, "lucius", {
    firingId: luciusFiring,
    redact: createRedactor({ secrets: ["sk-demo-secret-value-1234"] }),
    now: () => new Date(at(20)),
  });
  await transcript.note("start", { attempt: 1, engine: "claude", model: "sonnet", argv: [] });
  for (
    const line of [
      { type: "system", subtype: "init", session_id: "demo-session", model: "claude-sonnet" },
      {
        type: "assistant",
        message: { content: [{ type: "text", text: "Reading the login handler first." }] },
      },
      {
        type: "assistant",
        message: {
          content: [{
            type: "text",
            text: "Added a token bucket; the key sk-demo-secret-value-1234",
          }],
        },
      },
      {
        type: "result",
        subtype: "success",
        is_error: false,
        result: "Rate-limited POST /login to 5 attempts a minute per IP, with tests. " +
          "ALFRED-DONE",
        num_turns: 23,
        total_cost_usd: 0.74,
        session_id: "demo-session",
        permission_denials: [],
      },
    ]
  ) {
    await transcript.write("stdout", JSON.stringify(line));
  }
  await transcript.note("classification", { attempt: 1, engine: "claude", outcome: "success" });
  // Today's ledgers, from today's firings (UTC: the demo fleet has no time zone).
  const today = options.now.toISOString().slice(0, 10);
  for (const agent of Object.keys(PROFILES)) {
    const mine = events.filter((e) => e.agent === agent && e.ended_at.startsWith(today));
    const failures = mine.filter((e) => FAILURES.includes(e.outcome as typeof FAILURES[number]));
    await writeState(`${agentStateDir(layout, agent)}/spend-${today}.json`, Ledger, {
      version: 1,
      agent,
      day: today,
      firings: mine.length,
      turns: mine.reduce((sum, e) => sum + e.turns, 0),
      cost_usd: Math.round(mine.reduce((sum, e) => sum + e.cost_usd, 0) * 100) / 100,
      successes: mine.filter((e) => e.outcome === "success").length,
      failures: failures.length,
      consecutive_failures: 0,
      blocked_until: null,
    });
  }
  await writeState(layout.pauseFile, PauseFile, {
    version: 1,
    all: null,
    agents: {
      batman: {
        reason: "waiting for the roadmap review",
        since: new Date(now - 3 * 3_600_000).toISOString(),
        until: null,
        by: "operator",
      },
      bane: {
        reason: "3 failures in a row",
        since: new Date(now - 5 * 3_600_000).toISOString(),
        until: null,
        by: "auto",
      },
    },
    repos: {},
  });
  let runningFiring: string | undefined;
  if (options.runningPid) {
    // Ras al Ghul, mid-review: its lock held by a live process, its steps in the activity log.
    const since = new Date(now - 95_000);
    runningFiring = newFiringId(since);
    const running = { agent: "rasalghul", firing_id: runningFiring };
    await Deno.writeTextFile(
      lockFile(layout, "rasalghul"),
      JSON.stringify({
        version: 1,
        pid: options.runningPid,
        host: "demo",
        firing_id: runningFiring,
        started_at: since.toISOString(),
      }) + "\n",
    );
    await appendActivity(layout, {
      ...running,
      type: "firing-started",
      at: since.toISOString(),
      host: "demo",
      pid: options.runningPid,
      by: "scheduler",
    });
    await appendActivity(layout, {
      ...running,
      type: "step",
      at: new Date(now - 80_000).toISOString(),
      step: "reviewing",
      text: "reviewing acme/web#1187",
    });
  }
  return { luciusFiring, runningFiring, firings: events.length };
}

/**
 * Writes the event log in bulk: what `recordFiring` writes one firing at a
 * time (each day's lines, each agent's last firing), without an fsync per line.
 */
async function writeEventLog(layout: Layout, events: FiringEvent[]): Promise<void> {
  const days = new Map<string, string[]>();
  const last = new Map<string, FiringEvent>();
  for (const event of events) {
    const day = event.ended_at.slice(0, 10);
    const line = JSON.stringify(FiringEvent.parse(event));
    const lines = days.get(day);
    if (lines) lines.push(line);
    else days.set(day, [line]);
    last.set(event.agent, event);
  }
  await Deno.mkdir(layout.eventsDir, { recursive: true });
  for (const [day, lines] of days) {
    await Deno.writeTextFile(eventLogFile(layout, day), lines.join("\n") + "\n", { append: true });
  }
  for (const [agent, event] of last) {
    await writeState(`${agentStateDir(layout, agent)}/last-firing.json`, FiringEvent, event);
  }
}
