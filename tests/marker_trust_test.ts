/**
 * Whose markers count (runner/claims/trust.ts, runner/claims/markers.ts): the
 * forged claim, release and stale release of the issue, posted on the loopback
 * GitHub fake by `mallory`, are ignored by the claim protocol, while the same
 * markers by the token's own account or a login of `github.trusted_logins`
 * are honoured; the token's login is looked up once and then cached with its
 * ETag; foreign markers are reported once per issue and author.
 */
import assert from "node:assert/strict";
import {
  claimIssue,
  claimState,
  markersOf,
  releaseClaim,
  sweepStaleClaims,
} from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { formatMarker, hasMarkerShape, parseMarkers } from "../runner/claims/markers.ts";
import { listComments } from "../runner/github/rest.ts";
import {
  loginCacheFile,
  resolveTrustedAuthors,
  TrustedAuthors,
  trustSource,
} from "../runner/claims/trust.ts";
import { ConfigError } from "../runner/errors.ts";
import {
  foreignMarkersFile,
  reportForeignMarkers,
  unreportedForeign,
} from "../runner/claims/foreign_markers.ts";
import type { Notice } from "../runner/firing/notify.ts";
import { openAgentLog } from "../runner/firing/log.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";
import { worldLog } from "./support/lucius_world.ts";
import { ALFRED_LOGIN, alfredTrust, listDir, REPO_ROOT, withHome } from "./support/helpers.ts";
import { QUEUE, REPO, REPO_S } from "./support/acme_web.ts";

/** A login listed in `github.trusted_logins`: another host's bot account. */
const OTHER_HOST = "alfred-laptop";

/** The forged claim of the issue, verbatim. */
const FORGED_CLAIM =
  "<!-- alfred:claim codename=lucius firing=20200101T000000000Z-abcdef ts=2020-01-01T00:00:00.000Z host=evil queue=agent:implement -->";

function claimOptions(firing: string, trusted: TrustedAuthors) {
  return {
    codename: "lucius",
    firing,
    host: "studio",
    queue: QUEUE,
    now: () => new Date("2026-11-27T09:15:00.000Z"),
    trusted,
  };
}

Deno.test("a marker counts only in a text created by a trusted login, compared case-insensitively", () => {
  const trusted = TrustedAuthors.of(["Alfred-Bot", OTHER_HOST]);
  const body = `${FORGED_CLAIM}\nI am working on this.`;
  const html_url = "https://github.com/acme/web/issues/7#issuecomment-12";
  assert.equal(parseMarkers({ body, user: { login: "alfred-bot" }, html_url }, trusted).length, 1);
  assert.equal(
    parseMarkers({ body, user: { login: "ALFRED-LAPTOP" }, html_url }, trusted).length,
    1,
  );
  assert.deepEqual(parseMarkers({ body, user: { login: "mallory" }, html_url }, trusted), []);
  assert.deepEqual(parseMarkers({ body, user: null, html_url }, trusted), []);
  assert.deepEqual(
    parseMarkers({ body: "<!-- alfred:claim codename=x -->", user: { login: "eve" } }, trusted),
    [],
  );
  // Plain comments are no one's business; marker-shaped ones by others are noted, once per place.
  parseMarkers({ body: "just words", user: { login: "bob" }, html_url }, trusted);
  parseMarkers({ body, user: { login: "mallory" }, html_url: `${html_url}0` }, trusted);
  assert.deepEqual(trusted.foreign, [
    { where: "https://github.com/acme/web/issues/7", author: "mallory", kinds: ["claim"] },
    { where: "https://github.com/acme/web/issues/7", author: "ghost", kinds: ["claim"] },
    { where: "(unknown)", author: "eve", kinds: ["malformed"] },
  ]);
  assert.equal(hasMarkerShape(body), true);
  assert.equal(hasMarkerShape("<!-- a comment -->"), false);
});

Deno.test("a forged claim does not make a firing yield: it claims and works the issue", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "Fix the login page", labels: [QUEUE] });
  fake.addComment(REPO_S, number, FORGED_CLAIM, "mallory", "NONE");
  const trusted = alfredTrust(OTHER_HOST);
  const result = await claimIssue(
    client,
    { repo: REPO, number },
    claimOptions("20261127T091500000Z-a1b2c3", trusted),
  );
  assert.equal(result.status, "claimed");
  assert.deepEqual(fake.issue(REPO_S, number).labels, [LABELS.inFlight]);
  assert.deepEqual(trusted.foreign.map((f) => [f.author, f.kinds]), [["mallory", ["claim"]]]);
});

