/**
 * Regenerates the dashboard's screenshots in docs/img/ with the test browser
 * (tests/support/browser.ts): the fleet page of the demo world (tests/support/serve_world.ts)
 * at desktop width (`serve-fleet.png`, shown in the README) and at phone width
 * (`serve-fleet-phone.png`), plus a firing's detail page, the cost charts and
 * the claims board (read from the loopback GitHub fake).
 *
 * Usage: ./scripts/deno.sh run -A scripts/serve_screenshot.ts
 *
 * @module
 */
import type { Page } from "playwright-core";
import { appendActivity } from "../runner/firing/activity.ts";
import { newFiringId } from "../runner/firing/events.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { serveEtagFile } from "../serve/files.ts";
import { launchBrowser } from "../tests/support/browser.ts";
import { fakeClient, startFakeGitHub } from "../tests/support/fake_github.ts";
import { seedDemoWorld } from "../tests/support/serve_world.ts";
import { layoutOf } from "../runner/paths.ts";
import { startServer } from "../serve/mod.ts";

const OUT = new URL("../docs/img/", import.meta.url).pathname;

async function main(): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "alfred-screenshot-" });
  try {
    const layout = layoutOf(home);
    const now = new Date();
    const world = await seedDemoWorld(layout, { now, runningPid: Deno.pid });
    // The claims board reads the loopback GitHub fake, with a few issues in each state.
    await using github = startFakeGitHub();
    for (const [repo, title, labels] of DEMO_ISSUES) github.addIssue(repo, { title, labels });
    const values: Record<string, string> = {
      ALFRED_HOME: home,
      HOME: home,
      PATH: Deno.env.get("PATH") ?? "",
      ALFRED_GITHUB_API_URL: github.url,
    };
    const server = await startServer(
      {
        env: (name) => values[name],
        layout,
        stdout: () => {},
        stderr: () => {},
        now: () => new Date(),
        debug: false,
      },
      {
        address: { hostname: "127.0.0.1", port: 0, loopback: true },
        claimsClient: (context) => fakeClient(github, { etagFile: serveEtagFile(context.layout) }),
      },
    );
    try {
      await Deno.mkdir(OUT, { recursive: true });
      const shots: [string, string, { width: number; height: number }, string][] = [
        ["serve-fleet.png", "/", { width: 1280, height: 1000 }, "table.fleet tbody tr"],
        ["serve-fleet-phone.png", "/", { width: 390, height: 1400 }, "table.fleet tbody tr"],
        [
          "serve-firing.png",
          `/#/firings/${world.luciusFiring}`,
          { width: 1280, height: 1000 },
          ".timeline",
        ],
        ["serve-costs.png", "/#/costs", { width: 1280, height: 1000 }, ".chart canvas"],
        ["serve-claims.png", "/#/claims", { width: 1280, height: 760 }, ".board"],
      ];
      for (const [file, path, viewport, ready] of shots) {
        await using browser = await launchBrowser({ viewport });
        // Signed in, as an operator would be: the one-time link, then the page.
        await browser.page.goto(await server.loginUrl());
        await browser.page.waitForURL(`${server.url}/`);
        await browser.page.goto(`${server.url}${path}`);
        await browser.page.waitForSelector(ready, { timeout: 10_000 }).catch(async (error) => {
          console.log(browser.console.join("\n"), await browser.page.content());
          throw error;
        });
        if (path === "/") await liveActivity(layout, browser.page);
        await browser.page.waitForTimeout(300);
        await browser.page.screenshot({ path: `${OUT}${file}`, fullPage: file.includes("phone") });
        console.log(`wrote docs/img/${file}`);
        for (const line of browser.console) console.log(`  console ${line}`);
      }
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** The claims board's issues: repo, title, labels. */
const DEMO_ISSUES: [string, string, string[]][] = [
  ["acme/api", "Rate-limit the login endpoint", [LABELS.prOpen]],
  ["acme/api", "CSV export drops the last row", [LABELS.inFlight]],
  ["acme/api", "Paginate /v2/invoices", [LABELS.implement]],
  ["acme/api", "Retry webhooks with backoff", [LABELS.implement]],
  ["acme/api", "Migrate sessions to Redis", [LABELS.needsHumanScope]],
  ["acme/api", "Rewrite the billing engine", [LABELS.doNotPickup]],
  ["acme/web", "Dark mode for the settings page", [LABELS.prOpen]],
  ["acme/web", "Broken footer links on mobile", [LABELS.implement]],
  ["acme/web", "Keyboard shortcuts for the inbox", [LABELS.inFlight]],
];

/** A few moments happen while the page is open, so its live feed shows them. */
async function liveActivity(layout: ReturnType<typeof layoutOf>, page: Page): Promise<void> {
  const firing = newFiringId(new Date());
  const robin = { agent: "robin", firing_id: firing };
  const at = () => new Date().toISOString();
  await appendActivity(layout, {
    ...robin,
    type: "firing-started",
    at: at(),
    host: "demo",
    pid: 1,
    by: "scheduler",
  });
  await appendActivity(layout, {
    ...robin,
    type: "step",
    at: at(),
    step: "triaged",
    text: "labelled acme/web#1190 severity:P2",
  });
  await appendActivity(layout, {
    ...robin,
    type: "firing-ended",
    at: at(),
    outcome: "success",
    turns: 6,
    cost_usd: 0.04,
    issue: null,
    pr: null,
    error: null,
  });
  await page.waitForSelector("ol.feed li:nth-child(3)");
}

if (import.meta.main) await main();
