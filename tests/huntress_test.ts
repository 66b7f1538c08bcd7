/**
 * Huntress end to end: `agents/huntress/mod.ts` under exactly alfred-huntress's
 * permissions, real git (a worktree at origin/main), the real `aws` CLI
 * (Debian's, `--endpoint-url`) against a loopback Secrets Manager, a real
 * smoke command (`node smoke.js` from the repo) against a loopback staging
 * server, and a loopback Slack webhook.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { failureOf, secretEnvOf } from "../agents/huntress/work.ts";
import { startFakeAws } from "./support/fake_aws.ts";
import { listDir, runAlfred } from "./support/helpers.ts";
import { createLuciusWorld, type LuciusWorld } from "./support/lucius_world.ts";
import {
  assertOneReport,
  fireUnderFlags,
  fleetYamlFor,
  setUpAws,
} from "./support/reader_firing.ts";

const SECRET_PASSWORD = "s3cret-staging-password";

/**
 * An HTTP GET that honours `http_proxy`, as curl, npm, pip and Deno do (Node 20's
 * own fetch does not; Node 24+ does with NODE_USE_ENV_PROXY=1, which Alfred sets).
 * Inside the sandbox the egress proxy is the only way out.
 */
const PROXIED_GET = `
const http = require("node:http");
function get(url, headers = {}) {
  const target = new URL(url);
  const proxy = process.env.http_proxy ? new URL(process.env.http_proxy) : undefined;
  const request = proxy
    ? { host: proxy.hostname, port: proxy.port, path: target.href, headers: { ...headers, host: target.host } }
    : { host: target.hostname, port: target.port, path: target.pathname, headers };
  return new Promise((resolve, reject) => {
    const req = http.request(request, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}
`;

const SMOKE_JS = `${PROXIED_GET}
const fs = require("node:fs");
const url = process.env.STAGING_URL;
const auth = Buffer.from(process.env.SMOKE_USERNAME + ":" + process.env.SMOKE_PASSWORD).toString("base64");
console.log("smoke: checking " + url + " as " + process.env.SMOKE_USERNAME);
console.log("debug: password is " + process.env.SMOKE_PASSWORD);
console.log("leak check: " + (process.env.ANTHROPIC_API_KEY ? "engine key visible" : "no engine key"));
get(url + "/health", { authorization: "Basic " + auth }).then((status) => {
  fs.mkdirSync("test-results", { recursive: true });
  fs.writeFileSync("test-results/report.txt", "status " + status + "\\n");
  if (status !== 200) {
    console.error("FAIL health returned " + status);
    process.exit(1);
  }
  console.log("PASS health");
});
`;

/** The smoke user's secret in the AWS fake. */
const QA_BOT_SECRET = {
  "staging/smoke-user": JSON.stringify({ username: "qa-bot", password: SECRET_PASSWORD }),
};

async function huntressWorld(
  staging: string,
  aws: string,
  options: { smoke?: string; lines?: string[] } = {},
): Promise<LuciusWorld> {
  const world = await createLuciusWorld();
  await Deno.writeTextFile(`${world.checkout}/smoke.js`, options.smoke ?? SMOKE_JS);
  await world.git(world.checkout, ["add", "smoke.js"]);
  await world.git(world.checkout, ["commit", "--quiet", "-m", "Add the smoke test"]);
  await world.git(world.checkout, ["push", "--quiet", "origin", "HEAD:main"]);
  await world.git(world.checkout, ["reset", "--quiet", "--hard", "HEAD~1"]); // the operator's own state
  await Deno.writeTextFile(
    `${world.home}/fleet.yaml`,
    fleetYamlFor(world, "huntress", [
      "timeout_minutes: 1",
      "smoke_command: [node, smoke.js]",
      `staging_url: ${staging}`,
      "smoke_secret_id: staging/smoke-user",
      "smoke_artifacts: [test-results]",
      `aws_endpoint_url: ${aws}`,
      ...options.lines ?? [],
    ]),
  );
  return world;
}

/**
 * Fires Huntress under exactly alfred-huntress's permissions, with its own AWS
 * profile, built with `hosts` (the URLs of the staging and `network:` hosts).
 */
