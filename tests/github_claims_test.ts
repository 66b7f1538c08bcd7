import assert from "node:assert/strict";
import {
  claimIssue,
  type ClaimResult,
  type ClaimTicket,
  pickAndClaim,
  pickIssue,
  releaseClaim,
  sweepStaleClaims,
} from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";
import { markersIn } from "./support/helpers.ts";
import { alfredTrust } from "./support/helpers.ts";
import { QUEUE, REPO, REPO_S } from "./support/acme_web.ts";

/** The fake's token account: whose markers count. */
const TRUSTED = alfredTrust();

function firingId(n: number): string {
  return `20261127T0915${String(n).padStart(2, "0")}123Z-a1b2c${n % 10}`;
}

async function withTempDir(): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-gh-" });
  return Object.assign(dir, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  }) as unknown as string & AsyncDisposable;
}

Deno.test("ten firings from different hosts race for one issue and exactly one works it", async () => {
  await using fake = startFakeGitHub();
  const number = fake.addIssue(REPO_S, { title: "Fix the login page", labels: [QUEUE] });
  const clients = await Promise.all(Array.from({ length: 10 }, () => fakeClient(fake)));
  const results = await Promise.all(
    clients.map((client, n) =>
      claimIssue(client, { repo: REPO, number }, {
        codename: "lucius",
        firing: firingId(n),
        host: `host-${n}`,
        queue: QUEUE,
        trusted: TRUSTED,
        now: () => new Date(`2026-11-27T09:15:00.${String(100 + n)}Z`),
      })
    ),
  );
  const winners = results.filter((r): r is Extract<ClaimResult, { status: "claimed" }> =>
    r.status === "claimed"
  );
  assert.deepEqual(winners.length, 1);
  const winner = winners[0].ticket.firing;
  for (const result of results) {
    if (result.status === "yielded") assert.deepEqual(result.winner, winner);
  }
  const issue = fake.issue(REPO_S, number);
  assert.deepEqual(issue.labels.sort(), [LABELS.inFlight]);
  const markers = issue.comments.flatMap((c) => markersIn(c.body));
  assert.deepEqual(markers.filter((m) => m.kind === "claim").length, 10);
  assert.deepEqual(markers.filter((m) => m.kind === "race-yield").length, 9);

  await releaseClaim(clients[0], winners[0].ticket, {
    outcome: "success",
    transitionTo: LABELS.prOpen,
    prUrl: "https://github.com/acme/web/pull/7",
    now: () => new Date("2026-11-27T10:00:00Z"),
  });
  assert.deepEqual(fake.issue(REPO_S, number).labels, [LABELS.prOpen]);
  assert.deepEqual(fake.unexpected, []);
});

Deno.test("an idle pick is one request, and the next firing's poll is answered 304", async () => {
  await using fake = startFakeGitHub();
  await using dir = await withTempDir();
  const etagFile = `${dir}/state/lucius/github-etags.json`;
  fake.addIssue(REPO_S, { title: "Sticky", labels: [QUEUE, LABELS.doNotPickup] });

  const first = await fakeClient(fake, { etagFile });
  assert.deepEqual(await pickIssue(first, REPO, { queue: QUEUE }), undefined);
  await first.flush();
  assert.deepEqual(first.stats, { requests: 1, notModified: 0, rateLimited: 0, retried: 0 });

  const rateBefore = fake.rateRemaining();
  const second = await fakeClient(fake, { etagFile });
  assert.deepEqual(await pickIssue(second, REPO, { queue: QUEUE }), undefined);
  assert.deepEqual(second.stats, { requests: 1, notModified: 1, rateLimited: 0, retried: 0 });
  assert.deepEqual(fake.rateRemaining(), rateBefore);
  assert.deepEqual(fake.exchanges.at(-1)?.status, 304);

  // A change is seen on the next poll.
  const number = fake.addIssue(REPO_S, { title: "New work", labels: [QUEUE] });
  const third = await fakeClient(fake, { etagFile });
  assert.deepEqual((await pickIssue(third, REPO, { queue: QUEUE }))?.number, number);
});

Deno.test("a paused repository costs no request, and the oldest pickable issue is picked", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  fake.addIssue(REPO_S, {
    title: "old but sticky",
    labels: [QUEUE, LABELS.needsHumanScope],
    createdAt: "2026-01-01T00:00:00Z",
  });
  fake.addIssue(REPO_S, {
    title: "taken",
    labels: [QUEUE, LABELS.inFlight],
    createdAt: "2026-01-02T00:00:00Z",
  });
  const newer = fake.addIssue(REPO_S, {
    title: "newer",
    labels: [QUEUE],
    createdAt: "2026-01-04T00:00:00Z",
  });
  const older = fake.addIssue(REPO_S, {
    title: "older",
    labels: [QUEUE],
    createdAt: "2026-01-03T00:00:00Z",
  });
  assert.deepEqual(
    await pickIssue(client, REPO, { queue: QUEUE, pausedRepos: [REPO_S] }),
    undefined,
  );
  assert.deepEqual(client.stats.requests, 0);
  assert.deepEqual((await pickIssue(client, REPO, { queue: QUEUE }))?.number, older);
  assert.ok(newer !== older);
});

async function failOnce(
  client: Awaited<ReturnType<typeof fakeClient>>,
  ticket: ClaimTicket,
  at: string,
) {
  return await releaseClaim(client, ticket, { outcome: "failure", now: () => new Date(at) });
}

