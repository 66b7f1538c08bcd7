/**
 * The journal of claim transitions: a transition is written down before its
 * first write and crossed out when it ends; one left half-done is completed
 * by the next firing on the host, never while its own firing still runs, and
 * never by two firings at once.
 */
import assert from "node:assert/strict";
import { claimIssue, claimState, completeTransition, markersOf } from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { formatMarker } from "../runner/claims/markers.ts";
import { listComments } from "../runner/github/rest.ts";
import type { PendingTransition } from "../runner/claims/transitions.ts";
import { acquireAgentLock } from "../runner/firing/lock.ts";
import { lockFile } from "../runner/paths.ts";
import {
  completePendingTransitions,
  fileJournal,
  listJournal,
  transitionsDirOf,
} from "../runner/claims/journal.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";
import { alfredTrust, listDir, markersIn, withHome } from "./support/helpers.ts";
import { QUEUE, REPO, REPO_S } from "./support/acme_web.ts";

/** The fake's token account: whose markers count. */
const TRUSTED = alfredTrust();

const FIRING = "20261127T091500123Z-a1b2c3";
const now = () => new Date("2026-11-27T10:00:00Z");

function pending(kind: "claim" | "finish", issue: number): PendingTransition {
  return {
    version: 1,
    kind,
    repo: REPO_S,
    issue,
    codename: "lucius",
    firing: FIRING,
    host: "studio",
    queue: QUEUE,
    claim_ts: "2026-11-27T09:15:00.123Z",
    started_at: "2026-11-27T09:15:00.123Z",
  };
}

const claimMarker = (firing: string) =>
  formatMarker({
    kind: "claim",
    codename: "lucius",
    firing,
    ts: "2026-11-27T09:15:00.123Z",
    host: "studio",
    queue: QUEUE,
  });

function kinds(fake: ReturnType<typeof startFakeGitHub>, number: number): string[] {
  return fake.issue(REPO_S, number).comments.flatMap((c) => markersIn(c.body).map((m) => m.kind));
}

Deno.test("a transition is written down before its first write and crossed out when it ends", async () => {
  await using home = await withHome();
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "x", labels: [QUEUE] });
  const journal = fileJournal(home.layout, { codename: "lucius", firing: FIRING });
  const seen: string[][] = [];
  fake.setFault(() => {
    seen.push(listDirSync(transitionsDirOf(home.layout)));
    return undefined;
  });
  const result = await claimIssue(client, { repo: REPO, number }, {
    codename: "lucius",
    firing: FIRING,
    host: "studio",
    queue: QUEUE,
    now,
    trusted: TRUSTED,
    journal,
  });
  assert.equal(result.status, "claimed");
  assert.ok(seen.length >= 4);
  for (const files of seen) assert.deepEqual(files, [`lucius.${FIRING}.1.json`]);
  assert.deepEqual(await listDir(transitionsDirOf(home.layout)), [], "crossed out");
});

