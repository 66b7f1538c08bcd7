/**
 * GitHub's rate-limit rules (pure tables), the client's discipline on a fake
 * clock (waits, stops, the persisted backoff shared by every client of a
 * token), and the hint each cause of failure gets.
 */
import assert from "node:assert/strict";
import { GitHubApiError, GitHubBackoffError, githubBackoffIn } from "../runner/errors.ts";
import {
  type BackoffEntry,
  type BackoffStore,
  extendHostBackoff,
  hostBackoffStore,
  readHostBackoff,
  tokenKey,
} from "../runner/github/backoff.ts";
import { createGitHubClient } from "../runner/github/client.ts";
import { describeGitHubFailure } from "../runner/github/failures.ts";
import {
  exhaustedUntil,
  rateLimitOf,
  rateLimitWaitS,
  SECONDARY_FLOOR_S,
} from "../runner/github/rate_limit.ts";
import { createComment, listComments } from "../runner/github/rest.ts";
import { fakeClock } from "./support/fake_clock.ts";
import {
  fakeClient,
  type Fault,
  injectedTimeouts,
  startFakeGitHub,
} from "./support/fake_github.ts";
import { withHome } from "./support/helpers.ts";
import { REPO, REPO_S } from "./support/acme_web.ts";

const SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes.";

Deno.test("rate limits are told from permission problems by status, headers and message", () => {
  const cases: [string, Parameters<typeof rateLimitOf>[0], ReturnType<typeof rateLimitOf>][] = [
    ["secondary with retry-after", {
      status: 403,
      headers: { "retry-after": "30" },
      message: SECONDARY,
    }, { limit: "secondary", retryAfterS: 30 }],
    ["secondary, no retry-after", { status: 403, headers: {}, message: SECONDARY }, {
      limit: "secondary",
    }],
    ["secondary as a 429", { status: 429, headers: {}, message: "Too many requests" }, {
      limit: "secondary",
    }],
    ["primary, used up", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000000" },
      message: "API rate limit exceeded for user ID 1.",
    }, { limit: "primary", resetAtMs: 1_800_000_000_000 }],
    ["secondary while the primary is used up", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000000" },
      message: SECONDARY,
    }, { limit: "secondary", resetAtMs: 1_800_000_000_000 }],
    ["a 403 for a missing scope", {
      status: 403,
      headers: { "x-ratelimit-remaining": "4999" },
      message: "Resource not accessible by personal access token",
    }, undefined],
    ["a 404", { status: 404, headers: {}, message: "Not Found" }, undefined],
    ["a 502", { status: 502, headers: { "retry-after": "5" }, message: "Bad gateway" }, undefined],
  ];
  for (const [name, reply, expected] of cases) assert.deepEqual(rateLimitOf(reply), expected, name);
  assert.equal(exhaustedUntil({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "10" }), 10_000);
  assert.equal(
    exhaustedUntil({ "x-ratelimit-remaining": "1", "x-ratelimit-reset": "10" }),
    undefined,
  );
});

