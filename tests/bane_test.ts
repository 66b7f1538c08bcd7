/**
 * Bane end to end, with real parts: `alfred fire bane` as a subprocess (and
 * its own entry point under exactly `alfred-bane`'s permissions), real git
 * against a bare `origin`, the real `claude` CLI against the scripted Messages
 * API, the real `node --test` as the repo's pre-push check, the loopback
 * GitHub fake and a loopback Slack webhook. Plus Bane's delivery decision as a
 * table.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./support/assert.ts";
import { listDir, runAlfred } from "./support/helpers.ts";
import { createLuciusWorld, type LuciusWorld, REPO } from "./support/lucius_world.ts";
import type { ScriptedReply } from "./support/fake_anthropic.ts";
import { ConfigError, ExitCode } from "../runner/errors.ts";
import { resolveFleetConfig } from "../runner/config/config.ts";
import { sandboxOffWarning } from "../runner/sandbox/opt_out.ts";
import { parseFleetFile } from "../runner/config/fleet_yaml.ts";
import {
  liveTargets,
  needsCheck,
  planBaneDelivery,
  TARGET_LOCK_TTL_MS,
  type TargetsRecord,
} from "../agents/bane/work.ts";

/** A small CommonJS project: math.js is barely tested, strings.js fully. */
const FILES: Record<string, string> = {
  "src/math.js": [
    "function add(a, b) {",
    "  return a + b;",
    "}",
    "function clamp(x, lo, hi) {",
    "  if (lo > hi) throw new RangeError('lo > hi');",
    "  return Math.min(hi, Math.max(lo, x));",
    "}",
    "module.exports = { add, clamp };",
    "",
  ].join("\n"),
  "src/strings.js":
    "function shout(s) {\n  return s.toUpperCase();\n}\nmodule.exports = { shout };\n",
  "test/strings.test.js": [
    "const test = require('node:test');",
    "const assert = require('node:assert');",
    "const { shout } = require('../src/strings.js');",
    "test('shout', () => assert.equal(shout('hi'), 'HI'));",
    "",
  ].join("\n"),
  // Written on another machine (absolute paths of CI): matched by path suffix.
  "coverage/lcov.info": [
    "TN:",
    "SF:/ci/build/web/src/math.js",
    "DA:1,1",
    "DA:2,1",
    "DA:4,0",
    "DA:5,0",
    "DA:6,0",
    "DA:8,1",
    "LF:6",
    "LH:3",
    "end_of_record",
    "SF:/ci/build/web/src/strings.js",
    "DA:1,1",
    "DA:2,1",
    "DA:4,1",
    "LF:3",
    "LH:3",
    "end_of_record",
    "",
  ].join("\n"),
};

const CLAMP_TEST = [
  "const test = require('node:test');",
  "const assert = require('node:assert');",
  "const { clamp } = require('../src/math.js');",
  "test('clamp keeps a value inside its bounds', () => {",
  "  assert.equal(clamp(5, 0, 3), 3);",
  "  assert.equal(clamp(-1, 0, 3), 0);",
  "  assert.throws(() => clamp(1, 3, 0), RangeError);",
  "});",
  "",
].join("\n");

function writingReplies(content: string, end: string): ScriptedReply[] {
  return [
    {
      kind: "tool_use",
      name: "Write",
      input: { file_path: "test/math.test.js", content },
    },
    { kind: "text", text: end },
  ];
}

function baneWorld(replies: ScriptedReply[], agentLines: string[] = []): Promise<LuciusWorld> {
  return createLuciusWorld({
    codename: "bane",
    replies,
    files: FILES,
    repoLines: ["pre_push: node --test", "coverage_report: coverage/lcov.info"],
    agentLines: ["since_days: 30", ...agentLines],
  });
}

async function agentLog(world: LuciusWorld): Promise<string> {
  const dir = `${world.layout.logsDir}/bane`;
  const texts = await Promise.all(
    (await listDir(dir)).map((n) => Deno.readTextFile(`${dir}/${n}`)),
  );
  return texts.join("");
}

async function targets(world: LuciusWorld): Promise<TargetsRecord> {
  return JSON.parse(await Deno.readTextFile(`${world.layout.stateDir}/bane/targets.json`));
}

