/**
 * The issue-claim protocol: pick, claim, race resolution, release and the
 * stale-claim sweep. GitHub labels and marker comments are the whole protocol;
 * agents never talk to each other. See docs/STATE_MACHINE.md.
 *
 * The decisions (who holds an issue, which attempt this is, which label comes
 * next, whether a claim is stale) are pure functions of the comment markers;
 * the functions that call GitHub stay thin around them. Only markers of
 * trusted authors are read (runner/claims/trust.ts): a claim, release or
 * stale release in anyone else's comment does not exist for the replay.
 *
 * @module
 */
import { AlfredError, GitHubBackoffError } from "../errors.ts";
import type { GitHubClient } from "../github/client.ts";
import { LABELS, STICKY_LABELS, TAKEN_LABELS } from "./labels.ts";
import {
  type ClaimMarker,
  formatMarker,
  type Marker,
  parseMarkers,
  type ReleaseMarker,
  type ReleaseOutcome,
  type StaleReason,
  type StaleReleaseMarker,
} from "./markers.ts";
import {
  addLabels,
  type Comment,
  createComment,
  getIssue,
  type Issue,
  type IssueRef,
  listComments,
  listIssues,
  parseRepo,
  removeLabel,
  type Repo,
  repoString,
} from "../github/rest.ts";
import type { JournalEntry, PendingTransition, TransitionJournal } from "./transitions.ts";
import type { TrustedAuthors } from "./trust.ts";

/** A claim older than this, with no release and a firing not alive, is stale. */
export const STALE_AFTER_MS = 4 * 60 * 60_000;
/** An `agent:in-flight` issue with no open claim is repaired after this quiet time. */
export const ORPHAN_GRACE_MS = 15 * 60_000;
/** The failed attempt that moves an issue to `needs:human-scope`. */
export const MAX_ATTEMPTS = 3;
/** How many pages of the queue a pick reads before giving up. */
const MAX_PICK_PAGES = 5;

// ---------------------------------------------------------------------------
// Pure decisions

/** A claim marker and the comment that carries it (comment ids give GitHub's order). */
export interface OpenClaim {
  /** The claim. */
  readonly marker: ClaimMarker;
  /** The id of the comment, increasing in the order GitHub stored them. */
  readonly commentId: number;
}

/** What the markers of one issue say, read in comment order. */
export interface ClaimState {
  /** Claims not yet released, yielded or swept, in GitHub's order; the first holds the issue. */
  readonly open: readonly OpenClaim[];
  /** The claim that holds the issue: the earliest open one. */
  readonly holder: OpenClaim | undefined;
  /** The last release or stale release that ended a holder's round. */
  readonly lastRelease: ReleaseMarker | StaleReleaseMarker | undefined;
  /** Failed attempts since the last successful release. */
  readonly failedAttempts: number;
  /** The queue label of the latest claim, if any claim was ever made. */
  readonly queue: string | undefined;
}

/**
 * Reads the markers of an issue's comments by trusted authors, ordered as
 * GitHub stored them; other authors' marker-like comments are noted in `trusted`.
 *
 * @param comments The issue's comments, in any order.
 * @param trusted The accounts whose markers count.
 * @returns Each trusted marker with the id of its comment.
 */
export function markersOf(
  comments: readonly Comment[],
  trusted: TrustedAuthors,
): { marker: Marker; commentId: number }[] {
  return [...comments]
    .sort((a, b) => a.id - b.id)
    .flatMap((comment) =>
      parseMarkers(comment, trusted).map((marker) => ({ marker, commentId: comment.id }))
    );
}

/**
 * Replays an issue's markers into its claim state.
 *
 * Rules, in comment order: a claim opens (once per firing); a race-yield closes
 * that firing's claim; a release or stale release of the holder ends the round
 * and closes every open claim (the losers of that round had to yield anyway);
 * a release of another firing closes only its own claim. Failures (release
 * `outcome=failure`, stale release of a real claim) count as attempts until a
 * release `outcome=success`.
 *
 * Order is the comment id (GitHub's order), not the marker's `ts`: a firing's
 * clock can be skewed and a claim retried after a 502 can land later than its
 * `ts` says, and only GitHub's order lets every firing reach the same verdict.
 *
 * @param entries Markers with their comment ids, e.g. from {@linkcode markersOf}.
 * @returns The claim state.
 */
