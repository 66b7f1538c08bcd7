/**
 * The commented default `fleet.yaml` that `alfred init` writes.
 *
 * @module
 */
import { BUILT_IN_AGENTS, BUILT_IN_DEFAULTS } from "./config.ts";

/** A repo given to `alfred init --repo owner/name[=path]`. */
export interface InitRepo {
  /** `owner/name`. */
  name: string;
  /** The operator's local checkout, if given. */
  path?: string;
}

/**
 * Renders the default `fleet.yaml`, with `repos` served by Lucius when given.
 *
 * @param repos Repos to list (may be empty).
 * @returns YAML text with comments on every field.
 */
export function renderFleetTemplate(repos: InitRepo[]): string {
  const d = BUILT_IN_DEFAULTS;
  const repoLines = repos.length
    ? "repos:\n" + repos.map((repo) =>
      [
        `  - name: ${JSON.stringify(repo.name)}`,
        ...(repo.path ? [`    path: ${JSON.stringify(repo.path)}`] : []),
        `    base: main`,
      ].join("\n")
    ).join("\n")
    : "repos: []";
  const agentLines = Object.entries(BUILT_IN_AGENTS).map(([codename, agent]) => {
    const enabled = codename === "echo" || (codename === "lucius" && repos.length > 0);
    return [
      `  ${codename}:  # ${agent.job}`,
      `    enabled: ${enabled}`,
      `    schedule: ${JSON.stringify(agent.schedule)}`,
    ].join("\n");
  }).join("\n");
  return `# Alfred fleet configuration. Written by \`alfred init\`; edit freely.
# Secrets never go in this file: Slack is configured by the NAME of the
# environment variable holding the webhook URL; GitHub uses ALFRED_GITHUB_TOKEN,
# GITHUB_TOKEN, or \`gh auth token\`.
version: 1

# The operator's time zone: spend ledgers roll over at its midnight.
# timezone: Europe/Berlin

# Settings every agent inherits unless it sets its own.
defaults:
  tier: ${d.tier}                  # fast | standard | deep, or one of your tiers below
  max_turns: ${d.maxTurns}               # most engine turns in one firing
  timeout_minutes: ${d.timeoutMinutes}         # a firing is killed after this long
  failure_streak_threshold: ${d.failureStreakThreshold}  # pause an agent after this many failures in a row
  block_hours: ${d.blockHours}              # fleet-wide block after a rate limit with no reset time
  caps:                        # per agent, per day; reaching one pauses the agent until tomorrow
    turns_per_day: ${d.caps.turns_per_day}
    cost_usd_per_day: ${d.caps.cost_usd_per_day}
    firings_per_day: ${d.caps.firings_per_day}

# Tiers map to an engine and model.
tiers:
  fast: { engine: claude, model: haiku }
  standard: { engine: claude, model: sonnet }
  deep: { engine: claude, model: opus }

# The repos the fleet serves; \`alfred repos add owner/name[=path]\` adds one:
#   - name: owner/name
#     path: ~/code/name   # your checkout; else a managed clone
#     base: main
${repoLines}

# One entry per agent; \`alfred enable <codename>\` turns one on, \`alfred disable\` off.
# An agent serves every repo unless it lists \`repos\`.
# Each may override: engine, tier, model, max_turns, timeout_minutes, caps,
# failure_streak_threshold, sandbox, network. Schedules: "every 20m", "daily 02:30",
# "weekdays 09:00", ... (docs/SCHEDULER.md). Each agent's own keys (Drake's roadmap,
# Bane's coverage_report and pre_push, Huntress's smoke_command, Gordon's ecs, ...)
# and custom codenames are described in docs/AGENTS.md.
agents:
${agentLines}

# Slack: the name of the environment variable that holds the webhook URL.
# With a bot token (ALFRED_SLACK_BOT_TOKEN) and a channel, notices about one issue
# go to one thread there; operators may command the fleet from Slack (docs/SLACK.md).
slack:
  webhook_env: ${d.slackWebhookEnv}
  # channel: C0123ABCD
  # operators: [U0123ABCD]

# GitHub. Markers (the structured comments agents coordinate by) count only from
# Alfred's own accounts: the account of this host's token, plus trusted_logins.
# List the accounts of your other hosts, or your GitHub App as "<app-slug>[bot]"
# (an App token has no account of its own). Anyone else's markers are ignored
# and reported once per issue (docs/SECURITY.md).
# github:
#   api_url: https://github.example.com/api/v3   # GitHub Enterprise (ALFRED_GITHUB_API_URL overrides)
#   trusted_logins: [alfred-laptop-bot]
`;
}