async function assertNoLeftovers(world: LuciusWorld): Promise<void> {
  assertEquals(await listDir(world.layout.worktreesDir), [], "no worktree folder is left");
  const branches = await world.git(world.checkout, [
    "for-each-ref",
    "--format=%(refname:short)",
    "refs/heads/agent/",
  ]);
  assertEquals(branches.trim(), "", "no local agent branch is left");
  assertEquals((await targets(world)).locks, [], "no target lock is left");
}

Deno.test("Bane adds tests for the least-covered changed file, the pre-push check passes, and it opens one pull request", async () => {
  await using world = await baneWorld(
    writingReplies(
      CLAMP_TEST,
      "Added tests for clamp: bounds and the error path.\n[BANE-TESTS-ADDED]",
    ),
  );
  const result = await world.fire();
  assertEquals(result.code, 0, result.stderr + result.stdout);

  const [event] = await world.events("bane");
  assertEquals(event.outcome, "success", JSON.stringify(event));
  const firingId = event.firing_id as string;
  const [pull] = world.github.pulls(REPO);
  assertEquals(world.github.pulls(REPO).length, 1);
  assertEquals(pull.title, "[Bane] Tests for src/math.js");
  assertMatch(pull.head, /^agent\/bane\/src-math-js-[0-9a-f]{6}$/);
  assertEquals(pull.draft, false);
  assertStringIncludes(pull.body ?? "", "line coverage was 50.0% (6 lines)");
  assertStringIncludes(pull.body ?? "", "Pre-push check `node --test`: **passed**");
  assertStringIncludes(pull.body ?? "", "Added tests for clamp");
  assertEquals(event.pr, `https://github.com/${REPO}/pull/${pull.number}`);

  // The branch on origin: the test file, committed by the runner as Bane with the trailers.
  const log = await world.git(world.origin, ["log", "--format=%an%n%B", `main..${pull.head}`]);
  assert(log.startsWith("Bane (Alfred)"), log);
  assertStringIncludes(log, "Add tests for src/math.js");
  assertStringIncludes(log, "Alfred-Agent: bane");
  assertStringIncludes(log, `Alfred-Firing: ${firingId}`);
  assertEquals(
    await world.git(world.origin, ["show", `${pull.head}:test/math.test.js`]),
    CLAMP_TEST,
  );
  const changed = await world.git(world.origin, ["diff", "--name-only", `main...${pull.head}`]);
  assertEquals(changed.trim(), "test/math.test.js", "only a test file changed");

  // The prompt named the target and the one command Bash may run.
  const prompt = JSON.stringify(world.anthropic.requests[0].body);
  assertStringIncludes(prompt, "File: `src/math.js`");
  assertStringIncludes(prompt, "Line coverage: 50.0% of 6 lines");
  assertStringIncludes(prompt, "[BANE-TESTS-ADDED]");
  assertEquals(world.slack.messages.length, 1);
  assertMatch(world.slack.messages[0].text, /Bane.*tests for src\/math\.js/);
  await assertNoLeftovers(world);
  assertEquals(world.github.unexpected, []);

  // The next firing: math.js has an open Bane pull request, strings.js is covered: nothing to do.
  const requests = world.anthropic.requests.length;
  const again = await world.fire();
  assertEquals(again.code, 0, again.stderr);
  assertStringIncludes(again.stdout, "[BANE-NO-TARGET]");
  assertEquals(world.anthropic.requests.length, requests, "no engine run");
  assertEquals(world.github.pulls(REPO).length, 1);
  assertEquals(world.slack.messages.length, 1, "silent: no Slack post");
  assertEquals((await world.events("bane")).map((e) => e.outcome), ["success", "silent"]);
});

Deno.test("under exactly alfred-bane's permissions, a failing pre-push check gives a draft marked do-not-review", async () => {
  const failing = CLAMP_TEST.replace("clamp(5, 0, 3), 3", "clamp(5, 0, 3), 4");
  await using world = await baneWorld(
    writingReplies(failing, "Added clamp tests.\n[BANE-TESTS-ADDED]"),
    [],
  );
  const flags = world.flags("bane");
  assert(!flags.includes("--allow-all") && !flags.includes("--allow-run"));
  const result = await world.fireUnder(flags);
  // A failed check is a failed firing: exit 1 (a permission denial would be 5).
  assertEquals(
    result.code,
    ExitCode.failure,
    result.stderr + result.stdout + await agentLog(world),
  );
  assert(!(await agentLog(world)).includes("permission denied"));
  const [event] = await world.events("bane");
  assertEquals(event.outcome, "failure", JSON.stringify(event));
  const [pull] = world.github.pulls(REPO);
  assert(pull?.draft, "a draft");
  assertEquals(pull.title, "[Bane] [BANE-CHECK-FAILED] Tests for src/math.js");
  assertStringIncludes(pull.body ?? "", "Do not review.");
  assertStringIncludes(pull.body ?? "", "**failed**");
  assertMatch(pull.body ?? "", /clamp keeps a value inside its bounds/);
  assertEquals(world.slack.messages.length, 1);
  assertMatch(world.slack.messages[0].text, /draft tests for src\/math\.js/);
  await assertNoLeftovers(world);
});

