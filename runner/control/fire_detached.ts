/**
 * Starts a firing that outlives whoever asked for it: the dashboard's and
 * Slack's "fire" buttons. The firing runs as its own process (the agent's
 * binary, or `alfred fire` under `deno run`), in its own session, with its
 * output in a file under the agent's log folder, and with a firing id chosen
 * here (`ALFRED_FIRING_ID`), so the caller can answer with it at once and
 * follow the firing in the activity log (runner/firing/activity.ts).
 *
 * This is the one place besides runner/process.ts that starts a child: a
 * detached child must write its output to a file it owns, which Deno's own
 * process API cannot give, so it uses `node:child_process`. Only the control
 * surfaces load this module, never a firing.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { newFiringId } from "../firing/events.ts";
import { currentProcessFacts, fireRouteOf, type ProcessFacts } from "./fire_route.ts";
import { UsageError } from "../errors.ts";
import { agentLogDir, type EnvReader } from "../paths.ts";
import { ProcessSpawnError } from "../process.ts";
import type { OperatorContext } from "./context.ts";

/** A firing started by {@linkcode fireDetached}. */
export interface DetachedFiring {
  /** The firing's id (its records in the event and activity logs carry it). */
  firingId: string;
  /** The process id of the firing. */
  pid: number;
  /** Where its standard output and error go. */
  outputFile: string;
  /** Settles with its exit code when it ends (if this process still runs then). */
  exited: Promise<number | null>;
}

/** How this process was started, and where its sources are under `deno run`. */
export interface Runtime extends ProcessFacts {
  /** The URL of this repository's root, under `deno run` (for the CLI's entry file). */
  sourceRoot: string;
}

/** The flags `deno task alfred` gives the CLI (deno.json), used under `deno run`. */
export const DENO_RUN_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=hostname,osRelease,uid",
  "--allow-net",
  "--allow-run",
];

/**
 * The command that fires `codename` by itself (pure). A compiled binary
 * (`alfred`, `alfred-serve`, …) runs the agent's own binary next to it, with
 * the permissions baked into that binary (runner/control/fire_route.ts decides);
 * under `deno run` it is `deno run … cli/mod.ts fire <codename>`.
 *
 * @param codename The agent.
 * @param runtime How this process was started.
 * @returns The program and its arguments.
 * @throws {UsageError} when `codename` cannot name a binary.
 */
export function agentFireCommand(codename: string, runtime: Runtime): string[] {
  const route = fireRouteOf(runtime, codename);
  switch (route.kind) {
    case "sibling":
      return [route.program];
    case "invalid":
      throw new UsageError(route.reason);
    case "in-process": {
      const entry = new URL("cli/mod.ts", runtime.sourceRoot).pathname;
      return [runtime.execPath, "run", ...DENO_RUN_FLAGS, entry, "fire", codename];
    }
  }
}

/**
 * The variables a firing started here inherits: the whole environment when
 * this process may read it all, else the ones a firing needs (the names the
 * agents' binaries are allowed, runner/config/permissions.ts).
 */
function firingEnvironment(env: EnvReader): Record<string, string> {
  if (Deno.permissions.querySync({ name: "env" }).state === "granted") {
    return Deno.env.toObject();
  }
  const values: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = env(name);
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** What a firing needs from its starter's environment when it cannot be read whole. */
const INHERITED_VARIABLES = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "TZ",
  "TMPDIR",
  "XDG_RUNTIME_DIR",
  "DBUS_SESSION_BUS_ADDRESS",
  "ALFRED_GITHUB_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "ALFRED_GITHUB_API_URL",
  "ALFRED_SLACK_WEBHOOK_URL",
  "ALFRED_REDIS_URL",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "OPENAI_API_KEY",
];

/** The runtime this module runs in. */
export function currentRuntime(): Runtime {
  return { ...currentProcessFacts(), sourceRoot: new URL("../../", import.meta.url).href };
}

/**
 * Fires `codename` in the background and returns at once with its firing id.
 * The firing runs in its own session: it goes on if this process ends.
 * The firing goes through its guard and lifecycle as any other: a paused
 * agent's firing prints `[AGENT-PAUSED]` (into its output file) and ends.
 *
 * Requires `--allow-run` for the agent's binary (or Deno), and write access
 * to the agent's log folder.
 *
 * @param codename The agent (already checked to be one of the fleet's).
 * @param context The world: environment passed on to the firing, home, clock.
 * @param options The runtime (tests) and extra environment for the firing.
 * @returns The firing.
 */
export async function fireDetached(
  codename: string,
  context: OperatorContext,
  options: { runtime?: Runtime; env?: Record<string, string> } = {},
): Promise<DetachedFiring> {
  const firingId = newFiringId(context.now());
  const [program, ...args] = agentFireCommand(codename, options.runtime ?? currentRuntime());
  const logDir = agentLogDir(context.layout, codename);
  await Deno.mkdir(logDir, { recursive: true });
  const outputFile = `${logDir}/fire-${firingId}.out`;
  const fd = openSync(outputFile, "a", 0o600);
  try {
    const child = spawn(program, args, {
      cwd: "/",
      env: {
        ...firingEnvironment(context.env),
        ...options.env,
        ALFRED_HOME: context.layout.home,
        ALFRED_FIRING_ID: firingId,
        ALFRED_FIRED_BY: "hand",
      },
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => resolve(code));
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("spawn", () => resolve(child.pid!));
      child.once(
        "error",
        (error) => reject(new ProcessSpawnError(program, { reason: error.message, cause: error })),
      );
    });
    return { firingId, pid, outputFile, exited };
  } finally {
    closeSync(fd);
  }
}
