/**
 * `alfred serve`: the operator's dashboard, a loopback web page with a JSON
 * API and a live event stream (serve/, docs/API.md, docs/SECURITY.md); and
 * `alfred serve link`, a fresh one-time sign-in link for it.
 *
 * A compiled `alfred` runs its sibling `alfred-serve` binary, which carries
 * the dashboard's own, narrower permissions; under `deno run` the server runs
 * in this process.
 *
 * @module
 */
import type { Command, CommandContext } from "./context.ts";
import { defineCommand } from "./args.ts";
import { basenameOf, dirnameOf } from "../../runner/paths.ts";
import { AlfredError, UsageError } from "../../runner/errors.ts";
import { runCapture, runProcess } from "../../runner/process.ts";
import { secretValuesOf } from "../../runner/redact.ts";
import {
  mintLoginCode,
  parseListenAddress,
  readServeRecord,
  readToken,
  serveTokenFile,
  startServer,
} from "../../serve/mod.ts";

const HELP = `Usage: alfred serve [--port 8765] [--host 127.0.0.1] [--open] [--allow-remote]
       alfred serve link

Runs the dashboard: the fleet, firings and their phases, the claims board,
cost and success charts, with pause, resume and fire buttons; a JSON API
under /api/v1/ and a live event stream (docs/API.md).

The first line printed is "listening http://HOST:PORT" (--port 0 lets the
system choose). On a terminal the second is a one-time sign-in link for a
browser; elsewhere (a service's log) \`alfred serve link\` prints one. Reads
need no token on loopback; every action needs the token in
ALFRED_HOME/serve.token (docs/SECURITY.md). SIGTERM or Ctrl-C stops it.

  --port N         the port (default 8765; 0: any free port)
  --host ADDR      the address (default 127.0.0.1); anything but loopback is
                   refused unless --allow-remote is given
  --allow-remote   listen beyond loopback; every request then needs the token
  --open           open the sign-in link in the default browser

alfred serve link   prints a fresh one-time sign-in link for the running dashboard`;

/** The `serve` command. */
export const serveCommand: Command = defineCommand({
  command: "serve",
  help: HELP,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    open: { type: "boolean" },
    "allow-remote": { type: "boolean" },
  },
  allowPositionals: true,
}, async ({ values, positionals, args }, context) => {
  if (positionals[0] === "link" && positionals.length === 1) return await printLink(context);
  if (positionals.length) {
    throw new UsageError(`alfred serve: unexpected "${positionals.join(" ")}"`, {
      hint: "Run `alfred serve --help` to see its usage.",
    });
  }
  const address = parseListenAddress({
    host: values.host,
    port: values.port,
    allowRemote: values["allow-remote"],
  });
  const sibling = siblingServeBinary(Deno.execPath());
  if (sibling) return await runSibling(sibling, args, context);
  return await serveHere(context, {
    address,
    open: values.open ?? false,
    terminal: Deno.stdout.isTerminal(),
  });
});

/**
 * The `alfred-serve` binary a compiled `alfred` hands the dashboard to (pure).
 *
 * @param execPath This process's executable.
 * @returns The sibling's path, or `undefined` when this is not the compiled `alfred`.
 */
export function siblingServeBinary(execPath: string): string | undefined {
  return /^alfred(\.exe)?$/.test(basenameOf(execPath))
    ? `${dirnameOf(execPath)}/alfred-serve`
    : undefined;
}

async function serveHere(
  context: CommandContext,
  options: { address: ReturnType<typeof parseListenAddress>; open: boolean; terminal: boolean },
): Promise<number> {
  const server = await startServer(context, {
    address: options.address,
    secrets: secretValuesOf(readableEnvironment()),
  });
  context.stdout(`listening ${server.url}`);
  const link = await server.loginUrl();
  // A working link goes to a person's terminal, never into a log file (a service's output).
  context.stdout(
    options.terminal
      ? `sign in (once, within 15 minutes): ${link}`
      : "sign in: `alfred serve link` prints a one-time link",
  );
  if (!options.address.loopback) {
    context.stderr(
      `warning: listening beyond loopback on ${server.url}: every request needs the token, ` +
        "and traffic is not encrypted; prefer an SSH tunnel (docs/SECURITY.md)",
    );
  }
  if (options.open) await openBrowser(link, context);
  const stop = () => void server.shutdown();
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  try {
    await server.finished;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
    await server.shutdown();
  }
  context.stdout("stopped");
  return 0;
}

/** Runs `alfred-serve` with the same arguments, passing its output and SIGTERM through. */
async function runSibling(
  binary: string,
  args: string[],
  context: CommandContext,
): Promise<number> {
  const stop = new AbortController();
  const forward = () => stop.abort();
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const signal of signals) Deno.addSignalListener(signal, forward);
  try {
    const result = await runProcess(binary, ["serve", ...args], {
      cwd: context.layout.home,
      env: readableEnvironment(),
      timeoutMs: Infinity,
      signal: stop.signal,
      onStdoutLine: (line) => context.stdout(line),
      onStderrLine: (line) => context.stderr(line),
    });
    return result.code ?? (stop.signal.aborted ? 0 : 1);
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, forward);
  }
}

async function printLink(context: CommandContext): Promise<number> {
  const record = await readServeRecord(context.layout);
  const token = await readToken(serveTokenFile(context.layout));
  if (!record || !token) {
    throw new AlfredError("no dashboard is running for this ALFRED_HOME", {
      hint: "Start it with `alfred serve` (or install it as a service with " +
        "`alfred scheduler install --serve`); it prints a sign-in link when it starts.",
    });
  }
  const code = await mintLoginCode(token, { now: context.now() });
  context.stdout(`${record.url}/login#code=${code}`);
  return 0;
}

async function openBrowser(link: string, context: CommandContext): Promise<void> {
  const opener = Deno.build.os === "darwin" ? "open" : "xdg-open";
  try {
    const result = await runCapture(opener, [link], {
      cwd: context.layout.home,
      env: readableEnvironment(),
      timeoutMs: 10_000,
    });
    if (result.code !== 0) {
      context.stderr(`warning: ${opener} failed (${result.stderr.trim()}); open the link by hand`);
    }
  } catch (error) {
    if (!(error instanceof AlfredError)) throw error;
    context.stderr(`warning: could not open a browser (${error.message}); open the link by hand`);
  }
}

/** The environment this process may read (a compiled binary reads only its listed variables). */
function readableEnvironment(): Record<string, string> {
  return Deno.env.toObject();
}