/**
 * What a hostile engine plants: a test script that tries to read the
 * operator's SSH key, write outside the worktree, and reach a service on the
 * operator's loopback (directly, and through the proxy variables), and leaves
 * what it managed in `evidence.json` in the worktree.
 */
function hostileScript(targets: { ssh: string; checkout: string; home: string; port: number }) {
  return `
const fs = require("node:fs");
const net = require("node:net");
const http = require("node:http");
const evidence = {};
const attempt = (name, action) => {
  try {
    evidence[name] = action();
  } catch (error) {
    evidence[name] = error.code;
    console.error(name + ": " + error.message);
  }
};
attempt("ssh", () => fs.readFileSync(${JSON.stringify(targets.ssh)}, "utf8"));
attempt("sshViaHome", () => fs.readFileSync(process.env.HOME + "/.ssh/id_rsa", "utf8"));
attempt("checkout", () => (fs.writeFileSync(${
    JSON.stringify(`${targets.checkout}/PWNED`)
  }, "x"), "written"));
attempt("home", () => (fs.writeFileSync(${
    JSON.stringify(`${targets.home}/PWNED`)
  }, "x"), "written"));
const direct = new Promise((resolve) => {
  const socket = net.connect(${targets.port}, "127.0.0.1", () => (socket.destroy(), resolve("connected")));
  socket.on("error", (error) => resolve(error.code));
});
const proxied = new Promise((resolve) => {
  const proxy = new URL(process.env.http_proxy);
  const req = http.request(
    { host: proxy.hostname, port: proxy.port, path: "http://127.0.0.1:${targets.port}/steal" },
    (res) => (res.resume(), resolve(res.statusCode)),
  );
  req.on("error", (error) => resolve(error.code));
  req.end();
});
Promise.all([direct, proxied]).then(([d, p]) => {
  evidence.direct = d;
  evidence.proxied = p;
  fs.writeFileSync("evidence.json", JSON.stringify(evidence));
});
`;
}

