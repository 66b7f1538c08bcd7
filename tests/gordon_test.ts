/**
 * Gordon end to end: `agents/gordon/mod.ts` under exactly alfred-gordon's
 * permissions (Sentry's host given as the loopback stand-in), real git, the
 * real `aws` CLI (Debian's, `--endpoint-url`) against a loopback ECS, a
 * loopback Sentry API and a loopback Slack webhook.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import {
  type CommitFacts,
  commitOfImage,
  driftVerdict,
  GORDON_SENTINELS,
  problemsOf,
  topErrorGroups,
} from "../agents/gordon/work.ts";
import { startFakeAws } from "./support/fake_aws.ts";
import { gitWith } from "./support/git_repo.ts";
import type { CliResult } from "./support/helpers.ts";
import { createLuciusWorld, type LuciusWorld } from "./support/lucius_world.ts";
import {
  assertOneReport,
  fireUnderFlags,
  fleetYamlFor,
  setUpAws,
} from "./support/reader_firing.ts";

const TASK = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7";
const SENTRY_TOKEN = "sntrys_test_token_0123456789";

/** Commits on main with a committer date `hoursAgo` in the past; returns its SHA. */
async function commitOnMain(world: LuciusWorld, hoursAgo: number): Promise<string> {
  const date = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  const env = {
    ...world.env(),
    HOME: world.root,
    GIT_AUTHOR_NAME: "Dev",
    GIT_AUTHOR_EMAIL: "dev@example.invalid",
    GIT_COMMITTER_NAME: "Dev",
    GIT_COMMITTER_EMAIL: "dev@example.invalid",
    GIT_COMMITTER_DATE: date,
    GIT_AUTHOR_DATE: date,
  };
  const git = gitWith(env);
  const run = async (args: string[]) => (await git(world.checkout, args)).trim();
  await Deno.writeTextFile(`${world.checkout}/feature-${hoursAgo}.txt`, "x\n");
  await run(["add", "."]);
  await run(["commit", "--quiet", "-m", `Feature from ${hoursAgo} h ago`]);
  await run(["push", "--quiet", "origin", "HEAD:main"]);
  return await run(["rev-parse", "HEAD"]);
}

/** Fires Gordon under its binary's flags with its own AWS profile; it must exit 0. */
async function fireGordon(world: LuciusWorld, sentry: { host: string }): Promise<CliResult> {
  const bin = await setUpAws(world, { name: "gordon-ops", accessKeyId: "AKIAGORDONTEST000001" });
  const result = await fireUnderFlags(world, {
    codename: "gordon",
    binDir: bin,
    env: { ALFRED_GORDON_AWS_PROFILE: "gordon-ops", ALFRED_SENTRY_TOKEN: SENTRY_TOKEN },
    permissions: { sentryHost: sentry.host },
  });
  assertEquals(result.code, 0, result.stderr + result.stdout);
  return result;
}

