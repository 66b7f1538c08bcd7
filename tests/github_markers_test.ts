import assert from "node:assert/strict";
import {
  formatMarker,
  type Marker,
  MarkerError,
  parseMarkers,
  scanMarkers,
} from "../runner/claims/markers.ts";
import { alfredTrust, byAlfred } from "./support/helpers.ts";

const TS = "2026-11-27T09:15:00.123Z";
const FIRING = "20261127T091500123Z-a1b2c3";
const common = { codename: "lucius", firing: FIRING, ts: TS, host: "studio" };

const ROUND_TRIP: { name: string; marker: Marker; text: string }[] = [
  {
    name: "claim",
    marker: { kind: "claim", ...common, queue: "agent:implement" },
    text:
      `<!-- alfred:claim codename=lucius firing=${FIRING} ts=${TS} host=studio queue=agent:implement -->`,
  },
  {
    name: "release with a pull request",
    marker: {
      kind: "release",
      ...common,
      outcome: "success",
      transition: "agent:pr-open",
      attempt: 1,
      pr: "https://github.com/acme/web/pull/7",
    },
    text:
      `<!-- alfred:release codename=lucius firing=${FIRING} ts=${TS} host=studio outcome=success ` +
      `transition=agent:pr-open attempt=1 pr=https://github.com/acme/web/pull/7 -->`,
  },
  {
    name: "release without a pull request",
    marker: {
      kind: "release",
      ...common,
      outcome: "failure",
      transition: "agent:implement",
      attempt: 2,
    },
    text:
      `<!-- alfred:release codename=lucius firing=${FIRING} ts=${TS} host=studio outcome=failure ` +
      `transition=agent:implement attempt=2 -->`,
  },
  {
    name: "race-yield",
    marker: { kind: "race-yield", ...common, winner: "20261127T091459000Z-ffffff" },
    text: `<!-- alfred:race-yield codename=lucius firing=${FIRING} ts=${TS} host=studio ` +
      `winner=20261127T091459000Z-ffffff -->`,
  },
  {
    name: "stale-release",
    marker: {
      kind: "stale-release",
      ...common,
      released: "20261127T051500000Z-000000",
      reason: "expired",
      transition: "agent:implement",
      attempt: 1,
    },
    text: `<!-- alfred:stale-release codename=lucius firing=${FIRING} ts=${TS} host=studio ` +
      `released=20261127T051500000Z-000000 reason=expired transition=agent:implement attempt=1 -->`,
  },
];

for (const { name, marker, text } of ROUND_TRIP) {
  Deno.test(`a ${name} marker is written exactly and parses back to the same value`, () => {
    assert.equal(formatMarker(marker), text);
    assert.deepEqual(parseMarkers(byAlfred(`Some prose.\n${text}\nMore prose.`), alfredTrust()), [
      marker,
    ]);
  });
}

Deno.test("markers parse whatever the key order, and ignore unknown keys", () => {
  const text =
    `<!-- alfred:claim host=studio queue=agent:implement future=1 ts=${TS} firing=${FIRING} codename=lucius -->`;
  assert.deepEqual(parseMarkers(byAlfred(text), alfredTrust()), [
    { kind: "claim", ...common, queue: "agent:implement" },
  ]);
});

const MALFORMED: [string, string, RegExp][] = [
  ["unknown kind", `<!-- alfred:hug codename=a firing=b ts=${TS} host=c -->`, /kind/],
  ["missing field", `<!-- alfred:claim codename=a firing=b ts=${TS} host=c -->`, /queue/],
  ["bad time", `<!-- alfred:claim codename=a firing=b ts=yesterday host=c queue=q -->`, /ts/],
  [
    "bad outcome",
    `<!-- alfred:release codename=a firing=b ts=${TS} host=c outcome=meh transition=x attempt=1 -->`,
    /outcome/,
  ],
  [
    "attempt zero",
    `<!-- alfred:release codename=a firing=b ts=${TS} host=c outcome=failure transition=x attempt=0 -->`,
    /attempt/,
  ],
];

Deno.test("malformed markers are skipped by parseMarkers and explained by scanMarkers", () => {
  for (const [name, text, reason] of MALFORMED) {
    assert.deepEqual(parseMarkers(byAlfred(text), alfredTrust()), [], name);
    const [scanned] = scanMarkers(text);
    assert.equal(scanned.ok, false, name);
    if (!scanned.ok) assert.match(scanned.reason, reason, name);
  }
  assert.deepEqual(scanMarkers("<!-- a normal comment --> alfred:claim codename=x"), []);
});

Deno.test("a marker field with a space or a double dash cannot be written", () => {
  for (const host of ["my host", "evil-->x", ""]) {
    assert.throws(
      () => formatMarker({ kind: "claim", ...common, host, queue: "agent:implement" }),
      MarkerError,
      JSON.stringify(host),
    );
  }
});
