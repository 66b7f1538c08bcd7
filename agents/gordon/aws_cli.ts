/**
 * The AWS calls of the roster (Huntress's test credentials, Gordon's ECS
 * services), made through the operator's `aws` CLI with the agent's own
 * profile (`ALFRED_<CODENAME>_AWS_PROFILE` becomes `AWS_PROFILE` for that
 * subprocess only; runner/engines/tool_env.ts).
 *
 * The endpoint is passed as `--endpoint-url`, not `AWS_ENDPOINT_URL`: Debian
 * 12's awscli 2.9.19 ignores that variable (it arrived in AWS CLI 2.13 and
 * 1.29), and `AWS_*` is stripped from tool environments anyway.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError } from "../../runner/errors.ts";
import { runCapture } from "../../runner/process.ts";
import { buildToolEnv } from "../../runner/engines/tool_env.ts";

/** How one agent calls the AWS CLI. */
export interface AwsCaller {
  /** The agent (names its profile variable). */
  codename: string;
  /** The parent environment, read once at start-up. */
  parentEnv: Readonly<Record<string, string>>;
  /** `--endpoint-url`, e.g. LocalStack, a VPC endpoint, or a test stand-in. */
  endpointUrl?: string;
  /** `--region`; default: the profile's. */
  region?: string;
  /** The working directory of the CLI. */
  cwd: string;
  /** Limit of each call. Default 60 s. */
  timeoutMs?: number;
}

/** The AWS CLI failed or replied with something unexpected. */
export class AwsCliError extends AlfredError {
  /**
   * @param message What failed.
   * @param options The hint and cause.
   */
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, {
      hint: options.hint ??
        "Check the agent's AWS profile (ALFRED_<CODENAME>_AWS_PROFILE) with `aws sts get-caller-identity --profile <it>`, and its IAM permissions.",
      cause: options.cause,
    });
    this.name = "AwsCliError";
  }
}

/**
 * The arguments of one call (pure).
 *
 * @param caller Endpoint and region.
 * @param args The service, operation and its flags.
 * @returns The full argument list, with `--output json`.
 */
export function awsArgsOf(
  caller: Pick<AwsCaller, "endpointUrl" | "region">,
  args: readonly string[],
): string[] {
  return [
    ...(caller.endpointUrl ? ["--endpoint-url", caller.endpointUrl] : []),
    ...(caller.region ? ["--region", caller.region] : []),
    "--output",
    "json",
    "--no-cli-pager",
    ...args,
  ];
}

/**
 * Runs one AWS CLI call and validates its JSON reply.
 *
 * @param caller Who calls, and how.
 * @param call The arguments and the reply's schema.
 * @returns The parsed reply.
 * @throws {AwsCliError} on a non-zero exit, a timeout or an unexpected reply.
 */
