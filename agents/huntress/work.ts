/**
 * Huntress's work: one smoke run against staging.
 *
 * 1. A read-only checkout (a detached worktree) of `origin/<base>` of the
 *    first repo Huntress serves (runner/git/read_only.ts); the operator's
 *    checkout is only read.
 * 2. Test credentials: `aws secretsmanager get-secret-value` with Huntress's
 *    own profile (`ALFRED_HUNTRESS_AWS_PROFILE`, for that subprocess only).
 *    A JSON object becomes `SMOKE_<KEY>` variables; any other string
 *    becomes `SMOKE_SECRET`.
 * 3. `smoke_setup` (if any), then `smoke_command`, without a shell, in the
 *    sandbox (runner/sandbox/repo_command.ts: the worktree and a private cache are the
 *    only writable places; the network goes through the egress proxy to the
 *    staging URL's host and the hosts in `network:`), with `STAGING_URL`,
 *    `BASE_URL`, `CI=1` and the credentials, within the agent's
 *    `timeout_minutes`. Every output line goes (redacted) to
 *    `ALFRED_HOME/artifacts/huntress/<firing>/output.log`.
 * 4. Passed: `[SILENT]`, the artefacts are dropped, no Slack post. Failed:
 *    `[HUNTRESS-SMOKE-FAILED]`, the `smoke_artifacts` folders are copied next
 *    to the log, and one Slack message gives the exit status, the output's
 *    tail and the artefact paths.
 *
 * Huntress runs no engine: deciding pass or fail is the exit status, and an
 * LLM would add cost and no judgement the test does not already make.
 *
 * @module
 */
import type { FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import type { SmokeSettings } from "../../runner/config/config.ts";
import type { Notice } from "../../runner/firing/notify.ts";
import { smokeTestedStep } from "../../runner/firing/steps.ts";
import { type AgentWorkOptions, workOptionsOf } from "../../runner/kit/options.ts";
import {
  firstRepoOf,
  readerGitContext,
  readOnlyOptionsOf,
  removeLeftoverCheckouts,
  withReadOnlyCheckout,
} from "../../runner/git/read_only.ts";
import { buildToolEnv } from "../../runner/engines/tool_env.ts";
import { createRedactor } from "../../runner/redact.ts";
import { openRepoSandbox } from "../../runner/sandbox/repo_command.ts";
import { urlRule } from "../../runner/sandbox/mod.ts";
import { getSecretString } from "../gordon/aws_cli.ts";
import { cp } from "node:fs/promises";

/** The codename. */
const CODENAME = "huntress";
/** Lines of output shown in Slack. */
export const TAIL_LINES = 25;
/** Artefact folders of failed runs kept; older ones are pruned. */
export const KEEP_ARTIFACT_RUNS = 20;
/** Huntress's own sentinels (printed on standard output and in the event summary). */
export const HUNTRESS_SENTINELS = {
  failed: "HUNTRESS-SMOKE-FAILED",
  notConfigured: "HUNTRESS-NOT-CONFIGURED",
} as const;

/**
 * Turns a secret string into the smoke command's variables (pure).
 *
 * @example Usage
 * ```ts
 * import { secretEnvOf } from "./work.ts";
 * secretEnvOf('{"user":"qa","api-key":"k"}'); // { SMOKE_USER: "qa", SMOKE_API_KEY: "k" }
 * secretEnvOf("hunter2"); // { SMOKE_SECRET: "hunter2" }
 * ```
 *
 * @param secret The secret's string value.
 * @returns `SMOKE_<KEY>` per string or number field of a JSON object, else `SMOKE_SECRET`.
 */
export function secretEnvOf(secret: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { SMOKE_SECRET: secret };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { SMOKE_SECRET: secret };
  const env: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== "string" && typeof field !== "number") continue;
    const name = `SMOKE_${key.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`;
    if (name !== "SMOKE_") env[name] = String(field);
  }
  return env;
}

