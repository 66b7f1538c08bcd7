/**
 * scripts/build.ts: every available binary built offline (DENORT_BIN = this
 * Deno) carries exactly its declared permissions; archives and checksums;
 * the build's command line; the bundled code works under the narrow flags.
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./support/assert.ts";
import {
  BuildManifest,
  buildRelease,
  compileArgsOf,
  embeddedMetadataOf,
  parseBuildArgs,
  permissionDifferences,
  sha256Hex,
  TARGETS,
  writeArchive,
} from "../scripts/build.ts";
import {
  declarationsOf,
  embeddedPermissionsOf,
  FORBIDDEN_PROGRAMS,
  permissionsOf,
  runFlagsOf,
  wideFlagsIn,
} from "../runner/config/permissions.ts";
import { ConfigError, UsageError } from "../runner/errors.ts";
import { startServeProcess } from "./support/serve_helpers.ts";

const REPO_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The `alfred` manifest before repository code moved into the sandbox: the
 * union of every agent, code runners included (`alfred fire` ran any agent in
 * its own process).
 */
const ALFRED_MANIFEST_BEFORE = {
  run: [
    "/usr/bin/sandbox-exec",
    "aws",
    "bwrap",
    "claude",
    "codex",
    "deno",
    "df",
    "gh",
    "git",
    "kill",
    "launchctl",
    "loginctl",
    "make",
    "node",
    "npm",
    "npx",
    "pnpm",
    "systemctl",
    "yarn",
  ],
  net: [
    "127.0.0.1:0",
    "127.0.0.1:6379",
    "api.anthropic.com:443",
    "api.github.com:443",
    "api.openai.com:443",
    "hooks.slack.com:443",
    "localhost:6379",
    "sentry.io:443",
    ...["bane", "batman", "drake", "lucius", "nightwing", "rasalghul", "robin"].map((codename) =>
      `unix:/tmp/alfred-sandbox-${codename}/proxy.sock`
    ),
  ],
  env: [
    "ALFRED_*",
    "ANTHROPIC_*",
    "API_TIMEOUT_MS",
    "CLAUDE_CODE_*",
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "DBUS_SESSION_BUS_ADDRESS",
    "GITHUB_TOKEN",
    "HOME",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "LOGNAME",
    "OPENAI_*",
    "PATH",
    "TERM",
    "TMPDIR",
    "TZ",
    "USER",
    "XDG_*",
  ],
};

/** Shells and runners of arbitrary code the issue names; the full list is FORBIDDEN_PROGRAMS. */
const RUNNERS = ["sh", "bash", "node", "npm", "npx", "pnpm", "yarn", "deno", "make", "python"];