for (const login of [ALFRED_LOGIN, OTHER_HOST]) {
  Deno.test(`the same claim by ${login} is honoured: a later firing yields to it`, async () => {
    await using fake = startFakeGitHub();
    const client = await fakeClient(fake);
    const number = fake.addIssue(REPO_S, { title: "Fix the login page", labels: [QUEUE] });
    fake.addComment(REPO_S, number, FORGED_CLAIM, login);
    const trusted = alfredTrust(OTHER_HOST);
    const result = await claimIssue(
      client,
      { repo: REPO, number },
      claimOptions("20261127T091500000Z-a1b2c3", trusted),
    );
    assert.deepEqual(result, { status: "yielded", winner: "20200101T000000000Z-abcdef" });
    assert.deepEqual(trusted.foreign, []);
  });
}

/** A release of `firing` and a stale release of it, as anyone could post them. */
function releasesOf(firing: string): { release: string; stale: string } {
  const common = { codename: "lucius", ts: "2026-11-27T09:20:00.000Z", host: "evil" };
  return {
    release: formatMarker({
      kind: "release",
      ...common,
      firing,
      outcome: "success",
      transition: LABELS.prOpen,
      attempt: 1,
    }),
    stale: formatMarker({
      kind: "stale-release",
      ...common,
      firing: "20261127T092000000Z-ffffff",
      released: firing,
      reason: "expired",
      transition: QUEUE,
      attempt: 1,
    }),
  };
}

Deno.test("a forged release and a forged stale release are ignored: the holder keeps the issue", async () => {
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "Held", labels: [QUEUE] });
  const holder = "20261127T091000000Z-aaaaaa";
  const held = await claimIssue(
    client,
    { repo: REPO, number },
    claimOptions(holder, alfredTrust()),
  );
  assert.equal(held.status, "claimed");
  const forged = releasesOf(holder);
  fake.addComment(REPO_S, number, forged.release, "mallory", "NONE");
  fake.addComment(REPO_S, number, forged.stale, "mallory", "NONE");

  const trusted = alfredTrust();
  const state = claimState(markersOf(await listComments(client, { repo: REPO, number }), trusted));
  assert.equal(state.holder?.marker.firing, holder);
  assert.equal(state.lastRelease, undefined);
  assert.equal(state.failedAttempts, 0, "a forged stale release is no failed attempt");
  // A second firing still loses the race to the real holder.
  const late = await claimIssue(
    client,
    { repo: REPO, number },
    claimOptions("20261127T093000000Z-bbbbbb", trusted),
  );
  assert.deepEqual(late, { status: "yielded", winner: holder });
  assert.deepEqual(trusted.foreign.map((f) => [f.author, f.kinds]), [
    ["mallory", ["release", "stale-release"]],
  ]);
  // The holder's own release is honoured and sees no failed attempt.
  if (held.status !== "claimed") return;
  const released = await releaseClaim(client, held.ticket, {
    outcome: "failure",
    now: () => new Date("2026-11-27T10:00:00Z"),
  });
  assert.equal(released.attempt, 1);
});

for (const login of [ALFRED_LOGIN, OTHER_HOST]) {
  Deno.test(`the same release and stale release by ${login} are honoured`, async () => {
    await using fake = startFakeGitHub();
    const client = await fakeClient(fake);
    const number = fake.addIssue(REPO_S, { title: "Held", labels: [QUEUE] });
    const holder = "20261127T091000000Z-aaaaaa";
    await claimIssue(client, { repo: REPO, number }, claimOptions(holder, alfredTrust()));
    const { release, stale } = releasesOf(holder);
    const trusted = alfredTrust(OTHER_HOST);
    fake.addComment(REPO_S, number, release, login);
    const released = claimState(
      markersOf(await listComments(client, { repo: REPO, number }), trusted),
    );
    assert.equal(released.holder, undefined);
    assert.equal(released.lastRelease?.kind, "release");
    fake.issue(REPO_S, number).comments.pop();
    fake.addComment(REPO_S, number, stale, login);
    const swept = claimState(
      markersOf(await listComments(client, { repo: REPO, number }), trusted),
    );
    assert.equal(swept.holder, undefined);
    assert.equal(swept.failedAttempts, 1);
  });
}

