/**
 * The listener's settings, from the environment: the app-level token (Socket
 * Mode), the bot token (the Web API) and the Web API's base URL. Tokens live
 * in the environment (or the secrets file a service reads), never in
 * `fleet.yaml` or a state file, and are never printed.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../runner/errors.ts";
import { slackApiUrlFrom } from "../runner/notify.ts";
import type { EnvReader } from "../runner/paths.ts";

/** An app-level token with `connections:write`: `xapp-…`. */
const AppToken = z.string().regex(/^xapp-[A-Za-z0-9-]{10,}$/);
/** A bot token: `xoxb-…`. */
const BotToken = z.string().regex(/^xoxb-[A-Za-z0-9-]{10,}$/);

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
  const appToken = env("ALFRED_SLACK_APP_TOKEN")?.trim() ?? "";
  const botToken = env("ALFRED_SLACK_BOT_TOKEN")?.trim() ?? "";
  if (!AppToken.safeParse(appToken).success) {
    throw new ConfigError(
      appToken
        ? "ALFRED_SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)"
        : "ALFRED_SLACK_APP_TOKEN is not set",
      {
        hint: "Create an app-level token with the connections:write scope (your app's Basic " +
          "Information page, App-Level Tokens) and put it in the secrets file; docs/SLACK.md.",
      },
    );
  }
  if (!BotToken.safeParse(botToken).success) {
    throw new ConfigError(
      botToken
        ? "ALFRED_SLACK_BOT_TOKEN is not a bot token (it must start with xoxb-)"
        : "ALFRED_SLACK_BOT_TOKEN is not set",
      {
        hint: "Install the app to your workspace and copy the Bot User OAuth Token (OAuth & " +
          "Permissions) into the secrets file; docs/SLACK.md.",
      },
    );
  }
  return { appToken, botToken, apiUrl: slackApiUrlFrom(env) };
}
