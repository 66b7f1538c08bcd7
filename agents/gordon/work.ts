/**
 * Gordon's work: one health check of staging.
 *
 * 1. **deployed**: for each ECS service in `agents.gordon.ecs`, the primary
 *    deployment's task definition and its container images
 *    (`aws ecs describe-services`, `describe-task-definition`, with
 *    `ALFRED_GORDON_AWS_PROFILE` for that subprocess only). The commit is the
 *    hex SHA (7 to 40 digits) in the image tag, e.g. `web:3f9a1c2` or
 *    `web:sha-3f9a1c2…`.
 * 2. **main**: `origin/<base>` of the first repo Gordon serves, fetched into
 *    its checkout (read only); the commits staging lacks and when the oldest
 *    of them was made.
 * 3. **errors** (optional, `agents.gordon.sentry`): the top unresolved error
 *    groups of the last 24 h from Sentry's HTTP API, token from
 *    `ALFRED_SENTRY_TOKEN`.
 * 4. One Slack summary when something is off: staging behind main for longer
 *    than `drift_minutes` (`[GORDON-DRIFT]`), staging on a commit main does
 *    not have or an image without a commit (`[GORDON-UNKNOWN]`), or more than
 *    `sentry.error_threshold` events in the top groups (`[GORDON-ERRORS]`).
 *    Otherwise `[SILENT]`, no post.
 *
 * Gordon runs no engine: every verdict is a comparison of facts, which a
 * pure function makes exactly and for free.
 *
 * @module
 */
import { z } from "zod";
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { SentrySettings } from "../../runner/config/config.ts";
import type { ServiceImages } from "./aws_cli.ts";
import type { Notice } from "../../runner/firing/notify.ts";
import { checkedStep } from "../../runner/firing/steps.ts";
import { fetchRepoBase, firstRepoOf } from "../../runner/git/read_only.ts";
import { describeServiceImages } from "./aws_cli.ts";
import { git } from "../../runner/git/worktree.ts";
import { AlfredError } from "../../runner/errors.ts";

/** The codename. */
const CODENAME = "gordon";
/** Gordon's own sentinels. */
export const GORDON_SENTINELS = {
  drift: "GORDON-DRIFT",
  unknown: "GORDON-UNKNOWN",
  errors: "GORDON-ERRORS",
  notConfigured: "GORDON-NOT-CONFIGURED",
} as const;
/** How long one Sentry request may take. */
export const SENTRY_TIMEOUT_MS = 15_000;

/** Options of {@linkcode work}. */
export interface GordonOptions {
  /** The parent environment of the AWS CLI. Default `Deno.env.toObject()`. */
  parentEnv?: () => Record<string, string>;
  /** The fetch used for Sentry. Default the global one. */
  fetch?: typeof fetch;
}

/**
 * One Gordon firing's work (what agents/gordon/mod.ts loads after the guard).
 *
 * @param context The firing.
 * @param options The AWS CLI's parent environment, and the fetch for Sentry.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: GordonOptions = {},
): Promise<WorkResult> {
  return await checkHealth(context, {
    parentEnv: options.parentEnv ?? (() => Deno.env.toObject()),
    fetch: options.fetch ?? fetch,
  });
}

/**
 * The commit an image names in its tag, if any (pure).
 *
 * @example Usage
 * ```ts
 * import { commitOfImage } from "./work.ts";
 * commitOfImage("1.dkr.ecr.eu-west-1.amazonaws.com/web:sha-3f9a1c2"); // "3f9a1c2"
 * commitOfImage("registry:5000/web:latest"); // undefined
 * ```
 *
 * @param image A container image reference.
 * @returns The hex SHA (7 to 40 digits) in the tag, lower-cased: a candidate, which
 *   git then looks up (a date tag such as `20240101` is not a commit of main).
 */
export function commitOfImage(image: string): string | undefined {
  const name = image.split("@")[0];
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return undefined;
  const tag = lastSegment.slice(colon + 1).toLowerCase();
  return /(?:^|[^0-9a-f])([0-9a-f]{7,40})(?:$|[^0-9a-f])/.exec(tag)?.[1];
}

