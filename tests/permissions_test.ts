/**
 * The permission declarations (runner/config/permissions.ts), the denial error
 * (runner/config/permission_error.ts), and every entry point run with `deno run` and
 * exactly its declared flags: allowed programs and hosts work against loopback
 * stand-ins, anything else is denied with the runner's clear error.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./support/assert.ts";
import {
  BUILT_IN_CODENAMES,
  customNeedsOf,
  declarationsOf,
  FORBIDDEN_PROGRAMS,
  KILL_PROGRAM,
  normaliseHost,
  permissionsOf,
  runFlagsOf,
  sandboxHostsOf,
  slackHostsOf,
  wideFlagsIn,
} from "../runner/config/permissions.ts";
import {
  describePermissionDenial,
  parseDenialMessage,
  PermissionDeniedError,
} from "../runner/config/permission_error.ts";
import { ConfigError, ExitCode } from "../runner/errors.ts";
import { type CliResult, denoEnv, denoRunCommand, outputOf } from "./support/helpers.ts";

Deno.test("no binary has --allow-all, a bare --allow-run or a bare --allow-net, and all say --no-prompt", () => {
  const declarations = declarationsOf();
  assertEquals(declarations.map((d) => d.binary), [
    "alfred",
    "alfred-serve",
    "alfred-slack",
    ...BUILT_IN_CODENAMES.map((codename) => `alfred-${codename}`),
  ]);
  for (const { binary } of declarations) {
    const flags = runFlagsOf(binary);
    assertEquals(wideFlagsIn(flags), [], binary);
    assert(flags.includes("--no-prompt"), binary);
    assert(!flags.some((flag) => flag === "--allow-env"), `${binary} reads every variable`);
  }
  assertEquals(wideFlagsIn(["--allow-all"]), [
    "--allow-all grants everything",
    "--no-prompt is missing",
  ]);
  assertEquals(wideFlagsIn(["--no-prompt", "--allow-run", "--allow-net"]).length, 2);
});

Deno.test("each binary gets what its job needs and nothing more", () => {
  const cases: [string, Partial<Record<"run" | "net" | "sys", string[]>>][] = [
    ["alfred-echo", {
      run: [],
      net: ["hooks.slack.com:443", "slack.com:443"],
      sys: ["hostname"],
    }],
    ["alfred-lucius", {
      run: ["/usr/bin/sandbox-exec", "bwrap", "claude", "codex", "df", "gh", "git", KILL_PROGRAM],
      net: [
        "127.0.0.1:0",
        "127.0.0.1:6379",
        "api.anthropic.com:443",
        "api.github.com:443",
        "api.openai.com:443",
        "hooks.slack.com:443",
        "localhost:6379",
        "slack.com:443",
        "unix:/tmp/alfred-sandbox-lucius/proxy.sock",
      ],
      sys: ["hostname"],
    }],
    ["alfred-slack", {
      run: [
        ...BUILT_IN_CODENAMES.map((codename) => `alfred-${codename}`).sort(),
        "gh",
        "kill",
        "launchctl",
        "systemctl",
      ],
      net: [
        "*.slack.com:443",
        "127.0.0.1:6379",
        "api.github.com:443",
        "localhost:6379",
        "slack.com:443",
      ],
      sys: ["hostname", "osRelease", "uid"],
    }],
    ["alfred", {
      // Its own commands, and the agents' binaries that a compiled `alfred fire` runs.
      run: [
        "/usr/bin/sandbox-exec",
        ...BUILT_IN_CODENAMES.map((codename) => `alfred-${codename}`).sort(),
        "alfred-serve",
        "alfred-slack",
        "bwrap",
        "gh",
        "kill",
        "launchctl",
        "loginctl",
        "systemctl",
      ],
      net: ["127.0.0.1:6379", "api.github.com:443", "hooks.slack.com:443", "localhost:6379"],
      sys: ["hostname", "uid"],
    }],
    ["alfred-bane", {
      run: ["/usr/bin/sandbox-exec", "bwrap", "claude", "codex", "df", "gh", "git", KILL_PROGRAM],
    }],
    ["alfred-huntress", {
      run: ["/usr/bin/sandbox-exec", "aws", "bwrap", "df", "gh", "git", KILL_PROGRAM],
      net: [
        "127.0.0.1:0",
        "api.github.com:443",
        "hooks.slack.com:443",
        "slack.com:443",
        "unix:/tmp/alfred-sandbox-huntress/proxy.sock",
      ],
    }],
    // The dashboard: listen on loopback (or everywhere with --allow-remote), start the
    // agents' binaries and the scheduler's programs, read the claims board from GitHub.
    ["alfred-serve", {
      run: [
        ...BUILT_IN_CODENAMES.map((codename) => `alfred-${codename}`).sort(),
        "gh",
        KILL_PROGRAM,
        "launchctl",
        "open",
        "systemctl",
        "xdg-open",
      ],
      net: [
        "0.0.0.0",
        "127.0.0.1",
        "127.0.0.1:6379",
        "[::1]",
        "api.github.com:443",
        "localhost",
        "localhost:6379",
      ],
      sys: ["hostname", "uid"],
    }],
  ];
  for (const [binary, expected] of cases) {
    const set = permissionsOf(binary);
    for (const [key, value] of Object.entries(expected)) {
      assertEquals(set[key as "run"], value, `${binary} ${key}`);
    }
    assertEquals(set.read, "all");
  }
  for (const { binary, permissions } of declarationsOf()) {
    const runners = permissions.run.filter((program) => FORBIDDEN_PROGRAMS.includes(program));
    assertEquals(runners, [], `${binary} may start no shell or code runner`);
  }
  for (
    const runner of ["sh", "bash", "node", "npm", "npx", "pnpm", "yarn", "deno", "make", "python"]
  ) {
    assert(FORBIDDEN_PROGRAMS.includes(runner), runner);
  }
  assert(!permissionsOf("alfred").env.includes("ANTHROPIC_*"), "alfred runs no engine itself");
  const withStaging = permissionsOf("alfred-huntress", {
    sandboxHosts: { huntress: ["staging.example.com:443"] },
  });
  assert(withStaging.net.includes("staging.example.com:443"), "its proxy may reach staging");
  assert(!permissionsOf("alfred-gordon").net.some((host) => host.startsWith("unix:")));
  const echoEnv = permissionsOf("alfred-echo").env;
  assert(!echoEnv.includes("ANTHROPIC_*"), "echo runs no engine, so no engine variables");
  assert(permissionsOf("alfred-lucius").env.includes("ANTHROPIC_*"));
  assert(!permissionsOf("alfred-lucius").env.includes("DBUS_SESSION_BUS_ADDRESS"));
  const claudeOnly = permissionsOf("alfred-lucius", { engines: ["claude"] });
  assert(!claudeOnly.run.includes("codex") && !claudeOnly.env.includes("OPENAI_*"));
  assert(!claudeOnly.net.includes("api.openai.com:443"));
  const gateway = permissionsOf("alfred-lucius", { engineHosts: { claude: ["llm.corp:8443"] } });
  assert(gateway.net.includes("llm.corp:8443") && !gateway.net.includes("api.anthropic.com:443"));
  assertThrows(() => permissionsOf("alfred-nobody"), ConfigError, "unknown binary");
});

Deno.test("Slack's API URL gives the listener its Web API and Socket Mode hosts, and firings the Web API", () => {
  assertEquals(slackHostsOf(), { api: "slack.com:443", socket: "*.slack.com:443" });
  assertEquals(slackHostsOf("http://127.0.0.1:8123/api/"), {
    api: "127.0.0.1:8123",
    socket: "127.0.0.1:8123",
  });
  assertThrows(() => slackHostsOf("not a url"), ConfigError);
  const listener = permissionsOf("alfred-slack", {
    slackApiUrl: "https://slack.corp.example/api/",
  });
  assert(listener.net.includes("slack.corp.example:443"));
  assert(!listener.net.some((host) => host.endsWith("slack.com:443")));
  assert(
    permissionsOf("alfred-lucius", { slackApiUrl: "http://127.0.0.1:8123/api/" }).net
      .includes("127.0.0.1:8123"),
  );
  const env = permissionsOf("alfred-slack").env;
  for (const name of ["ALFRED_*", "ANTHROPIC_*", "OPENAI_*", "DBUS_SESSION_BUS_ADDRESS"]) {
    assert(env.includes(name), `alfred-slack passes ${name} on to the firings it starts`);
  }
  const custom = permissionsOf("alfred-slack", { custom: { docs: {} } });
  assert(custom.run.includes("alfred-docs"), "it may fire custom agents too");
});

Deno.test("a GitHub Enterprise host replaces api.github.com, normalised to host:port", () => {
  const cases: [string, string][] = [
    ["ghe.example.com", "ghe.example.com:443"],
    ["GHE.Example.com:8443", "ghe.example.com:8443"],
    ["https://ghe.example.com/api/v3", "ghe.example.com:443"],
    ["http://127.0.0.1:9999/", "127.0.0.1:9999"],
  ];
  for (const [input, expected] of cases) assertEquals(normaliseHost(input), expected, input);
  for (const bad of ["*.example.com", "ghe.example.com/path", "a,b", ""]) {
    assertThrows(() => normaliseHost(bad), ConfigError, "is not a host");
  }
  const set = permissionsOf("alfred-lucius", { githubHost: "ghe.example.com" });
  assert(set.net.includes("ghe.example.com:443") && !set.net.includes("api.github.com:443"));
});

Deno.test("custom agents from fleet.yaml declare programs, hosts and env, validated", () => {
  const fleet = {
    version: 1,
    agents: {
      lucius: { enabled: true, programs: ["curl"] },
      docs: {
        schedule: "every 1h",
        programs: ["pandoc"],
        hosts: ["docs.example.com"],
        env: ["GOPATH"],
      },
    },
  };
  const custom = customNeedsOf(fleet, { file: "fleet.yaml" });
  assertEquals(Object.keys(custom), ["docs"], "built-in agents cannot widen themselves");
  const set = permissionsOf("alfred-docs", { custom });
  assertEquals(set.run, [...permissionsOf("alfred-lucius").run, "pandoc"].sort());
  assert(set.net.includes("docs.example.com:443") && set.env.includes("GOPATH"));
  const alfred = permissionsOf("alfred", { custom }).run;
  assert(alfred.includes("alfred-docs") && !alfred.includes("pandoc"), "alfred fires its binary");
  assertEquals(declarationsOf({ custom }).at(-1)?.entry, "agents/custom/mod.ts");
  const bad: [unknown, string][] = [
    [{ agents: { x: { programs: ["sh"] } } }, "agents.x.programs.0: may not be a shell"],
    [{ agents: { x: { programs: ["node"] } } }, "agents.x.programs.0: may not be a shell"],
    [{ agents: { x: { programs: ["make"] } } }, "code runner"],
    [{ agents: { x: { programs: ["/usr/bin/curl"] } } }, "agents.x.programs.0: must be a bare"],
    [{ agents: { x: { hosts: ["*"] } } }, "agents.x.hosts.0: must be a host"],
    [{ agents: { x: { env: ["lower"] } } }, "agents.x.env.0: must be an upper-case"],
    [{ agents: ["x"] }, "agents: must be a mapping"],
  ];
  for (const [doc, message] of bad) {
    assertThrows(() => customNeedsOf(doc, { file: "fleet.yaml" }), ConfigError, message);
  }
});

Deno.test("each agent's sandbox hosts come from fleet.yaml, validated like custom agents' hosts", () => {
  const fleet = {
    version: 1,
    agents: {
      huntress: { staging_url: "http://staging.example.com:8080/app", network: ["api.stripe.com"] },
      bane: { network: ["registry.npmjs.org:443"] },
      lucius: { enabled: true },
    },
  };
  assertEquals(sandboxHostsOf(fleet, { file: "fleet.yaml" }), {
    huntress: ["api.stripe.com:443", "staging.example.com:8080"],
    bane: ["registry.npmjs.org:443"],
  });
  assertEquals(
    sandboxHostsOf({ agents: { huntress: { staging_url: "https://s.example.com" } } }, {
      file: "f",
    }),
    { huntress: ["s.example.com:443"] },
  );
  const bad: [unknown, string][] = [
    [{ agents: { huntress: { network: ["*.example.com"] } } }, "agents.huntress.network.0"],
    [{ agents: { bane: { network: ["https://x.com"] } } }, "agents.bane.network.0"],
    [{ agents: { huntress: { staging_url: "ftp://x" } } }, "agents.huntress.staging_url"],
  ];
  for (const [doc, message] of bad) {
    assertThrows(() => sandboxHostsOf(doc, { file: "fleet.yaml" }), ConfigError, message);
  }
  assertEquals(sandboxHostsOf({ version: 1 }, { file: "f" }), {});
});

Deno.test("file access is all, or only the absolute paths of a one-machine build", () => {
  const set = permissionsOf("alfred-echo", { fsPaths: ["/home/me/.alfred", "/srv/repos"] });
  assertEquals(set.read, ["/home/me/.alfred", "/srv/repos"]);
  assertStringIncludes(runFlagsOf("alfred-echo", { fsPaths: ["/a"] }).join(" "), "--allow-read=/a");
  for (const path of ["~/.alfred", "$HOME/.alfred", "relative", "/a,b"]) {
    assertThrows(() => permissionsOf("alfred-echo", { fsPaths: [path] }), ConfigError, "absolute");
  }
});

Deno.test("a denial names the permission, the binary and what to do", () => {
  const cases: [string, RegExp, RegExp][] = [
    [
      'Requires run access to "curl", run again with the --allow-run flag',
      /alfred-lucius may not run a program to "curl"/,
      /may run only: git, gh\. curl is not part of its job.*agents\.<codename>\.programs/,
    ],
    [
      'Requires net access to "ghe.corp:443", run again with the --allow-net flag',
      /may not connect to "ghe.corp:443"/,
      /--github-host ghe\.corp/,
    ],
    [
      'Requires env access to "SECRET", run again with the --allow-env flag',
      /may not read the environment to "SECRET"/,
      /ALFRED_\*/,
    ],
    [
      'Requires write access to "/etc/x", run again with the --allow-write flag',
      /may not write to "\/etc\/x"/,
      /--fs-allow/,
    ],
  ];
  for (const [message, shown, hint] of cases) {
    const error = describePermissionDenial(new Deno.errors.NotCapable(message), {
      binary: "alfred-lucius",
      allowed: { run: ["git", "gh"], net: ["api.github.com:443"], env: ["ALFRED_*"] },
    });
    assert(error instanceof PermissionDeniedError, message);
    assertMatch(error.message, shown);
    assertMatch(error.hint ?? "", hint);
    assertEquals(error.exitCode, ExitCode.permission);
  }
  const pinned = describePermissionDenial(
    new Deno.errors.NotCapable('Requires run access to "git"'),
    { binary: "alfred-lucius", allowed: { run: ["git"] } },
  );
  assertMatch(pinned?.hint ?? "", /pins it to the file found on PATH/);
  const wrapped = new Error("spawn failed", {
    cause: new Deno.errors.NotCapable('Requires run access to "sh"'),
  });
  assertEquals(describePermissionDenial(wrapped, { binary: "alfred" })?.target, "sh");
  assertEquals(describePermissionDenial(new Error("other"), { binary: "alfred" }), undefined);
  assertEquals(parseDenialMessage("Requires env access, run again"), {
    permission: "env",
    target: "",
  });
  assertEquals(parseDenialMessage("No such file"), undefined);
});

