/**
 * The dashboard's API against a real server on loopback: the token on every
 * mutation (401), the Origin and Host guards (403), the refusal of a
 * non-loopback bind, sign-in links, the token file, and every documented
 * response checked against serve/openapi.json (with ajv, JSON Schema 2020-12).
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "./support/assert.ts";
import { ALFRED_FLAGS, REPO_ROOT, runAlfred, withHome } from "./support/helpers.ts";
import {
  jsonOf,
  rawRequest,
  startServeProcess,
  startTestServer,
  type TestServer,
} from "./support/serve_helpers.ts";
import { seedDemoWorld } from "./support/serve_world.ts";
import { startRedis } from "./support/redis_server.ts";
import { siblingServeBinary } from "../cli/commands/serve.ts";
import { layoutOf } from "../runner/paths.ts";
import { readPauseState } from "../runner/firing/pause.ts";
import { UsageError } from "../runner/errors.ts";
import { runFlagsOf } from "../runner/config/permissions.ts";
import spec from "../serve/openapi.json" with { type: "json" };
import {
  isLoopbackHost,
  loadOrCreateToken,
  LoginCodes,
  mintLoginCode,
  parseListenAddress,
  readToken,
  serveRecordFile,
  ServeTokenError,
  serveTokenFile,
} from "../serve/mod.ts";

const MUTATIONS: [string, unknown][] = [
  ["/api/v1/agents/echo/pause", { reason: "test" }],
  ["/api/v1/agents/echo/resume", undefined],
  ["/api/v1/agents/echo/fire", undefined],
  ["/api/v1/fleet/pause", {}],
  ["/api/v1/fleet/resume", undefined],
  ["/api/v1/block/clear", undefined],
];

async function initialised(home: string): Promise<void> {
  assertEquals((await runAlfred(["init"], { home })).code, 0);
}

Deno.test("every mutation without the token is refused with 401 and changes nothing", async () => {
  await using t = await startTestServer({ prepare: initialised });
  for (const [path, body] of MUTATIONS) {
    for (const token of [null, "x".repeat(43)]) {
      const { status, body: reply } = await jsonOf(
        await t.request(path, { method: "POST", body, token }),
      );
      assertEquals(status, 401, `${path} with ${token ? "a wrong token" : "no token"}`);
      assertEquals(reply.error.code, "unauthorized");
      assertStringIncludes(reply.error.hint, "serve.token");
    }
  }
  const pauses = await readPauseState(t.context.layout);
  assertEquals([pauses.all, pauses.agents], [null, {}], "nothing was paused");
  await assertRejects(() => Deno.stat(`${t.home}/logs/echo`), Deno.errors.NotFound);
  // With the token, the same request does what it says.
  const paused = await jsonOf(
    await t.request("/api/v1/agents/echo/pause", { method: "POST", body: { for: "2h" } }),
  );
  assertEquals(paused.status, 200);
  assertMatch(paused.body.message, /^Paused echo until /);
  const state = await readPauseState(t.context.layout);
  assertEquals(state.agents.echo.reason, "paused from the dashboard");
  assertEquals(state.agents.echo.until, paused.body.until);
});

Deno.test("a request from another origin is refused with 403, even with the token; a rebinding Host too", async () => {
  await using t = await startTestServer({ prepare: initialised });
  for (const origin of ["http://evil.example", "null", `http://localhost:${t.server.port + 1}`]) {
    for (const [path, body] of MUTATIONS) {
      const { status, body: reply } = await jsonOf(
        await t.request(path, { method: "POST", body, origin }),
      );
      assertEquals([status, reply.error.code], [403, "foreign-origin"], `${path} from ${origin}`);
    }
    // Reads too: a page of another origin learns nothing.
    assertEquals((await t.request("/api/v1/fleet", { origin })).status, 403);
    await (await t.request("/api/v1/fleet", { origin })).body?.cancel();
  }
  assertEquals((await readPauseState(t.context.layout)).agents, {}, "nothing was paused");
  // The page's own origin, by any loopback name, is fine.
  for (const name of ["127.0.0.1", "localhost", "[::1]"]) {
    const host = `${name}:${t.server.port}`;
    const reply = await rawRequest(t.server.port, {
      path: "/api/v1/fleet",
      headers: { Host: host, Origin: `http://${host}` },
    });
    assertEquals(reply.status, 200, host);
    // The origin must be the name the page was opened by.
    const crossed = await rawRequest(t.server.port, {
      path: "/api/v1/fleet",
      headers: { Host: host, Origin: `http://other.localhost:${t.server.port}` },
    });
    assertEquals(crossed.status, 403, host);
  }
  // DNS rebinding: the attacker's name, pointed at 127.0.0.1, arrives as the Host.
  const rebound = await rawRequest(t.server.port, {
    method: "POST",
    path: "/api/v1/agents/echo/pause",
    headers: {
      Host: `attacker.example:${t.server.port}`,
      Origin: `http://attacker.example:${t.server.port}`,
      Authorization: `Bearer ${t.server.token}`,
    },
  });
  assertEquals(rebound.status, 403);
  assertEquals(JSON.parse(rebound.body).error.code, "foreign-host");
  const read = await rawRequest(t.server.port, {
    path: "/api/v1/fleet",
    headers: { Host: `attacker.example:${t.server.port}` },
  });
  assertEquals(read.status, 403);
  assertEquals((await readPauseState(t.context.layout)).agents, {}, "nothing was paused");
});

Deno.test("listening anywhere but loopback is refused without --allow-remote", async () => {
  for (const host of ["0.0.0.0", "192.168.1.20", "example.com", "::"]) {
    assertThrows(() => parseListenAddress({ host }), UsageError, "not a loopback address");
    assertEquals(parseListenAddress({ host, allowRemote: true }).loopback, false);
  }
  for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.4.5.6"]) {
    assert(isLoopbackHost(host), host);
    assertEquals(parseListenAddress({ host }).loopback, true);
  }
  assertEquals(parseListenAddress({}), { hostname: "127.0.0.1", port: 8765, loopback: true });
  for (const port of ["-1", "65536", "80a", ""]) {
    assertThrows(() => parseListenAddress({ port }), UsageError, "--port");
  }
  await using home = await withHome();
  const run = await runAlfred(["serve", "--host", "0.0.0.0", "--port", "0"], { home: home.home });
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, "refusing to listen on 0.0.0.0");
  assertStringIncludes(run.stderr, "--allow-remote");
  assertEquals(run.stdout, "");
});

Deno.test("with --allow-remote every request, reads too, needs the token", async () => {
  await using t = await startTestServer({
    prepare: initialised,
    serve: { address: { hostname: "0.0.0.0", port: 0, loopback: false } },
  });
  const url = `http://127.0.0.1:${t.server.port}`;
  for (const path of ["/api/v1/fleet", "/api/v1/firings", "/api/v1/report", "/api/v1/events"]) {
    const bare = await fetch(`${url}${path}`);
    assertEquals(bare.status, 401, path);
    await bare.body?.cancel();
  }
  const fleet = await fetch(`${url}/api/v1/fleet`, {
    headers: { Authorization: `Bearer ${t.server.token}` },
  });
  assertEquals(fleet.status, 200);
  assertEquals((await fleet.json()).agents.length, 10);
  // Any Host is answered (it is reached by other names), but the Origin must match it.
  const foreign = await fetch(`${url}/api/v1/fleet`, {
    headers: { Authorization: `Bearer ${t.server.token}`, Origin: "http://evil.example" },
  });
  assertEquals(foreign.status, 403);
  await foreign.body?.cancel();
  // The page shell carries no data and is served, so a browser can sign in.
  const page = await fetch(`${url}/`);
  assertEquals(page.status, 200);
  assertStringIncludes(await page.text(), "/assets/app.js");
});

Deno.test("a sign-in link works once, before it expires; then the token acts", async () => {
  await using t = await startTestServer({ prepare: initialised });
  const link = new URL(await t.server.loginUrl());
  assertEquals(link.pathname, "/login");
  const code = new URLSearchParams(link.hash.slice(1)).get("code")!;
  const first = await jsonOf(
    await t.request("/api/v1/session", {
      method: "POST",
      body: { code },
      token: null,
    }),
  );
  assertEquals(first, { status: 200, body: { token: t.server.token } });
  const again = await jsonOf(
    await t.request("/api/v1/session", {
      method: "POST",
      body: { code },
      token: null,
    }),
  );
  assertEquals([again.status, again.body.error.code], [401, "bad-login-code"]);
  for (const bad of ["", "nonsense", code.replace(/.$/, (c) => c === "A" ? "B" : "A")]) {
    const reply = await t.request("/api/v1/session", {
      method: "POST",
      body: { code: bad },
      token: null,
    });
    assertEquals(reply.status, 401, bad);
    await reply.body?.cancel();
  }
  // Expiry and single use, on an injected clock.
  const codes = new LoginCodes(t.server.token);
  const now = new Date("2026-03-01T10:00:00Z");
  const expiring = await mintLoginCode(t.server.token, { now, ttlMs: 60_000 });
  assertEquals(await codes.redeem(expiring, new Date(now.getTime() + 61_000)), false);
  const fresh = await mintLoginCode(t.server.token, { now });
  assertEquals(await codes.redeem(fresh, now), true);
  assertEquals(await codes.redeem(fresh, now), false);
  assertEquals(await codes.redeem(await mintLoginCode("y".repeat(43), { now }), now), false);
});

Deno.test("alfred serve link prints a fresh sign-in link for the running dashboard", async () => {
  await using t = await startTestServer({ prepare: initialised });
  const run = await runAlfred(["serve", "link"], { home: t.home });
  assertEquals(run.code, 0, run.stderr);
  const link = new URL(run.stdout.trim());
  assertEquals(link.origin, t.server.url);
  const code = new URLSearchParams(link.hash.slice(1)).get("code")!;
  const reply = await t.request("/api/v1/session", { method: "POST", body: { code }, token: null });
  assertEquals(reply.status, 200);
  await reply.body?.cancel();
  await t.server.shutdown();
  await assertRejects(() => Deno.stat(serveRecordFile(layoutOf(t.home))), Deno.errors.NotFound);
  const after = await runAlfred(["serve", "link"], { home: t.home });
  assertEquals(after.code, 1);
  assertStringIncludes(after.stderr, "no dashboard is running");
});

Deno.test("the token file is made once, mode 600; one readable by others is refused", async () => {
  await using home = await withHome();
  const file = serveTokenFile(home.layout);
  const token = await loadOrCreateToken(file);
  assertMatch(token, /^[A-Za-z0-9_-]{43}$/);
  assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
  assertEquals(await loadOrCreateToken(file), token, "made once");
  await Deno.chmod(file, 0o644);
  await assertRejects(() => readToken(file), ServeTokenError, "readable by other users");
  await Deno.chmod(file, 0o600);
  await Deno.writeTextFile(file, "short\n");
  await assertRejects(() => readToken(file), ServeTokenError, "does not hold a dashboard token");
});

Deno.test("alfred serve prints its address first, and SIGTERM ends it cleanly", async () => {
  await using home = await withHome();
  await initialised(home.home);
  await using serve = await startServeProcess(
    [...ALFRED_FLAGS, `${REPO_ROOT}/cli/mod.ts`, "serve", "--port", "0"],
    { home: home.home },
  );
  const [first, second] = serve.firstLines;
  const match = /^listening (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
  assert(match, `first line: ${first}`);
  assert(Number(match[2]) > 0);
  // Not a terminal (a pipe, as a service's log): no working link is printed.
  assertEquals(second, "sign in: `alfred serve link` prints a one-time link");
  const fleet = await fetch(`${serve.url}/api/v1/fleet`);
  assertEquals((await fleet.json()).agents.length, 10);
  // An open event stream does not hold the stop up.
  const events = await fetch(`${serve.url}/api/v1/events`);
  assertEquals(events.headers.get("content-type"), "text/event-stream");
  assert(await Deno.stat(serveRecordFile(home.layout)));
  const stopped = await serve.stop();
  await events.body?.cancel().catch(() => {});
  assertEquals(stopped.code, 0, stopped.stderr);
  await assertRejects(() => Deno.stat(serveRecordFile(home.layout)), Deno.errors.NotFound);
});

Deno.test("alfred-serve does its job under exactly its declared permissions", async () => {
  await using home = await withHome();
  await initialised(home.home);
  await using serve = await startServeProcess(
    [...runFlagsOf("alfred-serve"), "serve/main.ts", "--port", "0"],
    { home: home.home },
  );
  const token = (await Deno.readTextFile(serveTokenFile(home.layout))).trim();
  const fleet = await fetch(`${serve.url}/api/v1/fleet`);
  assertEquals((await fleet.json()).agents.length, 10);
  const paused = await fetch(`${serve.url}/api/v1/agents/echo/pause`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: "{}",
  });
  assertEquals(paused.status, 200, await paused.clone().text());
  await paused.body?.cancel();
  assertEquals(Object.keys((await readPauseState(home.layout)).agents), ["echo"]);
  const firings = await fetch(`${serve.url}/api/v1/firings`);
  assertEquals(firings.status, 200);
  await firings.body?.cancel();
  const stopped = await serve.stop();
  assertEquals(stopped.code, 0, stopped.stderr);
});

// ------------------------------------------------------------------ the OpenAPI file

type Operation = { responses: Record<string, unknown> };
const paths = spec.paths as unknown as Record<string, Record<string, Operation>>;

function documented(): Set<string> {
  const all = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === "parameters") continue;
      for (const status of Object.keys(operation.responses)) {
        all.add(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
  }
  return all;
}

/** Checks responses against the OpenAPI file and records which documented responses were seen. */
class Contract {
  readonly seen = new Set<string>();
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor() {
    this.#ajv.addFormat("date-time", (text: string) => !Number.isNaN(Date.parse(text)));
    this.#ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
    this.#ajv.addSchema(spec, "spec");
  }