Deno.test("every binary, built offline, embeds exactly its declared permissions: no shell or code runner, and a narrower alfred", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alfred-build-" });
  try {
    const logs: string[] = [];
    const manifest = await buildRelease({
      outDir,
      offline: true,
      archive: false,
      // The permissions do not depend on bundling (the last test runs the bundled code); unbundled
      // compiles take half the time, and this test builds every binary.
      bundle: false,
      log: (line) => logs.push(line),
    });
    const saved = BuildManifest.parse(
      JSON.parse(await Deno.readTextFile(`${outDir}/manifest.json`)),
    );
    assertEquals(saved, manifest);
    assertEquals(
      manifest.binaries.map((b) => b.binary),
      declarationsOf().map((d) => d.binary),
      "every binary is built",
    );
    assertEquals(Object.keys(manifest.declared).length, declarationsOf().length);
    for (const built of manifest.binaries) {
      assertEquals(built.target, Deno.build.target);
      assertEquals(built.permissions, permissionsOf(built.binary));
      const bytes = await Deno.readFile(`${outDir}/${built.file}`);
      assertEquals(await sha256Hex(bytes), built.sha256);
      const metadata = embeddedMetadataOf(bytes);
      assert(metadata, `${built.binary}: no embedded metadata`);
      const embedded = metadata.permissions as Record<string, unknown>;
      console.log(`${built.binary}: ${JSON.stringify(embedded)}`);
      assertEquals(permissionDifferences(metadata, built.permissions), [], built.binary);
      const { allow_import: _defaults, ...rest } = embedded;
      assertEquals(rest, embeddedPermissionsOf(built.permissions), built.binary);
      // No wider: run and net are lists (an empty list would mean "all"), imports denied.
      assert(embedded.allow_run === null || (embedded.allow_run as string[]).length > 0);
      assert((embedded.allow_net as string[]).length > 0);
      assertEquals(embedded.deny_import, []);
      assertEquals(embedded.prompt, false);
      assertEquals(wideFlagsIn(built.flags), []);
      assertEquals(built.flags, runFlagsOf(built.binary));
      // The build facts `alfred version` reads are embedded as a preload module.
      assertEquals((metadata.preload_modules as string[]).length, 1);
      assertEquals(metadata.log_level, "ERROR");
      // Repository code runs only inside the sandbox: no binary may start a runner itself.
      const allowRun = (embedded.allow_run as string[] | null) ?? [];
      const runners = allowRun.filter((program) =>
        RUNNERS.includes(program) || FORBIDDEN_PROGRAMS.includes(program)
      );
      assertEquals(runners, [], `${built.binary} may start a shell or code runner`);
    }
    const alfred = manifest.binaries.find((b) => b.binary === "alfred")!;
    const embedded = embeddedMetadataOf(await Deno.readFile(`${outDir}/${alfred.file}`))!
      .permissions as Record<string, string[]>;
    const own = embedded.allow_run.filter((program) => !program.startsWith("alfred-"));
    const narrower = (now: string[], before: string[], what: string) => {
      assert(now.every((item) => before.includes(item)), `${what}: ${now} not within ${before}`);
      assert(
        now.length < before.length,
        `${what}: not narrower (${now.length} of ${before.length})`,
      );
    };
    narrower(own, ALFRED_MANIFEST_BEFORE.run, "alfred's own programs");
    narrower(embedded.allow_net, ALFRED_MANIFEST_BEFORE.net, "alfred's hosts");
    narrower(embedded.allow_env, ALFRED_MANIFEST_BEFORE.env, "alfred's variables");
    assertEquals(
      embedded.allow_run.filter((program) => program.startsWith("alfred-")).sort(),
      [
        ...declarationsOf().filter((d) => d.codename).map((d) => d.binary),
        "alfred-serve",
        "alfred-slack",
      ].sort(),
      "the rest are the agents' binaries, which a compiled `alfred fire` runs, and the " +
        "companions' binaries, which a compiled `alfred serve` and `alfred slack` run",
    );
    console.log(`alfred before: ${JSON.stringify(ALFRED_MANIFEST_BEFORE)}`);
    console.log(`alfred now: ${JSON.stringify(embedded)}`);
    assertEquals(
      manifest.binaries.find((b) => b.binary === "alfred-echo")?.permissions.run,
      [],
      "echo runs no program",
    );
    // The Slack listener's own manifest: Slack's Web API and Socket Mode hosts, GitHub,
    // the agents' binaries and the scheduler's programs; no engine, no git.
    const slack = manifest.binaries.find((b) => b.binary === "alfred-slack")!;
    assertEquals(slack.entry, "slack/main.ts");
    const slackEmbedded = embeddedMetadataOf(await Deno.readFile(`${outDir}/${slack.file}`))!
      .permissions as { allow_net: string[]; allow_run: string[] };
    for (const host of ["slack.com:443", "*.slack.com:443", "api.github.com:443"]) {
      assert(slackEmbedded.allow_net.includes(host), `alfred-slack may reach ${host}`);
    }
    for (const program of ["alfred-lucius", "alfred-echo", "systemctl", "launchctl"]) {
      assert(slackEmbedded.allow_run.includes(program), `alfred-slack may run ${program}`);
    }
    for (const program of ["claude", "codex", "git"]) {
      assert(!slackEmbedded.allow_run.includes(program), `alfred-slack may not run ${program}`);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("the compile command carries the declared flags, the target and the preload", () => {
  const [alfred] = declarationsOf();
  const args = compileArgsOf(alfred, {
    target: "aarch64-apple-darwin",
    output: "dist/x/alfred",
    preload: "p.js",
    bundle: true,
    check: false,
  });
  assertEquals(args.slice(0, 6), [
    "compile",
    "--quiet",
    "--no-check",
    "--exclude-unused-npm",
    "--bundle",
    "--minify",
  ]);
  assertEquals(args.slice(-7), [
    "--target",
    "aarch64-apple-darwin",
    "--preload",
    "p.js",
    "--output",
    "dist/x/alfred",
    "cli/mod.ts",
  ]);
  for (const flag of runFlagsOf("alfred")) assert(args.includes(flag), flag);
  assert(!args.includes("--allow-all") && !args.includes("--allow-run"));
});

Deno.test("the build's command line: targets, Enterprise host, engines, custom agents", () => {
  const read = (text: string) => () => text;
  const parse = (args: string[], env: Record<string, string> = {}, file = "") =>
    parseBuildArgs(args, { env: (name) => env[name], readFile: read(file) });
  assertEquals(parse(["--help"]), undefined);
  assertEquals(parse(["--all-targets"])?.targets, [...TARGETS]);
  assertEquals(parse(["--github-host", "ghe.corp"])?.permissions?.githubHost, "ghe.corp:443");
  assertEquals(
    parse([], { ALFRED_BUILD_GITHUB_HOST: "ghe.corp:8443" })?.permissions?.githubHost,
    "ghe.corp:8443",
  );
  assertEquals(parse(["--engines", "codex"])?.permissions?.engines, ["codex"]);
  assertEquals(
    parse([], { ALFRED_BUILD_SLACK_API_URL: "https://slack.corp/api/" })?.permissions?.slackApiUrl,
    "https://slack.corp/api/",
  );
  assertThrows(() => parse(["--slack-api-url", "not a url"]), ConfigError);
  assertEquals(parse(["--fs-allow", "/a,/b"])?.permissions?.fsPaths, ["/a", "/b"]);
  const custom = parse(
    ["--fleet", "fleet.yaml"],
    {},
    "version: 1\nagents:\n  docs:\n    programs: [pandoc]\n",
  );
  assertEquals(custom?.permissions?.custom, { docs: { programs: ["pandoc"] } });
  const staging = parse(
    ["--fleet", "fleet.yaml"],
    {},
    "version: 1\nagents:\n  huntress:\n    staging_url: https://staging.acme.dev\n",
  );
  assertEquals(staging?.permissions?.sandboxHosts, { huntress: ["staging.acme.dev:443"] });
  assertThrows(
    () => parse(["--fleet", "f.yaml"], {}, "agents:\n  x:\n    programs: [npm]\n"),
    ConfigError,
    "code runner",
  );
  assertThrows(() => parse(["--target", "x86_64-pc-windows-msvc"]), UsageError, "unknown target");
  assertThrows(() => parse(["--engines", "gpt"]), UsageError, "unknown engine");
  assertThrows(() => parse(["--bogus"]), UsageError);
  assertThrows(
    () => parse(["--fleet", "f.yaml"], {}, "agents:\n  x:\n    programs: [bash]\n"),
    ConfigError,
    "shell",
  );
  assertThrows(() => parse(["--github-host", "https://"]), Error);
});

Deno.test("an offline build refuses other targets", async () => {
  const other = TARGETS.find((target) => target !== Deno.build.target)!;
  let caught: unknown;
  try {
    await buildRelease({ offline: true, targets: [other], outDir: "/nonexistent", log: () => {} });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof UsageError);
  assertStringIncludes(caught.message, "--offline builds only the host target");
});

Deno.test("archives hold the binaries at the top level and SHA256SUMS-style sums match", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alfred-archive-" });
  try {
    await Deno.mkdir(`${outDir}/x86_64-unknown-linux-gnu`);
    for (const name of ["alfred", "alfred-echo"]) {
      await Deno.writeTextFile(
        `${outDir}/x86_64-unknown-linux-gnu/${name}`,
        `#!/bin/sh\necho ${name}\n`,
        { mode: 0o755 },
      );
    }
    const archive = await writeArchive(outDir, "x86_64-unknown-linux-gnu", [
      "alfred",
      "alfred-echo",
    ]);
    assertEquals(archive.file, "alfred-x86_64-unknown-linux-gnu.tar.gz");
    const listing = await new Deno.Command("tar", { args: ["-tzf", `${outDir}/${archive.file}`] })
      .output();
    assertEquals(new TextDecoder().decode(listing.stdout).trim().split("\n").sort(), [
      "alfred",
      "alfred-echo",
    ]);
    await Deno.writeTextFile(`${outDir}/SHA256SUMS`, `${archive.sha256}  ${archive.file}\n`);
    const check = await new Deno.Command("sha256sum", { args: ["-c", "SHA256SUMS"], cwd: outDir })
      .output();
    assertEquals(check.code, 0, new TextDecoder().decode(check.stderr));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("the bundled alfred (what --bundle --minify embeds) works under its narrow flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-bundle-" });
  try {
    await bundle("cli/mod.ts", `${dir}/alfred.js`);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...runFlagsOf("alfred"), `${dir}/alfred.js`, "quickstart"],
      cwd: dir,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: dir,
        ALFRED_HOME: `${dir}/home`,
        DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
        NO_COLOR: "1",
      },
    }).output();
    assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    assertStringIncludes(new TextDecoder().decode(run.stdout), "Fleet summary");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the bundled alfred-serve serves its page and embedded assets under its narrow flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-bundle-serve-" });
  try {
    await bundle("serve/main.ts", `${dir}/alfred-serve.js`);
    await using serve = await startServeProcess(
      [...runFlagsOf("alfred-serve"), `${dir}/alfred-serve.js`, "--port", "0"],
      { home: `${dir}/home`, cwd: dir },
    );
    const page = await fetch(`${serve.url}/`);
    assertStringIncludes(await page.text(), "/assets/app.js");
    const uplot = await fetch(`${serve.url}/assets/uplot.js`);
    assertEquals(uplot.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertStringIncludes(await uplot.text(), "uPlot");
    const app = await fetch(`${serve.url}/assets/app.js`);
    assertStringIncludes(await app.text(), "followEvents");
    assertEquals((await serve.stop()).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** What `--bundle --minify` embeds: `deno bundle` of an entry point. */
async function bundle(entry: string, output: string): Promise<void> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--minify", "--platform", "deno", "-o", output, entry],
    cwd: REPO_ROOT,
  }).output();
  assertEquals(result.code, 0, new TextDecoder().decode(result.stderr));
}
