/**
 * A custom codename end to end: defined only in fleet.yaml (queue label,
 * prompt file, tier, schedule, caps, programs), fired as `agents/custom/mod.ts
 * docs` under exactly the permissions the build gives `alfred-docs`, with
 * real git, the real `claude` CLI against the scripted Messages API, the
 * loopback GitHub fake and Slack; `alfred fire docs` finds it too; and the
 * build compiles its binary, which knows its codename from its name.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./support/assert.ts";
import { parse as parseYaml } from "yaml";
import { codenameOfBinary, customAgentFor, promptPathOf } from "../agents/custom/mod.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { customNeedsOf, permissionsOf } from "../runner/config/permissions.ts";
import { buildRelease } from "../scripts/build.ts";
import {
  denoRunCommand,
  listDir,
  markersIn,
  outputOf,
  runAlfred,
  subprocessEnv,
} from "./support/helpers.ts";
import {
  committingReplies,
  createLuciusWorld,
  type LuciusWorld,
  REPO,
} from "./support/lucius_world.ts";
import { fleetYamlFor } from "./support/reader_firing.ts";

function fleetYaml(world: LuciusWorld): string {
  return fleetYamlFor(world, "docs", [
    "job: Keeps the docs in step with the code.",
    "queue_label: agent:docs",
    "prompt_file: prompts/docs-writer.md",
    "tier: fast",
    "schedule: every 2h",
    "max_turns: 8",
    "timeout_minutes: 1",
    "caps: { firings_per_day: 4 }",
    "programs: [pandoc]",
  ]);
}

Deno.test("a custom codename from fleet.yaml claims its queue, runs claude with its prompt file and opens a PR under its own name, inside its declared permissions", async () => {
  await using world = await createLuciusWorld({ replies: committingReplies() });
  const fleet = fleetYaml(world);
  await Deno.writeTextFile(world.layout.fleetFile, fleet);
  await Deno.mkdir(world.layout.promptsDir, { recursive: true });
  await Deno.writeTextFile(
    `${world.layout.promptsDir}/docs-writer.md`,
    "You are Docs, a technical writer. DOCS-PROMPT-MARKER: update the docs only.\n",
  );
  const ignored = world.github.addIssue(REPO, {
    title: "Lucius's work",
    labels: [LABELS.implement],
  });
  const number = world.github.addIssue(REPO, {
    title: "Document the greeting",
    body: "Please add greeting.txt.",
    labels: ["agent:docs"],
  });
  const flags = world.flags("docs", {
    engines: ["claude"],
    custom: customNeedsOf(parseYaml(fleet), { file: "fleet.yaml" }),
  });
  assert(flags.some((f) => f.startsWith("--allow-run=") && f.includes("pandoc")), flags.join(" "));
  const output = await outputOf(denoRunCommand("agents/custom/mod.ts", {
    flags,
    args: ["docs"],
    env: subprocessEnv(world.home, world.env()),
  }));
  assertEquals(output.code, 0, output.stderr + output.stdout);

  const [event] = await world.events("docs");
  assertEquals(event.outcome, "success", JSON.stringify(event));
  const firingId = String(event.firing_id);
  const [pull] = world.github.pulls(REPO);
  assertEquals(world.github.pulls(REPO).length, 1);
  assertEquals(pull.title, `[Docs] Document the greeting (#${number})`);
  assertMatch(pull.head, new RegExp(`^agent/docs/${number}-[0-9a-f]{6}$`));
  assertStringIncludes(pull.body ?? "", `Closes #${number}`);
  assertEquals(world.github.issue(REPO, number).labels, [LABELS.prOpen]);
  const markers = world.github.issue(REPO, number).comments.flatMap((c) => markersIn(c.body));
  assertEquals(markers.map((m) => [m.kind, "codename" in m ? m.codename : null]), [
    ["claim", "docs"],
    ["release", "docs"],
  ]);
  assertEquals(markers[0].kind === "claim" ? markers[0].queue : "", "agent:docs");
  assertEquals(world.github.issue(REPO, ignored).labels, [LABELS.implement], "not its queue");
  const log = await world.git(world.origin, ["log", "--format=%an%n%B", `main..${pull.head}`]);
  assertStringIncludes(log, "Alfred-Agent: docs");
  assertStringIncludes(log, `Alfred-Firing: ${firingId}`);
  assert(log.startsWith("Docs (Alfred)"), log);
  // The engine got the prompt file as its instructions, on the fast tier's model.
  const request = world.anthropic.requests[0].body as { model?: string };
  assertStringIncludes(JSON.stringify(request), "DOCS-PROMPT-MARKER");
  assertMatch(String(request.model), /haiku/);
  // State: its own ledger and no leftovers; Slack speaks as Docs.
  const ledgerName = (await listDir(`${world.layout.stateDir}/docs`)).find((n) =>
    n.startsWith("spend-")
  );
  const ledger = JSON.parse(
    await Deno.readTextFile(`${world.layout.stateDir}/docs/${ledgerName}`),
  );
  assertEquals(ledger.firings, 1);
  assertEquals(await listDir(world.layout.worktreesDir), []);
  assertEquals(world.slack.messages.length, 1);
  assertMatch(world.slack.messages[0].text, /\[Docs\] shipped #\d+/);

  // `alfred fire docs` finds the custom agent through the CLI too (dry run: no second PR).
  const dry = await runAlfred(["fire", "docs", "--dry-run"], {
    home: world.home,
    env: world.env(),
  });
  assertEquals(dry.code, 0, dry.stderr);
  assertMatch(
    dry.stdout,
    /\[AGENT-DRY-RUN\] docs would fire now: engine claude \(haiku\), max 8 turns, today 1 firings/,
  );
});

Deno.test("a custom codename with no prompt file fails with a hint; a built-in codename is never custom", async () => {
  await using world = await createLuciusWorld();
  await Deno.writeTextFile(world.layout.fleetFile, fleetYaml(world));
  world.github.addIssue(REPO, { title: "Docs", labels: ["agent:docs"] });
  const result = await runAlfred(["fire", "docs"], { home: world.home, env: world.env() });
  assertEquals(result.code, 1, result.stdout + result.stderr);
  const [event] = await world.events("docs");
  assertEquals(event.outcome, "failure");
  assertStringIncludes(String(event.error), "the prompt of docs is missing");
  assertEquals(world.github.issue(REPO, 1).labels, ["agent:docs"], "nothing was claimed");
  assertEquals(world.anthropic.requests.length, 0);
  assertEquals(promptPathOf("/h", "prompts/x.md"), "/h/prompts/x.md");
  assertEquals(promptPathOf("/h", "/etc/p.md"), "/etc/p.md");
  assertEquals(codenameOfBinary({ binary: "alfred-docs" }, ["other"]), "docs");
  assertEquals(codenameOfBinary(undefined, ["docs"]), "docs");
  assertEquals(codenameOfBinary({ binary: "alfred" }, []), undefined);
  await assertRejects(() => customAgentFor("gordon"), Error, "not built into this binary");
  assertEquals((await customAgentFor("docs")).codename, "docs");
});

Deno.test("the build compiles a custom codename's binary from fleet.yaml, and it knows its codename", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alfred-build-custom-" });
  try {
    const fleet = "version: 1\nagents:\n  docs:\n    enabled: false\n    schedule: every 2h\n" +
      "    programs: [pandoc]\n    hosts: [docs.example.com]\n";
    const custom = customNeedsOf(parseYaml(fleet), { file: "fleet.yaml" });
    const manifest = await buildRelease({
      outDir,
      offline: true,
      archive: false,
      binaries: ["alfred-docs"],
      permissions: { custom },
      log: () => {},
    });
    const [built] = manifest.binaries;
    assertEquals(built.entry, "agents/custom/mod.ts");
    assertEquals(built.permissions, permissionsOf("alfred-docs", { custom }));
    assert(
      built.permissions.run.includes("pandoc") &&
        built.permissions.net.includes("docs.example.com:443"),
    );
    // The binary is agents/custom/mod.ts plus a preload naming it: that name is its codename.
    // (An offline build's runtime is this Deno, which does not run the payload, so the
    // codename is read back from the embedded build facts instead of by running it.)
    const bytes = await Deno.readFile(`${outDir}/${built.file}`);
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    assertStringIncludes(text, '"binary":"alfred-docs"');
    assertStringIncludes(text, "customAgentFor");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