  /** Sends a request and checks the reply against the response documented for its status. */
  async check(
    t: TestServer,
    template: string,
    request: { path: string; method?: string; body?: unknown; token?: string | null },
    expected: number,
  ): Promise<unknown> {
    const method = request.method ?? "GET";
    const response = await t.request(request.path, { ...request, method });
    const key = `${method} ${template} ${response.status}`;
    assertEquals(response.status, expected, `${method} ${request.path}`);
    const operation = paths[template]?.[method.toLowerCase()];
    assert(operation, `${method} ${template} is not in serve/openapi.json`);
    const escape = (part: string) => part.replace(/~/g, "~0").replace(/\//g, "~1");
    let pointer = `#/paths/${
      escape(template)
    }/${method.toLowerCase()}/responses/${response.status}`;
    let documentedResponse = operation.responses[String(response.status)] as
      | { $ref?: string; content?: Record<string, unknown> }
      | undefined;
    assert(documentedResponse, `${key} is not documented`);
    if (documentedResponse.$ref) {
      pointer = documentedResponse.$ref;
      const name = pointer.split("/").at(-1)!;
      documentedResponse = (spec.components.responses as Record<string, typeof documentedResponse>)[
        name
      ];
    }
    const type = Object.keys(documentedResponse!.content ?? {})[0];
    assertEquals(
      response.headers.get("content-type")?.split(";")[0],
      type,
      `${key}: content type`,
    );
    this.seen.add(key);
    if (type !== "application/json") {
      await response.body?.cancel();
      return undefined;
    }
    const body = await response.json();
    const validate = this.#ajv.compile({
      $ref: `spec${pointer}/content/${escape(type)}/schema`,
    });
    if (!validate(body)) {
      throw new Error(
        `${key}: the reply does not match serve/openapi.json:\n${
          JSON.stringify(validate.errors, null, 2)
        }\n${JSON.stringify(body).slice(0, 2_000)}`,
      );
    }
    return body;
  }
}

