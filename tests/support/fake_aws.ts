/**
 * A loopback stand-in for the AWS JSON 1.1 APIs the roster calls through the
 * real `aws` CLI (with `--endpoint-url`): Secrets Manager `GetSecretValue`,
 * ECS `DescribeServices` and `DescribeTaskDefinition`. It records each call
 * with the access key id the CLI signed it with (which tells the profile).
 *
 * @module
 */

/** One recorded call. */
export interface AwsCall {
  /** `X-Amz-Target`, e.g. `secretsmanager.GetSecretValue`. */
  target: string;
  /** The JSON body. */
  body: Record<string, unknown>;
  /** The access key id from the SigV4 `Authorization` header. */
  accessKeyId: string | undefined;
}

/** What the stand-in serves. */
export interface FakeAwsState {
  /** Secret strings by secret id. */
  secrets: Record<string, string>;
  /** ECS services by name: their task definition ARN. */
  services: Record<string, string>;
  /** Task definitions by ARN: containers and images. */
  taskDefinitions: Record<string, { name: string; image: string }[]>;
}

/** A running stand-in. */
export interface FakeAws extends AsyncDisposable {
  /** The endpoint URL for `--endpoint-url`. */
  readonly url: string;
  /** Calls, in order. */
  readonly calls: AwsCall[];
  /** What it serves (mutable). */
  readonly state: FakeAwsState;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts the stand-in on 127.0.0.1, port 0.
 *
 * @param state What it serves.
 * @returns The stand-in.
 */
export function startFakeAws(state: Partial<FakeAwsState> = {}): FakeAws {
  const full: FakeAwsState = {
    secrets: state.secrets ?? {},
    services: state.services ?? {},
    taskDefinitions: state.taskDefinitions ?? {},
  };
  const calls: AwsCall[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/x-amz-json-1.1" },
    });
  const error = (type: string, message: string) =>
    json(400, { __type: type, message, Message: message });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const target = req.headers.get("x-amz-target") ?? "";
    const body = JSON.parse((await req.text()) || "{}") as Record<string, unknown>;
    const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.get("authorization") ?? "")?.[1];
    calls.push({ target, body, accessKeyId });
    switch (target) {
      case "secretsmanager.GetSecretValue": {
        const id = String(body.SecretId);
        const secret = full.secrets[id];
        if (secret === undefined) {
          return error("ResourceNotFoundException", "Secrets Manager can't find the secret.");
        }
        return json(200, {
          ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${id}`,
          Name: id,
          VersionId: "v1",
          SecretString: secret,
          CreatedDate: 1700000000,
        });
      }
      case "AmazonEC2ContainerServiceV20141113.DescribeServices": {
        const names = (body.services as string[]) ?? [];
        const cluster = String(body.cluster);
        const services = names.filter((n) => full.services[n]).map((n) => ({
          serviceArn: `arn:aws:ecs:eu-west-1:123456789012:service/${cluster}/${n}`,
          serviceName: n,
          clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${cluster}`,
          status: "ACTIVE",
          taskDefinition: full.services[n],
          deployments: [{
            id: `ecs-svc/${n}`,
            status: "PRIMARY",
            taskDefinition: full.services[n],
            rolloutState: "COMPLETED",
          }],
        }));
        const failures = names.filter((n) => !full.services[n]).map((n) => ({
          arn: `arn:aws:ecs:eu-west-1:123456789012:service/${cluster}/${n}`,
          reason: "MISSING",
        }));
        return json(200, { services, failures });
      }
      case "AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition": {
        const arn = String(body.taskDefinition);
        const containers = full.taskDefinitions[arn];
        if (!containers) return error("ClientException", "Unable to describe task definition.");
        return json(200, {
          taskDefinition: {
            taskDefinitionArn: arn,
            family: arn.split("/").at(-1)?.split(":")[0],
            containerDefinitions: containers.map((c) => ({ ...c, essential: true })),
          },
        });
      }
      default:
        return error("UnknownOperationException", `not served: ${target}`);
    }
  });
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    calls,
    state: full,
    close,
    [Symbol.asyncDispose]: close,
  };
}