export async function callAws<T>(
  caller: AwsCaller,
  call: { args: readonly string[]; schema: z.ZodType<T> },
): Promise<T> {
  const env = buildToolEnv(caller.parentEnv, { codename: caller.codename, aws: true });
  const what = `aws ${call.args.slice(0, 2).join(" ")}`;
  const result = await runCapture("aws", awsArgsOf(caller, call.args), {
    cwd: caller.cwd,
    env,
    timeoutMs: caller.timeoutMs ?? 60_000,
  });
  if (result.timedOut) throw new AwsCliError(`${what} timed out`);
  if (result.code !== 0) {
    throw new AwsCliError(
      `${what} failed (exit ${result.code}): ${
        result.stderr.trim().split("\n").slice(-3).join(" ")
      }`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AwsCliError(`${what} printed no JSON: ${result.stdout.slice(0, 200)}`, {
      cause: error,
    });
  }
  const parsed = call.schema.safeParse(json);
  if (!parsed.success) {
    throw new AwsCliError(
      `${what} replied with an unexpected shape: ${parsed.error.issues[0].message} at ${
        parsed.error.issues[0].path.join(".")
      }`,
    );
  }
  return parsed.data;
}

const SecretReply = z.object({
  SecretString: z.string().optional(),
  SecretBinary: z.string().optional(),
});

/**
 * Reads a Secrets Manager secret's string value.
 *
 * @param caller Who calls, and how.
 * @param secretId The secret's name or ARN.
 * @returns The secret string.
 * @throws {AwsCliError} when the call fails or the secret is binary.
 */
export async function getSecretString(caller: AwsCaller, secretId: string): Promise<string> {
  const reply = await callAws(caller, {
    args: ["secretsmanager", "get-secret-value", "--secret-id", secretId],
    schema: SecretReply,
  });
  if (reply.SecretString === undefined) {
    throw new AwsCliError(`secret ${secretId} has no string value`, {
      hint: "Store the test credentials as a JSON object of strings (a SecretString).",
    });
  }
  return reply.SecretString;
}

const ServicesReply = z.object({
  services: z.array(z.object({
    serviceName: z.string(),
    taskDefinition: z.string(),
    deployments: z.array(z.object({
      status: z.string(),
      taskDefinition: z.string(),
      rolloutState: z.string().optional(),
      updatedAt: z.union([z.string(), z.number()]).optional(),
    })).default([]),
  })),
  failures: z.array(z.object({ arn: z.string().optional(), reason: z.string().optional() }))
    .default([]),
});

const TaskDefinitionReply = z.object({
  taskDefinition: z.object({
    taskDefinitionArn: z.string(),
    containerDefinitions: z.array(z.object({ name: z.string(), image: z.string() })),
  }),
});

/** One ECS service and the images its primary deployment runs. */
export interface ServiceImages {
  /** The service's name. */
  service: string;
  /** The task definition ARN of the primary deployment. */
  taskDefinition: string;
  /** The primary deployment's rollout state, when ECS says. */
  rolloutState?: string;
  /** Containers and their images. */
  containers: { name: string; image: string }[];
}

/**
 * Lists what each ECS service runs: `describe-services`, then
 * `describe-task-definition` of each primary deployment.
 *
 * @param caller Who calls, and how.
 * @param target The cluster and services.
 * @returns One entry per service, in the order asked.
 * @throws {AwsCliError} when a call fails or a service is missing.
 */
export async function describeServiceImages(
  caller: AwsCaller,
  target: { cluster: string; services: readonly string[] },
): Promise<ServiceImages[]> {
  const reply = await callAws(caller, {
    args: [
      "ecs",
      "describe-services",
      "--cluster",
      target.cluster,
      "--services",
      ...target.services,
    ],
    schema: ServicesReply,
  });
  if (reply.failures.length) {
    throw new AwsCliError(
      `ECS describe-services in ${target.cluster}: ${
        reply.failures.map((f) => `${f.arn ?? "?"}: ${f.reason ?? "?"}`).join("; ")
      }`,
      { hint: `Check agents.gordon.ecs (cluster ${target.cluster}) in fleet.yaml.` },
    );
  }
  const out: ServiceImages[] = [];
  for (const name of target.services) {
    const service = reply.services.find((s) => s.serviceName === name);
    if (!service) {
      throw new AwsCliError(`ECS service ${name} was not in the reply`, {
        hint: `Check agents.gordon.ecs.services in fleet.yaml.`,
      });
    }
    const primary = service.deployments.find((d) => d.status === "PRIMARY");
    const taskDefinition = primary?.taskDefinition ?? service.taskDefinition;
    const definition = await callAws(caller, {
      args: ["ecs", "describe-task-definition", "--task-definition", taskDefinition],
      schema: TaskDefinitionReply,
    });
    out.push({
      service: name,
      taskDefinition,
      ...(primary?.rolloutState ? { rolloutState: primary.rolloutState } : {}),
      containers: definition.taskDefinition.containerDefinitions.map((c) => ({
        name: c.name,
        image: c.image,
      })),
    });
  }
  return out;
}
