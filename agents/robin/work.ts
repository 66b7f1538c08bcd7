/**
 * Robin's work: triage the oldest untriaged issues of the first repository
 * that has some. One firing, in order (each step logs `phase <name> <ms>`):
 *
 * 1. **list**: the open issues of each served repository (not paused), kept
 *    when untriaged (runner/issues/triage.ts `isUntriaged`), oldest first, at most
 *    {@linkcode TRIAGE_BATCH}. None anywhere: `[SILENT]`, no Slack post.
 * 2. **read**: each issue's comments (for the text and for Robin's marker).
 * 3. **engine**: one read-only run (Claude `dontAsk` with Read/Glob/Grep/LS
 *    only; Codex `read-only`) in the repository's checkout when configured,
 *    else in an empty folder. The engine gets no GitHub access and prints a
 *    fenced JSON verdict.
 * 4. **apply**: per verdict, re-read the issue (still untriaged?), add the
 *    severity label and `agent:implement` or `triage:needs-repro`, and post one
 *    comment with a `triage` marker unless the issue already has one.
 *
 * @module
 */
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { AgentKit } from "../../runner/kit/agent_kit.ts";
import type { RepoConfig } from "../../runner/config/config.ts";
import type { Issue, Repo } from "../../runner/github/rest.ts";
import type { IssueText } from "../../runner/engines/prompt.ts";
import type { IssueVerdict } from "../../runner/issues/triage.ts";
import { triagedStep } from "../../runner/firing/steps.ts";
import {
  type AgentWorkOptions,
  runReadOnlyEngine,
  timed,
  withAgentKit,
} from "../../runner/kit/agent_kit.ts";
import { activeRepos } from "../../runner/kit/repos.ts";
import {
  addLabels,
  createComment,
  getIssue,
  listComments,
  listIssues,
  parseRepo,
  repoString,
} from "../../runner/github/rest.ts";
import { isUntriaged, planTriage, TRIAGE_BATCH } from "../../runner/issues/triage.ts";
import { hasMarkerShape, parseMarkers } from "../../runner/claims/markers.ts";
import { loadOperatorInstructions } from "../../runner/engines/prompt.ts";
import { firingOutcomeOf } from "../../runner/engines/result.ts";
import { DEFAULT_PROMPT } from "./prompt.ts";
import { expandHome } from "../../runner/git/worktree.ts";
import * as triage from "../../runner/issues/triage.ts";

/** The codename. */
const CODENAME = "robin";

/**
 * One Robin firing.
 *
 * Requires network access to GitHub, and running the engine.
 *
 * @param context The firing.
 * @param options The engine's parent environment.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: AgentWorkOptions = {},
): Promise<WorkResult> {
  return await withAgentKit(context, async (kit, { parentEnv }) => {
    const repos = await activeRepos(context);
    if (repos.length === 0) {
      context.stdout(`[SILENT] robin: no repos to triage (add repos: to ${context.config.source})`);
      return { outcome: "silent", turns: 0, costUsd: 0, summary: "no repos" };
    }
    for (const repoConfig of repos) {
      const batch = await listUntriaged(kit, repoConfig);
      if (batch.length === 0) continue;
      return await triageBatch(kit, { repoConfig, batch, parentEnv });
    }
    context.stdout("[SILENT] robin: no untriaged issues");
    return { outcome: "silent", turns: 0, costUsd: 0, summary: "no untriaged issues" };
  }, options);
}

/** The oldest untriaged issues of a repository, at most one batch. */
async function listUntriaged(kit: AgentKit, repoConfig: RepoConfig): Promise<Issue[]> {
  const repo = parseRepo(repoConfig.name);
  return await timed(kit, "list", async () => {
    const found: Issue[] = [];
    // Ten pages (1,000 open issues) bound the scan; older ones wait for the next firing.
    for (let page = 1; page <= 10 && found.length < TRIAGE_BATCH; page++) {
      const { issues, more } = await listIssues(kit.client, repo, { labels: [], page });
      found.push(...issues.filter(isUntriaged));
      if (!more) break;
    }
    return found.slice(0, TRIAGE_BATCH);
  });
}

