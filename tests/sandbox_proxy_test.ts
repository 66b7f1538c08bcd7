/** The firing's egress proxy: allowlist decisions, request parsing, and real relaying on 127.0.0.1. */
import {
  type AllowRule,
  isAllowed,
  NOT_IN_BINARY,
  parseProxyRequest,
  startEgressProxy,
} from "../runner/sandbox/proxy.ts";
import { assert, assertEquals, assertMatch } from "./support/assert.ts";

const rules: AllowRule[] = [
  { host: "api.anthropic.com" },
  { host: "127.0.0.1", port: 8123 },
  { host: "*.npmjs.org" },
];

const allowCases: Array<[string, number, boolean]> = [
  ["api.anthropic.com", 443, true],
  ["API.Anthropic.COM.", 443, true],
  ["api.anthropic.com", 80, false],
  ["evil.com", 443, false],
  ["api.anthropic.com.evil.com", 443, false],
  ["127.0.0.1", 8123, true],
  ["127.0.0.1", 8124, false],
  ["localhost", 8123, false],
  ["registry.npmjs.org", 443, true],
  ["npmjs.org", 443, false],
  ["evilnpmjs.org", 443, false],
];
for (const [host, port, expected] of allowCases) {
  Deno.test(`the allowlist ${expected ? "allows" : "denies"} ${host}:${port}`, () => {
    assertEquals(isAllowed(rules, { host, port }), expected);
  });
}

Deno.test("proxy requests parse: CONNECT, absolute http, and malformed heads", () => {
  assertEquals(parseProxyRequest("CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: x\r\n"), {
    method: "CONNECT",
    host: "api.anthropic.com",
    port: 443,
  });
  assertEquals(parseProxyRequest("CONNECT [::1]:8080 HTTP/1.1\r\n"), {
    method: "CONNECT",
    host: "::1",
    port: 8080,
  });
  const plain = parseProxyRequest(
    "GET http://127.0.0.1:9/a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive\r\n",
  );
  assert(typeof plain !== "string");
  assertEquals([plain.method, plain.host, plain.port], ["GET", "127.0.0.1", 9]);
  assertEquals(
    plain.upstreamHead,
    "GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nConnection: close\r\n\r\n",
  );
  assertEquals(
    parseProxyRequest("GET /relative HTTP/1.1\r\n"),
    "a plain request must use an absolute http:// URL",
  );
  assertEquals(parseProxyRequest("CONNECT nohost HTTP/1.1\r\n"), "malformed CONNECT target");
  assertEquals(parseProxyRequest("CONNECT a:99999 HTTP/1.1\r\n"), "malformed CONNECT target");
  assertEquals(parseProxyRequest("garbage\r\n"), "malformed request line");
  assertEquals(parseProxyRequest("GET https://x/ HTTP/1.1\r\n"), "unsupported scheme https:");
});

async function exchange(connect: () => Promise<Deno.Conn>, request: string): Promise<string> {
  const conn = await connect();
  await conn.write(new TextEncoder().encode(request));
  // Read to the end of the stream, which closes the connection.
  return await new Response(conn.readable).text();
}

Deno.test("the proxy relays allowed CONNECT and plain requests and records denied ones", async () => {
  let hits = 0;
  const target = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits++;
    return new Response(`hello ${new URL(req.url).pathname}`);
  });
  const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    hits += 100;
    return new Response("must not be reached");
  });
  const port = target.addr.port;
  await using proxy = startEgressProxy({
    allow: [{ host: "127.0.0.1", port }],
    now: () => new Date("2030-01-01T00:00:00Z"),
  });
  const connect = () => Deno.connect({ hostname: "127.0.0.1", port: proxy.port! });
  try {
    const tunnelled = await exchange(
      connect,
      `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n` +
        `GET /tunnel HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    assertMatch(tunnelled, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    assertMatch(tunnelled, /hello \/tunnel$/);

    const plain = await exchange(
      connect,
      `GET http://127.0.0.1:${port}/plain HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    );
    assertMatch(plain, /hello \/plain$/);

    const denied = await exchange(
      connect,
      `CONNECT 127.0.0.1:${other.addr.port} HTTP/1.1\r\n\r\n`,
    );
    assertMatch(denied, /^HTTP\/1\.1 403 Forbidden/);
    const deniedPlain = await exchange(
      connect,
      `POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\n\r\n`,
    );
    assertMatch(deniedPlain, /^HTTP\/1\.1 403 Forbidden/);
    assertEquals(hits, 2);
    assertEquals(proxy.allowed(), [`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    assertEquals(proxy.denials(), [
      {
        kind: "network",
        host: "127.0.0.1",
        port: other.addr.port,
        method: "CONNECT",
        at: "2030-01-01T00:00:00.000Z",
        reason: "not on the allowlist",
      },
      {
        kind: "network",
        host: "example.com",
        port: 80,
        method: "POST",
        at: "2030-01-01T00:00:00.000Z",
        reason: "not on the allowlist",
      },
    ]);
  } finally {
    await target.shutdown();
    await other.shutdown();
  }
});

Deno.test("the proxy listens on a Unix socket and removes it when closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-proxy-" });
  try {
    const path = `${dir}/proxy.sock`;
    const proxy = startEgressProxy({ allow: [], listen: { transport: "unix", path } });
    assertEquals(proxy.port, undefined);
    const answer = await exchange(
      () => Deno.connect({ transport: "unix", path }),
      "CONNECT github.com:443 HTTP/1.1\r\n\r\n",
    );
    assertMatch(answer, /403 Forbidden/);
    assertEquals(proxy.denials().map((d) => `${d.host}:${d.port}`), ["github.com:443"]);
    await proxy.close();
    assertEquals(await Deno.lstat(path).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a malformed request is answered 403 and recorded", async () => {
  await using proxy = startEgressProxy({ allow: [{ host: "x.org" }] });
  const answer = await exchange(
    () => Deno.connect({ hostname: "127.0.0.1", port: proxy.port! }),
    "HELLO\r\n\r\n",
  );
  assertMatch(answer, /403 Forbidden/);
  assertEquals(proxy.denials().length, 1);
  assertMatch(proxy.denials()[0].reason, /malformed request/);
});

Deno.test("a declared host the binary was not built for is refused and recorded, not a crash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-proxy-perm-" });
  try {
    const path = `${dir}/proxy.sock`;
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { startEgressProxy } from "${
        new URL("../runner/sandbox/proxy.ts", import.meta.url).href
      }";
const proxy = startEgressProxy({ allow: [{ host: "127.0.0.1", port: 9 }], listen: { transport: "unix", path: ${
        JSON.stringify(path)
      } } });
const conn = await Deno.connect({ transport: "unix", path: ${JSON.stringify(path)} });
await conn.write(new TextEncoder().encode("GET http://127.0.0.1:9/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"));
const buffer = new Uint8Array(4096);
const n = await conn.read(buffer);
conn.close();
console.log(JSON.stringify({ answer: new TextDecoder().decode(buffer.subarray(0, n ?? 0)), denials: proxy.denials() }));
await proxy.close();
`,
    );
    // Exactly what a compiled binary has: its socket, and no other host.
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", "--allow-write", `--allow-net=unix:${path}`, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(output.stdout));
    assertMatch(result.answer, /^HTTP\/1\.1 403 Forbidden/);
    assertEquals(result.denials.map((d: { reason: string }) => d.reason), [NOT_IN_BINARY]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