/** Where one service stands against main. */
export type DriftVerdict =
  | { kind: "current"; service: string; commit: string }
  | { kind: "deploying"; service: string; commit: string; behind: number; minutes: number }
  | { kind: "behind"; service: string; commit: string; behind: number; minutes: number }
  | { kind: "unknown"; service: string; reason: string };

/** What git says about a deployed commit. */
export interface CommitFacts {
  /** The deployed commit, when the image names one. */
  deployed?: string;
  /** Whether main contains it. */
  onMain: boolean;
  /** Commits on main that staging lacks. */
  behind: number;
  /** When the oldest of them was committed. */
  oldestMissingAt?: Date;
}

/**
 * Judges one service (pure).
 *
 * | image commit | on main | behind | oldest missing commit | verdict |
 * |---|---|---|---|---|
 * | none | - | - | - | unknown |
 * | yes | no | - | - | unknown |
 * | yes | yes | 0 | - | current |
 * | yes | yes | > 0 | younger than threshold | deploying |
 * | yes | yes | > 0 | older than threshold | behind |
 *
 * @param service The service's name.
 * @param facts The commit facts.
 * @param options The clock and the threshold in minutes.
 * @returns The verdict.
 */
export function driftVerdict(
  service: string,
  facts: CommitFacts,
  options: { now: Date; thresholdMinutes: number },
): DriftVerdict {
  if (!facts.deployed) {
    return { kind: "unknown", service, reason: "no image tag names a commit" };
  }
  const commit = facts.deployed;
  if (!facts.onMain) {
    return { kind: "unknown", service, reason: `runs ${commit}, which main does not contain` };
  }
  if (facts.behind === 0) return { kind: "current", service, commit };
  const since = facts.oldestMissingAt ?? options.now;
  const minutes = Math.max(0, Math.floor((options.now.getTime() - since.getTime()) / 60_000));
  return {
    kind: minutes > options.thresholdMinutes ? "behind" : "deploying",
    service,
    commit,
    behind: facts.behind,
    minutes,
  };
}

/** One Sentry error group. */
export interface ErrorGroup {
  /** e.g. `WEB-1A`. */
  shortId: string;
  /** The error's title. */
  title: string;
  /** Events in the last 24 h. */
  events: number;
  /** Users affected (lifetime). */
  users: number;
  /** Link to the group. */
  permalink?: string;
}

const SentryIssues = z.array(z.object({
  shortId: z.string(),
  title: z.string(),
  count: z.union([z.string(), z.number()]).transform(Number),
  userCount: z.number().default(0),
  permalink: z.string().optional(),
  stats: z.object({ "24h": z.array(z.tuple([z.number(), z.number()])).optional() }).optional(),
}));

/**
 * The top error groups of a Sentry reply (pure): events of the last 24 h
 * (from `stats.24h`, else the lifetime `count`), most first.
 *
 * @param reply The JSON of `GET /api/0/projects/<org>/<project>/issues/`.
 * @param top How many to keep.
 * @returns The groups.
 * @throws {z.ZodError} when the reply is not a list of issues.
 */
export function topErrorGroups(reply: unknown, top: number): ErrorGroup[] {
  return SentryIssues.parse(reply)
    .map((issue) => ({
      shortId: issue.shortId,
      title: issue.title,
      events: issue.stats?.["24h"]
        ? issue.stats["24h"].reduce((sum, [, n]) => sum + n, 0)
        : issue.count,
      users: issue.userCount,
      ...(issue.permalink ? { permalink: issue.permalink } : {}),
    }))
    .sort((a, b) => b.events - a.events)
    .slice(0, top);
}

/** Everything one check found. */
export interface HealthFindings {
  /** One verdict per service. */
  drift: DriftVerdict[];
  /** Sentry's top groups, when configured. */
  errors?: { groups: ErrorGroup[]; threshold: number; url: string };
  /** The base branch's head. */
  head: { branch: string; commit: string };
  /** The drift threshold. */
  thresholdMinutes: number;
}

/**
 * The sentinels of what is off, in order (pure); empty when all is well.
 *
 * @param findings The check's findings.
 * @returns Sentinel names.
 */