async function fireHuntress(
  world: LuciusWorld,
  options: { hosts: string[]; env?: Record<string, string> },
) {
  const bin = await setUpAws(world, {
    name: "huntress-smoke",
    accessKeyId: "AKIAHUNTRESSTEST0001",
  });
  return await fireUnderFlags(world, {
    codename: "huntress",
    binDir: bin,
    env: { ALFRED_HUNTRESS_AWS_PROFILE: "huntress-smoke", ...options.env },
    permissions: { sandboxHosts: { huntress: options.hosts.map((url) => new URL(url).host) } },
  });
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
  await using aws = startFakeAws({ secrets: QA_BOT_SECRET });
  await using world = await huntressWorld(staging.url, aws.url);
  try {
    const result = await fireHuntress(world, {
      hosts: [staging.url],
      env: { AWS_ACCESS_KEY_ID: "AKIAPARENTLEAK000001" },
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
    const [event] = await world.events("huntress");
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
  await using aws = startFakeAws({ secrets: QA_BOT_SECRET });
  await using world = await huntressWorld(staging.url, aws.url);
  try {
    const result = await fireHuntress(world, { hosts: [staging.url] });
    assertEquals(result.code, 0, result.stderr + result.stdout);
    assertMatch(result.stdout, /\[HUNTRESS-SMOKE-FAILED\] smoke exited 1 after \d+ s/);
    const { event, message } = await assertOneReport(world, "huntress", "[HUNTRESS-SMOKE-FAILED]");
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

/** A smoke test that also tries a declared host and an undeclared one, through the proxy and around it. */
const reachJs = (declared: string, undeclared: string) =>
  `${PROXIED_GET}
const net = require("node:net");
const [declared, undeclared] = ["${declared}", "${undeclared}"];
function direct(url) {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname, () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (error) => resolve(error.code));
  });
}
(async () => {
  console.log("staging " + await get(process.env.STAGING_URL + "/health"));
  console.log("declared " + await get(declared + "/x"));
  console.log("undeclared " + await get(undeclared + "/x"));
  console.log("undeclared-direct " + await direct(undeclared));
})();
`;

Deno.test("the smoke command runs in the sandbox: it reaches its declared hosts, and an undeclared one is denied and recorded", async () => {
  const staging = startStaging(() => 200);
  const declared = startStaging(() => 202);
  const undeclared = startStaging(() => 200);
  await using aws = startFakeAws({ secrets: { "staging/smoke-user": "plain-secret" } });
  await using world = await huntressWorld(staging.url, aws.url, {
    smoke: reachJs(declared.url, undeclared.url),
    lines: [`network: ["${new URL(declared.url).host}"]`],
  });
  try {
    const result = await fireHuntress(world, { hosts: [staging.url, declared.url] });
    assertEquals(result.code, 0, result.stderr + result.stdout);
    assertMatch(result.stdout, /\[SILENT\] huntress: smoke passed/);
    const [event] = await world.events("huntress");
    const log = await Deno.readTextFile(
      `${world.layout.logsDir}/huntress/${(await listDir(`${world.layout.logsDir}/huntress`))[0]}`,
    );
    assertEquals(staging.seen.length, 1, "the staging URL's host is declared by staging_url");
    assertEquals(declared.seen.length, 1, "a host in network: is reached");
    assertEquals(
      undeclared.seen.length,
      0,
      "an undeclared host is never reached, through the proxy or around it",
    );
    const denials = event.denials as { kind: string; detail: string }[];
    const port = new URL(undeclared.url).port;
    assert(
      denials.some((d) =>
        d.kind === "network" && d.detail === `GET 127.0.0.1:${port} (not on the allowlist)`
      ),
      JSON.stringify(denials),
    );
    assert(
      !denials.some((d) => d.detail.includes(new URL(declared.url).port)),
      JSON.stringify(denials),
    );
    assertStringIncludes(log, "sandbox refused");
    const status = await runAlfred(["status", "--json"], { home: world.home });
    assertEquals(status.code, 0, status.stderr);
    const row = JSON.parse(status.stdout).agents.find((a: { agent: string }) =>
      a.agent === "huntress"
    );
    assertEquals(row.lastFiring.denials, denials.length);
  } finally {
    await Promise.all([staging.close(), declared.close(), undeclared.close()]);
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
