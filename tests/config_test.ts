import { assertEquals, assertMatch, assertRejects, assertThrows } from "./support/assert.ts";
import { loadFleetConfig, resolveFleetConfig } from "../runner/config/config.ts";
import { parseFleetFile } from "../runner/config/fleet_yaml.ts";
import { ConfigError } from "../runner/errors.ts";
import { renderFleetTemplate } from "../runner/config/fleet_template.ts";
import { withHome } from "./support/helpers.ts";

const env = (values: Record<string, string> = {}) => (name: string) => values[name];

for (
  const [name, yaml, expected] of [
    [
      "a wrong type",
      "version: 1\nagents:\n  lucius:\n    max_turns: forty\n",
      /^fleet\.yaml:4:16: agents\.lucius\.max_turns: .*number.*\(got "forty"\)/,
    ],
    [
      "an unknown key",
      "version: 1\nagents:\n  lucius:\n    enabled: true\n    colour: red\n",
      /^fleet\.yaml:5:5: agents\.lucius\.colour: unknown key "colour"/,
    ],
    [
      "an unknown top-level key",
      "version: 1\nagnets: {}\n",
      /^fleet\.yaml:2:1: agnets: unknown key/,
    ],
    [
      "a negative cap",
      "version: 1\nagents:\n  lucius:\n    caps:\n      cost_usd_per_day: -3\n",
      /^fleet\.yaml:5:25: agents\.lucius\.caps\.cost_usd_per_day: .*\(got -3\)/,
    ],
    [
      "a bad repo name",
      "version: 1\nrepos:\n  - name: bad\n",
      /^fleet\.yaml:3:11: repos\.0\.name: must look like owner\/name/,
    ],
    ["broken YAML", "version: 1\nagents: [\n", /^fleet\.yaml:\d+:\d+: invalid YAML/],
    [
      "a webhook URL instead of a variable name",
      "version: 1\nslack:\n  webhook_env: https://hooks.slack.com/x\n",
      /slack\.webhook_env: must be the NAME/,
    ],
    ["a missing version", "agents: {}\n", /^fleet\.yaml:1:1: version:/],
    ["a duplicate key", "version: 1\nversion: 1\n", /fleet\.yaml:2:1: invalid YAML/],
    ["a bad codename", "version: 1\nagents:\n  Lucius!: {}\n", /agents\.Lucius!/],
    [
      "a trusted login that is not a GitHub login",
      'version: 1\ngithub:\n  trusted_logins: [alfred-bot, "evil bot"]\n',
      /^fleet\.yaml:3:32: github\.trusted_logins\.1: must be a GitHub login/,
    ],
  ] as const
) {
  Deno.test(`parseFleetFile names file, line, column and field for ${name}`, () => {
    const error = assertThrows(() => parseFleetFile(yaml, { file: "fleet.yaml" }), ConfigError);
    assertMatch(error.message, expected);
    assertMatch(error.hint ?? "", /Fix|fix/);
  });
}

Deno.test("the template that alfred init writes is valid, with Lucius serving the given repos", () => {
  const text = renderFleetTemplate([{ name: "acme/api", path: "/srv/code/api with space" }, {
    name: "acme/web",
  }]);
  const config = resolveFleetConfig(parseFleetFile(text, { file: "fleet.yaml" }), {
    env: env(),
    source: "fleet.yaml",
  });
  assertEquals(config.repos, [
    { name: "acme/api", path: "/srv/code/api with space", base: "main" },
    { name: "acme/web", path: undefined, base: "main" },
  ]);
  assertEquals(config.agents.lucius.enabled, true);
  assertEquals(config.agents.lucius.repos, ["acme/api", "acme/web"]);
  assertEquals(config.agents.echo.enabled, true);
  assertEquals(config.agents.bane.enabled, false);
  assertEquals(config.agents.lucius.failureStreakThreshold, 8);
});

