/**
 * Test helper: a real `redis-server` (Debian's) on 127.0.0.1 with a free port,
 * no persistence, in a temp folder; stopped and removed at the end of the
 * scope (`await using`). It can be stopped and started again on the same port
 * to simulate an outage.
 *
 * @module
 */

/** A running test Redis. */
export interface TestRedis extends AsyncDisposable {
  /** The port on 127.0.0.1. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the server (SIGTERM); its data is gone (no persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Sends one raw command (inline protocol) and returns the reply line(s). */
  raw(command: string): Promise<string>;
}

/**
 * A port nobody listens on right now: bind port 0, read it, close it.
 *
 * @returns The port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts `redis-server` on a free loopback port.
 *
 * @returns The server; dispose it to stop it and remove its folder.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-redis-" });
  let port = freePort();
  let child: Deno.ChildProcess | undefined;
  const spawn = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 120 s`);
  };
  const stop = async () => {
    if (!child) return;
    const running = child;
    child = undefined;
    running.kill("SIGTERM");
    await running.status;
  };
  for (let attempt = 1;; attempt++) {
    try {
      await spawn();
      break;
    } catch (error) {
      await stop();
      if (attempt >= 3) throw error;
      port = freePort();
    }
  }
  return {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    stop,
    start: spawn,
    raw: (command) => rawCommand(port, command),
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await rawCommand(port, "PING")).startsWith("+PONG");
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    if (error instanceof Deno.errors.ConnectionReset) return false;
    throw error;
  }
}

async function rawCommand(port: number, command: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${command}\r\n`));
    const buffer = new Uint8Array(64 * 1024);
    const n = await conn.read(buffer);
    return n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n));
  } finally {
    conn.close();
  }
}
