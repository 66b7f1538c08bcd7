/** Sandbox modes, the doctor check, declared hosts, API hosts and the denial scanner. */
import { ConfigError } from "../runner/errors.ts";
import { countDenials, createDenialScanner } from "../runner/sandbox/audit.ts";
import {
  checkSandbox,
  decideSandbox,
  defaultSandboxMode,
  engineApiRules,
  engineConfigPaths,
  parseDeclaredHosts,
  type SandboxCheck,
  type SandboxMode,
  SandboxUnavailableError,
  wrapEngineCommand,
} from "../runner/sandbox/mod.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "./support/assert.ts";

const works: SandboxCheck = { ok: true, kind: "bwrap", program: "/usr/bin/bwrap", detail: "ok" };
const broken: SandboxCheck = { ok: false, kind: "none", program: undefined, detail: "no bwrap" };

const modeCases: Array<[SandboxMode, SandboxCheck, boolean | "error", boolean]> = [
  ["off", works, false, false],
  ["off", broken, false, false],
  ["auto", works, true, false],
  ["auto", broken, false, true],
  ["required", works, true, false],
  ["required", broken, "error", false],
];
for (const [mode, check, expected, warns] of modeCases) {
  Deno.test(`sandbox: ${mode} with ${check.ok ? "a working" : "no"} sandbox → ${expected}`, () => {
    if (expected === "error") {
      const error = assertThrows(
        () => decideSandbox(mode, check, { agent: "lucius" }),
        SandboxUnavailableError,
        "agent lucius requires a sandbox",
      );
      assertMatch(error.hint ?? "", /bubblewrap|sandbox-exec/);
      return;
    }
    const decision = decideSandbox(mode, check);
    assertEquals(decision.sandboxed, expected);
    assertEquals(decision.warning !== undefined, warns);
  });
}

Deno.test("an auto fallback says what runs unconfined: the engine, or a repository command", () => {
  assertMatch(decideSandbox("auto", broken).warning ?? "", /; the engine runs unconfined$/);
  assertMatch(
    decideSandbox("auto", broken, { subject: "pre-push npm" }).warning ?? "",
    /^sandbox: auto and no working sandbox \(no bwrap\); pre-push npm runs unconfined$/,
  );
});

Deno.test("the default mode is required on Linux and macOS", () => {
  assertEquals(defaultSandboxMode("linux"), "required");
  assertEquals(defaultSandboxMode("darwin"), "required");
  assertEquals(defaultSandboxMode("windows"), "off");
});

Deno.test({
  name: "checkSandbox finds a working bwrap on PATH and reports none on an empty PATH",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const empty = await checkSandbox({ path: "" });
    assertEquals(empty.ok, false);
    assertMatch(empty.detail, /bwrap \(bubblewrap\) is not on PATH/);
    const real = await checkSandbox({ path: Deno.env.get("PATH") ?? "/usr/bin:/bin" });
    assertEquals(real.ok, true, real.detail);
    assertEquals(real.kind, "bwrap");
  },
});

Deno.test({
  name: "required without bwrap refuses to fire; auto runs unconfined with a warning",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const options = {
      agent: "lucius",
      engine: "claude" as const,
      worktree: "/nonexistent/worktree",
      home: "/nonexistent/home",
      alfredHome: "/nonexistent/alfred",
      env: { PATH: "" },
    };
    let refused: unknown;
    try {
      await wrapEngineCommand("claude", ["-p"], { ...options, mode: "required" });
    } catch (error) {
      refused = error;
    }
    assert(refused instanceof SandboxUnavailableError, String(refused));
    assertMatch(refused.message, /not on PATH/);
    await using auto = await wrapEngineCommand("claude", ["-p"], { ...options, mode: "auto" });
    assertEquals([auto.sandboxed, auto.command, auto.args], [false, "claude", ["-p"]]);
    assertMatch(auto.warning ?? "", /runs unconfined/);
    await using off = await wrapEngineCommand("claude", ["-p"], { ...options, mode: "off" });
    assertEquals([off.sandboxed, off.warning], [false, undefined]);
    assertEquals(off.env, { PATH: "" });
  },
});

