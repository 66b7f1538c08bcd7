/**
 * A real headless browser for the dashboard's tests: Debian's `chromium`
 * driven by `playwright-core` (which cannot download a browser of its own),
 * with a fresh profile folder that is removed at the end of the scope.
 *
 * @module
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium (scripts/test_tools.sh installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags the browser runs with: headless, no sandbox (root in CI), nothing phoning home. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A running browser with one page. */
export interface TestBrowser extends AsyncDisposable {
  /** The browser context (its profile is a fresh folder). */
  readonly context: BrowserContext;
  /** A page, open on nothing. */
  readonly page: Page;
  /** Messages the page printed to its console, and errors it threw. */
  readonly console: string[];
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (Playwright passes the
 * folder given to `launchPersistentContext` as that flag).
 *
 * @param options The viewport.
 * @returns The browser; dispose it to close it and remove its profile.
 */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {},
): Promise<TestBrowser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch (error) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/test_tools.sh (apt-get install chromium)`,
      { cause: error },
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "alfred-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const messages: string[] = [];
  page.on("console", (message) => messages.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => messages.push(`pageerror: ${error.message}`));
  return {
    context,
    page,
    console: messages,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}