// --- The entry points under `deno run` with exactly the declared flags. ---

async function runUnder(
  flags: string[],
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  return await outputOf(denoRunCommand(script, { flags, args, env: denoEnv(env) }));
}

async function withStandIns(
  fn: (world: { dir: string; path: string; ports: number[] }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-perm-" });
  const servers = [0, 1, 2].map((n) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response(`s${n}`))
  );
  try {
    await Deno.mkdir(`${dir}/bin`);
    for (const name of ["git", "curl"]) {
      await Deno.writeTextFile(`${dir}/bin/${name}`, `#!/bin/sh\necho "stand-in ${name} $*"\n`, {
        mode: 0o755,
      });
    }
    const path = `${dir}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
    await fn({ dir, path, ports: servers.map((server) => server.addr.port) });
  } finally {
    await Promise.all(servers.map((server) => server.shutdown()));
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("alfred-lucius's flags let it run git and reach its hosts, and nothing else", async () => {
  await withStandIns(async ({ dir, path, ports: [github, slack, other] }) => {
    const options = { githubHost: `127.0.0.1:${github}`, slackHost: `127.0.0.1:${slack}` };
    const flags = runFlagsOf("alfred-lucius", options);
    const env = { PATH: path, HOME: dir };
    const allowed = await runUnder(flags, "tests/support/permission_probe.ts", [
      "alfred-lucius",
      JSON.stringify(options),
      "run:git",
      `fetch:http://127.0.0.1:${github}/`,
      `fetch:http://127.0.0.1:${slack}/`,
    ], env);
    assertEquals(allowed.stderr, "");
    assertEquals(allowed.code, 0);
    assertStringIncludes(allowed.stdout, "ok run:git stand-in git --version");
    assertStringIncludes(allowed.stdout, `ok fetch:http://127.0.0.1:${slack}/ 200 s1`);

    const denied: [string, RegExp][] = [
      ["run:curl", /permission denied: alfred-lucius may not run a program to "curl"/],
      [
        "run:sh",
        /may not run a program to "sh"\nhint: alfred-lucius may run only: \/usr\/bin\/sandbox-exec, bwrap, claude, codex, df, gh, git, kill\./,
      ],
      [`fetch:http://127.0.0.1:${other}/`, new RegExp(`may not connect to "127.0.0.1:${other}"`)],
      [
        "fetch:https://example.com/",
        /may not connect to "example.com:443"\nhint: .*--github-host example.com/,
      ],
    ];
    for (const [action, expected] of denied) {
      const result = await runUnder(
        flags,
        "tests/support/permission_probe.ts",
        ["alfred-lucius", JSON.stringify(options), action],
        env,
      );
      console.log(`${action} ->\n${result.stderr.trim()}`);
      assertEquals(result.code, ExitCode.permission, action);
      assertMatch(result.stderr, expected);
      assertEquals(result.stdout, "");
    }
  });
});