function listDirSync(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

Deno.test("completing a half-done claim: never posted, posted and holding, posted behind another", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);

  // The in-flight label went on, the claim comment never did: the label goes, the queue stays.
  const bare = fake.addIssue(REPO_S, { title: "bare", labels: [QUEUE, LABELS.inFlight] });
  assert.deepEqual(
    await completeTransition(client, pending("claim", bare), { now, trusted: TRUSTED }),
    {
      posted: "none",
      moved: QUEUE,
    },
  );
  assert.deepEqual(fake.issue(REPO_S, bare).labels, [QUEUE]);
  assert.deepEqual(kinds(fake, bare), []);

  // The claim is posted and holds the issue: withdrawn (not an attempt), back to the queue.
  const held = fake.addIssue(REPO_S, { title: "held", labels: [LABELS.inFlight] });
  fake.addComment(REPO_S, held, claimMarker(FIRING), "alfred-bot");
  assert.deepEqual(
    await completeTransition(client, pending("claim", held), { now, trusted: TRUSTED }),
    {
      posted: "release",
      moved: QUEUE,
    },
  );
  assert.deepEqual(fake.issue(REPO_S, held).labels, [QUEUE]);
  const state = claimState(
    markersOf(await listComments(client, { repo: REPO, number: held }), TRUSTED),
  );
  assert.equal(state.holder, undefined);
  assert.equal(state.failedAttempts, 0);
  assert.equal(state.lastRelease?.kind === "release" && state.lastRelease.outcome, "aborted");

  // Another firing's claim came first: ours yields; the holder's labels are left alone.
  const behind = fake.addIssue(REPO_S, { title: "behind", labels: [LABELS.inFlight] });
  fake.addComment(REPO_S, behind, claimMarker("20261127T091500000Z-000000"), "alfred-bot");
  fake.addComment(REPO_S, behind, claimMarker(FIRING), "alfred-bot");
  assert.deepEqual(
    await completeTransition(client, pending("claim", behind), { now, trusted: TRUSTED }),
    {
      posted: "race-yield",
    },
  );
  assert.deepEqual(fake.issue(REPO_S, behind).labels, [LABELS.inFlight]);

  // Completing it again changes nothing.
  const before = fake.issue(REPO_S, held).comments.length;
  assert.deepEqual(
    await completeTransition(client, pending("claim", held), { now, trusted: TRUSTED }),
    {
      posted: "none",
    },
  );
  assert.equal(fake.issue(REPO_S, held).comments.length, before);
});

Deno.test("the next firing completes a dead firing's transitions, never a live one's, and only once", async () => {
  await using home = await withHome();
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const dead = fake.addIssue(REPO_S, { title: "dead", labels: [QUEUE, LABELS.inFlight] });
  const live = fake.addIssue(REPO_S, { title: "live", labels: [QUEUE, LABELS.inFlight] });
  await fileJournal(home.layout, { codename: "lucius", firing: FIRING }).begin(
    pending("claim", dead),
  );
  const liveFiring = "20261127T095900000Z-bbbbbb";
  await fileJournal(home.layout, { codename: "batman", firing: liveFiring }).begin({
    ...pending("claim", live),
    codename: "batman",
    firing: liveFiring,
  });
  const held = await acquireAgentLock(lockFile(home.layout, "batman"), {
    pid: Deno.pid,
    host: "studio",
    firing_id: liveFiring,
    started_at: "2026-11-27T09:59:00.000Z",
  });
  assert.equal(held.kind, "acquired");
  try {
    const lines: string[] = [];
    const options = (firing: string) => ({
      layout: home.layout,
      owner: { codename: "robin", firing },
      now,
      log: (line: string) => lines.push(line),
      trusted: () => Promise.resolve(TRUSTED),
    });
    const [a, b] = await Promise.all([
      completePendingTransitions(client, options("20261127T100000000Z-cccccc")),
      completePendingTransitions(client, options("20261127T100000000Z-dddddd")),
    ]);
    assert.equal(a.completed + b.completed, 1, "two firings never complete the same transition");
    assert.deepEqual(fake.issue(REPO_S, dead).labels, [QUEUE]);
    assert.deepEqual(fake.issue(REPO_S, live).labels, [QUEUE, LABELS.inFlight], "its firing runs");
    assert.deepEqual((await listJournal(home.layout)).map((file) => file.owner.codename), [
      "batman",
    ]);
    assert.match(lines.join("\n"), /completed the unfinished claim of acme\/web#1/);
  } finally {
    if (held.kind === "acquired") await held.lock.release();
  }
  // Once batman's firing is gone, its transition is completed too.
  const report = await completePendingTransitions(client, {
    layout: home.layout,
    owner: { codename: "robin", firing: "20261127T100100000Z-eeeeee" },
    now,
    log: () => {},
    trusted: () => Promise.resolve(TRUSTED),
  });
  assert.deepEqual(report, { completed: 1, left: 0 });
  assert.deepEqual(fake.issue(REPO_S, live).labels, [QUEUE]);
  assert.deepEqual(await listDir(transitionsDirOf(home.layout)), []);
});
