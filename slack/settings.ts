/**
 * The listener's settings, from the environment: the app-level token (Socket
 * Mode), the bot token (the Web API) and the Web API's base URL. Tokens live
 * in the environment (or the secrets file a service reads), never in
 * `fleet.yaml` or a state file, and are never printed.
 *
 * @module
 */
import { ConfigError } from "../runner/errors.ts";
import { slackApiUrlFrom } from "../runner/firing/notify.ts";
import type { EnvReader } from "../runner/paths.ts";

/** What the listener needs to connect. */
export interface SlackSettings {
  /** `ALFRED_SLACK_APP_TOKEN` (a secret). */
  readonly appToken: string;
  /** `ALFRED_SLACK_BOT_TOKEN` (a secret). */
  readonly botToken: string;
  /** The Web API base URL, ending with `/` (`ALFRED_SLACK_API_URL`). */
  readonly apiUrl: string;
}

/**
 * Reads the listener's settings.
 *
 * @param env Reads `ALFRED_SLACK_APP_TOKEN`, `ALFRED_SLACK_BOT_TOKEN` and `ALFRED_SLACK_API_URL`.
 * @returns The settings.
 * @throws {ConfigError} naming the variable that is missing or malformed (never its value).
 */
export function readSlackSettings(env: EnvReader): SlackSettings {
  const [appToken, botToken] = TOKENS.map((token) => {
    const value = env(token.variable)?.trim() ?? "";
    if (token.shape.test(value)) return value;
    throw new ConfigError(
      value
        ? `${token.variable} is not ${token.kind} (it must start with ${token.prefix})`
        : `${token.variable} is not set`,
      { hint: token.hint },
    );
  });
  return { appToken, botToken, apiUrl: slackApiUrlFrom(env) };
}

/** The two tokens: where they come from, their shape, and how to get one. */
const TOKENS = [
  {
    variable: "ALFRED_SLACK_APP_TOKEN",
    kind: "an app-level token",
    prefix: "xapp-",
    shape: /^xapp-[A-Za-z0-9-]{10,}$/,
    hint: "Create an app-level token with the connections:write scope (your app's Basic " +
      "Information page, App-Level Tokens) and put it in the secrets file; docs/SLACK.md.",
  },
  {
    variable: "ALFRED_SLACK_BOT_TOKEN",
    kind: "a bot token",
    prefix: "xoxb-",
    shape: /^xoxb-[A-Za-z0-9-]{10,}$/,
    hint: "Install the app to your workspace and copy the Bot User OAuth Token (OAuth & " +
      "Permissions) into the secrets file; docs/SLACK.md.",
  },
] as const;
