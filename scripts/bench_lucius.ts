/**
 * One full scripted Lucius firing, timed by phase: `alfred fire lucius` as a
 * subprocess with real git and the real `claude` CLI, against the loopback
 * GitHub fake and the scripted Messages API, in temporary folders.
 *
 * The firing logs `phase <name> <ms>` for each step; this reads them back and
 * splits the wall time into engine time and runner overhead (process start,
 * guard, config, git, GitHub, delivery, clean-up).
 *
 * Run alone: `./scripts/deno.sh run --allow-all scripts/bench_lucius.ts`.
 *
 * @module
 */
import { LABELS } from "../runner/claims/labels.ts";
import { committingReplies, createLuciusWorld, REPO } from "../tests/support/lucius_world.ts";

/** The timings of one firing. */
export interface LuciusBench {
  /** Wall time of the whole `alfred fire lucius` process, in ms. */
  wallMs: number;
  /** Time inside each phase of the agent's work, in ms. */
  phases: Record<string, number>;
  /** Time inside the engine (the `claude` process and its API calls). */
  engineMs: number;
  /** Everything else: the runner's own cost. */
  overheadMs: number;
}

/**
 * Runs one full scripted Lucius firing and returns its timings.
 *
 * Requires `--allow-all` (subprocesses, loopback servers, temp folders).
 *
 * @returns Wall time, phases, engine time and runner overhead.
 * @throws {Error} when the firing does not ship its pull request.
 */
export async function benchLuciusFiring(): Promise<LuciusBench> {
  await using world = await createLuciusWorld({ replies: committingReplies() });
  world.github.addIssue(REPO, { title: "Bench", labels: [LABELS.implement] });
  const started = performance.now();
  const result = await world.fire();
  const wallMs = Math.round(performance.now() - started);
  if (result.code !== 0 || world.github.pulls(REPO).length !== 1) {
    throw new Error(`the bench firing did not ship (exit ${result.code}): ${result.stderr}`);
  }
  const phases: Record<string, number> = {};
  for await (const entry of Deno.readDir(`${world.layout.logsDir}/lucius`)) {
    const text = await Deno.readTextFile(`${world.layout.logsDir}/lucius/${entry.name}`);
    for (const match of text.matchAll(/ phase ([a-z-]+) (\d+)$/gm)) {
      phases[match[1]] = (phases[match[1]] ?? 0) + Number(match[2]);
    }
  }
  const engineMs = phases.engine ?? 0;
  return { wallMs, phases, engineMs, overheadMs: wallMs - engineMs };
}

if (import.meta.main) {
  const bench = await benchLuciusFiring();
  console.log(JSON.stringify(bench, null, 2));
}