Deno.test("waits follow GitHub's rules: retry-after, the reset, a one-minute floor that doubles, writes never sooner", () => {
  const nowMs = 1_800_000_000_000;
  const get = { mutating: false, nowMs };
  const post = { mutating: true, nowMs };
  const cases: [string, Parameters<typeof rateLimitWaitS>, number][] = [
    ["GET, retry-after 5", [{ limit: "secondary", retryAfterS: 5 }, { ...get, repeat: 0 }], 5],
    [
      "GET, retry-after 5, again",
      [{ limit: "secondary", retryAfterS: 5 }, { ...get, repeat: 1 }],
      10,
    ],
    ["GET, no retry-after", [{ limit: "secondary" }, { ...get, repeat: 0 }], 60],
    ["GET, no retry-after, again", [{ limit: "secondary" }, { ...get, repeat: 1 }], 120],
    ["GET, no retry-after, third", [{ limit: "secondary" }, { ...get, repeat: 2 }], 240],
    ["GET, remaining 0, reset in 90 s", [{ limit: "secondary", resetAtMs: nowMs + 90_000 }, {
      ...get,
      repeat: 0,
    }], 91],
    ["POST, retry-after 5", [{ limit: "secondary", retryAfterS: 5 }, { ...post, repeat: 0 }], 60],
    ["POST, retry-after 5, again", [{ limit: "secondary", retryAfterS: 5 }, {
      ...post,
      repeat: 1,
    }], 120],
    [
      "POST, retry-after 120",
      [{ limit: "secondary", retryAfterS: 120 }, { ...post, repeat: 0 }],
      120,
    ],
    ["primary, reset in 30 s", [{ limit: "primary", resetAtMs: nowMs + 30_000 }, {
      ...post,
      repeat: 0,
    }], 31],
    ["primary, reset passed", [{ limit: "primary", resetAtMs: nowMs - 5_000 }, {
      ...get,
      repeat: 0,
    }], 1],
  ];
  for (const [name, args, expected] of cases) assert.equal(rateLimitWaitS(...args), expected, name);
  assert.equal(SECONDARY_FLOOR_S, 60);
});

/** A store in memory, counting reads and writes. */
function memoryStore(): BackoffStore & { entries: Map<string, BackoffEntry> } {
  const entries = new Map<string, BackoffEntry>();
  return {
    entries,
    read: (key) => Promise.resolve(entries.get(key)),
    extend(key, entry) {
      const current = entries.get(key);
      const kept = current && Date.parse(current.until) > Date.parse(entry.until) ? current : entry;
      entries.set(key, kept);
      return Promise.resolve(kept);
    },
  };
}

function faultsInOrder(...faults: (Fault | undefined)[]) {
  let n = 0;
  return () => faults[n++];
}

Deno.test("rate-limit waits on the fake clock: affordable ones are slept through, longer ones stop and persist", async () => {
  await using fake = startFakeGitHub({
    fault: faultsInOrder({ kind: "secondary", retryAfter: 2 }, { kind: "secondary" }),
  });
  const number = fake.addIssue(REPO_S, { title: "x" });
  const clock = fakeClock();
  const store = memoryStore();
  const client = await fakeClient(fake, { clock, backoff: store, who: "lucius" });
  const key = await tokenKey("test-token");
  const started = clock.now();
  // A write with retry-after 2 waits the one-minute floor; its repeat would wait
  // two minutes, more than a firing affords: it stops, and the wait is persisted.
  await assert.rejects(
    createComment(client, { repo: REPO, number }, "hello"),
    (error) => error instanceof GitHubBackoffError && error.limit === "secondary",
  );
  assert.deepEqual(clock.slept, [60_000]);
  const entry = store.entries.get(key);
  assert.equal(entry?.until, new Date(started + 60_000 + 120_000).toISOString());
  assert.equal(entry?.set_by, "lucius");
  assert.match(
    entry?.reason ?? "",
    /^secondary rate limit on POST \/repos\/acme\/web\/issues\/1\/comments$/,
  );
  assert.equal(fake.issue(REPO_S, number).comments.length, 0);
  assert.equal(client.stats.rateLimited, 2);

  // Another client of the same token (another agent on the host): its first
  // request is not sent while the backoff holds longer than it can wait.
  const before = fake.exchanges.length;
  const other = await fakeClient(fake, { clock, backoff: store });
  await assert.rejects(
    listComments(other, { repo: REPO, number }),
    (error) => error instanceof GitHubBackoffError && error.status === 0,
  );
  assert.equal(fake.exchanges.length, before, "no request while the backoff holds");
  // With 30 s left it waits them out, then sends.
  clock.advance(90_000);
  const third = await fakeClient(fake, { clock, backoff: store });
  const waited = clock.slept.length;
  await listComments(third, { repo: REPO, number });
  assert.deepEqual(clock.slept.slice(waited), [30_000]);
  assert.equal(fake.exchanges.length, before + 1);
});