export function claimState(
  entries: readonly { marker: Marker; commentId: number }[],
): ClaimState {
  let open: OpenClaim[] = [];
  const seen = new Set<string>();
  const counted = new Set<string>();
  let lastRelease: ReleaseMarker | StaleReleaseMarker | undefined;
  let failedAttempts = 0;
  let queue: string | undefined;
  const sorted = [...entries].sort((a, b) => a.commentId - b.commentId);
  for (const { marker, commentId } of sorted) {
    switch (marker.kind) {
      case "claim":
        queue = marker.queue;
        if (!seen.has(marker.firing)) open.push({ marker, commentId });
        seen.add(marker.firing);
        break;
      case "race-yield":
        open = open.filter((claim) => claim.marker.firing !== marker.firing);
        break;
      case "release":
      case "stale-release": {
        const released = marker.kind === "release" ? marker.firing : marker.released;
        if (open[0]?.marker.firing === released) {
          open = [];
          lastRelease = marker;
        } else {
          open = open.filter((claim) => claim.marker.firing !== released);
        }
        // A reply lost after the write (502, timeout) makes the retry post twice: count once.
        if (counted.has(released)) break;
        if (marker.kind === "release" && marker.outcome === "success") failedAttempts = 0;
        const failed = marker.kind === "release"
          ? marker.outcome === "failure"
          : marker.reason !== "orphan-label";
        if (failed) failedAttempts++;
        if (marker.kind === "release" || failed) counted.add(released);
        break;
      }
    }
  }
  return { open, holder: open[0], lastRelease, failedAttempts, queue };
}

/** How a firing fared in a race, from the claim state it read back. */
export type RaceVerdict =
  | { verdict: "won" }
  | { verdict: "lost"; winner: string }
  | { verdict: "missing" };

/**
 * Decides a race: the earliest open claim (by GitHub's comment order) holds the issue.
 *
 * @param state The claim state read after posting the claim.
 * @param firing This firing's id.
 * @returns `won`; `lost` with the winner's firing (or `none` when the round already
 *   ended); `missing` when this firing's claim is not in the comments yet.
 */
export function raceVerdict(
  state: ClaimState,
  firing: string,
  options: { claimed: boolean },
): RaceVerdict {
  if (state.holder?.marker.firing === firing) return { verdict: "won" };
  if (state.open.some((claim) => claim.marker.firing === firing)) {
    return { verdict: "lost", winner: state.holder!.marker.firing };
  }
  if (!options.claimed) return { verdict: "missing" };
  return { verdict: "lost", winner: state.holder?.marker.firing ?? "none" };
}

/** The label an issue moves to on release, and whether Slack must be warned. */
export interface Transition {
  /** The label the issue moves to. */
  readonly label: string;
  /** The attempt was the last one allowed: the issue now needs a human. */
  readonly escalate: boolean;
}

/**
 * Chooses the label an issue moves to when a claim is released.
 *
 * | outcome | attempt | label |
 * |---|---|---|
 * | success | any | `transitionTo` (e.g. `agent:pr-open`) |
 * | failure | < max | `transitionTo`, else the queue |
 * | failure | ≥ max | `needs:human-scope` (escalate) |
 * | aborted | any | the queue |
 *
 * @param outcome How the work ended.
 * @param options The requested label, this attempt, the maximum and the queue label.
 * @returns The label and whether to escalate.
 */
export function releaseTransition(
  outcome: ReleaseOutcome,
  options: { transitionTo?: string; attempt: number; maxAttempts?: number; queue: string },
): Transition {
  const { transitionTo, attempt, maxAttempts = MAX_ATTEMPTS, queue } = options;
  if (outcome === "success") return { label: transitionTo ?? LABELS.prOpen, escalate: false };
  if (outcome === "aborted") return { label: queue, escalate: false };
  if (attempt >= maxAttempts) return { label: LABELS.needsHumanScope, escalate: true };
  return { label: transitionTo ?? queue, escalate: false };
}

/** What the sweep does with one in-flight issue. */
export type SweepVerdict =
  | { action: "keep"; why: string }
  /** The last release is posted but its labels were not all moved: move them now. */
  | { action: "finish"; label: string }
  | {
    action: "release";
    reason: StaleReason;
    /** The firing whose claim is released, or `none`. */
    released: string;
    transition: Transition;
    attempt: number;
  };

/** Inputs of {@linkcode sweepVerdict}. */
export interface SweepInput {
  /** The claim state of the issue. */
  readonly state: ClaimState;
  /** The issue's `updated_at`. */
  readonly updatedAt: Date;
  /** The clock. */
  readonly now: Date;
  /** This host's name: its own dead firings are released at once. */
  readonly host: string;
  /** Whether the holder's firing still runs (the caller knows its own host's firings). */
  readonly alive: boolean;
  /** The issue's label names (without them, no move is finished before the grace period). */
  readonly labels?: readonly string[];
  /** Default {@linkcode STALE_AFTER_MS}. */
  readonly staleAfterMs?: number;
  /** Default {@linkcode ORPHAN_GRACE_MS}. */
  readonly orphanGraceMs?: number;
  /** Default {@linkcode MAX_ATTEMPTS}. */
  readonly maxAttempts?: number;
}

