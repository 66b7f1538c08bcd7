import assert from "node:assert/strict";
import { ConfigError } from "../runner/errors.ts";
import { apiUrlFrom, DEFAULT_API_URL, resolveToken } from "../runner/github/client.ts";
import { pickIssue } from "../runner/claims/claims.ts";
import { LABELS } from "../runner/claims/labels.ts";
import { fakeClient, startFakeGitHub } from "./support/fake_github.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("the token comes from ALFRED_GITHUB_TOKEN, then GITHUB_TOKEN, then gh", async () => {
  const gh = () => Promise.resolve("from-gh\n");
  const none = () => Promise.resolve(undefined);
  assert.equal(
    await resolveToken(envOf({ ALFRED_GITHUB_TOKEN: "a", GITHUB_TOKEN: "b" }), { tokenFromGh: gh }),
    "a",
  );
  assert.equal(await resolveToken(envOf({ GITHUB_TOKEN: "b" }), { tokenFromGh: gh }), "b");
  assert.equal(await resolveToken(envOf({ GITHUB_TOKEN: "  " }), { tokenFromGh: gh }), "from-gh");
  await assert.rejects(resolveToken(envOf({}), { tokenFromGh: none }), ConfigError);
});

Deno.test("the API URL defaults to api.github.com and must be http(s)", () => {
  assert.equal(apiUrlFrom(envOf({})), DEFAULT_API_URL);
  assert.equal(
    apiUrlFrom(envOf({ ALFRED_GITHUB_API_URL: "https://ghe.acme.test/api/v3/" })),
    "https://ghe.acme.test/api/v3",
  );
  for (const bad of ["not a url", "ftp://x.test"]) {
    assert.throws(() => apiUrlFrom(envOf({ ALFRED_GITHUB_API_URL: bad })), ConfigError, bad);
  }
});

Deno.test("a corrupt ETag store is moved aside and the poll still works", async () => {
  await using fake = startFakeGitHub();
  const dir = await Deno.makeTempDir({ prefix: "alfred-gh-" });
  try {
    const file = `${dir}/github-etags.json`;
    await Deno.writeTextFile(file, "{ not json");
    const warnings: string[] = [];
    const client = await fakeClient(fake, { etagFile: file, log: (line) => warnings.push(line) });
    assert.equal(
      await pickIssue(client, { owner: "acme", name: "web" }, { queue: LABELS.implement }),
      undefined,
    );
    await client.flush();
    assert.match(warnings.join("\n"), /corrupt/);
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.equal(names.length, 2);
    assert.ok(names.some((name) => name.startsWith("github-etags.json.corrupt-")));
    const again = await fakeClient(fake, { etagFile: file });
    await pickIssue(again, { owner: "acme", name: "web" }, { queue: LABELS.implement });
    assert.equal(again.stats.notModified, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writes are spaced by the configured interval", async () => {
  await using fake = startFakeGitHub();
  const number = fake.addIssue("acme/web", { title: "x" });
  const client = await fakeClient(fake, { writeSpacingMs: 40, notificationSpacingMs: 80 });
  const { createComment } = await import("../runner/github/rest.ts");
  const started = performance.now();
  for (let i = 0; i < 3; i++) {
    await createComment(client, { repo: { owner: "acme", name: "web" }, number }, `c${i}`);
  }
  assert.ok(performance.now() - started >= 160, "three notifying writes must take two spacings");
});
