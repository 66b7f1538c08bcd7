/**
 * The label set of the claim protocol, and its idempotent bootstrap.
 *
 * Work moves `agent:implement` → `agent:in-flight` → `agent:pr-open` →
 * `agent:done`. Sticky labels are never picked, whatever else the issue carries.
 * See docs/STATE_MACHINE.md.
 *
 * @module
 */
import { GitHubApiError, type GitHubClient } from "../github/client.ts";
import type { Repo } from "../github/rest.ts";
import { createLabel, listRepoLabels, updateLabel } from "../github/rest.ts";

/** The labels of the protocol, by role. */
export const LABELS = {
  /** The default work queue: a human (or a planning agent) puts issues here. */
  implement: "agent:implement",
  /** A firing holds the issue. */
  inFlight: "agent:in-flight",
  /** A pull request is open for the issue. */
  prOpen: "agent:pr-open",
  /** The work was merged or otherwise finished. */
  done: "agent:done",
  /** Sticky: a human said never to pick this issue. */
  doNotPickup: "do-not-pickup",
  /** Sticky: three attempts failed; a human must rescope the issue. */
  needsHumanScope: "needs:human-scope",
  /** Sticky: a plan waits for the operator's approval. */
  planPendingApproval: "agent:plan-pending-approval",
  /** Batman's queue: a large multi-repo feature (the parent issue) to plan. */
  largeFeature: "agent:large-feature",
  /** A human approved Batman's plan of a parent issue. */
  planApproved: "agent:plan-approved",
  /** Batman filed the parent's child issues: it is never planned again. */
  childrenFiled: "agent:children-filed",
  /** Robin asked the reporter for reproduction details (never twice). */
  needsRepro: "triage:needs-repro",
} as const;

/** Robin's severity labels, most severe first: `severity:P0` … `severity:P3`. */
export const SEVERITY_LABELS = {
  P0: "severity:P0",
  P1: "severity:P1",
  P2: "severity:P2",
  P3: "severity:P3",
} as const;

/** Labels that stop an issue from being picked, whatever else it carries. */
export const STICKY_LABELS: readonly string[] = [
  LABELS.doNotPickup,
  LABELS.needsHumanScope,
  LABELS.planPendingApproval,
];

/** Labels that mean the issue is already taken or finished. */
export const TAKEN_LABELS: readonly string[] = [LABELS.inFlight, LABELS.prOpen, LABELS.done];

/** One label definition: name, colour (6 hex digits, no `#`) and description. */
export interface LabelSpec {
  /** The label's name. */
  readonly name: string;
  /** Six lowercase hex digits. */
  readonly color: string;
  /** At most 100 characters (GitHub's limit). */
  readonly description: string;
}

/** Every label `alfred labels bootstrap` creates, with colours and descriptions. */
export const LABEL_SET: readonly LabelSpec[] = [
  {
    name: LABELS.implement,
    color: "1d76db",
    description: "Alfred: queued for an agent to implement",
  },
  {
    name: LABELS.inFlight,
    color: "fbca04",
    description: "Alfred: an agent firing holds this issue",
  },
  { name: LABELS.prOpen, color: "0e8a16", description: "Alfred: a pull request is open" },
  { name: LABELS.done, color: "5319e7", description: "Alfred: finished" },
  {
    name: LABELS.doNotPickup,
    color: "b60205",
    description: "Alfred: never picked by an agent",
  },
  {
    name: LABELS.needsHumanScope,
    color: "d93f0b",
    description: "Alfred: attempts failed; a human must rescope it",
  },
  {
    name: LABELS.planPendingApproval,
    color: "c5def5",
    description: "Alfred: a plan waits for the operator's approval",
  },
  {
    name: LABELS.largeFeature,
    color: "0052cc",
    description: "Alfred: a large multi-repo feature for Batman to plan",
  },
  {
    name: LABELS.planApproved,
    color: "0e8a16",
    description: "Alfred: a human approved the plan; Batman files the child issues",
  },
  {
    name: LABELS.childrenFiled,
    color: "5319e7",
    description: "Alfred: Batman filed the child issues of this plan",
  },
  {
    name: SEVERITY_LABELS.P0,
    color: "b60205",
    description: "Alfred triage: critical (outage, data loss, security), fix now",
  },
  {
    name: SEVERITY_LABELS.P1,
    color: "d93f0b",
    description: "Alfred triage: major (a main feature broken, no workaround)",
  },
  {
    name: SEVERITY_LABELS.P2,
    color: "fbca04",
    description: "Alfred triage: moderate (broken with a workaround, or a minor feature)",
  },
  {
    name: SEVERITY_LABELS.P3,
    color: "c2e0c6",
    description: "Alfred triage: minor (cosmetic, docs, nice to have)",
  },
  {
    name: LABELS.needsRepro,
    color: "f9d0c4",
    description: "Alfred triage: waiting for reproduction details from the reporter",
  },
];

/** What {@linkcode bootstrapLabels} did to each label. */
export interface BootstrapResult {
  /** Labels that did not exist and were created. */
  created: string[];
  /** Labels whose colour or description was corrected. */
  updated: string[];
  /** Labels that were already right. */
  unchanged: string[];
}

/**
 * Creates or corrects every label of {@linkcode LABEL_SET} in a repository.
 * Running it again changes nothing and makes one request (answered 304 when the
 * labels did not change and the client keeps ETags).
 *
 * Requires network access to the GitHub API and a token that may write labels.
 *
 * @example Usage
 * ```ts ignore
 * const result = await bootstrapLabels(client, { owner: "acme", name: "web" });
 * console.log(result.created);
 * ```
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @returns Which labels were created, updated, or left alone.
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function bootstrapLabels(client: GitHubClient, repo: Repo): Promise<BootstrapResult> {
  const existing = new Map(
    (await listRepoLabels(client, repo)).map((label) => [label.name, label]),
  );
  const result: BootstrapResult = { created: [], updated: [], unchanged: [] };
  for (const spec of LABEL_SET) {
    const found = existing.get(spec.name);
    if (!found) {
      try {
        await createLabel(client, repo, spec);
        result.created.push(spec.name);
      } catch (error) {
        // 422 already_exists: another bootstrap created it since the list; make it right.
        if (!(error instanceof GitHubApiError && error.status === 422)) throw error;
        await updateLabel(client, repo, spec);
        result.updated.push(spec.name);
      }
    } else if (
      found.color.toLowerCase() !== spec.color || (found.description ?? "") !== spec.description
    ) {
      await updateLabel(client, repo, spec);
      result.updated.push(spec.name);
    } else {
      result.unchanged.push(spec.name);
    }
  }
  return result;
}