function startSentry(issues: unknown[]) {
  const seen: { path: string; auth: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname + url.search, auth: req.headers.get("authorization") ?? "" });
    return Response.json(issues);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    host: `127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

const ISSUES = [
  {
    shortId: "WEB-1A",
    title: "TypeError: cannot read 'id' of undefined",
    count: "5000",
    userCount: 40,
    permalink: "https://sentry.example/issues/1/",
    stats: { "24h": [[1, 300], [2, 150]] },
  },
  {
    shortId: "WEB-2B",
    title: "Timeout calling payments",
    count: 12,
    userCount: 3,
    stats: { "24h": [[1, 2], [2, 0]] },
  },
];

async function gordonWorld(options: { aws: string; sentry: string; image: string }) {
  const world = await createLuciusWorld();
  await Deno.writeTextFile(
    `${world.home}/fleet.yaml`,
    fleetYamlFor(world, "gordon", [
      "ecs: { cluster: staging, services: [web] }",
      "drift_minutes: 60",
      `aws_endpoint_url: ${options.aws}`,
      `sentry: { url: "${options.sentry}", org: acme, project: web, error_threshold: 100 }`,
    ]),
  );
  return world;
}

Deno.test("drift past the threshold and Sentry errors above it make one Slack summary", async () => {
  await using aws = startFakeAws({ services: { web: TASK } });
  const sentry = startSentry(ISSUES);
  await using world = await gordonWorld({ aws: aws.url, sentry: sentry.url, image: "" });
  try {
    const deployed = (await world.git(world.origin, ["rev-parse", "main"])).trim();
    aws.state.taskDefinitions[TASK] = [
      { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable" },
      {
        name: "web",
        image: `123.dkr.ecr.eu-west-1.amazonaws.com/web:sha-${deployed.slice(0, 12)}`,
      },
    ];
    await commitOnMain(world, 3);
    const head = await commitOnMain(world, 2);
    const result = await fireGordon(world, sentry);
    assertMatch(result.stdout, /\[GORDON-DRIFT\] \[GORDON-ERRORS\] web: behind; sentry 452 events/);
    assertEquals(aws.calls.map((c) => c.target), [
      "AmazonEC2ContainerServiceV20141113.DescribeServices",
      "AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition",
    ]);
    assertEquals(aws.calls[0].body, { cluster: "staging", services: ["web"] });
    assertEquals(aws.calls[1].body, { taskDefinition: TASK });
    assert(aws.calls.every((c) => c.accessKeyId === "AKIAGORDONTEST000001"), "Gordon's profile");
    assertEquals(sentry.seen, [{
      path: "/api/0/projects/acme/web/issues/?statsPeriod=24h&query=is%3Aunresolved",
      auth: `Bearer ${SENTRY_TOKEN}`,
    }]);
    const { message } = await assertOneReport(world, "gordon", "[GORDON-DRIFT]");
    assertStringIncludes(message, `Staging vs main* (${head.slice(0, 7)})`);
    assertMatch(message, /web: 2 commits behind for 1[89]\d min \(runs [0-9a-f]{7}\)/);
    assertStringIncludes(
      message,
      "WEB-1A TypeError: cannot read 'id' of undefined: 450 events, 40 users",
    );
    assertStringIncludes(message, "452 events in the top 2 groups (threshold 100)");
    assert(!message.includes(SENTRY_TOKEN));
    assertEquals(world.github.exchanges.length, 0, "Gordon makes no GitHub API call");
  } finally {
    await sentry.close();
  }
});

Deno.test("staging on main's head with few errors is silent", async () => {
  await using aws = startFakeAws({ services: { web: TASK } });
  const sentry = startSentry([{ ...ISSUES[1] }]);
  await using world = await gordonWorld({ aws: aws.url, sentry: sentry.url, image: "" });
  try {
    const head = await commitOnMain(world, 5);
    aws.state.taskDefinitions[TASK] = [{ name: "web", image: `web:${head}` }];
    const result = await fireGordon(world, sentry);
    assertMatch(result.stdout, /\[SILENT\] gordon: web: current; sentry 2 events/);
    const [event] = await world.events("gordon");
    assertEquals(event.outcome, "silent");
    assertEquals(world.slack.messages.length, 0);
  } finally {
    await sentry.close();
  }
});

Deno.test("an image names its commit in the tag, or none", () => {
  const cases: [string, string | undefined][] = [
    ["web:3f9a1c2", "3f9a1c2"],
    ["123.dkr.ecr.eu-west-1.amazonaws.com/web:sha-3F9A1C2D", "3f9a1c2d"],
    ["registry:5000/team/web:v1.2.3-abcdef0", "abcdef0"],
    ["registry:5000/web:latest", undefined],
    ["web@sha256:" + "a".repeat(64), undefined],
    ["web", undefined],
    ["web:20240101", "20240101"], // a candidate only: git says whether main has it
  ];
  for (const [image, expected] of cases) assertEquals(commitOfImage(image), expected, image);
});

Deno.test("drift is judged by the oldest missing commit against the threshold", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  const options = { now, thresholdMinutes: 60 };
  const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const cases: [CommitFacts, string][] = [
    [{ onMain: false, behind: 0 }, "unknown"],
    [{ deployed: "abc1234", onMain: false, behind: 0 }, "unknown"],
    [{ deployed: "abc1234", onMain: true, behind: 0 }, "current"],
    [{ deployed: "abc1234", onMain: true, behind: 2, oldestMissingAt: at(30) }, "deploying"],
    [{ deployed: "abc1234", onMain: true, behind: 2, oldestMissingAt: at(60) }, "deploying"],
    [{ deployed: "abc1234", onMain: true, behind: 1, oldestMissingAt: at(61) }, "behind"],
  ];
  for (const [facts, kind] of cases) {
    assertEquals(driftVerdict("web", facts, options).kind, kind, JSON.stringify(facts));
  }
  const head = { branch: "main", commit: "f".repeat(40) };
  const groups = topErrorGroups(ISSUES, 5);
  assertEquals(groups.map((g) => [g.shortId, g.events]), [["WEB-1A", 450], ["WEB-2B", 2]]);
  assertEquals(topErrorGroups([{ shortId: "X-1", title: "t", count: "7" }], 5)[0].events, 7);
  const current = driftVerdict("web", { deployed: "a1b2c3d", onMain: true, behind: 0 }, options);
  assertEquals(problemsOf({ drift: [current], head, thresholdMinutes: 60 }), []);
  assertEquals(
    problemsOf({
      drift: [current, driftVerdict("api", { onMain: false, behind: 0 }, options)],
      errors: { groups, threshold: 452, url: "" },
      head,
      thresholdMinutes: 60,
    }),
    [GORDON_SENTINELS.unknown],
  );
  assertEquals(
    problemsOf({
      drift: [current],
      errors: { groups, threshold: 451, url: "" },
      head,
      thresholdMinutes: 60,
    }),
    [GORDON_SENTINELS.errors],
  );
});
