import assert from "node:assert/strict";
import {
  claimState,
  isPickable,
  raceVerdict,
  releaseTransition,
  sweepVerdict,
  unfinishedMove,
} from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import type { Marker } from "../runner/claims/markers.ts";

const Q = LABELS.implement;
const T = "2026-11-27T09:00:00.000Z";
const who = (firing: string, host = `h-${firing}`) => ({ codename: "lucius", firing, ts: T, host });
const claim = (firing: string, host?: string): Marker => ({
  kind: "claim",
  ...who(firing, host),
  queue: Q,
});
const yieldTo = (firing: string, winner: string): Marker => ({
  kind: "race-yield",
  ...who(firing),
  winner,
});
const release = (firing: string, outcome: "success" | "failure" | "aborted"): Marker => ({
  kind: "release",
  ...who(firing),
  outcome,
  transition: Q,
  attempt: 1,
});
const stale = (
  released: string,
  reason: "dead-firing" | "expired" | "orphan-label" = "expired",
): Marker => ({
  kind: "stale-release",
  ...who("sweeper"),
  released,
  reason,
  transition: Q,
  attempt: 1,
});
const seq = (...markers: Marker[]) => markers.map((marker, i) => ({ marker, commentId: 100 + i }));

Deno.test("claim state: the holder is the earliest open claim in GitHub's comment order", () => {
  const cases: [string, Marker[], string | undefined, number][] = [
    ["no markers", [], undefined, 0],
    ["one claim", [claim("a")], "a", 0],
    ["first comment wins even with a later ts", [claim("b"), claim("a")], "b", 0],
    ["loser yields", [claim("a"), claim("b"), yieldTo("b", "a")], "a", 0],
    ["holder yields, next holds", [claim("a"), claim("b"), yieldTo("a", "b")], "b", 0],
    [
      "holder release ends the round",
      [claim("a"), claim("b"), release("a", "success")],
      undefined,
      0,
    ],
    [
      "a loser's abort leaves the holder",
      [claim("a"), claim("b"), release("b", "aborted")],
      "a",
      0,
    ],
    [
      "failures count",
      [claim("a"), release("a", "failure"), claim("b"), release("b", "failure")],
      undefined,
      2,
    ],
    [
      "a duplicated release counts once",
      [claim("a"), release("a", "failure"), release("a", "failure")],
      undefined,
      1,
    ],
    [
      "success resets the count",
      [claim("a"), release("a", "failure"), claim("b"), release("b", "success")],
      undefined,
      0,
    ],
    [
      "stale release counts, orphan repair does not",
      [claim("a"), stale("a"), stale("none", "orphan-label")],
      undefined,
      1,
    ],
    [
      "a duplicate claim by one firing keeps its first place",
      [claim("a"), claim("b"), claim("a")],
      "a",
      0,
    ],
    ["new round after release", [claim("a"), release("a", "failure"), claim("c")], "c", 1],
  ];
  for (const [name, markers, holder, failed] of cases) {
    const state = claimState(seq(...markers));
    assert.equal(state.holder?.marker.firing, holder, name);
    assert.equal(state.failedAttempts, failed, name);
  }
});

Deno.test("race verdicts: won, lost to the holder, or missing until read again", () => {
  const state = claimState(seq(claim("a"), claim("b")));
  assert.deepEqual(raceVerdict(state, "a", { claimed: false }), { verdict: "won" });
  assert.deepEqual(raceVerdict(state, "b", { claimed: false }), { verdict: "lost", winner: "a" });
  assert.deepEqual(raceVerdict(state, "c", { claimed: false }), { verdict: "missing" });
  assert.deepEqual(raceVerdict(state, "c", { claimed: true }), { verdict: "lost", winner: "a" });
  const ended = claimState(seq(claim("a"), claim("b"), release("a", "success")));
  assert.deepEqual(raceVerdict(ended, "b", { claimed: true }), { verdict: "lost", winner: "none" });
});

Deno.test("release transitions follow the outcome and the attempt", () => {
  const cases: [
    Parameters<typeof releaseTransition>[0],
    string | undefined,
    number,
    string,
    boolean,
  ][] = [
    ["success", LABELS.prOpen, 1, LABELS.prOpen, false],
    ["success", LABELS.done, 3, LABELS.done, false],
    ["success", undefined, 1, LABELS.prOpen, false],
    ["failure", undefined, 1, Q, false],
    ["failure", undefined, 2, Q, false],
    ["failure", undefined, 3, LABELS.needsHumanScope, true],
    ["failure", LABELS.planPendingApproval, 1, LABELS.planPendingApproval, false],
    ["failure", LABELS.planPendingApproval, 4, LABELS.needsHumanScope, true],
    ["aborted", LABELS.prOpen, 5, Q, false],
  ];
  for (const [outcome, transitionTo, attempt, label, escalate] of cases) {
    assert.deepEqual(
      releaseTransition(outcome, { transitionTo, attempt, queue: Q }),
      { label, escalate },
      `${outcome} ${transitionTo} ${attempt}`,
    );
  }
});

