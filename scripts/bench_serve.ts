/**
 * The dashboard's figures for `deno task bench`:
 *
 * - `GET /api/v1/fleet` latency (p50, p99) of `alfred serve` running as its
 *   own process over a lived-in home (tests/support/serve_world.ts: ten agents, thirty
 *   days of firings), one request at a time;
 * - the server's resident memory when idle, then with a page open on the
 *   event stream (Linux: `/proc/<pid>/status`);
 * - GitHub requests per idle hour of an open dashboard: the claims board open
 *   in a page that re-reads it every minute, over an hour of an injected
 *   clock, against the loopback GitHub fake (two repos): how many requests,
 *   how many answered 304, how many used rate limit.
 *
 * Run alone: `deno run --allow-all scripts/bench_serve.ts [--requests N]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { OperatorContext } from "../runner/control/mod.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { layoutOf } from "../runner/paths.ts";
import { serveEtagFile } from "../serve/files.ts";
import { startServer } from "../serve/mod.ts";
import { fakeClient, startFakeGitHub } from "../tests/support/fake_github.ts";
import { ALFRED_FLAGS, REPO_ROOT } from "../tests/support/helpers.ts";
import { startServeProcess } from "../tests/support/serve_helpers.ts";
import { seedDemoWorld } from "../tests/support/serve_world.ts";

/** What {@linkcode benchServe} measured. */
export interface ServeBench {
  /** Requests timed. */
  requests: number;
  /** Median latency of `GET /api/v1/fleet`, ms. */
  fleetP50: number;
  /** 99th percentile, ms. */
  fleetP99: number;
  /** Resident memory when idle, MiB (NaN off Linux). */
  idleRssMiB: number;
  /** Resident memory with a page following the event stream, MiB. */
  streamRssMiB: number;
  /** GitHub requests in an hour of an open claims board. */
  githubRequests: number;
  /** Of them, answered 304 Not Modified. */
  githubNotModified: number;
  /** Of them, charged to the rate limit. */
  githubCharged: number;
  /** Requests the page made to the dashboard in that hour. */
  pageReads: number;
  /** Repos on the board. */
  repos: number;
}

/**
 * Runs the dashboard benchmark.
 *
 * @param options How many fleet requests to time.
 * @returns The figures.
 */
export async function benchServe(options: { requests?: number } = {}): Promise<ServeBench> {
  const requests = options.requests ?? 300;
  const home = await Deno.makeTempDir({ prefix: "alfred-bench-serve-" });
  try {
    await seedDemoWorld(layoutOf(home), { now: new Date() });
    const latency = await fleetLatency(home, requests);
    const github = await idleHourOfClaims();
    return { requests, ...latency, ...github };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

async function fleetLatency(home: string, requests: number) {
  await using serve = await startServeProcess(
    [...ALFRED_FLAGS, `${REPO_ROOT}/cli/mod.ts`, "serve", "--port", "0"],
    { home },
  );
  const get = async () => {
    const response = await fetch(`${serve.url}/api/v1/fleet`);
    if (!response.ok) throw new Error(`GET /api/v1/fleet: ${response.status}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < 20; i++) await get();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await get();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  // Idle: no request for a moment.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleRssMiB = await rssMiB(serve.pid);
  const stream = await fetch(`${serve.url}/api/v1/events`);
  const events = stream.body!.getReader();
  await events.read();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const streamRssMiB = await rssMiB(serve.pid);
  await events.cancel();
  return {
    fleetP50: samples[Math.floor(samples.length * 0.5)],
    fleetP99: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))],
    idleRssMiB,
    streamRssMiB,
  };
}

async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return NaN;
    throw error;
  }
}

/** An hour of an open claims board, on an injected clock (no waiting). */
async function idleHourOfClaims() {
  const home = await Deno.makeTempDir({ prefix: "alfred-bench-claims-" });
  await using github = startFakeGitHub();
  try {
    const repos = ["acme/api", "acme/web"];
    await Deno.writeTextFile(
      `${home}/fleet.yaml`,
      `version: 1\nrepos:\n${repos.map((r) => `  - name: ${r}\n`).join("")}`,
    );
    for (const repo of repos) {
      for (let i = 0; i < 30; i++) {
        github.addIssue(repo, {
          title: `issue ${i}`,
          labels: i % 3 ? [LABELS.implement] : [LABELS.prOpen],
        });
      }
    }
    let now = new Date("2026-03-01T10:00:00Z");
    const values: Record<string, string> = { ALFRED_HOME: home, ALFRED_GITHUB_API_URL: github.url };
    const context: OperatorContext = {
      env: (name) => values[name],
      layout: layoutOf(home),
      stdout: () => {},
      stderr: () => {},
      now: () => now,
      debug: false,
    };
    const server = await startServer(context, {
      address: { hostname: "127.0.0.1", port: 0, loopback: true },
      claimsClient: (c) => fakeClient(github, { etagFile: serveEtagFile(c.layout) }),
    });
    try {
      // The page opens the board (one read), then re-reads it every minute for an hour.
      let pageReads = 0;
      const before = github.exchanges.length;
      for (let minute = 0; minute <= 60; minute++) {
        const response = await fetch(`${server.url}/api/v1/claims`);
        if (!response.ok) throw new Error(`GET /api/v1/claims: ${response.status}`);
        await response.arrayBuffer();
        pageReads++;
        now = new Date(now.getTime() + 60_000);
      }
      const hour = github.exchanges.slice(before);
      return {
        githubRequests: hour.length,
        githubNotModified: hour.filter((exchange) => exchange.status === 304).length,
        githubCharged: hour.filter((exchange) => exchange.charged).length,
        pageReads,
        repos: repos.length,
      };
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { requests: { type: "string" } } });
  console.log(
    await benchServe({ requests: values.requests ? Number(values.requests) : undefined }),
  );
}
