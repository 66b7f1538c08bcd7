/**
 * The claim protocol under GitHub faults, deterministically: faults come from
 * per-client seeded streams, timeouts are injected (the fake signals them and
 * the client raises the timeout error at once), and every wait runs on a fake
 * clock. No verdict here depends on how fast the machine is.
 */
import assert from "node:assert/strict";
import {
  ClaimError,
  claimIssue,
  claimState,
  completeTransition,
  markersOf,
  releaseClaim,
  sweepStaleClaims,
} from "../runner/claims/claims.ts";
import { openOrReusePull } from "../runner/git/delivery.ts";
import { GitHubApiError, GitHubBackoffError } from "../runner/errors.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { listComments } from "../runner/github/rest.ts";
import { memoryJournal } from "../runner/claims/transitions.ts";
import { fakeClock } from "./support/fake_clock.ts";
import { alfredTrust } from "./support/helpers.ts";
import {
  fakeClient,
  type FaultContext,
  injectedTimeouts,
  randomFaults,
  startFakeGitHub,
} from "./support/fake_github.ts";
import { QUEUE, REPO, REPO_S } from "./support/acme_web.ts";

/** The fake's token account: whose markers count. */
const TRUSTED = alfredTrust();

const FINAL_LABELS: string[] = [QUEUE, LABELS.prOpen, LABELS.needsHumanScope];
/** One claimant of the single-firing tests. */
const CLAIMANT = {
  codename: "lucius",
  firing: "20261127T091500123Z-a1b2c3",
  host: "studio",
  queue: QUEUE,
  now: () => new Date("2026-11-27T09:15:00Z"),
  trusted: TRUSTED,
};

/**
 * Ten firings on ten hosts race for one issue while the fake injects 502s
 * (before and after the write), secondary rate limits and timeouts (before
 * and after the write); the winner then releases while faults continue. Then,
 * faults off, each host's next firing completes what its journal holds, and
 * one sweep runs. The issue must rest in exactly one state: never stuck in
 * flight, never held by two.
 */