Deno.test("sweep verdicts: alive kept, own dead at once, foreign only when stale, orphans after grace", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  const held = (host: string) => claimState(seq(claim("a", host)));
  const base = {
    updatedAt: new Date("2026-11-27T09:00:00Z"),
    now,
    host: "studio",
    staleAfterMs: 4 * 3600_000,
  };
  const cases: [string, Parameters<typeof sweepVerdict>[0], string][] = [
    ["alive", { ...base, state: held("studio"), alive: true }, "keep"],
    ["own host dead", { ...base, state: held("studio"), alive: false }, "dead-firing"],
    ["foreign dead, 3 h old", { ...base, state: held("laptop"), alive: false }, "keep"],
    ["foreign dead, 5 h old", {
      ...base,
      state: held("laptop"),
      alive: false,
      now: new Date("2026-11-27T14:00:01Z"),
    }, "expired"],
    ["foreign alive, 5 h old", {
      ...base,
      state: held("laptop"),
      alive: true,
      now: new Date("2026-11-27T14:00:01Z"),
    }, "keep"],
    ["orphan, fresh", {
      ...base,
      state: claimState([]),
      alive: false,
      updatedAt: new Date("2026-11-27T11:55:00Z"),
    }, "keep"],
    ["orphan, quiet", { ...base, state: claimState([]), alive: false }, "orphan-label"],
  ];
  for (const [name, input, expected] of cases) {
    const verdict = sweepVerdict(input);
    assert.equal(verdict.action === "release" ? verdict.reason : verdict.action, expected, name);
  }
  const third = claimState(
    seq(
      claim("x"),
      release("x", "failure"),
      claim("y"),
      release("y", "failure"),
      claim("a", "studio"),
    ),
  );
  const verdict = sweepVerdict({ ...base, state: third, alive: false });
  assert.ok(verdict.action === "release");
  assert.deepEqual([verdict.attempt, verdict.transition], [3, {
    label: LABELS.needsHumanScope,
    escalate: true,
  }]);
  const afterPr = claimState(
    seq(claim("a"), { ...release("a", "success"), transition: LABELS.prOpen } as Marker),
  );
  const repaired = sweepVerdict({ ...base, state: afterPr, alive: false });
  assert.ok(repaired.action === "release");
  assert.equal(repaired.transition.label, LABELS.prOpen);
});

Deno.test("a posted release's label move is finished at once; the orphan grace is only for no marker", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  const fresh = new Date("2026-11-27T11:59:00Z");
  const quiet = new Date("2026-11-27T11:00:00Z");
  const IN = LABELS.inFlight;
  const toPr = { ...release("a", "success"), transition: LABELS.prOpen } as Marker;
  const cases: [string, Marker[], string[], Date, string][] = [
    ["release to pr-open posted, nothing moved", [claim("a"), toPr], [IN], fresh, "finish"],
    [
      "release to the queue posted, queue added",
      [claim("a"), release("a", "failure")],
      [IN, Q],
      fresh,
      "finish",
    ],
    ["stale release posted, nothing moved", [claim("a"), stale("a")], [IN], fresh, "finish"],
    [
      "release to pr-open, queued again by a human (a claim may be starting)",
      [claim("a"), toPr],
      [IN, Q],
      fresh,
      "keep",
    ],
    ["the same, quiet for the grace period", [claim("a"), toPr], [IN, Q], quiet, "orphan-label"],
    ["no marker at all, fresh", [], [IN, Q], fresh, "keep"],
    ["no marker at all, quiet", [], [IN, Q], quiet, "orphan-label"],
    ["a claim holds it", [claim("a", "laptop")], [IN], fresh, "keep"],
  ];
  for (const [name, markers, labels, updatedAt, expected] of cases) {
    const verdict = sweepVerdict({
      state: claimState(seq(...markers)),
      labels,
      updatedAt,
      now,
      host: "studio",
      alive: false,
    });
    assert.equal(verdict.action === "release" ? verdict.reason : verdict.action, expected, name);
  }
  const finished = sweepVerdict({
    state: claimState(seq(claim("a"), toPr)),
    labels: [IN],
    updatedAt: fresh,
    now,
    host: "studio",
    alive: false,
  });
  assert.deepEqual(finished, { action: "finish", label: LABELS.prOpen });
  const requeued = sweepVerdict({
    state: claimState(seq(claim("a"), toPr)),
    labels: [IN, Q],
    updatedAt: quiet,
    now,
    host: "studio",
    alive: false,
  });
  assert.ok(requeued.action === "release");
  assert.equal(requeued.transition.label, Q, "a human queued it again: back to the queue");
});

Deno.test("the move a half-done transition owes: none while held, the release's label, or the queue for an own claim", () => {
  const IN = LABELS.inFlight;
  const held = claimState(seq(claim("a")));
  assert.equal(unfinishedMove(held, [IN], { claimAttempt: true }), undefined);
  const released = claimState(seq(claim("a"), release("a", "failure")));
  assert.equal(unfinishedMove(released, [IN, Q], { claimAttempt: false }), Q);
  assert.equal(unfinishedMove(released, [Q], { claimAttempt: false }), undefined, "already moved");
  const nothing = claimState([]);
  assert.equal(unfinishedMove(nothing, [IN, Q], { claimAttempt: false }), undefined);
  assert.equal(unfinishedMove(nothing, [IN, Q], { claimAttempt: true }), Q);
  const yielded = claimState(seq(claim("a"), yieldTo("a", "none")));
  assert.equal(unfinishedMove(yielded, [IN, Q], { claimAttempt: true, queue: Q }), Q);
});

Deno.test("only queued issues without sticky or taken labels are pickable", () => {
  const cases: [string[], boolean][] = [
    [[Q], true],
    [[Q, "bug"], true],
    [["bug"], false],
    [[Q, LABELS.doNotPickup], false],
    [[Q, LABELS.needsHumanScope], false],
    [[Q, LABELS.planPendingApproval], false],
    [[Q, LABELS.inFlight], false],
    [[Q, LABELS.prOpen], false],
    [[Q, LABELS.done], false],
  ];
  for (const [labels, expected] of cases) {
    assert.equal(isPickable(labels, Q), expected, labels.join(","));
  }
});
