import assert from "node:assert/strict";
import { awsProfileVariable, buildEngineEnv } from "../runner/engines/env.ts";
import { ConfigError } from "../runner/errors.ts";
import { runProcess } from "../runner/process.ts";

const PARENT: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/op",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TERM: "xterm",
  TMPDIR: "/tmp",
  ANTHROPIC_API_KEY: "sk-ant-secret",
  ANTHROPIC_BASE_URL: "http://127.0.0.1:1",
  CLAUDE_CODE_MAX_RETRIES: "0",
  CLAUDE_CONFIG_DIR: "/home/op/.claude-b",
  OPENAI_API_KEY: "sk-openai",
  CODEX_HOME: "/home/op/.codex",
  GH_TOKEN: "ghp_secret",
  GITHUB_TOKEN: "ghs_secret",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/x",
  ALFRED_HOME: "/home/op/.alfred",
  ALFRED_LUCIUS_AWS_PROFILE: "lucius-dev",
  AWS_ACCESS_KEY_ID: "AKIA...",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_PROFILE: "admin",
  SSH_AUTH_SOCK: "/tmp/agent.sock",
  GOPATH: "/home/op/go",
};

Deno.test("only allowlisted variables reach the engine by default", () => {
  const env = buildEngineEnv(PARENT, { codename: "batman" });
  assert.deepEqual(Object.keys(env).sort(), [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "CLAUDE_CODE_MAX_RETRIES",
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "HOME",
    "LANG",
    "LC_ALL",
    "OPENAI_API_KEY",
    "PATH",
    "TERM",
    "TMPDIR",
  ]);
});

Deno.test("declared names pass, overrides win", () => {
  const env = buildEngineEnv(PARENT, {
    codename: "drake",
    declared: ["GOPATH"],
    overrides: { CLAUDE_CONFIG_DIR: "/home/op/.claude-fallback" },
  });
  assert.equal(env.GOPATH, "/home/op/go");
  assert.equal(env.CLAUDE_CONFIG_DIR, "/home/op/.claude-fallback");
  assert.equal(env.GH_TOKEN, undefined);
});

Deno.test("AWS variables are stripped and an AWS agent gets only its own profile", () => {
  const plain = buildEngineEnv(PARENT, { codename: "lucius" });
  assert.equal(Object.keys(plain).some((n) => n.startsWith("AWS_")), false);
  const aws = buildEngineEnv(PARENT, { codename: "lucius", aws: true });
  assert.deepEqual(Object.keys(aws).filter((n) => n.startsWith("AWS_")), ["AWS_PROFILE"]);
  assert.equal(aws.AWS_PROFILE, "lucius-dev");
  assert.equal(aws.ALFRED_LUCIUS_AWS_PROFILE, undefined);
});

Deno.test("an AWS agent without its profile variable is a configuration error", () => {
  assert.throws(
    () => buildEngineEnv(PARENT, { codename: "bane", aws: true }),
    (error) => error instanceof ConfigError && error.message.includes("ALFRED_BANE_AWS_PROFILE"),
  );
});

Deno.test("declaring an AWS_ or ALFRED_ name, or a malformed name, is refused", () => {
  for (const name of ["AWS_SECRET_ACCESS_KEY", "ALFRED_HOME", "lower-case"]) {
    assert.throws(
      () => buildEngineEnv(PARENT, { codename: "robin", declared: [name] }),
      ConfigError,
    );
  }
});

Deno.test("the profile variable name is derived from the codename", () => {
  assert.equal(awsProfileVariable("rasalghul"), "ALFRED_RASALGHUL_AWS_PROFILE");
  assert.equal(awsProfileVariable("night-wing"), "ALFRED_NIGHT_WING_AWS_PROFILE");
});

Deno.test("a child run with the built environment sees nothing outside the allowlist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-env-" });
  try {
    const parent = {
      ...Deno.env.toObject(),
      ...PARENT,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    const env = buildEngineEnv(parent, { codename: "lucius", aws: true, declared: ["GOPATH"] });
    const seen: string[] = [];
    const result = await runProcess("env", [], {
      cwd: dir,
      env,
      timeoutMs: 5_000,
      onStdoutLine: (line) => void seen.push(line.split("=")[0]),
    });
    assert.equal(result.code, 0);
    const allowed = new Set([...Object.keys(env)]);
    assert.deepEqual(seen.filter((name) => !allowed.has(name)), []);
    for (
      const secret of ["GH_TOKEN", "GITHUB_TOKEN", "SLACK_WEBHOOK_URL", "AWS_SECRET_ACCESS_KEY"]
    ) {
      assert.equal(seen.includes(secret), false, `${secret} leaked`);
    }
    assert.ok(seen.includes("AWS_PROFILE") && seen.includes("GOPATH"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