async function raceUnderFaults(seed: number) {
  await using fake = startFakeGitHub({
    timeouts: "signal",
    now: () => new Date("2026-11-27T09:20:00Z"),
    fault: randomFaults({
      seed,
      p502: 0.12,
      p502After: 0.08,
      pSecondary: 0.08,
      retryAfter: 2,
      pTimeout: 0.06,
    }),
  });
  const number = fake.addIssue(REPO_S, { title: "Flaky network", labels: [QUEUE] });
  const hosts = await Promise.all(
    Array.from({ length: 10 }, async (_, n) => ({
      client: await fakeClient(fake, {
        retries: 1,
        clock: fakeClock("2026-11-27T09:15:00Z"),
        fetch: injectedTimeouts(`host-${n}`),
      }),
      journal: memoryJournal(),
    })),
  );
  const counts = { errors: 0, stops: 0, completed: 0 };
  const results = await Promise.all(hosts.map(async ({ client, journal }, n) => {
    try {
      return await claimIssue(client, { repo: REPO, number }, {
        codename: "lucius",
        firing: `20261127T0915${n}0000Z-seed${seed}`,
        host: `host-${n}`,
        queue: QUEUE,
        now: () => new Date(`2026-11-27T09:15:0${n}.000Z`),
        trusted: TRUSTED,
        journal,
      });
    } catch (error) {
      if (error instanceof GitHubBackoffError) counts.stops++;
      else assert.ok(error instanceof ClaimError, `seed ${seed}: unexpected ${error}`);
      counts.errors++;
      return undefined;
    }
  }));
  const claimed = results.flatMap((r, n) =>
    r?.status === "claimed" ? [{ ticket: r.ticket, n }] : []
  );
  assert.ok(claimed.length <= 1, `seed ${seed}: ${claimed.length} firings hold the issue`);
  for (const { ticket, n } of claimed) {
    try {
      await releaseClaim(hosts[n].client, ticket, {
        outcome: seed % 2 ? "success" : "failure",
        transitionTo: seed % 2 ? LABELS.prOpen : undefined,
        now: () => new Date("2026-11-27T10:00:00Z"),
        journal: hosts[n].journal,
      });
    } catch (error) {
      assert.ok(error instanceof GitHubApiError, `seed ${seed}: unexpected ${error}`);
      if (error instanceof GitHubBackoffError) counts.stops++;
      counts.errors++;
    }
  }

  fake.setFault(undefined);
  // The next firing on each host completes what that host's journal holds.
  for (const { journal } of hosts) {
    const next = await fakeClient(fake, { clock: fakeClock("2026-11-27T11:00:00Z") });
    for (const pending of journal.pending()) {
      await completeTransition(next, pending, {
        now: () => new Date("2026-11-27T11:00:00Z"),
        trusted: TRUSTED,
      });
      counts.completed++;
    }
  }
  const repair = await fakeClient(fake);
  await sweepStaleClaims(repair, REPO, {
    codename: "lucius",
    firing: `20261127T1500000000Z-sweep${seed}`,
    host: "repair-host",
    now: () => new Date("2026-11-27T15:00:00Z"),
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
  return { claimed: claimed.length, ...counts, faults: fake.faults };
}

Deno.test("random 502s, secondary rate limits and timeouts never leave a claim stuck or doubled", async () => {
  let claimedRuns = 0;
  let errors = 0;
  let stops = 0;
  let completed = 0;
  const faults: Record<string, number> = {};
  for (let seed = 1; seed <= 12; seed++) {
    const result = await raceUnderFaults(seed);
    claimedRuns += result.claimed;
    errors += result.errors;
    stops += result.stops;
    completed += result.completed;
    for (const [kind, n] of Object.entries(result.faults)) faults[kind] = (faults[kind] ?? 0) + n;
  }
  // The faults bite (some claims fail) and the protocol still makes progress.
  assert.ok(claimedRuns >= 4, `only ${claimedRuns} of 12 races produced a holder`);
  assert.ok(errors >= 1, "no request failed: the fault injection did not exercise anything");
  assert.ok(stops >= 1, "no rate limit ever stopped a firing");
  assert.ok(completed >= 1, "no transition was left for the next firing to complete");
  for (const kind of ["502", "502-after", "secondary", "timeout"]) {
    assert.ok((faults[kind] ?? 0) > 0, `no ${kind} fault was injected: ${JSON.stringify(faults)}`);
  }
});

Deno.test("a secondary rate limit is retried after retry-after, and a timeout is retried, on the clock", async () => {
  const routes: string[] = [];
  let calls = 0;
  await using fake = startFakeGitHub({
    timeouts: "signal",
    fault: (context: FaultContext) => {
      routes.push(context.route);
      calls++;
      if (calls === 1) return { kind: "secondary", retryAfter: 30 };
      if (calls === 2) return { kind: "timeout", applied: false };
      return undefined;
    },
  });
  const number = fake.addIssue(REPO_S, { title: "x", labels: [QUEUE] });
  const clock = fakeClock();
  const client = await fakeClient(fake, { clock, fetch: injectedTimeouts("a") });
  const comments = await listComments(client, { repo: REPO, number });
  assert.deepEqual(comments, []);
  assert.equal(calls, 3);
  // A GET honours retry-after exactly (30 s), then the timeout is retried after 1 s.
  assert.deepEqual(clock.slept, [30_000, 1_000]);

  // A wait longer than a firing affords is not taken: the request stops at once,
  // and the client sends nothing more.
  fake.setFault(() => ({ kind: "secondary", retryAfter: 3600 }));
  const before = fake.exchanges.length;
  await assert.rejects(
    listComments(client, { repo: REPO, number }),
    (error) =>
      error instanceof GitHubBackoffError && error.status === 403 &&
      Date.parse(error.until) === clock.now() + 3_600_000 &&
      /^\[AGENT-GITHUB-BACKOFF\] until \S+ \(secondary rate limit on GET /.test(error.sentinel),
  );
  assert.equal(fake.exchanges.length, before + 1);
  fake.setFault(undefined);
  await assert.rejects(
    listComments(client, { repo: REPO, number }),
    (error) => error instanceof GitHubBackoffError && error.status === 0,
  );
  assert.equal(fake.exchanges.length, before + 1, "nothing is sent after the stop");
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
  const journal = memoryJournal();
  await assert.rejects(
    claimIssue(client, { repo: REPO, number }, { ...CLAIMANT, journal }),
    (error) => error instanceof ClaimError && /labels restored/.test(error.message),
  );
  assert.deepEqual(fake.issue(REPO_S, number).labels, [QUEUE]);
  assert.deepEqual(journal.pending(), [], "a claim fully withdrawn leaves nothing pending");
  const state = claimState(markersOf(await listComments(client, { repo: REPO, number }), TRUSTED));
  assert.equal(state.holder, undefined);
  assert.equal(state.failedAttempts, 0);
});

Deno.test("a release cut off half-way is finished by the next firing from the journal, or by any sweep at once", async () => {
  // Each case lets writes through until `cut` writes have happened, then fails every write.
  const cases: { name: string; cutAfterClaim: number; expected: string; attempts: number }[] = [
    {
      name: "release comment never posted",
      cutAfterClaim: 0,
      expected: LABELS.prOpen,
      attempts: 0,
    },
    {
      name: "release posted, labels not moved",
      cutAfterClaim: 1,
      expected: LABELS.prOpen,
      attempts: 0,
    },
    {
      name: "release posted, one label moved",
      cutAfterClaim: 2,
      expected: LABELS.prOpen,
      attempts: 0,
    },
  ];
  for (const repairBy of ["journal", "sweep"] as const) {
    for (const { name, cutAfterClaim, expected } of cases) {
      let writes = 0;
      let cutAt = Infinity;
      await using fake = startFakeGitHub({
        // The fake's clock stands still, whatever the real date.
        now: () => new Date("2026-11-27T09:30:00Z"),
        fault: (context) => {
          if (context.method === "GET") return undefined;
          return ++writes > cutAt ? { kind: "502" } : undefined;
        },
      });
      const number = fake.addIssue(REPO_S, { title: name, labels: [QUEUE] });
      const client = await fakeClient(fake, { retries: 1 });
      const journal = memoryJournal();
      const claimed = await claimIssue(client, { repo: REPO, number }, { ...CLAIMANT, journal });
      assert.ok(claimed.status === "claimed", name);
      assert.deepEqual(journal.pending(), [], `${name}: the claim ended`);
      cutAt = writes + cutAfterClaim;
      await assert.rejects(
        releaseClaim(client, claimed.ticket, {
          outcome: "success",
          transitionTo: LABELS.prOpen,
          now: () => new Date("2026-11-27T09:45:00Z"),
          journal,
        }),
        GitHubApiError,
        name,
      );
      assert.ok(fake.issue(REPO_S, number).labels.includes(LABELS.inFlight), name);
      assert.equal(journal.pending().length, 1, `${name}: the release is pending`);
      fake.setFault(undefined);
      const now = () => new Date("2026-11-27T10:00:00Z");
      if (repairBy === "journal") {
        // The next firing on this host, whatever its agent: it finishes the release as intended.
        await completeTransition(client, journal.pending()[0], { now, trusted: TRUSTED });
      } else if (cutAfterClaim > 0) {
        // Any firing on any host: a posted release is finished at once (no grace period).
        const swept = await sweepStaleClaims(client, REPO, {
          codename: "batman",
          firing: "20261127T100000000Z-d4e5f6",
          host: "laptop",
          now,
          isFiringAlive: () => false,
          trusted: () => Promise.resolve(TRUSTED),
        });
        assert.deepEqual(swept.map((s) => s.reason), ["unfinished-release"], name);
      } else {
        continue; // nothing was posted: only this host's journal knows the release was due
      }
      const labels = fake.issue(REPO_S, number).labels;
      assert.deepEqual(labels, [expected], `${repairBy}, ${name}: ${labels}`);
      const state = claimState(
        markersOf(await listComments(client, { repo: REPO, number }), TRUSTED),
      );
      assert.equal(state.holder, undefined);
      assert.equal(state.failedAttempts, 0, `${name}: a success is no failed attempt`);
      assert.equal(state.lastRelease?.kind, "release");
    }
  }
});

Deno.test("a pull request whose creation reply was lost is found and reused, never opened twice", async () => {
  let pullPosts = 0;
  await using fake = startFakeGitHub({
    fault: (context) =>
      context.route === "POST /repos/{owner}/{repo}/pulls" && ++pullPosts === 1
        ? { kind: "502-after" }
        : undefined,
  });
  const client = await fakeClient(fake, { retries: 1 });
  const { pull, reused } = await openOrReusePull(client, REPO, {
    codename: "lucius",
    issue: 7,
    pull: { title: "t", head: "agent/lucius/7-x", base: "main", body: "b", draft: false },
  });
  assert.equal(pullPosts, 2, "the POST was retried and refused as a duplicate");
  assert.equal(reused, true);
  assert.equal(fake.pulls(REPO_S).length, 1);
  assert.equal(pull.head.ref, "agent/lucius/7-x");
});
