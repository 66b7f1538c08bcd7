/**
 * Batman's decisions, pure: what a parent issue needs next (a plan, a human's
 * approval, its children filed, or nothing), whether a comment approves the
 * plan, the plan block the engine returns, and the comments Batman posts.
 *
 * A parent's state lives on GitHub only:
 *
 * | labels / comments                                                | stage               |
 * | ---------------------------------------------------------------- | ------------------- |
 * | `agent:children-filed`                                           | `done`              |
 * | no comment with a `plan` marker                                  | `needs-plan`        |
 * | a plan; approval required; no `agent:plan-approved`, no `/approve` | `awaiting-approval` |
 * | a plan; approval not required, or approved                       | `approved`          |
 *
 * The plan is the latest comment with a `plan` marker created by one of
 * Alfred's own accounts (runner/claims/trust.ts); a plan anyone else posts is
 * ignored. A `/approve` counts when it is a line of a comment posted after
 * that plan by a person with write access to the repository (GitHub's
 * `author_association` `OWNER`, `MEMBER` or `COLLABORATOR`) who is not one of
 * Alfred's accounts: a passer-by's `/approve` approves nothing.
 *
 * @module
 */
import { z } from "zod";
import { formatMarker, parseMarkers, type PlanMarker } from "../../runner/claims/markers.ts";
import { LABELS } from "../../runner/claims/labels.ts";
import type { Comment } from "../../runner/github/rest.ts";
import type { TrustedAuthors } from "../../runner/claims/trust.ts";
import { IssueProposal } from "../../runner/issues/proposals.ts";

/** One child issue of a plan: an issue proposal and the repository it goes to. */
export const ChildProposal = IssueProposal.extend({
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must look like owner/name"),
});
/** A parsed {@linkcode ChildProposal}. */
export type ChildProposal = z.infer<typeof ChildProposal>;

/** The block the engine ends its plan with (and the plan comment carries). */
export const BatmanPlan = z.strictObject({
  summary: z.string().trim().min(1, "is empty").max(4_000),
  children: z.array(ChildProposal).min(1, "needs at least one child issue").max(12),
});
/** A parsed {@linkcode BatmanPlan}. */
export type BatmanPlan = z.infer<typeof BatmanPlan>;

/** What a parent issue needs next. */
export type ParentStage = "done" | "needs-plan" | "awaiting-approval" | "approved";

/** The stage of a parent, with the comment of its latest plan. */
export interface ParentState {
  /** What it needs next. */
  stage: ParentStage;
  /** The latest plan comment, when there is one. */
  plan: Comment | undefined;
}

/** The `author_association` values of people who may write to the repository. */
const APPROVERS = ["OWNER", "MEMBER", "COLLABORATOR"];

/**
 * Whether a comment approves a plan: a `/approve` line, by a person with write
 * access to the repository who is not one of Alfred's accounts.
 *
 * @param comment The comment.
 * @param trusted Alfred's accounts (they never approve their own plans).
 * @returns Whether it approves.
 */
export function isApproval(comment: Comment, trusted: TrustedAuthors): boolean {
  const author = comment.user?.login;
  if (!author || trusted.trusts(author)) return false;
  if (!APPROVERS.includes(comment.author_association ?? "")) return false;
  return /^\s*\/approve\s*$/m.test(comment.body);
}

/**
 * Decides what a parent issue needs next (see the module's table).
 *
 * @param input The parent's labels and comments, whether approval is required,
 *   and Alfred's accounts (whose plans count).
 * @returns The stage and the latest plan comment.
 */
export function parentState(
  input: {
    labels: readonly string[];
    comments: readonly Comment[];
    requireApproval: boolean;
    trusted: TrustedAuthors;
  },
): ParentState {
  const { trusted } = input;
  const sorted = [...input.comments].sort((a, b) => a.id - b.id);
  const plan = sorted.findLast((comment) =>
    parseMarkers(comment, trusted).some((marker) => marker.kind === "plan")
  );
  if (input.labels.includes(LABELS.childrenFiled)) return { stage: "done", plan };
  if (!plan) return { stage: "needs-plan", plan };
  const approved = input.labels.includes(LABELS.planApproved) ||
    sorted.some((comment) => comment.id > plan.id && isApproval(comment, trusted));
  if (!input.requireApproval || approved) return { stage: "approved", plan };
  return { stage: "awaiting-approval", plan };
}

/**
 * The names of the plan's repositories that the fleet does not serve (pure).
 *
 * @param plan The plan.
 * @param repos The fleet's repositories (`owner/name`).
 * @returns The unknown names, once each.
 */
export function unknownRepos(plan: BatmanPlan, repos: readonly string[]): string[] {
  return [...new Set(plan.children.map((child) => child.repo))].filter((repo) =>
    !repos.includes(repo)
  );
}

/**
 * The plan comment (pure): the marker, the engine's plan, the children in
 * order, the machine-readable block, and how to approve.
 *
 * @param input The marker, the engine's prose, the plan and whether approval is required.
 * @returns Markdown.
 */
export function planComment(
  input: {
    marker: Omit<PlanMarker, "kind">;
    prose: string;
    plan: BatmanPlan;
    requireApproval: boolean;
  },
): string {
  const children = input.plan.children.map((child, index) =>
    `${index + 1}. **${child.repo}**: ${child.title}`
  );
  const lines = [
    formatMarker({ kind: "plan", ...input.marker }),
    "## Rollout plan (Batman)",
    "",
    input.plan.summary.trim(),
  ];
  if (input.prose.trim()) lines.push("", input.prose.trim());
  lines.push("", "### Child issues", "", ...children, "");
  lines.push(
    "<details><summary>The plan Batman files from (edit it here before approving)</summary>",
    "",
    "```json",
    JSON.stringify(input.plan, null, 2),
    "```",
    "",
    "</details>",
    "",
  );
  lines.push(
    input.requireApproval
      ? `To approve, add the label \`${LABELS.planApproved}\` or comment \`/approve\`; ` +
        "Batman then files the child issues."
      : "Approval is not required: Batman files the child issues now.",
  );
  return lines.join("\n");
}

/**
 * The comment that lists the filed children as a checklist (pure).
 *
 * @param children Each child's reference (`owner/name#n`) and title.
 * @returns Markdown.
 */
export function childrenComment(children: readonly { ref: string; title: string }[]): string {
  return [
    `Batman filed the child issues of this plan (\`${LABELS.implement}\`):`,
    "",
    ...children.map((child) => `- [ ] ${child.ref} ${child.title}`),
  ].join("\n");
}