Deno.test("an agent's settings override defaults, which override the built-in ones", () => {
  const file = parseFleetFile(
    [
      "version: 1",
      "timezone: Europe/Berlin",
      "defaults: { max_turns: 20, caps: { turns_per_day: 100 } }",
      "tiers: { cheap: { engine: codex, model: gpt-5-mini } }",
      "repos: [{ name: a/b, base: trunk }]",
      "agents:",
      "  lucius: { tier: cheap, caps: { cost_usd_per_day: 5 } }",
      "  scribe: { schedule: every 2h, max_turns: 7 }",
    ].join("\n"),
    { file: "f" },
  );
  const config = resolveFleetConfig(file, { env: env(), source: "f" });
  assertEquals(config.timezone, "Europe/Berlin");
  assertEquals(config.agents.lucius.engine, "codex");
  assertEquals(config.agents.lucius.model, "gpt-5-mini");
  assertEquals(config.agents.lucius.maxTurns, 20);
  assertEquals(config.agents.lucius.caps, {
    turns_per_day: 100,
    cost_usd_per_day: 5,
    firings_per_day: 96,
  });
  assertEquals(config.agents.scribe.maxTurns, 7, "a custom codename is an agent too");
  assertEquals(config.agents.scribe.enabled, true);
  assertEquals(config.repos[0].base, "trunk");
});

Deno.test("cross-field errors name the field: unknown tier, unlisted repo, bad time zone, custom agent without schedule", () => {
  for (
    const [yaml, field] of [
      [
        "version: 1\nagents: { lucius: { tier: huge } }",
        /agents\.lucius\.tier: unknown tier "huge"/,
      ],
      [
        "version: 1\nagents: { lucius: { repos: [x/y] } }",
        /agents\.lucius\.repos: "x\/y" is not listed/,
      ],
      ["version: 1\ntimezone: Mars/Olympus", /timezone: unknown time zone/],
      [
        "version: 1\nagents: { scribe: {} }",
        /agents\.scribe\.schedule: a custom agent needs a schedule/,
      ],
    ] as const
  ) {
    const error = assertThrows(
      () => resolveFleetConfig(parseFleetFile(yaml, { file: "f" }), { env: env(), source: "f" }),
      ConfigError,
    );
    assertMatch(error.message, field);
  }
});

Deno.test("environment settings override the file; the webhook comes from the named variable", () => {
  const file = parseFleetFile(
    "version: 1\nslack: { webhook_env: MY_HOOK }\ngithub: { api_url: https://ghe.example/api/v3 }\n",
    { file: "f" },
  );
  const fromFile = resolveFleetConfig(file, {
    env: env({ MY_HOOK: "http://127.0.0.1:9/hook" }),
    source: "f",
  });
  assertEquals(fromFile.slackWebhookUrl, "http://127.0.0.1:9/hook");
  assertEquals(fromFile.githubApiUrl, "https://ghe.example/api/v3");
  const overridden = resolveFleetConfig(file, {
    env: env({
      MY_HOOK: "http://127.0.0.1:9/a",
      ALFRED_SLACK_WEBHOOK_URL: "http://127.0.0.1:9/b",
      ALFRED_GITHUB_API_URL: "http://127.0.0.1:1",
    }),
    source: "f",
  });
  assertEquals(overridden.slackWebhookUrl, "http://127.0.0.1:9/b");
  assertEquals(overridden.githubApiUrl, "http://127.0.0.1:1");
  assertEquals(fromFile.githubTrustedLogins, []);
});