/**
 * Decides whether the sweep releases an `agent:in-flight` issue.
 *
 * - A holder whose firing is alive is kept.
 * - A holder from this host whose firing is dead is released at once (`dead-firing`).
 * - A holder from elsewhere is released once its claim is older than
 *   `staleAfterMs` and its firing is not alive (`expired`).
 * - No holder, and the round ended with a release whose label move is not
 *   finished: the move is finished at once, with no grace and no new comment
 *   (`finish`; see {@linkcode unfinishedMove}).
 * - No holder and no release to finish (labels left behind by a crash between
 *   the in-flight label and the claim comment) is repaired after `orphanGraceMs`
 *   of quiet (`orphan-label`): back to the queue when the issue still carries
 *   it, else to the last release's label, else the queue.
 *
 * Releasing a holder counts as a failed attempt.
 *
 * @param input The state, labels, times, host and liveness.
 * @returns `keep` with why, `finish` with the label, or `release` with the reason and transition.
 */
export function sweepVerdict(input: SweepInput): SweepVerdict {
  const {
    state,
    now,
    host,
    alive,
    staleAfterMs = STALE_AFTER_MS,
    orphanGraceMs = ORPHAN_GRACE_MS,
    maxAttempts = MAX_ATTEMPTS,
  } = input;
  const queue = state.queue ?? LABELS.implement;
  const holder = state.holder;
  if (!holder) {
    const labels = input.labels ?? [LABELS.inFlight, queue];
    const finish = unfinishedMove(state, labels, { claimAttempt: false });
    if (finish) return { action: "finish", label: finish };
    const quietMs = now.getTime() - input.updatedAt.getTime();
    if (quietMs < orphanGraceMs) return { action: "keep", why: "no claim yet; within grace" };
    const label = input.labels?.includes(queue) ? queue : state.lastRelease?.transition ?? queue;
    return {
      action: "release",
      reason: "orphan-label",
      released: "none",
      transition: { label, escalate: false },
      attempt: state.failedAttempts + 1,
    };
  }
  if (alive) return { action: "keep", why: `firing ${holder.marker.firing} is alive` };
  const attempt = state.failedAttempts + 1;
  const transition = releaseTransition("failure", {
    attempt,
    maxAttempts,
    queue: holder.marker.queue,
  });
  if (holder.marker.host === host) {
    return {
      action: "release",
      reason: "dead-firing",
      released: holder.marker.firing,
      transition,
      attempt,
    };
  }
  const ageMs = now.getTime() - Date.parse(holder.marker.ts);
  if (ageMs < staleAfterMs) {
    return { action: "keep", why: "claim from another host, not yet stale" };
  }
  return {
    action: "release",
    reason: "expired",
    released: holder.marker.firing,
    transition,
    attempt,
  };
}

/**
 * The label move an issue still owes, if any (pure): the label it must move
 * to, or `undefined` when nothing is left to finish now.
 *
 * A release (or stale release) ends the work: when no claim is open and the
 * issue still carries `agent:in-flight`, the move the release names is
 * finished at once. One case waits instead: the issue carries its queue label
 * while the release led elsewhere (a human queued it again), because a claim
 * may be between its in-flight label and its comment; the sweep's orphan
 * grace covers that. A claim attempt of the caller's own that never posted
 * its comment (`claimAttempt`) goes back to the queue at once.
 *
 * @param state The claim state.
 * @param labels The issue's label names.
 * @param options `claimAttempt`: the caller is completing its own unfinished claim.
 * @returns The label to move to, or `undefined`.
 */
export function unfinishedMove(
  state: ClaimState,
  labels: readonly string[],
  options: { claimAttempt: boolean; queue?: string },
): string | undefined {
  if (state.holder || !labels.includes(LABELS.inFlight)) return undefined;
  const queue = state.queue ?? options.queue ?? LABELS.implement;
  const last = state.lastRelease;
  if (last && (!labels.includes(queue) || last.transition === queue)) return last.transition;
  if (options.claimAttempt) return queue;
  return undefined;
}

/**
 * Whether an issue may be picked from `queue`: it carries the queue label, no
 * sticky label, and no label saying it is taken.
 *
 * @param labels The issue's label names.
 * @param queue The agent's queue label.
 * @returns Whether it may be picked.
 */
export function isPickable(labels: readonly string[], queue: string): boolean {
  return labels.includes(queue) &&
    !labels.some((label) => STICKY_LABELS.includes(label) || TAKEN_LABELS.includes(label));
}

/** Whether a label, found on an issue being claimed, lets the claim go on. */
function allowsClaim(label: string): boolean {
  return !STICKY_LABELS.includes(label) && label !== LABELS.prOpen && label !== LABELS.done;
}