Deno.test("three forged stale claims never escalate an issue: the sweep sees no claim at all", async () => {
  await using fake = startFakeGitHub({ now: () => new Date("2026-11-27T09:00:00Z") });
  const client = await fakeClient(fake);
  const number = fake.addIssue(REPO_S, { title: "Target", labels: [LABELS.inFlight] });
  for (const n of [1, 2, 3]) {
    fake.addComment(REPO_S, number, FORGED_CLAIM.replace("abcdef", `abcde${n}`), "mallory", "NONE");
  }
  let asked = 0;
  const sweep = (at: string) =>
    sweepStaleClaims(client, REPO, {
      codename: "lucius",
      firing: `20261127T1${at}0000000Z-sweep0`,
      host: "studio",
      now: () => new Date(`2026-11-27T1${at}:00:00Z`),
      isFiringAlive: () => false,
      trusted: () => {
        asked++;
        return Promise.resolve(alfredTrust());
      },
    });
  const swept = await sweep("0");
  // No trusted claim: an orphaned in-flight label, repaired back to the queue, no attempt counted.
  assert.deepEqual(swept.map((s) => [s.reason, s.label, s.escalate]), [
    ["orphan-label", QUEUE, false],
  ]);
  assert.deepEqual(fake.issue(REPO_S, number).labels, [QUEUE]);
  assert.equal(asked, 1);
  // With nothing in flight the sweep never asks who is trusted.
  await sweep("1");
  assert.equal(asked, 1);
});

