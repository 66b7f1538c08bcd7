/**
 * The codenames Alfred ships and what the fleet knows of each before loading
 * it. No imports: an agent's entry point (the guard path) reads it.
 *
 * @module
 */

/** A built-in codename's facts. */
export interface BuiltInAgent {
  /** What it does, in one sentence. */
  readonly job: string;
  /** Its default schedule. */
  readonly schedule: string;
  /** Whether its work costs money (engine runs). */
  readonly paid: boolean;
  /** Whether its work calls GitHub's API (see `AgentDefinition.github`). */
  readonly github: boolean;
}

/**
 * The codenames Alfred ships, with their one-sentence job, default schedule,
 * whether their work costs money (paid agents stop at the spend caps and the
 * failure streak) and whether it calls GitHub's API. Each agent's definition
 * (agents/<codename>/mod.ts, through `defineAgent`) takes its job, `paid` and
 * `github` from here.
 */
export const BUILT_IN_AGENTS: Readonly<Record<string, BuiltInAgent>> = {
  echo: {
    job: "Summarises the fleet's last 24 hours; no LLM, no network.",
    schedule: "every 24h",
    paid: false,
    github: false,
  },
  lucius: {
    job: "Turns the oldest agent:implement issue into a pull request.",
    schedule: "every 20m",
    paid: true,
    github: true,
  },
  batman: {
    job: "Plans large multi-repo features and files scoped child issues.",
    schedule: "every 2h",
    paid: true,
    github: true,
  },
  drake: {
    job: "Files well-scoped issues for the next gap in the roadmap.",
    schedule: "every 6h",
    paid: true,
    github: true,
  },
  bane: {
    job: "Adds tests for recently changed, under-tested files.",
    schedule: "every 12h",
    paid: true,
    github: true,
  },
  rasalghul: {
    job: "Reviews open pull requests and posts ranked findings.",
    schedule: "every 30m",
    paid: true,
    github: true,
  },
  robin: {
    job: "Triages new bug reports and hands ready ones to Lucius.",
    schedule: "every 1h",
    paid: true,
    github: true,
  },
  nightwing: {
    job: "Fixes P0/P1 review findings on agent pull requests.",
    schedule: "every 30m",
    paid: true,
    github: true,
  },
  huntress: {
    job: "Runs post-deploy smoke tests against staging.",
    schedule: "every 1h",
    paid: false,
    github: false,
  },
  gordon: {
    job: "Checks that staging runs the newest main and reports drift.",
    schedule: "every 1h",
    paid: false,
    github: false,
  },
};