// ---------------------------------------------------------------------------
// Calls to GitHub

/** Who is claiming: the firing's identity. */
export interface Claimant {
  /** The agent's codename. */
  readonly codename: string;
  /** The firing id, e.g. `20261127T091500123Z-a1b2c3`. */
  readonly firing: string;
  /** This host's name. */
  readonly host: string;
}

/** A claim this firing holds; needed to release it. */
export interface ClaimTicket extends Claimant {
  /** The issue. */
  readonly issue: IssueRef;
  /** The queue label it was taken from. */
  readonly queue: string;
  /** When the claim was made (ISO). */
  readonly ts: string;
  /** The accounts whose markers count when the release reads the issue again. */
  readonly trusted: TrustedAuthors;
}

/** The result of {@linkcode claimIssue}. */
export type ClaimResult =
  | { status: "claimed"; ticket: ClaimTicket }
  | { status: "yielded"; winner: string };

/** A claim could not complete; it was undone or will be repaired by the sweep. */
export class ClaimError extends AlfredError {
  /**
   * Creates a {@linkcode ClaimError}.
   *
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {
      hint:
        "Nothing to do: the issue was not taken, or the next firing's sweep repairs its labels.",
      cause: options.cause,
    });
    this.name = "ClaimError";
  }
}

/** Options of {@linkcode pickIssue}. */
export interface PickOptions {
  /** The agent's queue label, e.g. `agent:implement`. */
  queue: string;
  /** Paused repositories as `owner/name` (from `alfred pause --repo`). */
  pausedRepos?: readonly string[];
}

/**
 * Picks the oldest open issue of the queue that may be worked on.
 * When nothing changed since the last poll this is one request answered 304.
 * A paused repository costs no request.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options The queue label and the paused repositories.
 * @returns The issue, or `undefined` when there is nothing to do.
 * @throws {GitHubApiError} when the request fails after retries.
 */
export async function pickIssue(
  client: GitHubClient,
  repo: Repo,
  options: PickOptions,
): Promise<Issue | undefined> {
  if (options.pausedRepos?.includes(repoString(repo))) return undefined;
  for (let page = 1; page <= MAX_PICK_PAGES; page++) {
    const { issues, more } = await listIssues(client, repo, { labels: [options.queue], page });
    const found = issues.find((issue) => isPickable(issue.labels, options.queue));
    if (found) return found;
    if (!more) return undefined;
  }
  return undefined;
}

/** Options of {@linkcode claimIssue}. */
export interface ClaimOptions extends Claimant {
  /** The queue label the issue is taken from. */
  queue: string;
  /** The clock. */
  now: () => Date;
  /** The accounts whose markers count (runner/claims/trust.ts). */
  trusted: TrustedAuthors;
  /**
   * Where the claim is written down before its first write, so that the next
   * firing can finish it if this one cannot (runner/claims/transitions.ts).
   */
  journal?: TransitionJournal;
}

/**
 * Claims an issue: adds `agent:in-flight`, posts the claim comment, removes the
 * queue label, then reads the comments back. When an earlier open claim exists
 * this firing yields (posts a race-yield comment, leaves the labels alone).
 *
 * @param client The GitHub client.
 * @param issue The issue (from {@linkcode pickIssue}).
 * @param options Who claims, from which queue, the clock, whose markers count and the journal.
 * @returns `claimed` with the ticket to release later, or `yielded`.
 * @throws {ClaimError} when a request failed: the claim was withdrawn where
 *   possible, and the journal's entry lets the next firing finish the rest.
 * @throws {GitHubBackoffError} when GitHub's rate limit stopped it: nothing more
 *   is sent, and the journal's entry lets the next firing finish it.
 */
export async function claimIssue(
  client: GitHubClient,
  issue: IssueRef,
  options: ClaimOptions,
): Promise<ClaimResult> {
  const { codename, firing, host, queue, now, trusted } = options;
  const ticket: ClaimTicket = {
    issue,
    codename,
    firing,
    host,
    queue,
    ts: now().toISOString(),
    trusted,
  };
  const entry = await begin(options.journal, pendingOf("claim", ticket, now));
  let commented = false;
  let result: ClaimResult;
  try {
    result = await claimSteps(client, ticket, { now, setCommented: () => commented = true });
  } catch (error) {
    // A rate-limit stop sends nothing more: the journal's entry is how the next firing finishes.
    if (error instanceof GitHubBackoffError) throw error;
    const withdrawn = commented ? await withdrawClaim(client, ticket, now) : "nothing to withdraw";
    // Crossed out only when fully withdrawn; else the next firing finishes the withdrawal.
    if (withdrawn.startsWith("claim withdrawn")) await entry?.done();
    throw new ClaimError(
      `claiming ${repoString(issue.repo)}#${issue.number} failed (${withdrawn}): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  await entry?.done();
  return result;
}

/** The writes and reads of a claim, in order (see {@linkcode claimIssue}). */
async function claimSteps(
  client: GitHubClient,
  ticket: ClaimTicket,
  options: { now: () => Date; setCommented: () => void },
): Promise<ClaimResult> {
  const { issue, codename, firing, host, queue } = ticket;
  const { now } = options;
  const labels = await addLabels(client, issue, [LABELS.inFlight]);
  if (labels.some((label) => label !== LABELS.inFlight && !allowsClaim(label))) {
    // Finished or made sticky since the pick (a slow firing): take the in-flight label back.
    await removeLabel(client, issue, LABELS.inFlight);
    return { status: "yielded", winner: "none" };
  }
  options.setCommented(); // from here a claim comment may exist even if the POST seems to fail
  const claim = formatMarker({ kind: "claim", codename, firing, ts: ticket.ts, host, queue });
  await createComment(
    client,
    issue,
    `${claim}\n${title(codename)} (firing \`${firing}\` on \`${host}\`) is working on this issue.`,
  );
  const left = await removeLabel(client, issue, queue);
  let verdict = raceVerdict(await readState(client, issue, ticket.trusted), firing, {
    claimed: false,
  });
  if (verdict.verdict === "missing") {
    // GitHub did not show our comment yet: read once more before deciding.
    verdict = raceVerdict(await readState(client, issue, ticket.trusted), firing, {
      claimed: true,
    });
  }
  if (verdict.verdict === "won") {
    // A sweep that finished an earlier release between our label and our comment
    // took `agent:in-flight` away: the holder puts it back, so sweeps still see the claim.
    if (left && !left.includes(LABELS.inFlight)) await addLabels(client, issue, [LABELS.inFlight]);
    return { status: "claimed", ticket };
  }
  const winner = verdict.verdict === "lost" ? verdict.winner : "none";
  await postRaceYield(client, ticket, { winner, now });
  return { status: "yielded", winner };
}

async function postRaceYield(
  client: GitHubClient,
  ticket: ClaimTicket,
  options: { winner: string; now: () => Date },
): Promise<void> {
  const { codename, firing, host } = ticket;
  const marker = formatMarker({
    kind: "race-yield",
    codename,
    firing,
    ts: options.now().toISOString(),
    host,
    winner: options.winner,
  });
  await createComment(
    client,
    ticket.issue,
    `${marker}\n${title(codename)} yields: firing \`${options.winner}\` claimed this issue first.`,
  );
}

/** The `release` marker of a claim ticket. */
function releaseMarker(
  ticket: ClaimTicket,
  release: {
    at: Date;
    outcome: ReleaseMarker["outcome"];
    transition: string;
    attempt: number;
    pr?: string;
  },
): string {
  return formatMarker({
    kind: "release",
    codename: ticket.codename,
    firing: ticket.firing,
    ts: release.at.toISOString(),
    host: ticket.host,
    outcome: release.outcome,
    transition: release.transition,
    attempt: release.attempt,
    pr: release.pr,
  });
}

/** Best effort after a failed claim: an `aborted` release, and labels back if nobody holds it. */
async function withdrawClaim(
  client: GitHubClient,
  ticket: ClaimTicket,
  now: () => Date,
): Promise<string> {
  try {
    const marker = releaseMarker(ticket, {
      at: now(),
      outcome: "aborted",
      transition: ticket.queue,
      attempt: 1,
    });
    await createComment(
      client,
      ticket.issue,
      `${marker}\n${title(ticket.codename)} could not complete its claim and withdrew it.`,
    );
    const state = await readState(client, ticket.issue, ticket.trusted);
    if (state.holder) return "claim withdrawn; another firing holds the issue";
    await addLabels(client, ticket.issue, [ticket.queue]);
    await removeLabel(client, ticket.issue, LABELS.inFlight);
    return "claim withdrawn and labels restored";
  } catch (error) {
    if (error instanceof AlfredError) {
      return `withdrawing failed too (${error.message}); the next firing finishes it`;
    }
    throw error;
  }
}

/** Options of {@linkcode pickAndClaim}. */
export interface PickAndClaimOptions extends ClaimOptions {
  /** Paused repositories as `owner/name`. */
  pausedRepos?: readonly string[];
  /** How many issues to try when races are lost. Default 3. */
  maxTries?: number;
  /**
   * The issue {@linkcode pickIssue} just returned: the first try claims it
   * without listing the queue again (the claim re-checks its labels anyway).
   */
  picked?: Issue;
}

/**
 * Picks and claims the oldest pickable issue, trying the next one when a race is lost.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options Who claims, the queue, paused repositories and the clock.
 * @returns The ticket, or `undefined` when there is nothing to do.
 * @throws {ClaimError} when a claim failed half-way.
 * @throws {GitHubApiError} when the pick failed.
 */
export async function pickAndClaim(
  client: GitHubClient,
  repo: Repo,
  options: PickAndClaimOptions,
): Promise<ClaimTicket | undefined> {
  const { maxTries = 3 } = options;
  for (let tries = 0; tries < maxTries; tries++) {
    const issue = tries === 0 && options.picked
      ? options.picked
      : await pickIssue(client, repo, options);
    if (!issue) return undefined;
    const result = await claimIssue(client, { repo, number: issue.number }, options);
    if (result.status === "claimed") return result.ticket;
  }
  return undefined;
}

/** Options of {@linkcode releaseClaim}. */
export interface ReleaseOptions {
  /** How the work ended. */
  outcome: ReleaseOutcome;
  /** The label to move to (e.g. `agent:pr-open`); failures default to the queue. */
  transitionTo?: string;
  /** The pull request opened, if any. */
  prUrl?: string;
  /** The clock. */
  now: () => Date;
  /** Default {@linkcode MAX_ATTEMPTS}. */
  maxAttempts?: number;
  /** Where the release is written down before its first write (see {@linkcode ClaimOptions.journal}). */
  journal?: TransitionJournal;
}

/** What {@linkcode releaseClaim} did. */
export interface ReleaseResult {
  /** The label the issue moved to. */
  label: string;
  /** Which attempt this was. */
  attempt: number;
  /** The issue moved to `needs:human-scope`: warn the operator on Slack. */
  escalate: boolean;
}

/**
 * Releases a claim: posts the release comment, then moves the labels. A failure
 * goes back to the queue, and the third failed attempt to `needs:human-scope`.
 *
 * @param client The GitHub client.
 * @param ticket The claim from {@linkcode claimIssue}.
 * @param options Outcome, target label, pull request, clock and journal.
 * @returns The label, the attempt and whether to escalate.
 * @throws {GitHubApiError} when a request failed after retries (a
 *   {@linkcode GitHubBackoffError} when a rate limit stopped it); the journal's
 *   entry lets the next firing on this host finish the release as intended.
 */
export async function releaseClaim(
  client: GitHubClient,
  ticket: ClaimTicket,
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  const entry = await begin(options.journal, {
    ...pendingOf("release", ticket, options.now),
    outcome: options.outcome,
    ...(options.transitionTo ? { transition_to: options.transitionTo } : {}),
    ...(options.prUrl ? { pr: options.prUrl } : {}),
    ...(options.maxAttempts ? { max_attempts: options.maxAttempts } : {}),
  });
  const state = await readState(client, ticket.issue, ticket.trusted);
  const result = await postRelease(client, ticket, { ...options, state });
  await moveLabels(client, ticket.issue, result.label, ticket.queue);
  await entry?.done();
  return result;
}

/** Posts the release comment of a claim, its attempt counted from `state`. */
async function postRelease(
  client: GitHubClient,
  ticket: ClaimTicket,
  options: Omit<ReleaseOptions, "journal"> & { state: ClaimState },
): Promise<ReleaseResult> {
  const { outcome, prUrl, now, maxAttempts, state } = options;
  const attempt = state.failedAttempts + 1;
  const transition = releaseTransition(outcome, {
    transitionTo: options.transitionTo,
    attempt,
    maxAttempts,
    queue: ticket.queue,
  });
  const marker = releaseMarker(ticket, {
    at: now(),
    outcome,
    transition: transition.label,
    attempt,
    pr: prUrl,
  });
  await createComment(
    client,
    ticket.issue,
    `${marker}\n${releaseSentence(ticket.codename, outcome, transition, { attempt, prUrl })}`,
  );
  return { label: transition.label, attempt, escalate: transition.escalate };
}

/** Options of {@linkcode sweepStaleClaims}. */
export interface SweepOptions extends Claimant {
  /** The clock. */
  now: () => Date;
  /** Whether the firing of a claim still runs. For other hosts, answer `false` unless known. */
  isFiringAlive: (claim: ClaimMarker) => boolean | Promise<boolean>;
  /** Default {@linkcode STALE_AFTER_MS}. */
  staleAfterMs?: number;
  /** Default {@linkcode ORPHAN_GRACE_MS}. */
  orphanGraceMs?: number;
  /** Default {@linkcode MAX_ATTEMPTS}. */
  maxAttempts?: number;
  /** Where each release is written down before its first write (see {@linkcode ClaimOptions.journal}). */
  journal?: TransitionJournal;
  /** The accounts whose markers count; asked only when an issue is in flight. */
  trusted: () => Promise<TrustedAuthors>;
}

/** One issue the sweep released, or whose unfinished release it finished. */
export interface SweptIssue {
  /** The issue number. */
  number: number;
  /** Why: a stale-release reason, or `unfinished-release` (labels moved, no comment). */
  reason: StaleReason | "unfinished-release";
  /** The firing released, or `none`. */
  released: string;
  /** The label it moved to. */
  label: string;
  /** It moved to `needs:human-scope`: warn the operator. */
  escalate: boolean;
}

/**
 * Releases stale claims in one repository. One conditional request lists the
 * `agent:in-flight` issues, so with nothing in flight it costs no rate limit.
 *
 * @param client The GitHub client.
 * @param repo The repository.
 * @param options Who sweeps, the clock, liveness and thresholds.
 * @returns The issues released (empty when nothing was stale).
 * @throws {GitHubApiError} when a request fails after retries.
 */
export async function sweepStaleClaims(
  client: GitHubClient,
  repo: Repo,
  options: SweepOptions,
): Promise<SweptIssue[]> {
  const { codename, firing, host, now } = options;
  const swept: SweptIssue[] = [];
  const { issues } = await listIssues(client, repo, { labels: [LABELS.inFlight] });
  for (const issue of issues) {
    const ref = { repo, number: issue.number };
    const trusted = await options.trusted();
    const state = await readState(client, ref, trusted);
    const alive = state.holder ? await options.isFiringAlive(state.holder.marker) : false;
    const verdict = sweepVerdict({
      state,
      labels: issue.labels,
      updatedAt: new Date(issue.updated_at),
      now: now(),
      host,
      alive,
      staleAfterMs: options.staleAfterMs,
      orphanGraceMs: options.orphanGraceMs,
      maxAttempts: options.maxAttempts,
    });
    if (verdict.action === "keep") continue;
    const queue = state.holder?.marker.queue ?? state.queue ?? LABELS.implement;
    const ticket: ClaimTicket = {
      issue: ref,
      codename,
      firing,
      host,
      queue,
      ts: state.holder?.marker.ts ?? now().toISOString(),
      trusted,
    };
    if (verdict.action === "finish") {
      const entry = await begin(options.journal, pendingOf("finish", ticket, now));
      await moveLabels(client, ref, verdict.label, queue);
      await entry?.done();
      swept.push({
        number: issue.number,
        reason: "unfinished-release",
        released: state.lastRelease?.kind === "stale-release"
          ? state.lastRelease.released
          : state.lastRelease?.firing ?? "none",
        label: verdict.label,
        escalate: false,
      });
      continue;
    }
    const marker = formatMarker({
      kind: "stale-release",
      codename,
      firing,
      ts: now().toISOString(),
      host,
      released: verdict.released,
      reason: verdict.reason,
      transition: verdict.transition.label,
      attempt: verdict.attempt,
    });
    const comment = `${marker}\n${staleSentence(verdict)}`;
    const entry = await begin(options.journal, {
      ...pendingOf("stale-release", ticket, now),
      released: verdict.released,
      comment,
    });
    await createComment(client, ref, comment);
    await moveLabels(client, ref, verdict.transition.label, queue);
    await entry?.done();
    swept.push({
      number: issue.number,
      reason: verdict.reason,
      released: verdict.released,
      label: verdict.transition.label,
      escalate: verdict.transition.escalate,
    });
  }
  return swept;
}

// ---------------------------------------------------------------------------
// Completing a transition another firing left half-done

/** Options of {@linkcode completeTransition}. */
export interface CompleteOptions {
  /** The clock. */
  now: () => Date;
  /** The accounts whose markers count. */
  trusted: TrustedAuthors;
}

/** What {@linkcode completeTransition} did. */
export interface Completion {
  /** The comment posted to finish it (`none` when the comment was already there or not due). */
  posted: "none" | "release" | "race-yield" | "stale-release";
  /** The label the issue was moved to, when a move was finished. */
  moved?: string;
}

/**
 * Completes a transition that a firing began and did not see end (from the
 * journal): posts its comment if the claim it ends is still open, then
 * finishes the label move the last release names ({@linkcode unfinishedMove}).
 * Safe to run on a transition that did end, and twice: every step first reads
 * where the issue stands.
 *
 * - `claim`: our claim still open and holding → a `release outcome=aborted`
 *   (not an attempt); open behind another → a `race-yield`; never posted → the
 *   in-flight label our attempt added goes, the queue comes back.
 * - `release`: our claim still open → the release as intended (its attempt
 *   counted now), then its labels.
 * - `stale-release`: the released claim still holds the issue (or, for an
 *   orphan, nobody does) → the sweep's comment, then its labels.
 * - `finish`: the labels only.
 *
 * @param client The GitHub client.
 * @param pending The transition.
 * @param options The clock, and the accounts whose markers count.
 * @returns What was posted and moved.
 * @throws {GitHubApiError} when a request fails after retries; the transition stays pending.
 */
export async function completeTransition(
  client: GitHubClient,
  pending: PendingTransition,
  options: CompleteOptions,
): Promise<Completion> {
  const { now, trusted } = options;
  const issue: IssueRef = { repo: parseRepo(pending.repo), number: pending.issue };
  const ticket: ClaimTicket = {
    issue,
    codename: pending.codename,
    firing: pending.firing,
    host: pending.host,
    queue: pending.queue,
    ts: pending.claim_ts,
    trusted,
  };
  let state = await readState(client, issue, trusted);
  const open = state.open.some((claim) => claim.marker.firing === pending.firing);
  let posted: Completion["posted"] = "none";
  switch (pending.kind) {
    case "claim":
      if (open && state.holder?.marker.firing === pending.firing) {
        await postRelease(client, ticket, { outcome: "aborted", now, state });
        posted = "release";
      } else if (open) {
        await postRaceYield(client, ticket, { winner: state.holder!.marker.firing, now });
        posted = "race-yield";
      }
      break;
    case "release":
      if (open) {
        await postRelease(client, ticket, {
          outcome: pending.outcome,
          transitionTo: pending.transition_to,
          prUrl: pending.pr,
          maxAttempts: pending.max_attempts,
          now,
          state,
        });
        posted = "release";
      }
      break;
    case "stale-release": {
      const due = pending.released === "none"
        ? !state.holder
        : state.holder?.marker.firing === pending.released;
      if (due) {
        await createComment(client, issue, pending.comment);
        posted = "stale-release";
      }
      break;
    }
    case "finish":
      break;
  }
  if (posted !== "none") state = await readState(client, issue, trusted);
  const { labels } = await getIssue(client, issue);
  const target = unfinishedMove(state, labels, {
    claimAttempt: pending.kind === "claim",
    queue: pending.queue,
  });
  if (!target) return { posted };
  await moveLabels(client, issue, target, state.queue ?? pending.queue);
  return { posted, moved: target };
}

/** The common fields of a pending transition of `ticket`. */
function pendingOf<K extends PendingTransition["kind"]>(
  kind: K,
  ticket: ClaimTicket,
  now: () => Date,
) {
  return {
    version: 1 as const,
    kind,
    repo: repoString(ticket.issue.repo),
    issue: ticket.issue.number,
    codename: ticket.codename,
    firing: ticket.firing,
    host: ticket.host,
    queue: ticket.queue,
    claim_ts: ticket.ts,
    started_at: now().toISOString(),
  };
}

function begin(
  journal: TransitionJournal | undefined,
  pending: PendingTransition,
): Promise<JournalEntry | undefined> {
  return journal ? journal.begin(pending) : Promise.resolve(undefined);
}

async function readState(
  client: GitHubClient,
  issue: IssueRef,
  trusted: TrustedAuthors,
): Promise<ClaimState> {
  return claimState(markersOf(await listComments(client, issue), trusted));
}

/**
 * Adds the target label, then removes `agent:in-flight` and (unless it is the
 * target) the queue. The add replies with the issue's labels, so a removal of
 * a label the issue does not carry (a 404, e.g. the queue label the claim
 * already removed) is not sent.
 */
async function moveLabels(
  client: GitHubClient,
  issue: IssueRef,
  target: string,
  queue: string,
): Promise<void> {
  const labels = await addLabels(client, issue, [target]);
  for (const label of [LABELS.inFlight, queue]) {
    if (label !== target && labels.includes(label)) await removeLabel(client, issue, label);
  }
}

function title(codename: string): string {
  return codename.charAt(0).toUpperCase() + codename.slice(1);
}

function releaseSentence(
  codename: string,
  outcome: ReleaseOutcome,
  transition: Transition,
  options: { attempt: number; prUrl?: string },
): string {
  const who = title(codename);
  if (outcome === "success") {
    return `${who} finished${
      options.prUrl ? `: ${options.prUrl}` : ""
    } (now \`${transition.label}\`).`;
  }
  if (outcome === "aborted") return `${who} gave the issue back to \`${transition.label}\`.`;
  if (transition.escalate) {
    return `${who} failed attempt ${options.attempt}; this issue needs a human to rescope it (\`${transition.label}\`).`;
  }
  return `${who} failed attempt ${options.attempt}; the issue goes back to \`${transition.label}\`.`;
}

function staleSentence(verdict: Extract<SweepVerdict, { action: "release" }>): string {
  const why = {
    "dead-firing": `firing \`${verdict.released}\` died on this host`,
    "expired": `the claim by firing \`${verdict.released}\` went stale`,
    "orphan-label": "it was marked in flight with no open claim",
  }[verdict.reason];
  return `Alfred released this issue because ${why}; it moves to \`${verdict.transition.label}\`.`;
}
