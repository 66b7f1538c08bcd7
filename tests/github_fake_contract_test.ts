/**
 * Checks the fake's replies against GitHub's published OpenAPI description
 * (npm `@octokit/openapi`, `generated/api.github.com.json`), so the fake cannot
 * drift from GitHub. The checker covers the subset of JSON Schema / OpenAPI 3.0
 * these schemas use: $ref, type, nullable, properties, required, items, enum,
 * oneOf, anyOf, allOf.
 */
import assert from "node:assert/strict";
import spec from "@octokit/openapi/generated/api.github.com.json" with { type: "json" };
import { claimIssue, releaseClaim, sweepStaleClaims } from "../runner/claims/claims.ts";
import { bootstrapLabels, LABELS } from "../runner/claims/labels.ts";
import { createIssue, getIssue, removeLabel } from "../runner/github/rest.ts";
import {
  createPull,
  findOpenPulls,
  listPullFiles,
  listReviewComments,
  replyToReviewComment,
} from "../runner/github/pulls.ts";
import { resolveTrustedAuthors } from "../runner/claims/trust.ts";
import { fakeClient, type FakeGitHub, startFakeGitHub } from "./support/fake_github.ts";
import { alfredTrust } from "./support/helpers.ts";
import { REPO } from "./support/acme_web.ts";
import type { GitHubClient } from "../runner/github/client.ts";

/** The fake's token account: whose markers count. */
const TRUSTED = alfredTrust();

type Schema = Record<string, unknown>;
const root = spec as unknown as {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, Schema> }>>;
};