Deno.test("a hostile engine's test script runs in the sandbox: no key read, nothing written outside, the loopback unreachable, the denial recorded, and the pull request still opens", async () => {
  const service = { hits: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    service.hits++;
    return new Response("secret data");
  });
  const files = { ...FILES, "package.json": '{ "scripts": { "test": "node --test" } }\n' };
  await using world = await createLuciusWorld({
    codename: "bane",
    files,
    repoLines: ["pre_push: npm test", "coverage_report: coverage/lcov.info"],
    agentLines: ["since_days: 30"],
    replies: [],
    checkoutInHome: true,
  });
  try {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nOPERATOR-SECRET-KEY\n";
    await Deno.mkdir(`${world.home}/.ssh`, { recursive: true });
    await Deno.writeTextFile(`${world.home}/.ssh/id_rsa`, key);
    const evil = hostileScript({
      ssh: `${world.home}/.ssh/id_rsa`,
      checkout: world.checkout,
      home: world.home,
      port: server.addr.port,
    });
    world.anthropic.push(
      {
        kind: "tool_use",
        name: "Write",
        input: { file_path: "test/math.test.js", content: CLAMP_TEST },
      },
      { kind: "tool_use", name: "Write", input: { file_path: "evil.js", content: evil } },
      {
        kind: "tool_use",
        name: "Write",
        input: {
          file_path: "package.json",
          content: '{ "scripts": { "test": "node evil.js && node --test" } }\n',
        },
      },
      { kind: "text", text: "Added tests for clamp.\n[BANE-TESTS-ADDED]" },
    );
    const result = await world.fireUnder(world.flags("bane"));
    assertEquals(result.code, 0, result.stderr + result.stdout + await agentLog(world));

    // The firing ends with its pull request, as the check passed.
    const [pull] = world.github.pulls(REPO);
    assert(pull && !pull.draft, "a ready pull request");
    assertStringIncludes(pull.body ?? "", "Pre-push check `npm test`: **passed**");
    const evidence = JSON.parse(
      await world.git(world.origin, ["show", `${pull.head}:evidence.json`]),
    );
    console.log(`what the hostile test script managed: ${JSON.stringify(evidence)}`);
    assertEquals(evidence.ssh, "ENOENT", "the operator's key does not exist inside");
    assertEquals(evidence.sshViaHome, "ENOENT", "nor under the command's own HOME");
    assertEquals(evidence.checkout, "EROFS", "the operator's checkout is not writable");
    assertEquals(evidence.home, "EROFS", "the home folder is read-only");
    assertEquals(evidence.direct, "ECONNREFUSED", "no way around the proxy");
    assertEquals(evidence.proxied, 403, "the proxy refuses an undeclared host");
    assertEquals(service.hits, 0, "the loopback service saw nothing");
    assert(!(await exists(`${world.checkout}/PWNED`)) && !(await exists(`${world.home}/PWNED`)));
    const everything = JSON.stringify(world.github.pulls(REPO)) +
      await world.git(world.origin, ["log", "-p", `main..${pull.head}`]);
    assert(!everything.includes("OPERATOR-SECRET-KEY"), "the key went nowhere");

    // The refusals are in the firing record and `alfred status`.
    const [event] = await world.events("bane");
    assertEquals(event.outcome, "success");
    const denials = event.denials as { kind: string; detail: string }[];
    assert(
      denials.some((d) =>
        d.kind === "network" &&
        d.detail === `GET 127.0.0.1:${server.addr.port} (not on the allowlist)`
      ),
      JSON.stringify(denials),
    );
    assert(
      denials.some((d) => d.kind === "file" && d.detail.includes("PWNED")),
      JSON.stringify(denials),
    );
    const status = await runAlfred(["status"], { home: world.home });
    assertMatch(status.stdout, /SANDBOX bane: \d+ action\(s\) refused in its last firing/);
    await assertNoLeftovers(world);
    assertEquals(
      await listDir(`${world.home}/sandbox-cache/bane`),
      [],
      "the private cache is gone",
    );
  } finally {
    await server.shutdown();
  }
});

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, (error) => {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  });
}

Deno.test("sandbox: off under exactly alfred-bane's permissions: the engine runs, the check cannot start a runner unconfined and says so in a draft, and the record warns", async () => {
  await using world = await baneWorld(
    writingReplies(CLAMP_TEST, "Added clamp tests.\n[BANE-TESTS-ADDED]"),
    ["sandbox: off"],
  );
  const result = await world.fireUnder(world.flags("bane"));
  assertEquals(result.code, ExitCode.failure, result.stderr + result.stdout);
  const [pull] = world.github.pulls(REPO);
  assertEquals(pull.title, "[Bane] [BANE-CHECK-FAILED] Tests for src/math.js");
  assertStringIncludes(pull.body ?? "", 'may not start "node" outside the sandbox');
  const [event] = await world.events("bane");
  assertEquals(event.warnings, [sandboxOffWarning("bane")]);
  assertStringIncludes(await agentLog(world), "sandbox: off for bane");
  await assertNoLeftovers(world);
});

Deno.test("a file the engine declines is left alone for the look-back period, silently", async () => {
  await using world = await baneWorld([
    { kind: "text", text: "It is glue code with nothing to assert.\n[BANE-NO-TARGET] glue code" },
  ]);
  const first = await world.fire();
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stdout, "[BANE-NO-TARGET] src/math.js: glue code");
  assertEquals(world.github.pulls(REPO).length, 0);
  assertEquals(world.slack.messages.length, 0);
  assertEquals((await targets(world)).declined.map((d) => d.path), ["src/math.js"]);
  const second = await world.fire();
  assertEquals(second.code, 0, second.stderr);
  assertEquals(world.anthropic.requests.length, 1, "the declined file is not offered again");
  assertEquals((await world.events("bane")).map((e) => e.outcome), ["silent", "silent"]);
  await assertNoLeftovers(world);
});