Deno.test("github.trusted_logins lists the other accounts whose markers count, once each", () => {
  const file = parseFleetFile(
    'version: 1\ngithub:\n  trusted_logins: [alfred-laptop, "alfred-app[bot]", alfred-laptop]\n',
    { file: "f" },
  );
  const config = resolveFleetConfig(file, { env: env(), source: "f" });
  assertEquals(config.githubTrustedLogins, ["alfred-laptop", "alfred-app[bot]"]);
  // The template documents it (commented out: by default only the token's own account counts).
  const template = renderFleetTemplate([]);
  assertMatch(template, /# {3}trusted_logins: \[alfred-laptop-bot\]/);
  assertMatch(template, /Markers \(the structured comments agents coordinate by\) count only from/);
});

Deno.test("loadFleetConfig uses the embedded defaults when there is no fleet.yaml", async () => {
  await using home = await withHome();
  const config = await loadFleetConfig(home.layout.fleetFile, { env: env() });
  assertEquals(config.source, "(embedded defaults)");
  assertEquals(config.agents.echo.enabled, true);
  assertEquals(config.agents.lucius.enabled, false);
});

Deno.test("loadFleetConfig reports a bad file with its path", async () => {
  await using home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\ndefaults:\n  max_turns: 0\n");
  const error = await assertRejects(
    () => loadFleetConfig(home.layout.fleetFile, { env: env() }),
    ConfigError,
  );
  assertMatch(error.message, new RegExp(`^${home.layout.fleetFile}:3:14: defaults\\.max_turns:`));
});

Deno.test("sandbox settings: the default is required on Linux, agents and defaults override, bad hosts are refused", async () => {
  const { SandboxMode } = await import("../runner/sandbox/mod.ts");
  const { SandboxModeName } = await import("../runner/config/config.ts");
  assertEquals(
    SandboxModeName.options,
    SandboxMode.options,
    "config and the sandbox agree on the modes",
  );
  const config = resolveFleetConfig(
    parseFleetFile(
      "version: 1\ndefaults: { sandbox: auto }\nagents:\n  lucius: { sandbox: required, network: [pypi.org, '*.npmjs.org:443'] }\n",
      { file: "f" },
    ),
    { env: env(), source: "f" },
  );
  assertEquals(config.agents.lucius.sandbox, "required");
  assertEquals(config.agents.lucius.network, ["pypi.org", "*.npmjs.org:443"]);
  assertEquals(config.agents.bane.sandbox, "auto");
  const plain = resolveFleetConfig(parseFleetFile("version: 1\n", { file: "f" }), {
    env: env(),
    source: "f",
  });
  assertEquals(
    plain.agents.lucius.sandbox,
    Deno.build.os === "linux" ? "required" : plain.agents.lucius.sandbox,
  );
  const error = assertThrows(
    () =>
      parseFleetFile("version: 1\nagents:\n  lucius: { network: ['http://x'] }\n", { file: "f" }),
    ConfigError,
  );
  assertMatch(error.message, /agents\.lucius\.network\.0: must be a host name/);
});

Deno.test("loadFleetConfig reuses the last parse of an unchanged fleet.yaml and parses a changed one", async () => {
  await using home = await withHome();
  const cacheFile = `${home.layout.stateDir}/fleet-cache.json`;
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\ndefaults: { max_turns: 11 }\n");
  const first = await loadFleetConfig(home.layout.fleetFile, { env: env(), cacheFile });
  assertEquals(first.agents.lucius.maxTurns, 11);
  const cache = JSON.parse(await Deno.readTextFile(cacheFile));
  // A cache whose parse differs from the file shows whether the cache is used.
  cache.parsed.defaults.max_turns = 12;
  await Deno.writeTextFile(cacheFile, JSON.stringify(cache));
  assertEquals(
    (await loadFleetConfig(home.layout.fleetFile, { env: env(), cacheFile })).agents.lucius
      .maxTurns,
    12,
  );
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\ndefaults: { max_turns: 13 }\n");
  assertEquals(
    (await loadFleetConfig(home.layout.fleetFile, { env: env(), cacheFile })).agents.lucius
      .maxTurns,
    13,
  );
  await Deno.writeTextFile(cacheFile, "garbage");
  assertEquals(
    (await loadFleetConfig(home.layout.fleetFile, { env: env(), cacheFile })).agents.lucius
      .maxTurns,
    13,
  );
  await Deno.writeTextFile(home.layout.fleetFile, "version: 1\ndefaults: { max_turns: many }\n");
  await assertRejects(
    () => loadFleetConfig(home.layout.fleetFile, { env: env(), cacheFile }),
    ConfigError,
  );
  assertEquals(
    JSON.parse(await Deno.readTextFile(cacheFile)).parsed.defaults.max_turns,
    13,
    "a bad file writes nothing",
  );
});