export function problemsOf(findings: HealthFindings): string[] {
  const problems: string[] = [];
  if (findings.drift.some((v) => v.kind === "behind")) problems.push(GORDON_SENTINELS.drift);
  if (findings.drift.some((v) => v.kind === "unknown")) problems.push(GORDON_SENTINELS.unknown);
  const errors = findings.errors;
  if (errors && errors.groups.reduce((sum, g) => sum + g.events, 0) > errors.threshold) {
    problems.push(GORDON_SENTINELS.errors);
  }
  return problems;
}

/**
 * The one Slack summary (pure).
 *
 * @param findings The check's findings.
 * @param problems The sentinels from {@linkcode problemsOf} (not empty).
 * @returns The notice.
 */
export function healthNotice(findings: HealthFindings, problems: string[]): Notice {
  const lines = [`Problems: ${problems.map((p) => `[${p}]`).join(" ")}`];
  const short = (sha: string) => sha.slice(0, 7);
  lines.push(`*Staging vs ${findings.head.branch}* (${short(findings.head.commit)}):`);
  for (const v of findings.drift) {
    if (v.kind === "current") lines.push(`• ${v.service}: current (${short(v.commit)})`);
    else if (v.kind === "unknown") lines.push(`• ${v.service}: cannot tell: ${v.reason}`);
    else {
      lines.push(
        `• ${v.service}: ${v.behind} commit${
          v.behind === 1 ? "" : "s"
        } behind for ${v.minutes} min` +
          ` (runs ${short(v.commit)}${
            v.kind === "deploying" ? `; within the ${findings.thresholdMinutes} min threshold` : ""
          })`,
      );
    }
  }
  if (findings.errors) {
    const total = findings.errors.groups.reduce((sum, g) => sum + g.events, 0);
    lines.push(
      `*Sentry, last 24 h*: ${total} events in the top ${findings.errors.groups.length} groups ` +
        `(threshold ${findings.errors.threshold})`,
    );
    for (const g of findings.errors.groups) {
      lines.push(`• ${g.shortId} ${g.title}: ${g.events} events, ${g.users} users`);
    }
  }
  const links = (findings.errors?.groups ?? []).flatMap((g) =>
    g.permalink ? [{ label: g.shortId, url: g.permalink }] : []
  );
  return {
    severity:
      problems.includes(GORDON_SENTINELS.errors) || problems.includes(GORDON_SENTINELS.drift)
        ? "error"
        : "warn",
    agent: CODENAME,
    title: `staging needs attention: ${problems.join(", ")}`,
    text: lines.join("\n"),
    ...(links.length ? { links } : {}),
  };
}

async function checkHealth(
  context: FiringContext,
  options: Required<GordonOptions>,
): Promise<WorkResult> {
  const { agent } = context;
  if (!agent.ecs) {
    context.stdout(
      `[${GORDON_SENTINELS.notConfigured}] set agents.gordon.ecs (cluster, services) in ${context.config.source}`,
    );
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "no ecs configured" };
  }
  const repo = firstRepoOf(context);
  if (!repo) {
    context.stdout(`gordon: no repos configured (add repos: to ${context.config.source})`);
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "no repos configured" };
  }
  const base = await fetchRepoBase(context, repo);
  const services = await describeServiceImages({
    codename: CODENAME,
    parentEnv: options.parentEnv(),
    endpointUrl: agent.awsEndpointUrl,
    region: agent.awsRegion,
    cwd: base.checkout,
  }, agent.ecs);
  const run = async (args: string[]) =>
    await git(args, { cwd: base.checkout, context: base.git, allowFailure: true });
  const mainRef = `refs/remotes/origin/${repo.base}`;
  const head = (await run(["rev-parse", mainRef])).stdout.trim();
  const thresholdMinutes = agent.driftMinutes ?? 60;
  const now = context.now();
  const drift: DriftVerdict[] = [];
  for (const service of services) {
    const facts = await commitFactsOf(deployedCommitOf(service, agent.ecs.container), {
      run,
      mainRef,
    });
    drift.push(driftVerdict(service.service, facts, { now, thresholdMinutes }));
  }
  const findings: HealthFindings = {
    drift,
    head: { branch: repo.base, commit: head },
    thresholdMinutes,
  };
  if (agent.sentry) findings.errors = await sentryFindings(context, agent.sentry, options.fetch);
  const problems = problemsOf(findings);
  const line = drift.map((v) => `${v.service}: ${v.kind}`).join(", ") +
    (findings.errors
      ? `; sentry ${findings.errors.groups.reduce((s, g) => s + g.events, 0)} events`
      : "");
  await context.log.info(`health: ${line}`);
  await context.progress(checkedStep(line));
  if (!problems.length) {
    context.stdout(`[SILENT] gordon: ${line}`);
    return { outcome: "silent", turns: 0, costUsd: 0, summary: line };
  }
  context.stdout(`${problems.map((p) => `[${p}]`).join(" ")} ${line}`);
  return {
    outcome: "success",
    turns: 0,
    costUsd: 0,
    summary: `${problems.map((p) => `[${p}]`).join(" ")} ${line}`,
    notice: healthNotice(findings, problems),
  };
}

