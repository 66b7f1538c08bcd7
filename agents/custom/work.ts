/**
 * A custom codename's work: Lucius's firing (agents/lucius/work.ts) run as
 * that codename, with its queue label and its prompt file as the
 * instructions. Loaded by agents/custom/mod.ts once the guard lets the
 * firing through.
 *
 * @module
 */
import type { AgentDefinition, FiringContext, WorkResult } from "../../runner/firing/agent.ts";
import { BUILT_IN_AGENTS } from "../../runner/config/config.ts";
import { AlfredError } from "../../runner/errors.ts";
import { work as luciusWork } from "../lucius/work.ts";
import { promptPathOf } from "./prompt.ts";

/**
 * Makes the agent of a custom codename.
 *
 * @param codename The codename, as in fleet.yaml.
 * @returns The agent definition.
 * @throws {AlfredError} for a built-in codename this binary does not carry.
 */
export function customAgent(codename: string): AgentDefinition {
  if (BUILT_IN_AGENTS[codename]) {
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
  if (!agent.queueLabel || !agent.promptFile) {
    throw new AlfredError(`agent "${codename}" has no queue label or prompt file`, {
      hint: `Define agents.${codename} in ${context.config.source} (see docs/AGENTS.md).`,
    });
  }
  const instructions = await readPromptFile(context, agent.promptFile);
  return await luciusWork(context, {
    as: {
      codename,
      queue: agent.queueLabel,
      job: agent.job ?? `Custom agent ${codename}.`,
      instructions,
    },
  });
}

async function readPromptFile(context: FiringContext, promptFile: string): Promise<string> {
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