Deno.test("the third failed attempt moves the issue to needs:human-scope and asks for a warning", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "Hard one", labels: [QUEUE] });
  const results = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ticket = await pickAndClaim(client, REPO, {
      codename: "lucius",
      firing: firingId(attempt),
      host: "studio",
      queue: QUEUE,
      trusted: TRUSTED,
      now: () => new Date(`2026-11-27T0${attempt}:00:00Z`),
    });
    assert.deepEqual(ticket?.issue.number, number);
    results.push(await failOnce(client, ticket!, `2026-11-27T0${attempt}:30:00Z`));
  }
  assert.deepEqual(results.map((r) => [r.attempt, r.label, r.escalate]), [
    [1, QUEUE, false],
    [2, QUEUE, false],
    [3, LABELS.needsHumanScope, true],
  ]);
  assert.deepEqual(fake.issue(REPO_S, number).labels, [LABELS.needsHumanScope]);
  const none = await pickIssue(client, REPO, { queue: QUEUE });
  assert.deepEqual(none, undefined);
});

Deno.test("the sweep releases a dead local firing at once and a foreign claim only when stale", async () => {
  let fakeNow = new Date("2026-11-27T09:00:00Z");
  await using fake = startFakeGitHub({ now: () => fakeNow });
  await using dir = await withTempDir();
  const client = await fakeClient(fake, { etagFile: `${dir}/etags.json` });
  const local = fake.addIssue(REPO_S, { title: "local", labels: [QUEUE] });
  const foreign = fake.addIssue(REPO_S, { title: "foreign", labels: [QUEUE] });
  const claimAt = () => new Date("2026-11-27T09:00:00Z");
  const mine = await claimIssue(client, { repo: REPO, number: local }, {
    codename: "lucius",
    firing: firingId(1),
    host: "studio",
    queue: QUEUE,
    trusted: TRUSTED,
    now: claimAt,
  });
  const theirs = await claimIssue(client, { repo: REPO, number: foreign }, {
    codename: "batman",
    firing: firingId(2),
    host: "laptop",
    queue: QUEUE,
    trusted: TRUSTED,
    now: claimAt,
  });
  assert.equal(mine.status, "claimed");
  assert.equal(theirs.status, "claimed");

  const sweeper = { codename: "lucius", firing: firingId(3), host: "studio" };
  const alive = new Set([firingId(1), firingId(2)]);
  const sweep = (at: string) =>
    sweepStaleClaims(client, REPO, {
      ...sweeper,
      now: () => new Date(at),
      isFiringAlive: (claim) => alive.has(claim.firing),
      trusted: () => Promise.resolve(TRUSTED),
    });

  assert.deepEqual(await sweep("2026-11-27T09:30:00Z"), []);
  alive.clear(); // both firings died
  const first = await sweep("2026-11-27T10:00:00Z");
  assert.deepEqual(first.map((s) => [s.number, s.reason, s.label]), [[
    local,
    "dead-firing",
    QUEUE,
  ]]);
  assert.deepEqual(fake.issue(REPO_S, local).labels, [QUEUE]);
  assert.deepEqual(fake.issue(REPO_S, foreign).labels, [LABELS.inFlight]);

  const later = await sweep("2026-11-27T13:00:01Z");
  assert.deepEqual(later.map((s) => [s.number, s.reason, s.label]), [[foreign, "expired", QUEUE]]);
  assert.deepEqual(fake.issue(REPO_S, foreign).labels, [QUEUE]);

  // Nothing in flight: the sweep is one request, answered 304.
  fakeNow = new Date("2026-11-27T14:00:00Z");
  await sweep("2026-11-27T14:00:00Z");
  const before = { ...client.stats };
  assert.deepEqual(await sweep("2026-11-27T14:05:00Z"), []);
  assert.deepEqual(client.stats, {
    ...before,
    requests: before.requests + 1,
    notModified: before.notModified + 1,
  });

  // The swept claim counts as a failed attempt.
  const again = await pickAndClaim(client, REPO, {
    codename: "lucius",
    firing: firingId(4),
    host: "studio",
    queue: QUEUE,
    trusted: TRUSTED,
    now: () => new Date("2026-11-27T15:00:00Z"),
  });
  assert.ok(again);
  const released = await releaseClaim(client, again, {
    outcome: "failure",
    now: () => new Date("2026-11-27T15:30:00Z"),
  });
  assert.equal(released.attempt, 2);
});

Deno.test("the sweep repairs an in-flight label left without a claim, after the grace period", async () => {
  await using fake = startFakeGitHub({ now: () => new Date("2026-11-27T09:00:00Z") });
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "orphan", labels: [LABELS.inFlight] });
  const options = {
    codename: "lucius",
    firing: firingId(5),
    host: "studio",
    isFiringAlive: () => false,
    trusted: () => Promise.resolve(TRUSTED),
  };
  assert.deepEqual(
    await sweepStaleClaims(client, REPO, {
      ...options,
      now: () => new Date("2026-11-27T09:05:00Z"),
    }),
    [],
  );
  const swept = await sweepStaleClaims(client, REPO, {
    ...options,
    now: () => new Date("2026-11-27T09:30:00Z"),
  });
  assert.deepEqual(swept.map((s) => [s.reason, s.released, s.label]), [[
    "orphan-label",
    "none",
    QUEUE,
  ]]);
  assert.deepEqual(fake.issue(REPO_S, number).labels, [QUEUE]);
});
