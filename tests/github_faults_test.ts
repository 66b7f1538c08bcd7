import assert from "node:assert/strict";
import {
  ClaimError,
  claimIssue,
  claimState,
  markersOf,
  releaseClaim,
  sweepStaleClaims,
} from "../runner/github/claims.ts";
import { GitHubApiError } from "../runner/github/client.ts";
import { LABELS } from "../runner/github/labels.ts";
import { listComments } from "../runner/github/rest.ts";
import { fakeClient, type FaultContext, randomFaults, startFakeGitHub } from "./fake_github.ts";
import { alfredTrust } from "./helpers.ts";

/** The fake's token account: whose markers count. */
const TRUSTED = alfredTrust();

const REPO = { owner: "acme", name: "web" };
const REPO_S = "acme/web";
const QUEUE = LABELS.implement;
const FINAL_LABELS: string[] = [QUEUE, LABELS.prOpen, LABELS.needsHumanScope];

/**
 * Ten firings race for one issue while the fake injects faults; the winner then
 * releases (success or failure) while faults continue. Afterwards, with faults
 * off, one sweep by a host that sees every firing dead must leave the issue in
 * exactly one resting state: never stuck in flight, never held by two.
 */
async function raceUnderFaults(seed: number): Promise<{ claimed: number; errors: number }> {
  await using fake = startFakeGitHub({
    fault: randomFaults({
      seed,
      p502: 0.12,
      p502After: 0.08,
      pSecondary: 0.08,
      retryAfter: 2,
      pSlow: 0.06,
      slowMs: 250,
    }),
  });
  const number = fake.addIssue(REPO_S, { title: "Flaky network", labels: [QUEUE] });
  const clients = await Promise.all(
    Array.from({ length: 10 }, () => fakeClient(fake, { retries: 1, timeoutMs: 100 })),
  );
  let errors = 0;
  const results = await Promise.all(clients.map(async (client, n) => {
    try {
      return await claimIssue(client, { repo: REPO, number }, {
        codename: "lucius",
        firing: `20261127T0915${n}0000Z-seed${seed}`,
        host: `host-${n}`,
        queue: QUEUE,
        trusted: TRUSTED,
        now: () => new Date(`2026-11-27T09:15:0${n}.000Z`),
      });
    } catch (error) {
      assert.ok(error instanceof ClaimError, `unexpected ${error}`);
      errors++;
      return undefined;
    }
  }));
  const claimed = results.flatMap((r, n) =>
    r?.status === "claimed" ? [{ ticket: r.ticket, n }] : []
  );
  assert.ok(claimed.length <= 1, `seed ${seed}: ${claimed.length} firings hold the issue`);
  for (const { ticket, n } of claimed) {
    try {
      await releaseClaim(clients[n], ticket, {
        outcome: seed % 2 ? "success" : "failure",
        transitionTo: seed % 2 ? LABELS.prOpen : undefined,
        now: () => new Date("2026-11-27T10:00:00Z"),
      });
    } catch (error) {
      assert.ok(error instanceof GitHubApiError, `unexpected ${error}`);
      errors++;
    }
  }

  fake.setFault(undefined);
  const repair = await fakeClient(fake);
  await sweepStaleClaims(repair, REPO, {
    codename: "lucius",
    firing: `20261127T1500000000Z-sweep${seed}`,
    host: "repair-host",
    now: () => new Date("2026-11-27T15:00:00Z"),
    orphanGraceMs: 0,
    isFiringAlive: () => false,
    trusted: () => Promise.resolve(TRUSTED),
  });
  const issue = fake.issue(REPO_S, number);
  const state = claimState(markersOf(await listComments(repair, { repo: REPO, number }), TRUSTED));
  assert.equal(state.holder, undefined, `seed ${seed}: a claim is still open`);
  assert.ok(
    !issue.labels.includes(LABELS.inFlight),
    `seed ${seed}: stuck in flight ${issue.labels}`,
  );
  const resting = issue.labels.filter((label) => FINAL_LABELS.includes(label));
  assert.equal(resting.length, 1, `seed ${seed}: labels ${issue.labels}`);
  assert.deepEqual(fake.unexpected, []);
  return { claimed: claimed.length, errors };
}

Deno.test("random 502s, secondary rate limits and timeouts never leave a claim stuck or doubled", async () => {
  let claimedRuns = 0;
  let errors = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const result = await raceUnderFaults(seed);
    claimedRuns += result.claimed;
    errors += result.errors;
  }
  // The faults bite (some claims fail) and the protocol still makes progress.
  assert.ok(claimedRuns >= 4, `only ${claimedRuns} of 8 races produced a holder`);
  assert.ok(errors >= 1, "no request failed: the fault injection did not exercise anything");
});

