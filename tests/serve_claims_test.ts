/**
 * The claims board against the loopback GitHub fake: issues per claim state
 * across the fleet's repos; read at most once a minute (an injected clock, no
 * waiting), each read conditional, so an idle dashboard costs GitHub's rate
 * limit nothing; problems said plainly.
 */
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { withHome } from "./support/helpers.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";
import type { OperatorContext } from "../runner/control/mod.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { CLAIMS_REFRESH_MS, ClaimsBoard } from "../serve/claims_board.ts";
import { serveEtagFile } from "../serve/files.ts";

const FLEET = `version: 1
repos:
  - name: acme/api
  - name: acme/web
agents:
  lucius: { enabled: true }
`;

async function world() {
  const home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, FLEET);
  const github = startFakeGitHub();
  github.addIssue("acme/api", { title: "Rate-limit login", labels: [LABELS.implement] });
  github.addIssue("acme/api", { title: "Fix the CSV export", labels: [LABELS.inFlight] });
  github.addIssue("acme/api", { title: "Ask the customer", labels: [LABELS.needsHumanScope] });
  github.addIssue("acme/api", { title: "A question", labels: [] });
  github.addIssue("acme/web", { title: "Dark mode", labels: [LABELS.prOpen] });
  let now = new Date("2026-03-01T10:00:00Z");
  const context: OperatorContext = {
    env: home.env({ ALFRED_GITHUB_API_URL: github.url }),
    layout: home.layout,
    stdout: () => {},
    stderr: () => {},
    now: () => now,
    debug: false,
  };
  return {
    home,
    github,
    context,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    async [Symbol.asyncDispose]() {
      await github.close();
      await home[Symbol.asyncDispose]();
    },
  };
}

function boardOf(w: Awaited<ReturnType<typeof world>>): ClaimsBoard {
  return new ClaimsBoard(w.context, {
    client: (context) => fakeClient(w.github, { etagFile: serveEtagFile(context.layout) }),
  });
}

Deno.test("the board groups open issues by claim state, per repo", async () => {
  await using w = await world();
  const board = await boardOf(w).read();
  assertEquals(board.problem, null);
  assertEquals(board.repos.map((repo) => repo.repo), ["acme/api", "acme/web"]);
  const [api, web] = board.repos;
  assertEquals(api.issues.map((issue) => [issue.state, issue.title]), [
    ["queued", "Rate-limit login"],
    ["in-flight", "Fix the CSV export"],
    ["needs-human", "Ask the customer"],
  ]);
  assertEquals(api.counts, {
    "queued": 1,
    "in-flight": 1,
    "pr-open": 0,
    "needs-human": 1,
    "do-not-pickup": 0,
    "other": 1,
  });
  assertEquals(web.issues.map((issue) => issue.state), ["pr-open"]);
  assert(api.issues[0].url.startsWith("https://github.com/acme/api/issues/"));
});

Deno.test("an open dashboard reads GitHub at most once a minute, each time a free 304 when nothing changed", async () => {
  await using w = await world();
  const board = boardOf(w);
  await board.read();
  const first = w.github.exchanges.length;
  assertEquals(first, 2, "one list per repo");
  // Pages asking every few seconds within the minute: answered from memory.
  for (let i = 0; i < 10; i++) {
    w.advance(5_000);
    await board.read();
  }
  assertEquals(w.github.exchanges.length, first);
  // A minute on: one conditional request per repo, unchanged, free.
  w.advance(CLAIMS_REFRESH_MS);
  await board.read();
  const second = w.github.exchanges.slice(first);
  assertEquals(second.map((exchange) => exchange.status), [304, 304]);
  assertEquals(second.filter((exchange) => exchange.charged), []);
  // A change on GitHub shows at the next refresh.
  w.github.addIssue("acme/web", { title: "Broken footer", labels: [LABELS.implement] });
  w.advance(CLAIMS_REFRESH_MS);
  const fresh = await board.read();
  assertEquals(fresh.repos[1].issues.map((issue) => issue.title), ["Dark mode", "Broken footer"]);
  // Concurrent pages share one read.
  w.advance(CLAIMS_REFRESH_MS);
  const before = w.github.exchanges.length;
  await Promise.all([board.read(), board.read(), board.read()]);
  assertEquals(w.github.exchanges.length - before, 2);
});

Deno.test("a restarted dashboard's first read is conditional too (the ETags are kept on disk)", async () => {
  await using w = await world();
  await boardOf(w).read();
  const before = w.github.exchanges.length;
  await boardOf(w).read();
  assertEquals(w.github.exchanges.slice(before).map((exchange) => exchange.status), [304, 304]);
});

Deno.test("the board says plainly what is missing: repos, a token, a readable repo", async () => {
  await using w = await world();
  const noToken = new ClaimsBoard(w.context);
  const problem = (await noToken.read()).problem;
  assert(problem, "a problem is reported");
  assertStringIncludes(problem, "GitHub token");
  await Deno.writeTextFile(w.home.layout.fleetFile, "version: 1\n");
  const noRepos = await boardOf(w).read();
  assertStringIncludes(noRepos.problem!, "lists no repos");
  await Deno.writeTextFile(w.home.layout.fleetFile, FLEET.replace("acme/web", "acme/gone"));
  w.github.setFault(({ route }) => route.includes("issues") ? { kind: "502" } : undefined);
  const broken = await new ClaimsBoard(w.context, {
    client: (context) =>
      fakeClient(w.github, { etagFile: serveEtagFile(context.layout), retries: 0 }),
  }).read();
  assertEquals(broken.problem, null);
  assertEquals(broken.repos.map((repo) => repo.error !== null), [true, true]);
  assertStringIncludes(broken.repos[0].error!, "502");
});