Deno.test("an exhausted primary limit waits for its reset, or stops until it when that is too far", async () => {
  const clock = fakeClock("2026-11-27T09:00:00Z");
  let resetInS = 30;
  let faults = 1;
  await using fake = startFakeGitHub({
    now: () => clock.date(),
    fault: () => (faults-- > 0 ? { kind: "primary", resetInS } : undefined),
  });
  const number = fake.addIssue(REPO_S, { title: "x" });
  const store = memoryStore();
  const client = await fakeClient(fake, { clock, backoff: store });
  await listComments(client, { repo: REPO, number });
  assert.deepEqual(clock.slept, [31_000], "until the reset, and one second more");

  resetInS = 3600;
  faults = 1;
  const other = await fakeClient(fake, { clock, backoff: store });
  const at = clock.now();
  await assert.rejects(
    listComments(other, { repo: REPO, number }),
    (error) =>
      error instanceof GitHubBackoffError && error.limit === "primary" &&
      Date.parse(error.until) === at + 3_601_000,
  );
});

Deno.test("a reply that uses the last request of the hour persists a backoff until the reset", async () => {
  const clock = fakeClock("2026-11-27T09:00:00Z");
  const resetS = Math.floor(clock.now() / 1000) + 600;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      Response.json([], {
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetS) },
      }),
  );
  try {
    const store = memoryStore();
    const client = await createGitHubClient({
      env: (name) =>
        name === "ALFRED_GITHUB_API_URL" ? `http://127.0.0.1:${server.addr.port}` : undefined,
      token: "t",
      backoff: store,
      now: clock.now,
      sleep: clock.sleep,
    });
    assert.deepEqual(await listComments(client, { repo: REPO, number: 1 }), []);
    const entry = store.entries.get(await tokenKey("t"));
    assert.equal(entry?.limit, "primary");
    assert.equal(entry?.until, new Date((resetS + 1) * 1000).toISOString());
    await assert.rejects(listComments(client, { repo: REPO, number: 1 }), GitHubBackoffError);
  } finally {
    await server.shutdown();
  }
});

Deno.test("5xx replies and timeouts are retried 1, 4, 9 s apart, then fail with a hint that fits", async () => {
  await using fake = startFakeGitHub({ timeouts: "signal", fault: () => ({ kind: "502" }) });
  const number = fake.addIssue(REPO_S, { title: "x" });
  const clock = fakeClock();
  const client = await fakeClient(fake, { clock, fetch: injectedTimeouts("a") });
  await assert.rejects(
    listComments(client, { repo: REPO, number }),
    (error) =>
      error instanceof GitHubApiError && !(error instanceof GitHubBackoffError) &&
      error.status === 502 && /502 from GitHub/.test(error.message) &&
      /githubstatus/.test(error.hint ?? "") && !/token/i.test(error.hint ?? ""),
  );
  assert.deepEqual(clock.slept, [1_000, 4_000, 9_000]);

  fake.setFault(() => ({ kind: "timeout", applied: false }));
  await assert.rejects(
    listComments(client, { repo: REPO, number }),
    (error) =>
      error instanceof GitHubApiError && error.status === 0 && /no reply/.test(error.message) &&
      /slow/.test(error.hint ?? "") && !/token/i.test(error.hint ?? ""),
  );
});

