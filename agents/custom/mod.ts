/**
 * A custom codename: an implementing agent defined entirely in `fleet.yaml`
 * (`agents.<codename>` with `queue_label`, `prompt_file`, `job`, tier,
 * schedule, caps, `programs`, `hosts`). It runs Lucius's firing
 * (agents/lucius/work.ts) as that codename: it claims the oldest issue
 * labelled with its queue label, works in a worktree on
 * `agent/<codename>/<issue>-…`, runs the engine with its prompt file as the
 * instructions, and opens a pull request titled `[<Codename>] …` with
 * `Alfred-Agent: <codename>` trailers.
 *
 * `alfred fire <codename>` loads it for any codename of fleet.yaml that has
 * no built-in loader (cli/fire_agent.ts). A compiled `alfred-<codename>`
 * binary is this file; it reads its codename from its own name (the build's
 * preload module). Under `deno run`, give the codename as the first argument:
 * `deno run … agents/custom/mod.ts docs`.
 *
 * @module
 */
import type { AgentDefinition, FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import { embeddedBuildInfo } from "../../runner/config/build_info.ts";

/**
 * Makes the agent of a custom codename.
 *
 * @param codename The codename, as in fleet.yaml.
 * @returns The agent definition.
 * @throws {AlfredError} (when loaded) for a built-in codename this binary does not carry.
 */
export async function customAgentFor(codename: string): Promise<AgentDefinition> {
  const { BUILT_IN_AGENTS } = await import("../../runner/config/config.ts");
  if (BUILT_IN_AGENTS[codename]) {
    const { AlfredError } = await import("../../runner/errors.ts");
    throw new AlfredError(`agent "${codename}" is not built into this binary`, {
      hint:
        `${codename} is a built-in codename: use a build that carries agents/${codename}/mod.ts.`,
      exitCode: 2,
    });
  }
  return {
    codename,
    job: `Custom agent ${codename}, defined in fleet.yaml.`,
    paid: true,
    github: true,
    work: (context) => workAs(context),
  };
}

async function workAs(context: FiringContext): Promise<WorkResult> {
  const { codename, agent } = context;
  const { AlfredError } = await import("../../runner/errors.ts");
  if (!agent.queueLabel || !agent.promptFile) {
    throw new AlfredError(`agent "${codename}" has no queue label or prompt file`, {
      hint: `Define agents.${codename} in ${context.config.source} (see docs/AGENTS.md).`,
    });
  }
  const instructions = await readPromptFile(context, agent.promptFile);
  const { createLuciusAgent } = await import("../lucius/work.ts");
  return await createLuciusAgent({
    as: {
      codename,
      queue: agent.queueLabel,
      job: agent.job ?? `Custom agent ${codename}.`,
      instructions,
    },
  }).work(context);
}

/**
 * Resolves a custom agent's `prompt_file` (pure): absolute as written, else
 * relative to ALFRED_HOME.
 *
 * @param home ALFRED_HOME.
 * @param promptFile The configured path.
 * @returns The absolute path.
 */
export function promptPathOf(home: string, promptFile: string): string {
  return promptFile.startsWith("/") ? promptFile : `${home}/${promptFile}`;
}

async function readPromptFile(context: FiringContext, promptFile: string): Promise<string> {
  const { AlfredError } = await import("../../runner/errors.ts");
  const path = promptPathOf(context.layout.home, promptFile);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new AlfredError(`the prompt of ${context.codename} is missing: ${path}`, {
      hint:
        `Write the agent's instructions to ${path}, or point agents.${context.codename}.prompt_file at them.`,
    });
  }
  if (!text.trim()) {
    throw new AlfredError(`the prompt of ${context.codename} is empty: ${path}`, {
      hint: `Write the agent's instructions to ${path}.`,
    });
  }
  return text;
}

/**
 * The codename a custom binary runs (pure): from its build name
 * (`alfred-<codename>`), else the first argument.
 *
 * @param build The embedded build object, if any.
 * @param args The command line.
 * @returns The codename, or `undefined` when neither says.
 */
export function codenameOfBinary(build: unknown, args: readonly string[]): string | undefined {
  const binary = build && typeof build === "object" && "binary" in build
    ? (build as { binary: unknown }).binary
    : undefined;
  if (typeof binary === "string" && binary.startsWith("alfred-")) {
    return binary.slice("alfred-".length);
  }
  return args[0];
}

if (import.meta.main) {
  // A compiled binary knows its codename; under `deno run` it is the first argument.
  const named = codenameOfBinary(embeddedBuildInfo(), []);
  const codename = named ?? Deno.args[0];
  const flags = named ? Deno.args : Deno.args.slice(1);
  if (!codename || codename.startsWith("-")) {
    console.error(
      "error: no codename\nhint: run a custom agent as `alfred fire <codename>`, or give it here.",
    );
    Deno.exit(2);
  }
  const { agentMain } = await import("../agent_main.ts");
  Deno.exit(
    await agentMain(codename, flags, {
      loadAgent: () => customAgentFor(codename),
    }),
  );
}