function resolve(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; typeof current.$ref === "string"; depth++) {
    if (depth > 20) throw new Error(`$ref loop at ${current.$ref}`);
    const path = (current.$ref as string).replace(/^#\//, "").split("/");
    // deno-lint-ignore no-explicit-any
    current = path.reduce((node: any, key) => node?.[key], spec) as Schema;
    if (!current) throw new Error(`unresolved $ref ${schema.$ref}`);
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Returns the problems of `value` against `schema`, each with its JSON path. */
function check(value: unknown, raw: Schema, at = "$"): string[] {
  const schema = resolve(raw);
  if (value === null) {
    return schema.nullable === true || schema.type === "null" ? [] : [`${at}: null`];
  }
  if (Array.isArray(schema.allOf)) {
    const problems = (schema.allOf as Schema[]).flatMap((part) => check(value, part, at));
    if (problems.length) return problems;
  }
  for (const key of ["oneOf", "anyOf"] as const) {
    if (Array.isArray(schema[key])) {
      const passing = (schema[key] as Schema[]).filter((part) =>
        check(value, part, at).length === 0
      );
      if (key === "oneOf" ? passing.length !== 1 : passing.length === 0) {
        return [`${at}: ${passing.length} branches of ${key} match`];
      }
    }
  }
  const actual = typeOf(value);
  if (typeof schema.type === "string") {
    const ok = schema.type === actual || (schema.type === "number" && actual === "integer");
    if (!ok) return [`${at}: expected ${schema.type}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  }
  const problems: string[] = [];
  if (actual === "object") {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in record)) problems.push(`${at}.${key}: required`);
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, child] of Object.entries(record)) {
      if (properties[key]) problems.push(...check(child, properties[key], `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not allowed`);
    }
  }
  if (actual === "array" && schema.items) {
    (value as unknown[]).forEach((item, i) =>
      problems.push(...check(item, schema.items as Schema, `${at}[${i}]`))
    );
  }
  return problems;
}

function responseSchema(route: string, status: number): Schema | undefined {
  const [method, path] = route.split(" ");
  const operation = root.paths[path]?.[method.toLowerCase()];
  assert.ok(operation, `the OpenAPI description has no ${route}`);
  const response = resolve(operation.responses[String(status)] ?? {});
  assert.ok(
    operation.responses[String(status)],
    `${route} may not answer ${status} (documented: ${Object.keys(operation.responses)})`,
  );
  return (response.content as Record<string, { schema: Schema }> | undefined)?.["application/json"]
    ?.schema;
}

/**
 * Checks each 2xx reply the fake gave against GitHub's description of its
 * operation, that each of `exercised` ("METHOD path status") was seen, and
 * that no request fell outside the fake's routes.
 */
function assertContract(fake: FakeGitHub, exercised: string[]): void {
  const statuses = new Set<string>();
  for (const exchange of fake.exchanges) {
    statuses.add(`${exchange.route} ${exchange.status}`);
    const schema = responseSchema(exchange.route, exchange.status);
    if (exchange.status >= 300 || !schema) continue;
    assert.deepEqual(check(exchange.body, schema), [], `${exchange.route} ${exchange.status}`);
  }
  for (const route of exercised) assert.ok(statuses.has(route), `not exercised: ${route}`);
  assert.deepEqual(fake.unexpected, []);
}

/** A test with a fresh fake and its client, on acme/web. */
function contractTest(
  name: string,
  body: (fake: FakeGitHub, client: GitHubClient, repo: typeof REPO) => Promise<void>,
): void {
  Deno.test(name, async () => {
    await using fake = startFakeGitHub();
    await body(fake, await fakeClient(fake), REPO);
  });
}

Deno.test("the checker itself rejects bodies that break the schema", () => {
  const label = responseSchema("GET /repos/{owner}/{repo}/labels/{name}", 200)!;
  const good = {
    id: 1,
    node_id: "x",
    url: "u",
    name: "n",
    description: null,
    color: "ffffff",
    default: false,
  };
  assert.deepEqual(check(good, label), []);
  assert.notDeepEqual(check({ ...good, id: "1" }, label), []);
  const { name: _name, ...noName } = good;
  assert.notDeepEqual(check(noName, label), []);
  assert.notDeepEqual(check({ ...good, name: null }, label), []);
});

contractTest(
  "every reply of the fake matches GitHub's OpenAPI description of that operation",
  async (fake, client, repo) => {
    fake.labels("acme/web").set("agent:done", {
      id: 1,
      name: "agent:done",
      color: "000000",
      description: null,
    });
    await bootstrapLabels(client, repo);
    const number = fake.addIssue("acme/web", { title: "Contract", labels: [LABELS.implement] });
    fake.addComment("acme/web", number, "A human comment.");
    fake.addComment("acme/web", number, "A passer-by's comment.", "mallory", "NONE");
    const options = {
      codename: "lucius",
      host: "studio",
      queue: LABELS.implement,
      trusted: TRUSTED,
      now: () => new Date(),
    };
    const [a, b] = await Promise.all([
      claimIssue(client, { repo, number }, { ...options, firing: "20261127T091500123Z-aaaaaa" }),
      claimIssue(client, { repo, number }, { ...options, firing: "20261127T091500124Z-bbbbbb" }),
    ]);
    const won = a.status === "claimed" ? a : b;
    assert.ok(won.status === "claimed");
    await releaseClaim(client, won.ticket, { outcome: "failure", now: () => new Date() });
    await getIssue(client, { repo, number });
    assert.equal(await removeLabel(client, { repo, number }, "not-there"), undefined);
    await sweepStaleClaims(client, repo, {
      ...options,
      firing: "f",
      isFiringAlive: () => false,
      trusted: () => Promise.resolve(TRUSTED),
    });
    // Every endpoint the client uses was exercised (and so checked).
    assertContract(fake, [
      "GET /repos/{owner}/{repo}/issues 200",
      "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels 200",
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name} 200",
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name} 404",
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
      "GET /repos/{owner}/{repo}/labels 200",
      "POST /repos/{owner}/{repo}/labels 201",
      "PATCH /repos/{owner}/{repo}/labels/{name} 200",
    ]);
  },
);

Deno.test("the fake's 304 and label routes exist in GitHub's description", () => {
  assert.equal(responseSchema("GET /repos/{owner}/{repo}/issues/{issue_number}", 304), undefined);
  assert.ok(responseSchema("PATCH /repos/{owner}/{repo}/labels/{name}", 200));
  assert.ok(responseSchema("GET /repos/{owner}/{repo}/labels/{name}", 200));
});

contractTest(
  "the fake's pull-request replies match GitHub's OpenAPI description",
  async (fake, client, repo) => {
    const number = fake.addIssue("acme/web", { title: "Pulls", body: "Make it so." });
    const pull = {
      title: "[Lucius] Pulls (#1)",
      head: `agent/lucius/${number}-abc123`,
      base: "main",
      body: `Closes #${number}`,
      draft: true,
    };
    const created = await createPull(client, repo, pull);
    assert.equal(created.head.ref, pull.head);
    assert.equal(created.draft, true);
    await assert.rejects(() => createPull(client, repo, pull), /422/);
    const found = await findOpenPulls(client, repo, { headPrefix: `agent/lucius/${number}-` });
    assert.deepEqual(found.map((p) => p.number), [created.number]);
    const withFiles = fake.addPull("acme/web", {
      title: "Files",
      head: "agent/lucius/9-abc",
      headSha: "c".repeat(40),
      files: [
        { filename: "src/a.ts", status: "modified", patch: "@@ -1,2 +1,2 @@\n-a\n+b\n c" },
        { filename: "big.bin", status: "added" },
      ],
    });
    const files = await listPullFiles(client, repo, { pull: withFiles });
    assert.deepEqual(files.map((f) => [f.filename, f.status, f.patch !== undefined]), [
      ["src/a.ts", "modified", true],
      ["big.bin", "added", false],
    ]);
    assert.deepEqual(await findOpenPulls(client, repo, { headPrefix: "agent/lucius/99-" }), []);
    // A filter by head, as GitHub documents it (owner:branch).
    const byHead = await client.octokit.request("GET /repos/{owner}/{repo}/pulls", {
      owner: "acme",
      repo: "web",
      head: `acme:${pull.head}`,
    });
    assert.equal(byHead.data.length, 1);
    assertContract(fake, [
      "GET /repos/{owner}/{repo}/pulls 200",
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files 200",
      "POST /repos/{owner}/{repo}/pulls 201",
      "POST /repos/{owner}/{repo}/pulls 422",
    ]);
  },
);

contractTest(
  "the fake's issue creation matches GitHub's OpenAPI description",
  async (fake, client, repo) => {
    const created = await createIssue(client, repo, {
      title: "Filed by an agent",
      body: "Body\n\n<!-- alfred:filed codename=drake firing=f1 -->",
      labels: [LABELS.implement],
    });
    assert.equal(created.title, "Filed by an agent");
    assert.deepEqual(created.labels, [LABELS.implement]);
    assert.ok(created.body.includes("alfred:filed"));
    await assert.rejects(
      () => createIssue(client, repo, { title: " ", body: "", labels: [] }),
      /422/,
    );
    assertContract(fake, [
      "POST /repos/{owner}/{repo}/issues 201",
      "POST /repos/{owner}/{repo}/issues 422",
    ]);
  },
);

contractTest(
  "the fake's inline review comments and replies match GitHub's OpenAPI description",
  async (fake, client, repo) => {
    const pull = fake.addPull("acme/web", {
      title: "T",
      head: "agent/lucius/1-abc",
      headSha: "a".repeat(40),
    });
    const id = fake.addReviewComment("acme/web", pull, {
      body: "**[P1]** off by one",
      login: "chatgpt-codex-connector[bot]",
      path: "src/a.ts",
      line: 3,
    });
    fake.addReviewComment("acme/web", pull, {
      body: "old",
      login: "x[bot]",
      path: "b.ts",
      line: null,
    });
    const reply = await replyToReviewComment(client, repo, { pull, comment: id, body: "fixed" });
    assert.equal(reply.in_reply_to_id, id);
    const listed = await listReviewComments(client, repo, { pull });
    assert.deepEqual(listed.map((c) => [c.id, c.line ?? null, c.user?.type]), [
      [id, 3, "Bot"],
      [id + 1, null, "Bot"],
      [reply.id, 3, "User"],
    ]);
    await assert.rejects(
      () => replyToReviewComment(client, repo, { pull, comment: 1, body: "x" }),
      /404/,
    );
    assertContract(fake, [
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments 200",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies 201",
    ]);
  },
);

Deno.test("the fake's GET /user matches GitHub's OpenAPI description, for a user's and an App's token", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-contract-" });
  try {
    for (const appToken of [false, true]) {
      await using fake = startFakeGitHub({ appToken });
      const client = await fakeClient(fake);
      const resolveAt = (at: string) =>
        resolveTrustedAuthors(client, {
          token: "test-token",
          configured: ["alfred-laptop"],
          cacheFile: `${dir}/login-${appToken}.json`,
          now: () => new Date(at),
          recheckMs: 0,
          warn: () => {},
        });
      const trusted = await resolveAt("2026-11-27T09:00:00Z");
      assert.deepEqual(
        trusted.logins,
        appToken ? ["alfred-laptop"] : ["alfred-bot", "alfred-laptop"],
      );
      // The re-check is conditional: a user's token is answered 304.
      await resolveAt("2026-11-28T09:00:00Z");
      const statuses = fake.exchanges.map((e) => `${e.route} ${e.status}`);
      assert.deepEqual(
        statuses,
        appToken ? ["GET /user 403", "GET /user 403"] : ["GET /user 200", "GET /user 304"],
      );
      assertContract(fake, []);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
