/**
 * What an agent is: a codename, a one-sentence job, and the work it does inside
 * the firing lifecycle. Types only, so agent entry points stay cheap to load.
 *
 * @module
 */
import type { AgentConfig, FleetConfig } from "../config/config.ts";
import type { BackoffStore } from "../github/backoff.ts";
import type { Outcome } from "./events.ts";
import type { Logger } from "./log.ts";
import type { Notice } from "./notify.ts";
import type { EnvReader, Layout } from "../paths.ts";
import type { Ledger } from "./spend.ts";

/** Everything an agent's work may use; given by the lifecycle. */
export interface FiringContext {
  /** The agent's codename. */
  readonly codename: string;
  /** This firing's id. */
  readonly firingId: string;
  /** This host's name. */
  readonly host: string;
  /** The home layout. */
  readonly layout: Layout;
  /** The whole fleet configuration. */
  readonly config: FleetConfig;
  /** This agent's resolved configuration. */
  readonly agent: AgentConfig;
  /** Environment variables. */
  readonly env: EnvReader;
  /** The clock. */
  readonly now: () => Date;
  /** The agent's log. */
  readonly log: Logger;
  /** Today's ledger before this firing. */
  readonly ledger: Ledger;
  /** Prints a line on standard output. */
  readonly stdout: (line: string) => void;
  /** Adds what the sandbox refused (engine or repository command) to the firing record (never turns a denial into success). */
  readonly recordDenials: (denials: readonly DenialRecord[]) => void;
  /** Adds a warning to the firing record (e.g. a command ran unconfined); repeats are kept once. */
  readonly recordWarning: (warning: string) => void;
  /**
   * The lessons earlier firings left for this repo, most relevant first, as a
   * size-capped block for the prompt ("" when there are none). Never throws:
   * a memory problem is logged and the firing goes on without memory.
   */
  readonly recallLessons: (
    query: { repo: string; title?: string; body?: string },
  ) => Promise<string>;
  /** Keeps the engine's closing notes, remembered as lessons once the firing is recorded. */
  readonly recordNotes: (notes: string) => void;
  /**
   * Queues a Slack message sent after the work's own notice, whatever the
   * outcome (e.g. a warning about foreign markers, runner/claims/foreign_markers.ts).
   */
  readonly recordNotice: (notice: Notice) => void;
  /**
   * Reports a step of the firing as it happens: to the activity log (the
   * dashboard and Slack follow it) and, for a firing started by hand, to the
   * person watching. Never throws: a step that cannot be recorded is logged.
   */
  readonly progress: (step: FiringStep) => Promise<void>;
  /**
   * The GitHub token: `ALFRED_GITHUB_TOKEN`, `GITHUB_TOKEN`, else `gh auth token`
   * (asked once per firing).
   */
  readonly githubToken: () => Promise<string>;
  /**
   * The persisted GitHub backoff of each token: this host's file, or Redis with
   * `coordination: redis` (runner/github/backoff.ts).
   */
  readonly githubBackoff: BackoffStore;
}

/** One step of a firing, reported as it happens (runner/firing/activity.ts keeps it). */
export interface FiringStep {
  /**
   * The step's name, lower-case words joined by dashes: `claimed`, `worktree`,
   * `engine`, `committed`, `pushed`, `pr-opened`, `released`, or an agent's
   * own (`reviewed`, `filed`, …).
   */
  step: string;
  /** The step for a person, in one line: `claimed acme/widget#12 "Fix the login"`. */
  text: string;
  /** The issue the step concerns, as a URL or `owner/name#n`. */
  issue?: string;
  /** The pull request the step concerns, as a URL. */
  pr?: string;
  /** Engine turns so far. */
  turns?: number;
  /** Money spent so far, in USD. */
  costUsd?: number;
}

/** One refusal by the sandbox (of the engine or a repository command), as the firing record keeps it. */
export interface DenialRecord {
  /** A network connection, a file access, or a tool the engine itself refused. */
  kind: "network" | "file" | "permission";
  /** What was refused, in one line. */
  detail: string;
}

/** What the work of one firing produced. */
export interface WorkResult {
  /** How it ended. */
  outcome: Outcome;
  /** Engine turns used. */
  turns: number;
  /** Money spent, in USD. */
  costUsd: number;
  /** The issue worked on, as a URL or `owner/name#n`. */
  issue?: string;
  /** The pull request opened, as a URL. */
  pr?: string;
  /** What went wrong, for failures. */
  error?: string;
  /** One line for the event log. */
  summary?: string;
  /** The repo worked on (`owner/name`): lessons are remembered per repo. */
  repo?: string;
  /** The engine's closing notes, remembered as lessons for later firings on the repo. */
  notes?: string;
  /** A Slack message, when the outcome is worth one (quiet unless actionable). */
  notice?: Notice;
}

/** An agent, as its entry point declares it. */
export interface AgentDefinition {
  /** The codename. */
  readonly codename: string;
  /** What it does, in one sentence. */
  readonly job: string;
  /** Whether its work costs money (engine runs); unpaid agents skip the spend caps. */
  readonly paid: boolean;
  /**
   * Whether its work calls GitHub's API: while the token's GitHub backoff holds,
   * such a firing stops before taking its lock (`[AGENT-GITHUB-BACKOFF]`).
   */
  readonly github?: boolean;
  /** The work of one firing; runs while the agent's lock is held. */
  work(context: FiringContext): Promise<WorkResult>;
}
