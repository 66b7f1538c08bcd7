/**
 * Huntress end to end: `agents/huntress.ts` under exactly alfred-huntress's
 * permissions, real git (a worktree at origin/main), the real `aws` CLI
 * (Debian's, `--endpoint-url`) against a loopback Secrets Manager, a real
 * smoke command (`node smoke.js` from the repo) against a loopback staging
 * server, and a loopback Slack webhook.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./assert.ts";
import { failureOf, secretEnvOf } from "../agents/huntress_work.ts";
import { startFakeAws } from "./fake_aws.ts";
import { listDir } from "./helpers.ts";
import { createLuciusWorld, type LuciusWorld } from "./lucius_world.ts";
import { fireUnderFlags, firingEvents, fleetHead, setUpAws } from "./reader_firing.ts";

const SECRET_PASSWORD = "s3cret-staging-password";

const SMOKE_JS = `
const fs = require("node:fs");
const url = process.env.STAGING_URL;
const auth = Buffer.from(process.env.SMOKE_USERNAME + ":" + process.env.SMOKE_PASSWORD).toString("base64");
console.log("smoke: checking " + url + " as " + process.env.SMOKE_USERNAME);
console.log("debug: password is " + process.env.SMOKE_PASSWORD);
console.log("leak check: " + (process.env.ANTHROPIC_API_KEY ? "engine key visible" : "no engine key"));
fetch(url + "/health", { headers: { authorization: "Basic " + auth } }).then(async (res) => {
  fs.mkdirSync("test-results", { recursive: true });
  fs.writeFileSync("test-results/report.txt", "status " + res.status + "\\n");
  if (res.status !== 200) {
    console.error("FAIL health returned " + res.status);
    process.exit(1);
  }
  console.log("PASS health");
});
`;

async function huntressWorld(staging: string, aws: string): Promise<LuciusWorld> {
  const world = await createLuciusWorld();
  await Deno.writeTextFile(`${world.checkout}/smoke.js`, SMOKE_JS);
  await world.git(world.checkout, ["add", "smoke.js"]);
  await world.git(world.checkout, ["commit", "--quiet", "-m", "Add the smoke test"]);
  await world.git(world.checkout, ["push", "--quiet", "origin", "HEAD:main"]);
  await world.git(world.checkout, ["reset", "--quiet", "--hard", "HEAD~1"]); // the operator's own state
  await Deno.writeTextFile(
    `${world.home}/fleet.yaml`,
    [
      ...fleetHead(world),
      "  huntress:",
      "    timeout_minutes: 1",
      "    smoke_command: [node, smoke.js]",
      `    staging_url: ${staging}`,
      "    smoke_secret_id: staging/smoke-user",
      "    smoke_artifacts: [test-results]",
      `    aws_endpoint_url: ${aws}`,
      "",
    ].join("\n"),
  );
  return world;
}

function startStaging(status: () => number) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(req.headers.get("authorization") ?? "");
    return new Response("ok", { status: status() });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

Deno.test("a passing smoke run is silent: no Slack post, no artefacts, no worktree, profile-scoped credentials", async () => {
  const staging = startStaging(() => 200);
  await using aws = startFakeAws({
    secrets: {
      "staging/smoke-user": JSON.stringify({ username: "qa-bot", password: SECRET_PASSWORD }),
    },
  });
  await using world = await huntressWorld(staging.url, aws.url);
  try {
    const bin = await setUpAws(world, {
      name: "huntress-smoke",
      accessKeyId: "AKIAHUNTRESSTEST0001",
    });
    const result = await fireUnderFlags(world, {
      codename: "huntress",
      binDir: bin,
      env: {
        ALFRED_HUNTRESS_AWS_PROFILE: "huntress-smoke",
        AWS_ACCESS_KEY_ID: "AKIAPARENTLEAK000001",
      },
    });
    assertEquals(result.code, 0, result.stderr + result.stdout);
    assertMatch(
      result.stdout,
      /\[SILENT\] huntress: smoke passed against http:\/\/127\.0\.0\.1:\d+ in \d+ s/,
    );
    // The secret was fetched once, signed with Huntress's own profile.
    assertEquals(aws.calls.map((c) => c.target), ["secretsmanager.GetSecretValue"]);
    assertEquals(aws.calls[0].body.SecretId, "staging/smoke-user");
    assertEquals(aws.calls[0].accessKeyId, "AKIAHUNTRESSTEST0001");
    // The smoke command reached staging with the credentials.
    assertEquals(staging.seen, [`Basic ${btoa(`qa-bot:${SECRET_PASSWORD}`)}`]);
    const [event] = (await firingEvents(world)).filter((e) => e.agent === "huntress");
    assertEquals(event.outcome, "silent");
    assertEquals(world.slack.messages.length, 0);
    assertEquals(await listDir(`${world.home}/artifacts/huntress`), []);
    assertEquals(await listDir(world.layout.worktreesDir), []);
    const branches = await world.git(world.checkout, ["branch", "--list", "agent/*"]);
    assertEquals(branches.trim(), "", "the throwaway branch is gone");
    assertEquals(
      (await world.git(world.checkout, ["log", "-1", "--format=%s", "HEAD"])).trim(),
      "Initial commit",
      "the operator's checkout is untouched",
    );
    assertEquals(world.github.exchanges.length, 0, "Huntress makes no GitHub API call");
  } finally {
    await staging.close();
  }
});

Deno.test("a failing smoke run posts one Slack message with the tail and artefacts kept under ALFRED_HOME, secrets redacted", async () => {
  const staging = startStaging(() => 503);
  await using aws = startFakeAws({
    secrets: {
      "staging/smoke-user": JSON.stringify({ username: "qa-bot", password: SECRET_PASSWORD }),
    },
  });
  await using world = await huntressWorld(staging.url, aws.url);
  try {
    const bin = await setUpAws(world, {
      name: "huntress-smoke",
      accessKeyId: "AKIAHUNTRESSTEST0001",
    });
    const result = await fireUnderFlags(world, {
      codename: "huntress",
      binDir: bin,
      env: { ALFRED_HUNTRESS_AWS_PROFILE: "huntress-smoke" },
    });
    assertEquals(result.code, 0, result.stderr + result.stdout);
    assertMatch(result.stdout, /\[HUNTRESS-SMOKE-FAILED\] smoke exited 1 after \d+ s/);
    const [event] = (await firingEvents(world)).filter((e) => e.agent === "huntress");
    assertEquals(event.outcome, "success");
    assertStringIncludes(String(event.summary), "[HUNTRESS-SMOKE-FAILED]");
    assertEquals(world.slack.messages.length, 1);
    const message = world.slack.messages[0].text + JSON.stringify(world.slack.messages[0].blocks);
    assertStringIncludes(message, "[Huntress]");
    assertStringIncludes(message, "smoke tests failed against");
    assertStringIncludes(message, "FAIL health returned 503");
    assertStringIncludes(message, "no engine key");
    assert(!message.includes(SECRET_PASSWORD), "the password is redacted in Slack");
    const runs = await listDir(`${world.home}/artifacts/huntress`);
    assertEquals(runs, [String(event.firing_id)]);
    const runDir = `${world.home}/artifacts/huntress/${runs[0]}`;
    assertEquals(await listDir(runDir), ["output.log", "test-results"]);
    assertEquals(await Deno.readTextFile(`${runDir}/test-results/report.txt`), "status 503\n");
    const log = await Deno.readTextFile(`${runDir}/output.log`);
    assertStringIncludes(log, "$ node smoke.js");
    assertStringIncludes(log, "! FAIL health returned 503");
    assert(!log.includes(SECRET_PASSWORD), "the password is redacted in the log");
    assertStringIncludes(message, `${runDir}/test-results`);
    assertEquals(await listDir(world.layout.worktreesDir), []);
  } finally {
    await staging.close();
  }
});

Deno.test("a secret becomes SMOKE_ variables; a run's end becomes a reason", () => {
  const cases: [string, Record<string, string>][] = [
    ['{"username":"qa","api-key":"k","port":8080}', {
      SMOKE_USERNAME: "qa",
      SMOKE_API_KEY: "k",
      SMOKE_PORT: "8080",
    }],
    ['{"nested":{"a":1},"ok":"y"}', { SMOKE_OK: "y" }],
    ["plain-text", { SMOKE_SECRET: "plain-text" }],
    ['["a"]', { SMOKE_SECRET: '["a"]' }],
  ];
  for (const [secret, expected] of cases) assertEquals(secretEnvOf(secret), expected, secret);
  const ends: [Parameters<typeof failureOf>[0], string | undefined][] = [
    [{ step: "smoke", code: 0, timedOut: false, seconds: 3 }, undefined],
    [{ step: "smoke", code: 2, timedOut: false, seconds: 3 }, "smoke exited 2 after 3 s"],
    [{ step: "setup", code: null, timedOut: true, seconds: 60 }, "setup timed out after 60 s"],
    [
      { step: "smoke", code: null, timedOut: false, seconds: 1 },
      "smoke was ended by a signal after 1 s",
    ],
  ];
  for (const [end, expected] of ends) assertEquals(failureOf(end), expected);
});
