/**
 * The dashboard in tests: a real server (serve/server.ts) on a loopback port
 * the system chooses, over a temporary ALFRED_HOME, stopped at the end of the
 * scope; and small HTTP helpers that speak to it as a page or a script would.
 *
 * @module
 */
import type { OperatorContext } from "../../runner/control/mod.ts";
import { layoutOf } from "../../runner/paths.ts";
import { type RunningServer, type ServeOptions, startServer } from "../../serve/mod.ts";
import { denoDir, REPO_ROOT, subprocessEnv, withHome } from "./helpers.ts";

/** A running test server and its home. */
export interface TestServer extends AsyncDisposable {
  /** The server. */
  readonly server: RunningServer;
  /** Its home. */
  readonly home: string;
  /** The operator's world the server runs in. */
  readonly context: OperatorContext;
  /** What it printed as warnings. */
  readonly warnings: string[];
  /** Calls it: `path` under the server, with the server's own Origin unless told otherwise. */
  request(
    path: string,
    init?: { method?: string; body?: unknown; token?: string | null; origin?: string | null },
  ): Promise<Response>;
}

/**
 * Starts a dashboard on a fresh home (or the given one).
 *
 * @param options Seeds the home before start (`prepare`), an existing home, server options.
 * @returns The server; dispose it to stop it and remove the home.
 */
export async function startTestServer(
  options: {
    home?: string;
    prepare?: (home: string) => Promise<void>;
    serve?: Partial<ServeOptions>;
    env?: Record<string, string>;
  } = {},
): Promise<TestServer> {
  const temp = options.home ? undefined : await withHome();
  const home = options.home ?? temp!.home;
  await options.prepare?.(home);
  const values: Record<string, string> = {
    ALFRED_HOME: home,
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "",
    ...options.env,
  };
  const warnings: string[] = [];
  const context: OperatorContext = {
    env: (name) => values[name],
    layout: layoutOf(home),
    stdout: () => {},
    stderr: (line) => warnings.push(line),
    now: () => new Date(),
    debug: false,
  };
  const server = await startServer(context, {
    address: { hostname: "127.0.0.1", port: 0, loopback: true },
    pollMs: 50,
    fireEnv: { PATH: values.PATH, DENO_DIR: denoDir(), NO_COLOR: "1" },
    ...options.serve,
  });
  // A server on every interface is reached on loopback (tests contact nothing else).
  const base = server.url.replace("//0.0.0.0:", "//127.0.0.1:");
  return {
    server,
    home,
    context,
    warnings,
    request(path, init = {}) {
      const headers: Record<string, string> = { Accept: "application/json" };
      const origin = init.origin === undefined ? base : init.origin;
      if (origin !== null) headers.Origin = origin;
      const token = init.token === undefined ? server.token : init.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (init.body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(`${base}${path}`, {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await temp?.[Symbol.asyncDispose]();
    },
  };
}

/**
 * Reads a response's JSON body (and so frees it).
 *
 * @param response The response.
 * @returns The status and the body.
 */
// deno-lint-ignore no-explicit-any
export async function jsonOf(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

/**
 * Sends one HTTP/1.1 request over a raw socket, so that the `Host` header is
 * exactly the one given (fetch always sends the URL's host).
 *
 * @param port The server's loopback port.
 * @param request The method, path and headers (`Host` among them).
 * @returns The status and the body.
 */
export async function rawRequest(
  port: number,
  request: { method?: string; path: string; headers: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = [
    `${request.method ?? "GET"} ${request.path} HTTP/1.1`,
    ...Object.entries({ ...request.headers, Connection: "close" }).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ].join("\r\n");
  await connection.write(new TextEncoder().encode(head));
  const text = await new Response(connection.readable).text();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

/** A dashboard running as its own process. */
export interface ServeProcess extends AsyncDisposable {
  /** Its address, from its first line (`listening <url>`). */
  readonly url: string;
  /** The lines it printed on standard output until it started listening (and the next one). */
  readonly firstLines: string[];
  /** Its process id. */
  readonly pid: number;
  /** Sends SIGTERM and waits: its exit code and standard error. */
  stop(): Promise<{ code: number; stderr: string }>;
}

/**
 * Runs `deno run <args>` (a dashboard entry point and its flags) with a clean
 * environment, and waits for its first two lines (`listening …`, `sign in …`).
 *
 * @param args The arguments after `deno run`.
 * @param options The ALFRED_HOME, the working directory, more environment.
 * @returns The process; disposing it stops it.
 * @throws {Error} when it ends or prints something else before listening.
 */
export async function startServeProcess(
  args: string[],
  options: { home: string; cwd?: string; env?: Record<string, string> },
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...args],
    cwd: options.cwd ?? REPO_ROOT,
    clearEnv: true,
    env: subprocessEnv(options.home, options.env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  let text = "";
  while (text.split("\n").length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  // Whatever it prints from now on is drained, so it never blocks on a full pipe.
  const drained = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  let stopped: Promise<{ code: number; stderr: string }> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch (error) {
        // It had already ended.
        if (!(error instanceof TypeError)) throw error;
      }
      const status = await child.status;
      await drained;
      return { code: status.code, stderr: await stderr };
    })();
  const url = /^listening (\S+)$/m.exec(text)?.[1];
  if (!url) {
    const ended = await stop();
    throw new Error(`the dashboard printed no address: ${text}\n${ended.stderr}`);
  }
  return {
    url,
    firstLines: text.split("\n").slice(0, 2),
    pid: child.pid,
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}
