import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { runAlfred, withHome } from "./support/helpers.ts";
import { applyFleetOps, planConfigSet, planRepoRemove } from "../runner/config/fleet_edit.ts";
import { loadFleetConfig } from "../runner/config/config.ts";
import { renderFleetTemplate } from "../runner/config/fleet_template.ts";
import { parse } from "yaml";

/** Every comment of a YAML text (whole-line and trailing), in order. */
function commentsOf(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const at = line.search(/(^|\s)#/);
    return at < 0 ? [] : [line.slice(at).trim()];
  });
}

Deno.test("repos add and enable on a freshly initialised fleet.yaml keep every comment and enable the agent", async () => {
  await using home = await withHome();
  const checkout = `${home.home}/code/web`;
  await Deno.mkdir(`${checkout}/.git`, { recursive: true });
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const fresh = await Deno.readTextFile(home.layout.fleetFile);

  const added = await runAlfred(["repos", "add", `acme/web=${checkout}`], { home: home.home });
  assertEquals(added.code, 0, added.stderr);
  assertEquals(added.stderr, "");
  assertStringIncludes(added.stdout, `Updated ${home.layout.fleetFile}:`);
  assertStringIncludes(added.stdout, `repos: added acme/web (path ${checkout}, base main)`);
  assertEquals(await Deno.readTextFile(`${home.layout.fleetFile}.bak`), fresh);

  const enabled = await runAlfred(["enable", "lucius"], { home: home.home });
  assertEquals(enabled.code, 0, enabled.stderr);
  assertStringIncludes(enabled.stdout, "agents.lucius.enabled: false -> true");
  assertStringIncludes(enabled.stdout, "Next: `alfred fire lucius --dry-run`");

  const text = await Deno.readTextFile(home.layout.fleetFile);
  assertEquals(commentsOf(text), commentsOf(fresh), "every comment kept, in its place");
  const before = fresh.split("\n");
  const after = text.split("\n");
  assertEquals(
    after.length - before.length,
    3,
    "three lines more: the repo's name, path and base; enabled changed in place",
  );
  const config = await loadFleetConfig(home.layout.fleetFile, { env: home.env() });
  assertEquals(config.agents.lucius.enabled, true);
  assertEquals(config.repos, [{ name: "acme/web", path: checkout, base: "main" }]);

  const again = await runAlfred(["enable", "lucius"], { home: home.home });
  assertEquals(again.stdout, "lucius is already enabled.\n");
  assertEquals(await Deno.readTextFile(home.layout.fleetFile), text, "nothing rewritten");

  const status = JSON.parse((await runAlfred(["status", "--json"], { home: home.home })).stdout);
  assertEquals(
    status.agents.find((agent: { agent: string }) => agent.agent === "lucius").state,
    "enabled",
  );
});

Deno.test("an invalid config set is refused with file:line:col and leaves the file byte for byte unchanged", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init", "--repo", "acme/web"], { home: home.home })).code, 0);
  const before = await Deno.readFile(home.layout.fleetFile);
  const run = await runAlfred(["config", "set", "agents.lucius.max_turns", "forty"], {
    home: home.home,
  });
  assertEquals(run.code, 3, run.stderr);
  assertMatch(
    run.stderr,
    new RegExp(
      `^error: ${
        home.layout.fleetFile.replaceAll("/", "\\/")
      }:\\d+:\\d+: agents\\.lucius\\.max_turns: .*\\(got "forty"\\) \\(after the edit; nothing was written\\)$`,
      "m",
    ),
  );
  assertMatch(run.stderr, /^hint: .* is unchanged\./m);
  assertEquals(run.stdout, "");
  assertEquals(await Deno.readFile(home.layout.fleetFile), before);
  assertEquals(
    await Deno.stat(`${home.layout.fleetFile}.bak`).then(() => true, () => false),
    false,
    "no backup either: nothing was written",
  );

  const good = await runAlfred(["config", "set", "agents.lucius.max_turns", "30"], {
    home: home.home,
  });
  assertEquals(good.code, 0, good.stderr);
  assertStringIncludes(good.stdout, "agents.lucius.max_turns: (unset) -> 30");
  const config = await loadFleetConfig(home.layout.fleetFile, { env: home.env() });
  assertEquals(config.agents.lucius.maxTurns, 30);
  assertEquals(await Deno.readFile(`${home.layout.fleetFile}.bak`), before);
  const get = await runAlfred(["config", "get", "agents.lucius.max_turns"], { home: home.home });
  assertEquals(get.stdout, "30\n");
});

Deno.test("init --repo on an existing fleet.yaml points to alfred repos add", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const run = await runAlfred(["init", "--repo", "acme/web=/srv/web"], { home: home.home });
  assertEquals(run.code, 1);
  assertStringIncludes(
    run.stderr,
    "hint: Add it to the existing file with `alfred repos add acme/web=/srv/web`.",
  );
});