Deno.test("a secondary rate limit is retried after retry-after, and a timeout is retried", async () => {
  const routes: string[] = [];
  let calls = 0;
  await using fake = startFakeGitHub({
    fault: (context: FaultContext) => {
      routes.push(context.route);
      calls++;
      if (calls === 1) return { kind: "secondary", retryAfter: 30 };
      if (calls === 2) return { kind: "slow", ms: 400 };
      return undefined;
    },
  });
  const number = fake.addIssue(REPO_S, { title: "x", labels: [QUEUE] });
  const client = await fakeClient(fake, { retryUnitMs: 2, timeoutMs: 150 });
  const started = performance.now();
  const comments = await listComments(client, { repo: REPO, number });
  const elapsed = performance.now() - started;
  assert.deepEqual(comments, []);
  assert.equal(calls, 3);
  assert.ok(elapsed >= 60 + 150, `waited only ${elapsed} ms`); // 30 units of 2 ms, then the timeout

  // A wait longer than allowed is not taken: the request fails at once.
  fake.setFault(() => ({ kind: "secondary", retryAfter: 3600 }));
  await assert.rejects(
    listComments(client, { repo: REPO, number }),
    (error) => error instanceof GitHubApiError && error.status === 403,
  );
});

Deno.test("a failed claim comment is withdrawn and the labels go back to the queue", async () => {
  await using fake = startFakeGitHub({
    fault: (context) =>
      context.route.startsWith("POST") && context.route.endsWith("/comments") && context.index < 4
        ? { kind: "502-after" }
        : undefined,
  });
  const number = fake.addIssue(REPO_S, { title: "x", labels: [QUEUE] });
  const client = await fakeClient(fake, { retries: 1 });
  await assert.rejects(
    claimIssue(client, { repo: REPO, number }, {
      codename: "lucius",
      firing: "20261127T091500123Z-a1b2c3",
      host: "studio",
      queue: QUEUE,
      trusted: TRUSTED,
      now: () => new Date("2026-11-27T09:15:00Z"),
    }),
    (error) => error instanceof ClaimError && /labels restored/.test(error.message),
  );
  assert.deepEqual(fake.issue(REPO_S, number).labels, [QUEUE]);
  const state = claimState(markersOf(await listComments(client, { repo: REPO, number }), TRUSTED));
  assert.equal(state.holder, undefined);
  assert.equal(state.failedAttempts, 0);
});

Deno.test("a release cut off half-way is repaired by the next sweep, never left stuck", async () => {
  // Each case lets writes through until `cut` writes have happened, then fails every write.
  const cases: { name: string; cutAfterClaim: number; expected: string }[] = [
    { name: "release comment never posted", cutAfterClaim: 0, expected: QUEUE },
    { name: "release posted, labels not moved", cutAfterClaim: 1, expected: LABELS.prOpen },
    { name: "release posted, one label moved", cutAfterClaim: 2, expected: LABELS.prOpen },
  ];
  for (const { name, cutAfterClaim, expected } of cases) {
    let writes = 0;
    let cutAt = Infinity;
    await using fake = startFakeGitHub({
      // The fake's clock stands still before the sweep's `now`, whatever the real date.
      now: () => new Date("2026-11-27T09:30:00Z"),
      fault: (context) => {
        if (context.method === "GET") return undefined;
        return ++writes > cutAt ? { kind: "502" } : undefined;
      },
    });
    const number = fake.addIssue(REPO_S, { title: name, labels: [QUEUE] });
    const client = await fakeClient(fake, { retries: 1 });
    const claimed = await claimIssue(client, { repo: REPO, number }, {
      codename: "lucius",
      firing: "20261127T091500123Z-a1b2c3",
      host: "studio",
      queue: QUEUE,
      trusted: TRUSTED,
      now: () => new Date("2026-11-27T09:15:00Z"),
    });
    assert.ok(claimed.status === "claimed", name);
    cutAt = writes + cutAfterClaim;
    await assert.rejects(
      releaseClaim(client, claimed.ticket, {
        outcome: "success",
        transitionTo: LABELS.prOpen,
        now: () => new Date("2026-11-27T09:45:00Z"),
      }),
      GitHubApiError,
      name,
    );
    assert.ok(fake.issue(REPO_S, number).labels.includes(LABELS.inFlight), name);
    fake.setFault(undefined);
    // The next firing on this host: its predecessor is dead, so no 4 h wait.
    const swept = await sweepStaleClaims(client, REPO, {
      codename: "lucius",
      firing: "20261127T100000000Z-d4e5f6",
      host: "studio",
      now: () => new Date("2026-11-27T10:00:00Z"),
      orphanGraceMs: 0,
      isFiringAlive: () => false,
      trusted: () => Promise.resolve(TRUSTED),
    });
    assert.equal(swept.length, 1, name);
    const labels = fake.issue(REPO_S, number).labels;
    assert.ok(!labels.includes(LABELS.inFlight), `${name}: ${labels}`);
    assert.ok(labels.includes(expected), `${name}: ${labels}`);
  }
});
