/**
 * The GitHub Actions workflows: valid against the official workflow schema
 * (npm @action-validator/core, SchemaStore's schema compiled to WebAssembly),
 * and shaped as the release process needs (checked with a zod schema of the
 * subset they use).
 */
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { z } from "zod";
import { assert, assertEquals, assertStringIncludes } from "./support/assert.ts";
import { TARGETS } from "../scripts/build.ts";

const WORKFLOWS = new URL("../.github/workflows/", import.meta.url);

const Step = z.strictObject({
  name: z.string().optional(),
  id: z.string().optional(),
  if: z.union([z.string(), z.boolean()]).optional(),
  uses: z.string().regex(/^[\w.-]+\/[\w.-]+@v\d+$/, { message: "pin actions to a major version" })
    .optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
}).refine((step) => (step.uses === undefined) !== (step.run === undefined), {
  message: "a step has exactly one of uses and run",
});

const Job = z.strictObject({
  "runs-on": z.string(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  "timeout-minutes": z.number().int().positive(),
  permissions: z.record(z.string(), z.enum(["read", "write", "none"])).optional(),
  strategy: z.strictObject({
    "fail-fast": z.boolean().optional(),
    matrix: z.strictObject({ include: z.array(z.record(z.string(), z.unknown())) }),
  }).optional(),
  steps: z.array(Step).min(1),
});

const Workflow = z.strictObject({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.enum(["read", "write", "none"])),
  jobs: z.record(z.string(), Job),
});

async function load(name: string) {
  const text = await Deno.readTextFile(new URL(name, WORKFLOWS));
  return { text, workflow: Workflow.parse(parse(text)) };
}

Deno.test("both workflows pass the official workflow schema", async () => {
  for (const name of ["ci.yml", "release.yml"]) {
    const { text } = await load(name);
    const result = validateWorkflow(text) as { errors: unknown[] };
    assertEquals(result.errors, [], name);
  }
  // The validator does catch mistakes, so the check above can fail.
  const broken = validateWorkflow("on: push\njobs:\n  a:\n    runs-onn: x\n    steps: []\n") as {
    errors: unknown[];
  };
  assert(broken.errors.length > 0);
});

Deno.test("ci.yml runs .ci/run and nothing else", async () => {
  const { workflow } = await load("ci.yml");
  const runs = Object.values(workflow.jobs).flatMap((job) => job.steps).map((step) => step.run)
    .filter((run) => run !== undefined);
  assertEquals(runs, ["bash .ci/run"]);
  assertEquals(workflow.permissions, { contents: "read" });
});

Deno.test("release.yml builds the four targets on a v* tag and attaches archives and checksums", async () => {
  const { workflow } = await load("release.yml");
  assertEquals(workflow.on, { push: { tags: ["v*"] } });
  const build = workflow.jobs.build;
  assertEquals(build.strategy?.matrix.include.map((entry) => entry.target), [...TARGETS]);
  const buildRuns = build.steps.map((step) => step.run ?? "").join("\n");
  assertStringIncludes(buildRuns, "./scripts/deno.sh run -A scripts/build.ts --target");
  assert(!/DENORT_BIN|--offline/.test(buildRuns), "the release uses the real deno compile");
  assertStringIncludes(buildRuns, '"source":"embedded"');
  const publish = workflow.jobs.publish;
  assertEquals(publish.needs, "build");
  assertEquals(publish.permissions, { contents: "write" });
  assertEquals(workflow.permissions, { contents: "read" }, "only publish may write");
  const publishRuns = publish.steps.map((step) => step.run ?? "").join("\n");
  assertStringIncludes(publishRuns, "sha256sum alfred-*.tar.gz > SHA256SUMS");
  assertStringIncludes(publishRuns, "gh release upload");
});