Deno.test("enable refuses an unknown codename, and repos remove an unlisted repo, with the file untouched", async () => {
  await using home = await withHome();
  assertEquals((await runAlfred(["init"], { home: home.home })).code, 0);
  const before = await Deno.readTextFile(home.layout.fleetFile);
  const unknown = await runAlfred(["enable", "lucius", "jarvis"], { home: home.home });
  assertEquals(unknown.code, 2);
  assertMatch(unknown.stderr, /^error: unknown agent "jarvis"$/m);
  const unlisted = await runAlfred(["repos", "remove", "acme/web"], { home: home.home });
  assertEquals(unlisted.code, 2);
  assertMatch(unlisted.stderr, /^error: acme\/web is not listed under repos:$/m);
  assertEquals(await Deno.readTextFile(home.layout.fleetFile), before);
  const missing = await runAlfred(["enable", "lucius"], { home: `${home.home}/nowhere` });
  assertEquals(missing.code, 3);
  assertStringIncludes(missing.stderr, "hint: Run `alfred init` first");
});

Deno.test("splices keep the layout: append to a block list, remove the last item, nested keys", () => {
  const text =
    "version: 1  # keep\nrepos:\n  # the first\n  - name: a/b\n    base: main\n\n# agents\nagents:\n  lucius:\n    enabled: false # off\n";
  const added = applyFleetOps(text, [
    { op: "append", path: ["repos"], value: { name: "c/d", base: "dev" } },
    { op: "set", path: ["agents", "lucius", "enabled"], value: true },
    { op: "set", path: ["agents", "drake", "schedule"], value: "every 2h" },
    { op: "set", path: ["defaults", "caps", "cost_usd_per_day"], value: 5 },
  ]);
  assertEquals(added.relaidOut, false);
  assertEquals(
    added.text,
    "version: 1  # keep\nrepos:\n  # the first\n  - name: a/b\n    base: main\n  - name: c/d\n    base: dev\n\n# agents\nagents:\n  lucius:\n    enabled: true # off\n  drake:\n    schedule: every 2h\ndefaults:\n  caps:\n    cost_usd_per_day: 5\n",
  );
  const removed = applyFleetOps(added.text, [
    { op: "remove", path: ["repos", 1] },
    { op: "remove", path: ["repos", 0] },
  ]);
  assertEquals(removed.relaidOut, false);
  assertMatch(removed.text, /^repos: \[\]\n\n# agents$/m);
  assertEquals(parse(removed.text).repos, []);
});

Deno.test("a layout the splices do not handle falls back to the YAML writer, with the same meaning", () => {
  const text = "version: 1\nagents: { lucius: { enabled: false } }  # flow\n";
  const edited = applyFleetOps(text, [{
    op: "set",
    path: ["agents", "drake", "enabled"],
    value: true,
  }]);
  assertEquals(edited.relaidOut, true);
  assertEquals(parse(edited.text).agents, { lucius: { enabled: false }, drake: { enabled: true } });
  assertStringIncludes(edited.text, "# flow");
});

Deno.test("repos remove also takes the repo out of agents' own repos lists", () => {
  const data = parse(
    "repos:\n  - name: a/b\n  - name: c/d\nagents:\n  lucius:\n    repos:\n      - c/d\n      - a/b\n",
  );
  const plan = planRepoRemove("a/b")({ root: data, repos: data.repos, agents: data.agents });
  assertEquals(plan.changes, ["repos: removed a/b", "agents.lucius.repos: removed a/b"]);
  const text =
    "repos:\n  - name: a/b\n  - name: c/d\nagents:\n  lucius:\n    repos:\n      - c/d\n      - a/b\n";
  const edited = applyFleetOps(text, plan.ops);
  assertEquals(edited, {
    text: "repos:\n  - name: c/d\nagents:\n  lucius:\n    repos:\n      - c/d\n",
    relaidOut: false,
  });
});

Deno.test("config set reads its value as YAML and says what changes", () => {
  const root = parse(renderFleetTemplate([]));
  const plan = planConfigSet("agents.lucius.schedule", "every 10m")({ root });
  assertEquals(plan.changes, ['agents.lucius.schedule: "every 20m" -> "every 10m"']);
  assertEquals(planConfigSet("defaults.max_turns", "40")({ root }).notes, [
    "defaults.max_turns is already 40.",
  ]);
  const list = planConfigSet("agents.drake.repos", "[acme/api, acme/web]")({ root });
  assertEquals(list.ops, [{
    op: "set",
    path: ["agents", "drake", "repos"],
    value: ["acme/api", "acme/web"],
  }]);
  assert(planConfigSet("repos.0.base", "dev")({ root: { repos: [{ name: "a/b" }] } }).ops.length);
});