Deno.test("alfred-echo may run no program at all", async () => {
  await withStandIns(async ({ dir, path }) => {
    const result = await runUnder(runFlagsOf("alfred-echo"), "tests/support/permission_probe.ts", [
      "alfred-echo",
      "{}",
      "run:git",
    ], { PATH: path, HOME: dir });
    assertEquals(result.code, ExitCode.permission);
    assertMatch(
      result.stderr,
      /alfred-echo may not run a program to "git"\nhint: alfred-echo may run only: nothing/,
    );
  });
});

Deno.test("the alfred and echo entry points do their job under exactly their declared flags", async () => {
  const home = await Deno.makeTempDir({ prefix: "alfred-perm-home-" });
  try {
    const env = { PATH: Deno.env.get("PATH") ?? "", HOME: home, ALFRED_HOME: home };
    const quickstart = await runUnder(
      runFlagsOf("alfred"),
      "cli/mod.ts",
      ["quickstart"],
      env,
    );
    assertEquals(quickstart.code, 0, quickstart.stderr);
    assertStringIncludes(quickstart.stdout, "Fleet summary");
    const echo = await runUnder(runFlagsOf("alfred-echo"), "agents/echo/mod.ts", [], env);
    assertEquals(echo.code, 0, echo.stderr);
    assertMatch(echo.stdout, /1 firing, 0 failed/);
    const version = await runUnder(
      runFlagsOf("alfred"),
      "cli/mod.ts",
      ["version", "--json"],
      env,
    );
    assertEquals(version.code, 0, version.stderr);
    const info = JSON.parse(version.stdout);
    assertEquals(info.source, "declared");
    assertEquals(info.permissions, permissionsOf("alfred"));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