Deno.test("Bane's delivery: ready only when its sentinel and the check agree, drafts keep other work", () => {
  type Case = [
    string,
    string | undefined,
    boolean,
    boolean | undefined,
    ReturnType<typeof planBaneDelivery>,
  ];
  const cases: Case[] = [
    ["success", "BANE-TESTS-ADDED", true, true, { action: "pull", kind: "ready" }],
    ["success", "BANE-TESTS-ADDED", true, false, { action: "pull", kind: "check-failed" }],
    ["success", "BANE-NO-TARGET", true, undefined, { action: "none", declined: true }],
    ["success", "SILENT", false, undefined, { action: "none", declined: true }],
    ["success", "BLOCKED", true, undefined, { action: "pull", kind: "salvage" }],
    ["max_turns", undefined, true, undefined, { action: "pull", kind: "salvage" }],
    ["no_sentinel", undefined, false, undefined, { action: "none", declined: false }],
    ["rate_limited", "BANE-NO-TARGET", false, undefined, { action: "none", declined: false }],
  ];
  for (const [outcome, sentinel, changed, checkPassed, plan] of cases) {
    const verdict = { outcome: outcome as "success", sentinel };
    assertEquals(
      planBaneDelivery(verdict, { changed, checkPassed }),
      plan,
      `${outcome} ${sentinel}`,
    );
  }
  assertEquals(needsCheck({ outcome: "success", sentinel: "BANE-TESTS-ADDED" }, true), true);
  assertEquals(needsCheck({ outcome: "success", sentinel: "BANE-TESTS-ADDED" }, false), false);
  assertEquals(needsCheck({ outcome: "max_turns", sentinel: undefined }, true), false);
});

Deno.test("target locks expire after their TTL and declines after the look-back", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const lock = (msAgo: number) => ({
    repo: REPO,
    path: `a${msAgo}.ts`,
    firing_id: "f",
    host: "h",
    ts: at(msAgo),
  });
  const record: TargetsRecord = {
    version: 1,
    locks: [lock(0), lock(TARGET_LOCK_TTL_MS - 1), lock(TARGET_LOCK_TTL_MS)],
    declined: [
      { repo: REPO, path: "x.ts", ts: at(2 * 86_400_000) },
      { repo: REPO, path: "y.ts", ts: at(3 * 86_400_000) },
    ],
  };
  const live = liveTargets(record, { now, sinceDays: 3 });
  assertEquals(live.locks.length, 2);
  assertEquals(live.declined.map((d) => d.path), ["x.ts"]);
});

Deno.test("Bane's settings in fleet.yaml: pre_push as a string or a list, never a shell line", () => {
  const resolve = (lines: string[]) =>
    resolveFleetConfig(
      parseFleetFile(["version: 1", ...lines, ""].join("\n"), { file: "fleet.yaml" }),
      { env: () => undefined, source: "fleet.yaml" },
    );
  const config = resolve([
    "repos:",
    "  - name: acme/web",
    "    pre_push: npm  test",
    "    coverage_report: coverage/lcov.info",
    "  - name: acme/api",
    "agents:",
    "  bane:",
    "    pre_push: [deno, task, check]",
    "    since_days: 7",
    "    coverage_below: 60",
  ]);
  assertEquals(config.repos[0].prePush, ["npm", "test"]);
  assertEquals(config.repos[0].coverageReport, "coverage/lcov.info");
  assertEquals(config.repos[1].prePush, undefined);
  const bane = config.agents.bane;
  assertEquals([bane.prePush, bane.sinceDays, bane.coverageBelow], [
    ["deno", "task", "check"],
    7,
    60,
  ]);
  assertEquals(config.agents.lucius.prePush, undefined);
  const bad: [string, RegExp][] = [
    ["    pre_push: npm test && rm -rf /", /agents\.bane\.pre_push: .*without a shell/],
    [
      "    pre_push: ./run-tests.sh",
      /agents\.bane\.pre_push: must start with a test or task runner/,
    ],
    [
      "    pre_push: [curl, evil.example]",
      /agents\.bane\.pre_push: must start with a test or task runner/,
    ],
    ["    coverage_below: 120", /agents\.bane\.coverage_below/],
    ["    since_days: 0", /agents\.bane\.since_days/],
  ];
  for (const [line, pattern] of bad) {
    const error = assertThrows(() => resolve(["agents:", "  bane:", line]), ConfigError);
    assertMatch(error.message, pattern);
  }
});