async function triageBatch(
  kit: AgentKit,
  options: { repoConfig: RepoConfig; batch: Issue[]; parentEnv: () => Record<string, string> },
): Promise<WorkResult> {
  const { context, client } = kit;
  const repo = parseRepo(options.repoConfig.name);
  const name = repoString(repo);

  const read = await timed(kit, "read", async () => {
    const out: { text: IssueText; commented: boolean; url: string }[] = [];
    const trusted = await kit.trust.get();
    for (const issue of options.batch) {
      const comments = await listComments(client, { repo, number: issue.number });
      // Only Robin's own (trusted) triage marker means it already commented.
      const markers = comments.flatMap((comment) => parseMarkers(comment, trusted));
      out.push({
        url: issue.html_url,
        commented: triage.previousTriage(markers) !== undefined,
        text: {
          repo: name,
          number: issue.number,
          title: issue.title,
          body: issue.body ?? "",
          comments: comments
            .filter((comment) => !hasMarkerShape(comment.body))
            .map((comment) => ({ author: comment.user?.login ?? "ghost", body: comment.body })),
        },
      });
    }
    return out;
  });
  const numbers = read.map((entry) => entry.text.number);
  await context.log.info(`triaging ${name} ${numbers.map((n) => `#${n}`).join(" ")}`);

  const prompt = triage.buildTriagePrompt({
    instructions: (await loadOperatorInstructions(context.layout.promptsDir, CODENAME)) ??
      DEFAULT_PROMPT,
    repo: name,
    issues: read.map((entry) => entry.text),
  });
  const run = await timed(
    kit,
    "engine",
    () =>
      withEngineFolder(kit, options.repoConfig, (cwd) =>
        runReadOnlyEngine(kit, {
          prompt,
          cwd,
          parentEnv: options.parentEnv(),
          sentinels: [triage.TRIAGED_SENTINEL],
        })),
  );
  const { classification } = run;
  const turns = run.result?.turns ?? 0;
  const costUsd = run.result?.costUsd ?? 0;
  const base = { turns, costUsd };
  await context.log.info(
    `engine: ${classification.outcome} (${classification.detail}); ${turns} turns, $${
      costUsd.toFixed(4)
    }`,
  );
  const outcome = firingOutcomeOf(classification);
  if (classification.outcome !== "success" || classification.sentinel?.name === "BLOCKED") {
    const blocked = classification.sentinel?.name === "BLOCKED";
    return {
      ...base,
      outcome,
      error: blocked ? undefined : classification.detail,
      summary: `${name}: ${classification.detail}`,
      notice: {
        severity: blocked ? "warn" : "error",
        agent: CODENAME,
        title: blocked ? `could not triage ${name}` : `triage failed: ${classification.outcome}`,
        text: classification.detail,
      },
    };
  }
  const reply = triage.readTriageReply(run.result?.text ?? "", { batch: numbers });
  if (!reply.ok) {
    return {
      ...base,
      outcome: "no-sentinel",
      error: `unreadable verdict: ${reply.problem}`,
      summary: `${name}: unreadable verdict: ${reply.problem}`,
      notice: {
        severity: "error",
        agent: CODENAME,
        title: "triage verdict unreadable",
        text: reply.problem,
      },
    };
  }
  if (reply.ignored.length) {
    await context.log.warn(
      `ignored verdicts for issues not in the batch: ${reply.ignored.join(", ")}`,
    );
  }

  const applied = await timed(kit, "apply", () => applyVerdicts(kit, { repo, read, reply }));
  if (applied.length === 0) {
    context.stdout("[SILENT] robin: the issues were triaged by someone else meanwhile");
    return { ...base, outcome: "silent", summary: `${name}: nothing left to apply` };
  }
  await context.progress(triagedStep(name, applied));
  for (const line of applied) {
    context.stdout(
      `[${triage.TRIAGED_SENTINEL}] ${name}#${line.number} ${line.severity} ${line.verdict}`,
    );
  }
  const text = applied.map((a) =>
    `#${a.number} ${a.severity} ${a.verdict === "ready" ? "→ Lucius" : "needs details"}: ${a.title}`
  ).join("\n");
  return {
    ...base,
    outcome: "success",
    issue: applied.length === 1 ? applied[0].url : undefined,
    summary: `${name}: ${applied.map((a) => `#${a.number} ${a.severity} ${a.verdict}`).join(", ")}`,
    notice: {
      severity: applied.some((a) => a.severity === "P0") ? "warn" : "info",
      agent: CODENAME,
      title: `triaged ${applied.length} issue${applied.length === 1 ? "" : "s"} of ${name}`,
      text,
      links: applied.map((a) => ({ label: `#${a.number}`, url: a.url })),
    },
  };
}

/** Applies the verdicts whose issue is still untriaged; returns what was applied. */
async function applyVerdicts(
  kit: AgentKit,
  options: {
    repo: Repo;
    read: { text: IssueText; commented: boolean; url: string }[];
    reply: { verdicts: IssueVerdict[] };
  },
): Promise<{ number: number; severity: string; verdict: string; title: string; url: string }[]> {
  const { context, client } = kit;
  const applied = [];
  for (const verdict of options.reply.verdicts) {
    const entry = options.read.find((item) => item.text.number === verdict.number)!;
    const ref = { repo: options.repo, number: verdict.number };
    // A person may have labelled it while the engine ran: their labels win.
    const now = await getIssue(client, ref);
    if (!isUntriaged(now)) {
      await context.log.info(`#${verdict.number} was triaged meanwhile; left alone`);
      continue;
    }
    const plan = planTriage(verdict, {
      firing: context.firingId,
      host: context.host,
      ts: context.now().toISOString(),
      commented: entry.commented,
    });
    await addLabels(client, ref, plan.addLabels);
    if (plan.comment) await createComment(client, ref, plan.comment);
    applied.push({
      number: verdict.number,
      severity: verdict.severity,
      verdict: verdict.verdict,
      title: entry.text.title,
      url: entry.url,
    });
  }
  return applied;
}

/**
 * Runs `step` in the repository's checkout when one is configured and present
 * (the engine may read the code), else in an empty temporary folder.
 */
async function withEngineFolder<T>(
  kit: AgentKit,
  repoConfig: RepoConfig,
  step: (cwd: string) => Promise<T>,
): Promise<T> {
  if (repoConfig.path) {
    const path = expandHome(repoConfig.path, kit.git.baseEnv.HOME);
    const stat = await Deno.stat(path).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    });
    if (stat?.isDirectory) return await step(path);
    await kit.context.log.warn(`repos: ${repoConfig.name}: ${path} is missing; reading no code`);
  }
  const empty = await Deno.makeTempDir({ prefix: "alfred-robin-" });
  try {
    return await step(empty);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
}