Deno.test("each cause of a failed request gets its own hint", () => {
  const reply = (status: number, message: string, headers: Record<string, string> = {}) => ({
    status,
    message,
    response: { headers },
  });
  const timeout = Object.assign(new Error("Signal timed out."), {
    status: 500,
    cause: new DOMException("Signal timed out.", "TimeoutError"),
  });
  const network = Object.assign(new Error("error sending request"), {
    status: 500,
    cause: new TypeError("Connection refused (os error 111)"),
  });
  const cases: [string, unknown, string, RegExp][] = [
    ["secondary", reply(403, SECONDARY, { "retry-after": "60" }), "secondary-limit", /secondary/],
    [
      "primary",
      reply(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1",
      }),
      "primary-limit",
      /hourly/,
    ],
    ["5xx", reply(503, "Service unavailable"), "server", /githubstatus/],
    ["timeout", timeout, "timeout", /slow/],
    ["network", network, "network", /DNS|proxy/],
    ["401", reply(401, "Bad credentials"), "auth", /expired or revoked/],
    [
      "403 scope",
      reply(403, "Resource not accessible by integration"),
      "scope",
      /Issues: Read and write/,
    ],
    ["404", reply(404, "Not Found"), "not-found", /repository name/],
    ["422", reply(422, "Validation Failed"), "refused", /--debug/],
  ];
  const hints = new Set<string>();
  for (const [name, error, cause, hint] of cases) {
    const described = describeGitHubFailure(error);
    assert.equal(described.cause, cause, name);
    assert.match(described.hint, hint, name);
    if (cause !== "scope" && cause !== "auth") assert.doesNotMatch(described.hint, /scope/i, name);
    hints.add(described.hint);
  }
  assert.equal(hints.size, cases.length, "every cause has a hint of its own");
  const network404 = describeGitHubFailure(reply(404, "Not Found"), {
    scopeOn: [403, 404],
    scopeHint: "Pull requests: Read and write",
  });
  assert.equal(
    network404.cause,
    "scope",
    "fine-grained tokens answer 404 for what they cannot see",
  );
});

Deno.test("the host's backoff file keeps the later wait per token, drops expired ones, and survives corruption", async () => {
  await using home = await withHome();
  const at = new Date("2026-11-27T09:00:00Z");
  const entry = (until: string): BackoffEntry => ({
    until,
    limit: "secondary",
    reason: "secondary rate limit on POST /x",
    set_at: at.toISOString(),
    set_by: "lucius",
  });
  const a = await tokenKey("token-a");
  const b = await tokenKey("token-b");
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  await extendHostBackoff(home.layout, a, entry("2026-11-27T09:02:00.000Z"));
  await extendHostBackoff(home.layout, a, entry("2026-11-27T09:01:00.000Z"));
  await extendHostBackoff(home.layout, b, entry("2026-11-27T08:59:00.000Z"));
  assert.equal(
    (await readHostBackoff(home.layout, a, { now: at }))?.until,
    "2026-11-27T09:02:00.000Z",
    "a shorter wait never cuts a longer one",
  );
  const text = await Deno.readTextFile(`${home.layout.stateDir}/github-backoff.json`);
  assert.ok(!text.includes("token-a"), "the token itself is never written");

  await Deno.writeTextFile(`${home.layout.stateDir}/github-backoff.json`, "{ half a file");
  const warnings: string[] = [];
  const store = hostBackoffStore(home.layout, { now: () => at, warn: (m) => warnings.push(m) });
  const kept = await store.read(a);
  assert.ok(kept && Date.parse(kept.until) > at.getTime(), "a corrupt file still holds GitHub off");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /corrupt/);
});

Deno.test("a backoff wrapped by another error is still found, so no wrapper hides the stop", () => {
  const stop = new GitHubBackoffError("stopped", {
    until: "2026-11-27T09:02:00.000Z",
    limit: "secondary",
    reason: "secondary rate limit on GET /x",
    status: 403,
  });
  const wrapped = new GitHubApiError("GitHub get issue failed", { status: 403, cause: stop });
  assert.equal(githubBackoffIn(new Error("outer", { cause: wrapped })), stop);
  assert.equal(githubBackoffIn(new Error("plain")), undefined);
  assert.equal(
    stop.sentinel,
    "[AGENT-GITHUB-BACKOFF] until 2026-11-27T09:02:00.000Z (secondary rate limit on GET /x)",
  );
});
