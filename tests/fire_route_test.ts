/**
 * Where `alfred fire <codename>` runs (runner/control/fire_route.ts), the agent
 * binaries' command line (runner/firing/fire.ts), and the hand-over to a sibling
 * binary (cli/fire_sibling.ts) with stand-in binaries under exactly the
 * `--allow-run` a compiled `alfred` has.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { denoDir, REPO_ROOT, withHome } from "./support/helpers.ts";
import { fireRouteOf, isCompiledBinary } from "../runner/control/fire_route.ts";
import { parseFireArgs } from "../agents/agent_main.ts";

Deno.test("a compiled alfred hands the firing to the agent's binary next to it; deno run stays in process", () => {
  const script = { buildInfo: undefined, mainModule: `file://${REPO_ROOT}/cli/mod.ts` };
  const cases: [
    string,
    Parameters<typeof fireRouteOf>[0],
    string,
    ReturnType<typeof fireRouteOf>,
  ][] = [
    ["deno run", { ...script, execPath: "/usr/bin/deno" }, "lucius", { kind: "in-process" }],
    [
      "deno run, whatever deno is called",
      { ...script, execPath: "/opt/alfred/alfred" },
      "lucius",
      { kind: "in-process" },
    ],
    [
      "a release binary (the build's preload)",
      {
        buildInfo: { binary: "alfred" },
        mainModule: "file:///x.js",
        execPath: "/home/op/.local/bin/alfred",
      },
      "lucius",
      { kind: "sibling", program: "/home/op/.local/bin/alfred-lucius" },
    ],
    [
      "a binary compiled without the build script",
      {
        buildInfo: undefined,
        mainModule: "file:///tmp/deno-compile-alfred/cli/mod.ts",
        execPath: "/srv/bin/alfred",
      },
      "docs",
      { kind: "sibling", program: "/srv/bin/alfred-docs" },
    ],
    [
      "a codename that is not one never becomes a path",
      { buildInfo: { binary: "alfred" }, mainModule: "", execPath: "/srv/bin/alfred" },
      "../../bin/sh",
      {
        kind: "invalid",
        reason: '"../../bin/sh" is not a codename (lower-case letters, digits and dashes)',
      },
    ],
  ];
  for (const [name, facts, codename, expected] of cases) {
    assertEquals(fireRouteOf(facts, codename), expected, name);
  }
  assertEquals(
    isCompiledBinary({ buildInfo: null, mainModule: "file:///a/deno-compile-x.ts" }),
    false,
  );
});

Deno.test("an agent binary takes --dry-run, --debug, --quiet and --json, which a compiled alfred fire passes on", () => {
  assertEquals(parseFireArgs([]), { kind: "fire", dryRun: false, debug: false, progress: "auto" });
  assertEquals(parseFireArgs(["--dry-run", "--debug"]), {
    kind: "fire",
    dryRun: true,
    debug: true,
    progress: "auto",
  });
  assertEquals(parseFireArgs(["--quiet"]), {
    kind: "fire",
    dryRun: false,
    debug: false,
    progress: "quiet",
  });
  assertEquals(parseFireArgs(["--json", "--dry-run"]), {
    kind: "fire",
    dryRun: true,
    debug: false,
    progress: "json",
  });
  assertEquals(parseFireArgs(["--json", "--quiet"]), {
    kind: "usage-error",
    message: "give --quiet or --json, not both",
  });
  assertEquals(parseFireArgs(["-h"]), { kind: "help" });
  assertEquals(parseFireArgs(["lucius"]), {
    kind: "usage-error",
    message: 'unknown argument "lucius"',
  });
});

/** Runs runSiblingFiring in a child Deno with exactly `--allow-run=alfred-lucius`, as `alfred` has. */
async function handOver(bin: string, program: string, path: string) {
  const code = `
import { runSiblingFiring } from "${REPO_ROOT}/cli/fire_sibling.ts";
Deno.exit(await runSiblingFiring(${JSON.stringify(program)}, {
  args: ["--dry-run"],
  env: { ALFRED_FIRED_BY: "hand" },
  stderr: (line) => console.error(line),
}));
`;
  await Deno.writeTextFile(`${bin}/../main.ts`, code);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-run=alfred-lucius", `${bin}/../main.ts`],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: { PATH: path, DENO_DIR: denoDir(), NO_COLOR: "1", ALFRED_HOME: "/srv/alfred-home" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("the hand-over runs the sibling with the same arguments and environment, and says what to fix when it cannot", async () => {
  const root = await Deno.makeTempDir({ prefix: "alfred-sibling-" });
  try {
    const bin = `${root}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/alfred-lucius`,
      '#!/bin/sh\necho "alfred-lucius $* home=$ALFRED_HOME by=$ALFRED_FIRED_BY"\nexit 7\n',
      { mode: 0o755 },
    );
    const systemPath = Deno.env.get("PATH") ?? "/usr/bin:/bin";
    const ran = await handOver(bin, `${bin}/alfred-lucius`, `${bin}:${systemPath}`);
    assertEquals(ran.stdout, "alfred-lucius --dry-run home=/srv/alfred-home by=hand\n");
    assertEquals(ran.code, 7, "its exit code is alfred's");

    const missing = await handOver(bin, `${bin}/alfred-robin`, `${bin}:${systemPath}`);
    assertEquals(missing.code, 1);
    assertMatch(
      missing.stderr,
      /alfred fire runs alfred-robin next to alfred, and .*alfred-robin does not exist/,
    );

    const offPath = await handOver(bin, `${bin}/alfred-lucius`, systemPath);
    assertEquals(offPath.code, 1);
    assertStringIncludes(offPath.stderr, `alfred may not start ${bin}/alfred-lucius`);
    assertStringIncludes(offPath.stderr, `put ${bin} first on PATH`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an agent's own entry point honours --dry-run and refuses an unknown argument", async () => {
  await using home = await withHome();
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "-A", `${REPO_ROOT}/agents/echo/mod.ts`, ...args],
      clearEnv: true,
      env: { ALFRED_HOME: home.home, HOME: home.home, DENO_DIR: denoDir(), NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  };
  const dry = await run(["--dry-run"]);
  assertEquals(dry.code, 0, dry.stderr);
  assertMatch(dry.stdout, /^\[AGENT-DRY-RUN\] echo would fire now/);
  const bad = await run(["--bogus"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, 'error: unknown argument "--bogus"');
  assertStringIncludes(bad.stderr, "Usage: alfred-echo [--dry-run] [--debug]");
  // What a compiled `alfred fire echo` hands over: the binary shows the person its steps.
  const byHand = await run([], { ALFRED_FIRED_BY: "hand" });
  assertEquals(byHand.code, 0, byHand.stderr);
  assertMatch(byHand.stdout, /summarised \d+ firings/);
  assertMatch(byHand.stdout, /^echo: success .*\d+(\.\d+)?s$/m);
  const quiet = await run(["--quiet"], { ALFRED_FIRED_BY: "hand" });
  assertEquals(quiet.code, 0, quiet.stderr);
  assertEquals(quiet.stdout.trim().split("\n").length, 1, quiet.stdout);
});