function deployedCommitOf(service: ServiceImages, container?: string): string | undefined {
  const candidates = container
    ? service.containers.filter((c) => c.name === container)
    : service.containers;
  for (const candidate of candidates) {
    const commit = commitOfImage(candidate.image);
    if (commit) return commit;
  }
  return undefined;
}

async function commitFactsOf(
  deployed: string | undefined,
  options: {
    run: (args: string[]) => Promise<{ code: number | null; stdout: string }>;
    mainRef: string;
  },
): Promise<CommitFacts> {
  if (!deployed) return { onMain: false, behind: 0 };
  const { run, mainRef } = options;
  const full = await run(["rev-parse", "--verify", "--quiet", `${deployed}^{commit}`]);
  if (full.code !== 0) return { deployed, onMain: false, behind: 0 };
  const commit = full.stdout.trim();
  const ancestor = await run(["merge-base", "--is-ancestor", commit, mainRef]);
  if (ancestor.code !== 0) return { deployed, onMain: false, behind: 0 };
  const missing = (await run(["log", "--reverse", "--format=%cI", `${commit}..${mainRef}`]))
    .stdout.trim().split("\n").filter(Boolean);
  return {
    deployed,
    onMain: true,
    behind: missing.length,
    ...(missing.length ? { oldestMissingAt: new Date(missing[0]) } : {}),
  };
}

async function sentryFindings(
  context: FiringContext,
  sentry: SentrySettings,
  fetchFn: typeof fetch,
): Promise<HealthFindings["errors"]> {
  const token = context.env("ALFRED_SENTRY_TOKEN");
  if (!token) {
    throw new AlfredError("agents.gordon.sentry is set but ALFRED_SENTRY_TOKEN is not", {
      hint: "Set ALFRED_SENTRY_TOKEN to a Sentry auth token with project:read, or remove sentry:.",
    });
  }
  const url = `${sentry.url}/api/0/projects/${encodeURIComponent(sentry.org)}/${
    encodeURIComponent(sentry.project)
  }/issues/?statsPeriod=24h&query=${encodeURIComponent("is:unresolved")}`;
  const response = await fetchFn(url, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    signal: AbortSignal.timeout(SENTRY_TIMEOUT_MS),
  });
  const body = await response.text();
  if (!response.ok) {
    throw new AlfredError(`Sentry replied ${response.status} for ${sentry.org}/${sentry.project}`, {
      hint: response.status === 401 || response.status === 403
        ? "Check ALFRED_SENTRY_TOKEN (it needs project:read)."
        : "Check agents.gordon.sentry (url, org, project) in fleet.yaml.",
    });
  }
  let groups: ErrorGroup[];
  try {
    groups = topErrorGroups(JSON.parse(body), sentry.top);
  } catch (error) {
    throw new AlfredError(
      `Sentry's reply for ${sentry.org}/${sentry.project} was not a list of issues: ${
        error instanceof Error ? error.message.slice(0, 200) : String(error)
      }`,
      { hint: "Check agents.gordon.sentry.url: it must be Sentry's base URL.", cause: error },
    );
  }
  return { groups, threshold: sentry.errorThreshold, url: sentry.url };
}