Deno.test("every documented response matches serve/openapi.json, and every one is exercised", async () => {
  const contract = new Contract();
  let lucius = "";
  await using t = await startTestServer({
    prepare: async (home) => {
      lucius = (await seedDemoWorld(layoutOf(home), { now: new Date(), runningPid: Deno.pid }))
        .luciusFiring;
    },
  });
  const ok = (template: string, path: string) => contract.check(t, template, { path }, 200);
  const fleet = await ok("/fleet", "/api/v1/fleet") as { agents: { state: string }[] };
  assertEquals(fleet.agents.map((a) => a.state).sort().at(0), "auto-paused");
  const page = await ok("/firings", "/api/v1/firings?limit=5") as { next_before: string };
  await ok("/firings", `/api/v1/firings?agent=lucius&before=${page.next_before}`);
  await ok("/firings/{id}", `/api/v1/firings/${lucius}`);
  await ok("/claims", "/api/v1/claims");
  await ok("/report", "/api/v1/report?days=30");
  await ok("/events", "/api/v1/events");
  await ok("/openapi.json", "/api/v1/openapi.json");
  const code = new URLSearchParams(new URL(await t.server.loginUrl()).hash.slice(1)).get("code");
  const session = (body: unknown, status: number) =>
    contract.check(t, "/session", { path: "/api/v1/session", method: "POST", body }, status);
  await session({ code }, 200);
  await session({ code }, 401);
  const post = (template: string, path: string, status: number, body?: unknown) =>
    contract.check(t, template, { path, method: "POST", body }, status);
  await post("/agents/{codename}/pause", "/api/v1/agents/echo/pause", 200, { for: "1h" });
  await post("/agents/{codename}/resume", "/api/v1/agents/echo/resume", 200);
  await post("/fleet/pause", "/api/v1/fleet/pause", 200, { reason: "maintenance" });
  await post("/fleet/resume", "/api/v1/fleet/resume", 200);
  await post("/block/clear", "/api/v1/block/clear", 200);
  const fired = await post("/agents/{codename}/fire", "/api/v1/agents/echo/fire", 202) as {
    firing_id: string;
  };
  // Errors: 400 (bad query, bad body), 404 (unknown agent, firing, path).
  await contract.check(t, "/firings", { path: "/api/v1/firings?limit=0" }, 400);
  await contract.check(t, "/firings", { path: "/api/v1/firings?agent=joker" }, 404);
  await contract.check(t, "/firings/{id}", { path: "/api/v1/firings/not-an-id" }, 400);
  await contract.check(
    t,
    "/firings/{id}",
    { path: "/api/v1/firings/20200101T000000000Z-000000" },
    404,
  );
  await contract.check(t, "/report", { path: "/api/v1/report?days=400" }, 400);
  for (const action of ["pause", "resume", "fire"]) {
    await post(`/agents/{codename}/${action}`, `/api/v1/agents/joker/${action}`, 404);
  }
  await post("/agents/{codename}/pause", "/api/v1/agents/echo/pause", 400, { for: "soon" });
  await post("/agents/{codename}/resume", "/api/v1/agents/echo/resume", 400, { x: 1 });
  await post("/agents/{codename}/fire", "/api/v1/agents/echo/fire", 400, "not an object");
  await post("/fleet/pause", "/api/v1/fleet/pause", 400, { until: "tomorrow" });
  await post("/fleet/resume", "/api/v1/fleet/resume", 400, [1]);
  await post("/block/clear", "/api/v1/block/clear", 400, "x");
  // 413 on every POST with a body over 16 KiB, before anything reads it.
  for (const [path, item] of Object.entries(paths)) {
    if (!item.post) continue;
    const concrete = `/api/v1${path.replace("{codename}", "echo")}`;
    await contract.check(t, path, {
      path: concrete,
      method: "POST",
      body: { reason: "x".repeat(20_000) },
    }, 413);
  }
  // 401 on every mutation without a token; 403 on every path from another origin.
  for (const [path, item] of Object.entries(paths)) {
    for (const method of Object.keys(item).filter((m) => m !== "parameters")) {
      const concrete = `/api/v1${path.replace("{codename}", "echo").replace("{id}", lucius)}`;
      if (item[method].responses["401"] && method === "post" && path !== "/session") {
        await contract.check(t, path, { path: concrete, method: "POST", token: null }, 401);
      }
      const foreign = await t.request(concrete, {
        method: method.toUpperCase(),
        origin: "http://evil.example",
        body: method === "post" ? {} : undefined,
      });
      assertEquals(foreign.status, 403, `${method} ${path}`);
      await foreign.body?.cancel();
      contract.seen.add(`${method.toUpperCase()} ${path} 403`);
    }
  }
  // 401 on reads: with --allow-remote, every request needs the token.
  await using remote = await startTestServer({
    home: t.home,
    serve: { address: { hostname: "0.0.0.0", port: 0, loopback: false } },
  });
  for (const [path, item] of Object.entries(paths)) {
    if (!item.get) continue;
    const concrete = `/api/v1${path.replace("{id}", lucius)}`;
    await contract.check(remote, path, { path: concrete, token: null }, 401);
  }
  const missing = [...documented()].filter((key) => !contract.seen.has(key));
  assertEquals(missing, [], "documented responses never exercised");
  // The fired firing ended; wait for it so the home can be removed.
  for (let i = 0; i < 200; i++) {
    const reply = await t.request(`/api/v1/firings/${fired.firing_id}`);
    const body = reply.status === 200 ? await reply.json() : (await reply.body?.cancel(), null);
    if (body?.status === "ended") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

Deno.test("under coordination: redis the dashboard reads and acts on the fleet's shared state", async () => {
  await using redis = await startRedis();
  const fleet = `version: 1\nredis:\n  url: ${JSON.stringify(redis.url)}\ncoordination: redis\n`;
  await using other = await withHome();
  await Deno.writeTextFile(other.layout.fleetFile, fleet);
  await using t = await startTestServer({
    prepare: (home) => Deno.writeTextFile(`${home}/fleet.yaml`, fleet),
  });
  // A block set on another host shows here, and is cleared from here for every host.
  assertEquals((await runAlfred(["block", "set", "--for", "1h"], { home: other.home })).code, 0);
  assertEquals((await jsonOf(await t.request("/api/v1/fleet"))).body.block.set_by, "operator");
  const cleared = await jsonOf(await t.request("/api/v1/block/clear", { method: "POST" }));
  assertEquals(cleared.body.cleared, true);
  // A pause from here stops the other host's firing.
  const paused = await t.request("/api/v1/agents/echo/pause", { method: "POST", body: {} });
  assertEquals(paused.status, 200);
  await paused.body?.cancel();
  const run = await runAlfred(["fire", "echo"], { home: other.home });
  assertMatch(run.stdout, /^\[AGENT-PAUSED\] echo: paused from the dashboard/);
  const view = await jsonOf(await t.request("/api/v1/fleet"));
  assertEquals(view.body.pauses.agents.echo.reason, "paused from the dashboard");
});

Deno.test("--open hands the sign-in link to the desktop's opener; a compiled alfred hands serve to alfred-serve", async () => {
  await using home = await withHome();
  await initialised(home.home);
  const bin = `${home.home}/bin`;
  await Deno.mkdir(bin);
  const opened = `${home.home}/opened`;
  // The desktop's opener: xdg-open on Linux, open on macOS.
  for (const opener of ["xdg-open", "open"]) {
    await Deno.writeTextFile(`${bin}/${opener}`, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, {
      mode: 0o755,
    });
  }
  await using serve = await startServeProcess(
    [...ALFRED_FLAGS, `${REPO_ROOT}/cli/mod.ts`, "serve", "--port", "0", "--open"],
    { home: home.home, env: { PATH: `${bin}:${Deno.env.get("PATH")}` } },
  );
  let link = "";
  for (let i = 0; i < 100 && !link; i++) {
    link = await Deno.readTextFile(opened).catch(() => "");
    if (!link) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assertMatch(link, new RegExp(`^${serve.url}/login#code=`));
  assertEquals(siblingServeBinary("/opt/alfred/bin/alfred"), "/opt/alfred/bin/alfred-serve");
  assertEquals(siblingServeBinary("/opt/alfred/bin/alfred-serve"), undefined);
  assertEquals(siblingServeBinary("/usr/bin/deno"), undefined);
});