Deno.test("declared hosts parse to rules; malformed ones are a ConfigError", () => {
  assertEquals(
    parseDeclaredHosts(["GitHub.com", "registry.npmjs.org:8443", "*.pythonhosted.org"], {
      agent: "drake",
    }),
    [
      { host: "github.com", port: 443 },
      { host: "registry.npmjs.org", port: 8443 },
      { host: "*.pythonhosted.org", port: 443 },
    ],
  );
  for (const bad of ["http://github.com", "github.com:0", "a b", "*", "host:99999"]) {
    assertThrows(
      () => parseDeclaredHosts([bad], { agent: "drake" }),
      ConfigError,
      "agents.drake.network",
    );
  }
});

Deno.test("the API host is the vendor's, or the configured base URL's host and port", () => {
  assertEquals(engineApiRules("claude"), [{ host: "api.anthropic.com" }]);
  assertEquals(engineApiRules("claude", { apiUrl: "http://127.0.0.1:4567" }), [
    { host: "127.0.0.1", port: 4567 },
  ]);
  assertEquals(engineApiRules("codex", { apiUrl: "https://gateway.example/v1" }), [
    { host: "gateway.example", port: 443 },
  ]);
  assert(engineApiRules("codex").some((r) => r.host === "api.openai.com"));
});

Deno.test("engine folders: CLAUDE_CONFIG_DIR or ~/.claude, CODEX_HOME or ~/.codex, settings protected", () => {
  assertEquals(engineConfigPaths("claude", { home: "/h", env: {} }).dirs, ["/h/.claude"]);
  assertEquals(
    engineConfigPaths("claude", { home: "/h", env: { CLAUDE_CONFIG_DIR: "/a/b" } }).dirs,
    [
      "/a/b",
    ],
  );
  assert(
    engineConfigPaths("claude", { home: "/h", env: {} }).protect.includes(
      "/h/.claude/settings.json",
    ),
  );
  assertEquals(engineConfigPaths("codex", { home: "/h", env: {} }), {
    dirs: ["/h/.codex"],
    protect: ["/h/.codex/config.toml", "/h/.codex/AGENTS.md"],
  });
});

Deno.test("the denial scanner reads tool results: read-only writes, hidden paths, not ordinary misses", () => {
  const scanner = createDenialScanner({
    hiddenPaths: ["/h/.ssh", "/a"],
    now: () => new Date("2030-01-01T00:00:00Z"),
  });
  const use = (id: string, name: string) =>
    JSON.stringify({
      type: "assistant",
      message: { content: [{ type: "tool_use", id, name, input: {} }] },
    });
  const result = (id: string, content: unknown) =>
    JSON.stringify({
      type: "user",
      message: { content: [{ type: "tool_result", tool_use_id: id, content, is_error: true }] },
    });
  scanner.line(use("t1", "Bash"));
  scanner.line(result("t1", "Exit code 1\n/bin/bash: line 1: /h/notes: Read-only file system"));
  scanner.line(use("t2", "Write"));
  scanner.line(
    result("t2", [{ type: "text", text: "EROFS: read-only file system, open '/etc/x'" }]),
  );
  scanner.line(use("t3", "Bash"));
  scanner.line(result("t3", "cat: /h/.ssh/id_rsa: No such file or directory"));
  scanner.line(result("t3", "cat: /w/missing.txt: No such file or directory"));
  scanner.line("not json");
  scanner.line(JSON.stringify({
    type: "item.completed",
    item: {
      type: "command_execution",
      aggregated_output: "touch: cannot touch '/a/state/x': Permission denied",
    },
  }));
  const found = scanner.denials();
  assertEquals(found.map((d) => [d.tool, d.path]), [
    ["Bash", "/h/notes"],
    ["Write", "/etc/x"],
    ["Bash", "/h/.ssh/id_rsa"],
    ["exec_command", "/a/state/x"],
  ]);
  assertEquals(found[0].at, "2030-01-01T00:00:00.000Z");
  assertEquals(
    countDenials([...found, {
      kind: "network",
      host: "x",
      port: 1,
      method: "CONNECT",
      at: "",
      reason: "",
    }]),
    { network: 1, file: 4, permission: 0 },
  );
});