/** How a smoke step ended, as far as the verdict needs. */
export interface StepEnd {
  /** The step's name (`setup` or `smoke`). */
  step: string;
  /** Exit code, or `null` after a signal. */
  code: number | null;
  /** The timeout fired. */
  timedOut: boolean;
  /** Seconds it ran. */
  seconds: number;
}

/**
 * Says why a smoke run failed, or `undefined` when it passed (pure).
 *
 * @param end How the last step that ran ended.
 * @returns One sentence, or `undefined`.
 */
export function failureOf(end: StepEnd): string | undefined {
  if (end.timedOut) return `${end.step} timed out after ${end.seconds} s`;
  if (end.code === 0) return undefined;
  return end.code === null
    ? `${end.step} was ended by a signal after ${end.seconds} s`
    : `${end.step} exited ${end.code} after ${end.seconds} s`;
}

/**
 * The Slack message of a failed run (pure).
 *
 * @param failure What failed, the staging URL, the output's tail and the artefact paths.
 * @returns The notice.
 */
export function failureNotice(
  failure: { reason: string; stagingUrl?: string; tail: string[]; artifacts: string[] },
): Notice {
  const where = failure.stagingUrl ? ` against ${failure.stagingUrl}` : "";
  const tail = failure.tail.length
    ? `\n\`\`\`\n${failure.tail.join("\n").slice(-2000)}\n\`\`\``
    : "";
  return {
    severity: "error",
    agent: CODENAME,
    title: `smoke tests failed${where}`,
    text: `[${HUNTRESS_SENTINELS.failed}] ${failure.reason}${tail}\nArtefacts:\n${
      failure.artifacts.map((path) => `• \`${path}\``).join("\n")
    }`,
  };
}

/**
 * One Huntress firing's work (what agents/huntress/mod.ts loads after the guard).
 *
 * @param context The firing.
 * @param options Where the tools' parent environment comes from.
 * @returns The work's result.
 */
export async function work(
  context: FiringContext,
  options: AgentWorkOptions = {},
): Promise<WorkResult> {
  const smoke = context.agent.smoke;
  if (!smoke) {
    context.stdout(
      `[${HUNTRESS_SENTINELS.notConfigured}] set agents.huntress.smoke_command in ${context.config.source}`,
    );
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "no smoke_command configured" };
  }
  const repo = firstRepoOf(context);
  if (!repo) {
    context.stdout(`huntress: no repos configured (add repos: to ${context.config.source})`);
    return { outcome: "idle", turns: 0, costUsd: 0, summary: "no repos configured" };
  }
  const parentEnv = workOptionsOf(options).parentEnv();
  const git = await readerGitContext(context);
  await removeLeftoverCheckouts(context, git);
  return await withReadOnlyCheckout(
    repo,
    (checkout) => smokeIn(context, { smoke, dir: checkout.dir, parentEnv }),
    readOnlyOptionsOf(context, git),
  );
}

async function smokeIn(
  context: FiringContext,
  options: { smoke: SmokeSettings; dir: string; parentEnv: Record<string, string> },
): Promise<WorkResult> {
  const { smoke, dir, parentEnv } = options;
  const agent = context.agent;
  let secrets: Record<string, string> = {};
  if (smoke.secretId) {
    secrets = secretEnvOf(
      await getSecretString({
        codename: CODENAME,
        parentEnv,
        endpointUrl: agent.awsEndpointUrl,
        region: agent.awsRegion,
        cwd: dir,
      }, smoke.secretId),
    );
    await context.log.info(`credentials: ${Object.keys(secrets).join(", ") || "(none)"}`);
  }
  const redact = createRedactor({ secrets: Object.values(secrets) });
  const env = buildToolEnv(parentEnv, {
    codename: CODENAME,
    declared: agent.env,
    overrides: {
      CI: "1",
      ...(smoke.stagingUrl ? { STAGING_URL: smoke.stagingUrl, BASE_URL: smoke.stagingUrl } : {}),
      ...secrets,
    },
  });
  const runDir = `${context.layout.home}/artifacts/${CODENAME}/${context.firingId}`;
  await Deno.mkdir(runDir, { recursive: true });
  const logFile = `${runDir}/output.log`;
  const log = await Deno.open(logFile, { write: true, create: true, append: true });
  const encoder = new TextEncoder();
  const tail: string[] = [];
  const sink = {
    async write(stream: string, line: string) {
      const clean = redact(line);
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      await log.write(encoder.encode(`${stream === "stderr" ? "! " : ""}${clean}\n`));
    },
  };
  const deadline = context.now().getTime() + agent.timeoutMinutes * 60_000;
  // The staging URL's host is declared by staging_url itself; other hosts by network:.
  await using sandbox = await openRepoSandbox(context, {
    worktree: dir,
    extraHosts: smoke.stagingUrl ? [urlRule(smoke.stagingUrl)] : [],
  });
  let end: StepEnd | undefined;
  try {
    const steps: [string, string[]][] = [
      ...(smoke.setup ? [["setup", smoke.setup] as [string, string[]]] : []),
      ["smoke", smoke.command],
    ];
    for (const [step, argv] of steps) {
      await sink.write("stdout", `$ ${argv.join(" ")}`);
      const result = await sandbox.run({
        step,
        argv,
        env,
        timeoutMs: Math.max(1_000, deadline - context.now().getTime()),
        transcript: sink,
        tailLines: 0,
      });
      end = {
        step,
        code: result.code,
        timedOut: result.timedOut,
        seconds: Math.round(result.durationMs / 1000),
      };
      await context.log.info(`${step}: exit ${result.code}, ${end.seconds} s`);
      if (failureOf(end)) break;
    }
  } finally {
    log.close();
  }
  const reason = end ? failureOf(end) : "nothing ran";
  await context.progress(
    smokeTestedStep(smoke.stagingUrl ?? "staging", {
      passed: !reason,
      detail: reason || `${end?.seconds ?? 0} s`,
    }),
  );
  if (!reason) {
    await Deno.remove(runDir, { recursive: true });
    const summary = `smoke passed${smoke.stagingUrl ? ` against ${smoke.stagingUrl}` : ""} in ${
      end?.seconds ?? 0
    } s`;
    context.stdout(`[SILENT] huntress: ${summary}`);
    return { outcome: "silent", turns: 0, costUsd: 0, summary };
  }
  const artifacts = [logFile];
  for (const folder of smoke.artifacts) {
    const copied = await copyArtifact(`${dir}/${folder}`, `${runDir}/${folder}`);
    if (copied) artifacts.push(`${runDir}/${folder}`);
  }
  await pruneOldRuns(`${context.layout.home}/artifacts/${CODENAME}`, KEEP_ARTIFACT_RUNS);
  context.stdout(`[${HUNTRESS_SENTINELS.failed}] ${reason}`);
  return {
    outcome: "success",
    turns: 0,
    costUsd: 0,
    summary: `[${HUNTRESS_SENTINELS.failed}] ${reason}; artefacts in ${runDir}`,
    notice: failureNotice({ reason, stagingUrl: smoke.stagingUrl, tail, artifacts }),
  };
}

/** Copies an artefact folder or file; `false` when the smoke command did not write it. */
async function copyArtifact(from: string, to: string): Promise<boolean> {
  try {
    await Deno.stat(from);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  await cp(from, to, { recursive: true });
  return true;
}

/** Keeps the newest `keep` run folders (firing ids sort by time). */
async function pruneOldRuns(dir: string, keep: number): Promise<void> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
  for (const name of names.sort().slice(0, Math.max(0, names.length - keep))) {
    await Deno.remove(`${dir}/${name}`, { recursive: true });
  }
}
