/**
 * A world for Slack listener tests: a temporary ALFRED_HOME with a fleet.yaml
 * (operators, a channel, one repo), the loopback fakes of Slack (Web API and
 * Socket Mode) and GitHub, and the real listener running in this process with
 * short, injected timings.
 *
 * @module
 */
import { denoDir, withHome } from "./helpers.ts";
import { type FakeSlackApi, startFakeSlackApi } from "./fake_slack.ts";
import { type FakeGitHub, startFakeGitHub } from "./fake_github.ts";
import type { OperatorContext } from "../../runner/control/mod.ts";
import { readSlackSettings } from "../../slack/settings.ts";
import { runSlackListener } from "../../slack/listener.ts";

/** The app-level token the fake accepts (shaped like a real one, so redaction is tested). */
export const APP_TOKEN = "xapp-1-A0ALFRED-1234567890123-abcdefabcdefabcdefabcdef";
/** The bot token the fake accepts. */
export const BOT_TOKEN = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
/** The one operator. */
export const OPERATOR = "U0OPERATOR";
/** Someone else in the workspace. */
export const STRANGER = "U0STRANGER";
/** The fleet's channel for firing threads. */
export const CHANNEL = "C0ALFRED";
/** The fleet's repo. */
export const REPO = "acme/widget";

/** The fleet.yaml of the world. */
export function fleetYaml(options: { operators?: string[] } = {}): string {
  const operators = options.operators ?? [OPERATOR];
  return [
    "version: 1",
    "repos:",
    `  - name: ${REPO}`,
    "agents:",
    "  echo: { schedule: every 1d }",
    "slack:",
    `  channel: ${CHANNEL}`,
    ...(operators.length ? [`  operators: [${operators.join(", ")}]`] : []),
    "",
  ].join("\n");
}

/**
 * The environment of a listener (and the firings it starts) in a test world.
 *
 * @param world The home and the two fakes.
 * @returns The variables.
 */
export function listenerEnv(
  world: { home: string; slack: FakeSlackApi; github: FakeGitHub },
): Record<string, string> {
  return {
    ALFRED_HOME: world.home,
    HOME: world.home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    DENO_DIR: denoDir(),
    NO_COLOR: "1",
    ALFRED_SLACK_APP_TOKEN: APP_TOKEN,
    ALFRED_SLACK_BOT_TOKEN: BOT_TOKEN,
    ALFRED_SLACK_API_URL: world.slack.apiUrl,
    ALFRED_GITHUB_API_URL: world.github.url,
    ALFRED_GITHUB_TOKEN: "test-token",
  };
}

/** A running world. */
export interface SlackWorld extends AsyncDisposable {
  /** The home. */
  home: Awaited<ReturnType<typeof withHome>>;
  /** The Slack fake. */
  slack: FakeSlackApi;
  /** The GitHub fake. */
  github: FakeGitHub;
  /** The environment the listener and its firings see. */
  env: Record<string, string>;
  /** What the listener printed. */
  out: string[];
  /** Starts (again) a listener; the previous one must be stopped. */
  start(): Promise<void>;
  /** Stops the listener (as SIGTERM does) and waits for it; returns how long it took. */
  stop(): Promise<number>;
  /** Sends a DM from `user` and waits for the bot's first answer in its thread. */
  dm(user: string, text: string): Promise<{ ts: string; answer: string }>;
}

let dmSeq = 0;

/**
 * Makes the world and starts the listener.
 *
 * @param options fleet.yaml's operators; the reconnect wait.
 * @returns The world; dispose it to stop everything.
 */
export async function withSlackWorld(
  options: { operators?: string[]; reconnectMs?: number } = {},
): Promise<SlackWorld> {
  const home = await withHome();
  await Deno.writeTextFile(home.layout.fleetFile, fleetYaml(options));
  const slack = startFakeSlackApi({ appToken: APP_TOKEN, botToken: BOT_TOKEN });
  const github = startFakeGitHub();
  const env = listenerEnv({ home: home.home, slack, github });
  const out: string[] = [];
  let running: { stop: AbortController; done: Promise<number> } | undefined;
  const world: SlackWorld = {
    home,
    slack,
    github,
    env,
    out,
    async start() {
      const stop = new AbortController();
      const context: OperatorContext = {
        env: (name) => env[name],
        layout: home.layout,
        stdout: (line) => out.push(line),
        stderr: (line) => out.push(`stderr: ${line}`),
        now: () => new Date(),
        debug: false,
      };
      const before = slack.connections();
      const done = runSlackListener({
        context,
        settings: readSlackSettings(context.env),
        signal: stop.signal,
        reconnectMs: options.reconnectMs ?? 1_000,
        watchPollMs: 50,
      });
      running = { stop, done };
      await Promise.race([
        slack.waitFor(() => slack.connections() > before, { what: "a Socket Mode connection" }),
        done.then((code) => Promise.reject(new Error(`listener ended early (${code})`))),
      ]);
      await slack.waitFor(() => out.some((line) => line.startsWith("Listening to Slack")), {
        what: "the listener to say it listens",
      });
    },
    async stop() {
      if (!running) return 0;
      const started = performance.now();
      running.stop.abort();
      await running.done;
      running = undefined;
      return performance.now() - started;
    },
    async dm(user, text) {
      const ts = `1764239000.${String(++dmSeq).padStart(6, "0")}`;
      const before = slack.messages.length;
      await slack.sendEvent({
        type: "message",
        channel: `D${user}`,
        channel_type: "im",
        user,
        text,
        ts,
        client_msg_id: crypto.randomUUID(),
      });
      const answer = await slack.waitFor(
        () =>
          slack.messages.slice(before).find((m) =>
            m.method === "chat.postMessage" && m.thread_ts === ts
          ),
        { what: `an answer to "${text}"` },
      );
      return { ts, answer: answer.text };
    },
    async [Symbol.asyncDispose]() {
      await world.stop();
      await slack.close();
      await github.close();
      await home[Symbol.asyncDispose]();
    },
  };
  await world.start();
  return world;
}