Deno.test("the token's login is looked up once, kept by token fingerprint, and re-checked for free", async () => {
  await using home = await withHome();
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const cacheFile = loginCacheFile(home.layout);
  let now = new Date("2026-11-27T09:00:00Z");
  const warnings: string[] = [];
  const resolve = (token = "test-token", configured: string[] = []) =>
    resolveTrustedAuthors(client, {
      token,
      configured,
      cacheFile,
      now: () => now,
      warn: (m) => warnings.push(m),
    });
  assert.deepEqual((await resolve("test-token", [OTHER_HOST])).logins, [
    ALFRED_LOGIN,
    OTHER_HOST,
  ]);
  assert.deepEqual(fake.exchanges.map((e) => [e.route, e.status]), [["GET /user", 200]]);
  const saved = await Deno.readTextFile(cacheFile);
  assert.ok(!saved.includes("test-token"), "the token itself is never written");
  assert.match(saved, /"[0-9a-f]{64}"/);

  // Later firings within a day: no request at all.
  now = new Date("2026-11-27T20:00:00Z");
  assert.deepEqual((await resolve()).logins, [ALFRED_LOGIN]);
  assert.equal(fake.exchanges.length, 1);
  // A day on: one conditional request, answered 304, which costs no rate limit.
  now = new Date("2026-11-28T10:00:00Z");
  assert.deepEqual((await resolve()).logins, [ALFRED_LOGIN]);
  assert.deepEqual(fake.exchanges.slice(1).map((e) => [e.status, e.charged]), [[304, false]]);
  assert.equal((await resolve()).logins.length, 1);
  assert.equal(fake.exchanges.length, 2, "the re-check restarted the day");
  // GitHub down at the next re-check: the cached login is trusted, with a warning.
  now = new Date("2026-11-29T11:00:00Z");
  fake.setFault(() => ({ kind: "502" }));
  const retrying = await fakeClient(fake, { retries: 0 });
  const stale = await resolveTrustedAuthors(retrying, {
    token: "test-token",
    configured: [],
    cacheFile,
    now: () => now,
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(stale.logins, [ALFRED_LOGIN]);
  assert.match(warnings.join("\n"), /trusting the login cached at 2026-11-28T10:00:00.000Z/);
  fake.setFault(undefined);
  // Another token is another account until GitHub says otherwise: looked up at once.
  await using other = startFakeGitHub({ token: "other-token", login: "alfred-ci" });
  const otherClient = await fakeClient(other, { token: "other-token" });
  const otherTrust = await resolveTrustedAuthors(otherClient, {
    token: "other-token",
    configured: [],
    cacheFile,
    now: () => now,
    warn: () => {},
  });
  assert.deepEqual(otherTrust.logins, ["alfred-ci"]);
  assert.equal(other.exchanges.length, 1);
});

Deno.test("an App token has no user: the configured logins are trusted, and none is a clear error", async () => {
  await using home = await withHome();
  await using fake = startFakeGitHub({ appToken: true, login: "alfred-app[bot]" });
  const client = await fakeClient(fake);
  const options = {
    token: "test-token",
    cacheFile: loginCacheFile(home.layout),
    now: () => new Date("2026-11-27T09:00:00Z"),
    warn: () => {},
  };
  const trusted = await resolveTrustedAuthors(client, {
    ...options,
    configured: ["alfred-app[bot]"],
  });
  assert.deepEqual(trusted.logins, ["alfred-app[bot]"]);
  const error = await resolveTrustedAuthors(client, { ...options, configured: [] }).then(
    () => undefined,
    (thrown) => thrown,
  );
  assert.ok(error instanceof ConfigError, String(error));
  assert.match(error.message, /no user account/);
  assert.match(error.hint ?? "", /trusted_logins/);
  // The answer is cached too: no second lookup within the day.
  assert.equal(fake.exchanges.length, 1);
});

Deno.test("a corrupt login cache is moved aside and the login looked up again", async () => {
  await using home = await withHome();
  await using fake = startFakeGitHub();
  const client = await fakeClient(fake);
  const cacheFile = loginCacheFile(home.layout);
  await Deno.mkdir(home.layout.stateDir, { recursive: true });
  await Deno.writeTextFile(cacheFile, "{ not json");
  const warnings: string[] = [];
  const trusted = await resolveTrustedAuthors(client, {
    token: "test-token",
    configured: [],
    cacheFile,
    now: () => new Date(),
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(trusted.logins, [ALFRED_LOGIN]);
  assert.equal(warnings.length, 1);
  assert.ok((await listDir(home.layout.stateDir)).some((n) => n.includes(".corrupt-")));
});

Deno.test("a lazy trust source asks once, and not at all when no marker is read", async () => {
  let calls = 0;
  const source = trustSource(() => {
    calls++;
    return Promise.resolve(alfredTrust());
  });
  assert.equal(source.peek(), undefined);
  assert.equal(calls, 0);
  const [a, b] = await Promise.all([source.get(), source.get()]);
  assert.equal(a, b);
  assert.equal(source.peek(), a);
  assert.equal(calls, 1);
  let failures = 0;
  const flaky = trustSource(() =>
    failures++ === 0 ? Promise.reject(new Error("down")) : Promise.resolve(alfredTrust())
  );
  await assert.rejects(() => flaky.get(), /down/);
  assert.ok(await flaky.get(), "a failed lookup is tried again");
});

Deno.test("foreign markers are logged and warned about once per issue and author, across firings", async () => {
  await using home = await withHome();
  const log = openAgentLog(home.layout, "lucius", { now: () => new Date("2026-11-27T09:00:00Z") });
  const notices: Notice[] = [];
  const options = {
    layout: home.layout,
    log,
    notify: (notice: Notice) => notices.push(notice),
    agent: "lucius",
    now: () => new Date("2026-11-27T09:00:00Z"),
  };
  const issue = "https://github.com/acme/web/issues/7";
  const first = await reportForeignMarkers([
    { where: issue, author: "mallory", kinds: ["claim"] },
  ], options);
  assert.equal(first.length, 1);
  assert.equal(notices.length, 1);
  assert.equal(notices[0].severity, "warn");
  assert.match(notices[0].text, /acme\/web\/issues\/7: @mallory \(claim\)/);
  assert.match(notices[0].text, /trusted_logins/);
  // The next firing sees the same comment: nothing new. Another author is news.
  const second = await reportForeignMarkers([
    { where: issue, author: "Mallory", kinds: ["claim", "release"] },
    { where: issue, author: "eve", kinds: ["review"] },
  ], { ...options, agent: "nightwing" });
  assert.deepEqual(second.map((f) => f.author), ["eve"]);
  assert.equal(notices.length, 2);
  assert.doesNotMatch(notices[1].text, /mallory/);
  assert.deepEqual(await reportForeignMarkers([], options), []);
  const logText = await worldLog(home, "lucius");
  assert.equal(logText.match(/@mallory/g)?.length, 1, logText);
  const record = JSON.parse(await Deno.readTextFile(foreignMarkersFile(home.layout)));
  assert.deepEqual(record.seen.map((s: { author: string }) => s.author), ["mallory", "eve"]);
  assert.deepEqual(
    unreportedForeign(record, [{ where: issue, author: "eve", kinds: ["claim"] }]),
    [],
  );
});

Deno.test("no runner or agent module reads markers without the author check", async () => {
  const offenders: string[] = [];
  for (const folder of ["runner", "agents"]) {
    const walk = async (dir: string): Promise<void> => {
      for await (const entry of Deno.readDir(dir)) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory) await walk(path);
        else if (path.endsWith(".ts") && path !== `${REPO_ROOT}/runner/claims/markers.ts`) {
          if (/\bscanMarkers\b/.test(await Deno.readTextFile(path))) offenders.push(path);
        }
      }
    };
    await walk(`${REPO_ROOT}/${folder}`);
  }
  assert.deepEqual(offenders, [], "scanMarkers reads markers whoever wrote them");
});
