/**
 * The dashboard in a real headless browser (Debian's chromium, driven by
 * playwright-core): the fleet page shows the ten agents; pausing echo from the
 * page makes its next firing print [AGENT-PAUSED]; a firing started elsewhere
 * appears in the page's live feed within 2 s of its start; the page fits a
 * phone's width; and nothing the page does trips its Content-Security-Policy.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { denoRunCommand, outputOf, runAlfred, subprocessEnv } from "./support/helpers.ts";
import { launchBrowser } from "./support/browser.ts";
import { startTestServer, type TestServer } from "./support/serve_helpers.ts";
import { BUILT_IN_CODENAMES, runFlagsOf } from "../runner/config/permissions.ts";
import type { RunningServer } from "../serve/mod.ts";
import type { Page } from "playwright-core";

/** How much wider than the window the page is (run in the page). */
const OVERFLOW = "document.documentElement.scrollWidth - innerWidth";

/**
 * A test with the dashboard served from an initialised home and a browser on
 * its fleet page, signed in with a one-time link or not; with `cleanConsole`, nothing the page did
 * may log an error or a Content-Security-Policy violation.
 * Browser tests hold a browser process and its sockets across awaits by design.
 */
function browserTest(
  name: string,
  options: { signedIn: boolean; cleanConsole?: boolean },
  body: (t: TestServer, page: Page) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      await using t = await startTestServer({ prepare: initialised });
      await using browser = await launchBrowser();
      if (options.signedIn) await signIn(browser.page, t.server);
      else await browser.page.goto(t.server.url);
      await body(t, browser.page);
      if (options.cleanConsole) {
        assertEquals(browser.console.filter((line) => /error|violat/i.test(line)), []);
      }
    },
  });
}

async function initialised(home: string): Promise<void> {
  assertEquals((await runAlfred(["init"], { home })).code, 0);
}

/** Signs the page in with a one-time link, as the operator does. */
async function signIn(page: Page, server: RunningServer): Promise<void> {
  await page.goto(await server.loginUrl());
  await page.waitForURL(`${server.url}/`);
}

/** Runs echo's next firing the way the scheduler does: its own entry point, its own flags. */
async function scheduledEchoFiring(home: string): Promise<string> {
  const output = await outputOf(
    denoRunCommand("agents/echo/mod.ts", {
      flags: runFlagsOf("alfred-echo"),
      env: subprocessEnv(home),
    }),
  );
  assertEquals(output.code, 0, output.stderr);
  return output.stdout;
}

browserTest(
  "the fleet page lists the ten agents, and works at a phone's width",
  { signedIn: false, cleanConsole: true },
  async (t, page) => {
    await page.waitForSelector("table.fleet tbody tr");
    const agents = await page.locator("table.fleet tbody tr").evaluateAll((rows) =>
      rows.map((row) => row.getAttribute("data-agent"))
    );
    assertEquals(agents, [...BUILT_IN_CODENAMES], "every agent, in fleet.yaml order");
    assertEquals(
      await page.locator('tr[data-agent="echo"] .badge').first().textContent(),
      "enabled",
    );
    await page.waitForSelector(".live.live");
    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100);
    const overflow = Number(await page.evaluate(OVERFLOW));
    assert(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    const cardWidth = await page.locator('tr[data-agent="echo"]').evaluate((row) =>
      row.getBoundingClientRect().width
    );
    assert(cardWidth <= 390, `an agent's card is ${cardWidth}px wide`);
    for (const view of ["#/firings", "#/claims", "#/costs"]) {
      // Opened afresh on each view (a bookmark), not by following the navigation.
      await page.goto("about:blank");
      await page.goto(`${t.server.url}/${view}`);
      await page.waitForSelector("main#view section");
      const wide = Number(await page.evaluate(OVERFLOW));
      assert(wide <= 0, `${view} is ${wide}px wider than a phone`);
      assertEquals(await page.locator("text=Something went wrong").count(), 0, view);
    }
  },
);

browserTest(
  "pause on echo in the page: echo's next firing prints [AGENT-PAUSED]; resume lets it fire",
  { signedIn: true, cleanConsole: true },
  async (t, page) => {
    assert(await page.evaluate(() => localStorage.getItem("alfred-serve-token")));
    await page.waitForSelector('tr[data-agent="echo"] button[data-action="pause"]');
    await page.click('tr[data-agent="echo"] button[data-action="pause"]');
    await page.waitForSelector('tr[data-agent="echo"] .badge.state-paused');
    await page.waitForSelector('ol.feed li[data-kind="warn"]');
    assertStringIncludes(
      (await page.locator("ol.feed li").first().textContent())!,
      "Paused echo: paused from the dashboard",
    );
    assertMatch(
      await scheduledEchoFiring(t.home),
      /^\[AGENT-PAUSED\] echo: paused from the dashboard/,
    );
    await page.click('tr[data-agent="echo"] button[data-action="resume"]');
    await page.waitForSelector('tr[data-agent="echo"] .badge.state-enabled');
    assertStringIncludes(await scheduledEchoFiring(t.home), "Fleet summary");
  },
);

browserTest(
  "a firing of echo appears live in the page within 2 s of its start, then its end",
  { signedIn: false, cleanConsole: true },
  async (t, page) => {
    await page.waitForSelector(".live.live");
    // Started elsewhere (by hand in a terminal): the page learns of it only from the stream.
    const fired = await runAlfred(["fire", "echo"], { home: t.home });
    assertEquals(fired.code, 0, fired.stderr);
    const started = page.locator('ol.feed li[data-kind="run"]');
    await started.waitFor();
    const at = Date.parse((await started.getAttribute("data-at"))!);
    const received = Number(await started.getAttribute("data-received"));
    assert(
      received - at <= 2_000,
      `the firing started at ${new Date(at).toISOString()} and was shown ${received - at} ms later`,
    );
    assertStringIncludes((await started.textContent())!, "echo started");
    await page.waitForSelector('ol.feed li[data-kind="ok"]');
    assertStringIncludes(
      (await page.locator('ol.feed li[data-kind="ok"]').textContent())!,
      "echo ended: success",
    );
    // The table caught up: echo's last firing is this one.
    const firing = await started.getAttribute("data-firing");
    await page.waitForSelector(`tr[data-agent="echo"] a.last[href="#/firings/${firing}"]`);
    // Its detail page draws the phase timeline.
    await page.click(`ol.feed li[data-kind="run"] a`);
    await page.waitForSelector(".timeline .segment");
    const phases = await page.locator("ol.phases li strong").allTextContents();
    assertEquals(phases, ["summarised", "finished"]);
  },
);

browserTest(
  "the Fire button starts echo and links to its firing",
  { signedIn: true },
  async (t, page) => {
    await page.click('tr[data-agent="echo"] button[data-action="fire"]');
    const link = page.locator(".toast a");
    await link.waitFor();
    const id = (await link.textContent())!;
    assertMatch(id, /^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    await page.waitForSelector(`ol.feed li[data-firing="${id}"][data-kind="ok"]`);
    const detail = await (await fetch(`${t.server.url}/api/v1/firings/${id}`)).json();
    assertEquals([detail.status, detail.outcome, detail.by], ["ended", "success", "hand"]);
  },
);
